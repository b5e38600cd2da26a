use super::*;
use crate::observe::EventSeverity;

const MINUTE: i64 = 60;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs_nanos(1_800_000_000 + secs, 0)
}

fn node(name: &str, interval_s: i64, last_report: Option<i64>, state: NodeState) -> NodeView {
    NodeView {
        node_id: NodeId::new(name).expect("node id"),
        report_interval: last_report.map(|_| Duration::from_secs(interval_s)),
        thresholds: None,
        last_report: last_report.map(at),
        added_at: at(0),
        state,
        blocked: false,
        maintenance: false,
    }
}

/// Runs sweeps every `step` seconds from `from` to `to`, applying each transition to the
/// view as the hub would, and returns (time, new state, event type) for each.
fn run(
    settings: &DeadmanSettings,
    started_at: i64,
    view: &mut NodeView,
    from: i64,
    to: i64,
    step: i64,
) -> Vec<(i64, NodeState, EventType)> {
    let mut seen = Vec::new();
    let mut now = from;
    while now <= to {
        let clock = HubClock {
            started_at: at(started_at),
            now: at(now),
        };
        for transition in sweep(settings, clock, std::slice::from_ref(view)) {
            assert_eq!(transition.from, view.state);
            view.state = transition.to;
            seen.push((now, transition.to, event_of(&transition).event_type));
        }
        now += step;
    }
    seen
}

#[test]
fn a_silent_node_goes_stale_after_two_intervals_and_down_after_four() {
    let settings = DeadmanSettings::default();
    let mut view = node("gm-1", 15 * MINUTE, Some(1000), NodeState::Ok);
    let seen = run(
        &settings,
        -86_400,
        &mut view,
        1000,
        1000 + 5 * 15 * MINUTE,
        60,
    );
    assert_eq!(
        seen,
        vec![
            (1000 + 30 * MINUTE, NodeState::Stale, EventType::NodeStale),
            (1000 + 60 * MINUTE, NodeState::Down, EventType::NodeDown),
        ]
    );
}

#[test]
fn events_carry_severity_thresholds_and_last_seen() {
    let settings = DeadmanSettings::default();
    let view = node("gm-1", 60, Some(0), NodeState::Ok);
    let clock = HubClock {
        started_at: at(-86_400),
        now: at(250),
    };
    let transitions = sweep(&settings, clock, &[view]);
    assert_eq!(transitions.len(), 1);
    let event = event_of(&transitions[0]);
    assert_eq!(transitions[0].to, NodeState::Down);
    assert_eq!(event.event_type, EventType::NodeDown);
    assert_eq!(event.severity, EventSeverity::Error);
    assert_eq!(event.time, at(250));
    assert_eq!(event.details["last_seen"], json!(at(0).to_rfc3339()));
    assert_eq!(event.details["stale_after_s"], json!(120));
    assert_eq!(event.details["down_after_s"], json!(240));
    assert_eq!(event.details["silent_for_s"], json!(250));
    assert!(
        event.message.contains("no report for 250 s"),
        "{}",
        event.message
    );
    assert!(
        event.validate_from_node().is_err(),
        "hub events are hub-only"
    );
    // The same transition raised again has the same id (stored once).
    let again = sweep(
        &settings,
        clock,
        &[node("gm-1", 60, Some(0), NodeState::Ok)],
    );
    assert_eq!(event_of(&again[0]).event_id, event.event_id);
}

#[test]
fn a_report_recovers_a_stale_or_down_node_and_nothing_else() {
    for state in [NodeState::Stale, NodeState::Down] {
        let view = node("gm-1", 60, Some(0), state);
        let transition = report_received(&view, at(500)).expect("recovers");
        assert_eq!((transition.from, transition.to), (state, NodeState::Ok));
        assert_eq!(event_of(&transition).event_type, EventType::NodeRecovered);
        assert_eq!(event_of(&transition).severity, EventSeverity::Info);
        assert_eq!(
            event_of(&transition).details["previous_state"],
            json!(state.as_str())
        );
    }
    assert_eq!(
        report_received(&node("gm-1", 60, Some(0), NodeState::Ok), at(5)),
        None
    );
}

#[test]
fn the_sweep_notices_a_recovery_the_ingest_path_missed() {
    let settings = DeadmanSettings::default();
    let mut view = node("gm-1", 60, Some(0), NodeState::Ok);
    let seen = run(&settings, -86_400, &mut view, 0, 300, 60);
    assert_eq!(seen.last().map(|s| s.1), Some(NodeState::Down));
    view.last_report = Some(at(310));
    let seen = run(&settings, -86_400, &mut view, 360, 400, 60);
    assert_eq!(seen, vec![(360, NodeState::Ok, EventType::NodeRecovered)]);
}

#[test]
fn nothing_goes_stale_during_the_grace_period_after_a_hub_start() {
    let settings = DeadmanSettings::default(); // grace 5 min
    // Last heard 2 h before the hub started, 60 s interval: down as soon as grace ends.
    let mut view = node("gm-1", 60, Some(-7200), NodeState::Ok);
    let seen = run(&settings, 0, &mut view, 0, 600, 10);
    assert_eq!(seen, vec![(300, NodeState::Down, EventType::NodeDown)]);
}

#[test]
fn after_a_hub_restart_silence_counts_from_the_start_not_from_before_it() {
    let settings = DeadmanSettings::default();
    // 15 min interval, last report 50 min before the hub came back: it gets a full stale
    // threshold (30 min) from the start, since it may have spooled while the hub was away.
    let mut view = node("gm-1", 15 * MINUTE, Some(-50 * MINUTE), NodeState::Ok);
    let seen = run(&settings, 0, &mut view, 0, 70 * MINUTE, 60);
    assert_eq!(
        seen,
        vec![
            (30 * MINUTE, NodeState::Stale, EventType::NodeStale),
            (60 * MINUTE, NodeState::Down, EventType::NodeDown),
        ]
    );
    // A node stored as down before the restart is not raised again.
    let mut down = node("gm-2", 15 * MINUTE, Some(-5 * 3600), NodeState::Down);
    assert_eq!(run(&settings, 0, &mut down, 0, 3 * 3600, 60), vec![]);
    // ... nor does silence make a stale one look better.
    let mut stale = node("gm-3", 15 * MINUTE, Some(-40 * MINUTE), NodeState::Stale);
    let seen = run(&settings, 0, &mut stale, 0, 70 * MINUTE, 60);
    assert_eq!(
        seen,
        vec![(60 * MINUTE, NodeState::Down, EventType::NodeDown)]
    );
}

#[test]
fn a_node_that_never_reported_counts_from_when_it_was_added() {
    let settings = DeadmanSettings::default(); // default interval 15 min
    let mut view = node("new-1", 0, None, NodeState::Ok);
    let seen = run(&settings, -86_400, &mut view, 0, 61 * MINUTE, 60);
    assert_eq!(
        seen,
        vec![
            (30 * MINUTE, NodeState::Stale, EventType::NodeStale),
            (60 * MINUTE, NodeState::Down, EventType::NodeDown),
        ]
    );
    let clock = HubClock {
        started_at: at(-86_400),
        now: at(31 * MINUTE),
    };
    let fresh = node("new-2", 0, None, NodeState::Ok);
    let transitions = sweep(&settings, clock, &[fresh]);
    let event = event_of(&transitions[0]);
    assert_eq!(event.details["last_seen"], Value::Null);
    assert!(
        event.message.contains("last seen never"),
        "{}",
        event.message
    );
    // A node that never reported cannot "recover" through the sweep.
    let mut down = node("new-3", 0, None, NodeState::Down);
    assert_eq!(run(&settings, -86_400, &mut down, 0, 3600, 60), vec![]);
}

#[test]
fn blocked_and_maintenance_nodes_are_skipped() {
    let settings = DeadmanSettings::default();
    let clock = HubClock {
        started_at: at(-86_400),
        now: at(86_400),
    };
    let mut blocked = node("gm-1", 60, Some(0), NodeState::Ok);
    blocked.blocked = true;
    let mut maintenance = node("gm-2", 60, Some(0), NodeState::Stale);
    maintenance.maintenance = true;
    assert_eq!(
        sweep(&settings, clock, &[blocked.clone(), maintenance.clone()]),
        vec![]
    );
    assert_eq!(report_received(&maintenance, at(5)), None);
    blocked.state = NodeState::Down;
    assert_eq!(report_received(&blocked, at(5)), None);
}

#[test]
fn a_node_override_replaces_the_multiples() {
    let settings = DeadmanSettings::default();
    let mut view = node("gm-1", 60, Some(0), NodeState::Ok);
    view.thresholds = Some(Multiples {
        stale_after: 5,
        down_after: 10,
    });
    assert_eq!(
        thresholds(&settings, &view),
        (Duration::from_secs(300), Duration::from_secs(600))
    );
    let seen = run(&settings, -86_400, &mut view, 0, 700, 60);
    assert_eq!(
        seen,
        vec![
            (300, NodeState::Stale, EventType::NodeStale),
            (600, NodeState::Down, EventType::NodeDown),
        ]
    );
}

#[test]
fn settings_read_from_yaml_with_defaults_and_refuse_nonsense() {
    let settings: DeadmanSettings =
        yaml_serde::from_str("stale_after: 3\ngrace: 10m\n").expect("yaml");
    assert_eq!(settings.stale_after, 3);
    assert_eq!(settings.down_after, 4);
    assert_eq!(settings.grace.0, std::time::Duration::from_secs(600));
    assert_eq!(
        settings.sweep_interval.0,
        std::time::Duration::from_secs(60)
    );
    assert!(settings.validate().is_ok());
    assert!(yaml_serde::from_str::<DeadmanSettings>("stale_aftr: 3\n").is_err());
    let bad = DeadmanSettings {
        down_after: 2,
        ..DeadmanSettings::default()
    };
    let err = bad.validate().expect_err("down <= stale");
    assert!(err.to_string().starts_with("deadman.down_after"), "{err}");
    let zero = DeadmanSettings {
        sweep_interval: ConfigDuration(std::time::Duration::ZERO),
        ..DeadmanSettings::default()
    };
    assert_eq!(zero.validate().expect_err("zero").key, "sweep_interval");
}

fn event_of(transition: &Transition) -> &Event {
    transition
        .event
        .as_ref()
        .expect("a stale, down or recovered transition carries an event")
}

#[test]
fn a_new_node_becomes_ok_silently_on_its_first_report_and_goes_stale_if_it_never_reports() {
    let settings = DeadmanSettings::default();
    let mut node = NodeView {
        node_id: NodeId::new("fresh".to_string()).expect("id"),
        report_interval: Some(Duration::from_secs(200)),
        thresholds: None,
        last_report: None,
        added_at: at(0),
        state: NodeState::New,
        blocked: false,
        maintenance: false,
    };
    let first = report_received(&node, at(10)).expect("new → ok");
    assert_eq!((first.from, first.to), (NodeState::New, NodeState::Ok));
    assert!(first.event.is_none(), "a first report is not news");
    // Never reporting: within the grace nothing, then stale after 2 intervals (400 s).
    let clock = |now| HubClock {
        started_at: at(0),
        now: at(now),
    };
    assert!(sweep(&settings, clock(100), std::slice::from_ref(&node)).is_empty());
    let stale = sweep(&settings, clock(401), std::slice::from_ref(&node));
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(stale[0].to, NodeState::Stale);
    assert_eq!(event_of(&stale[0]).event_type, EventType::NodeStale);
    // A new node that reported is made ok by the sweep too, without an event.
    node.last_report = Some(at(390));
    let ok = sweep(&settings, clock(401), std::slice::from_ref(&node));
    assert_eq!((ok[0].to, ok[0].event.is_none()), (NodeState::Ok, true));
}
