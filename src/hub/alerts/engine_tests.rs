use super::*;
use crate::hub::alerts::format::render;
use crate::hub::alerts::settings::{WebhookFormat, WebhookSettings, redact_url};
use crate::hub::sweep::hub_event;
use crate::secret::Secret;
use serde_json::{Map, json};

const MIN: i64 = 60;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs_nanos(1_800_000_000 + secs, 0)
}

fn settings() -> AlertSettings {
    let webhook = |name: &str, min_severity| WebhookSettings {
        name: name.into(),
        url: Secret::new(format!("https://hooks.example.net/{name}/SECRET-TOKEN")),
        format: WebhookFormat::Generic,
        min_severity,
    };
    AlertSettings {
        webhooks: vec![
            webhook("ops", EventSeverity::Warning),
            webhook("pager", EventSeverity::Error),
        ],
        ..AlertSettings::default() // cooldown 15 min, repeat 4 h
    }
}

fn event(node: &str, event_type: EventType, secs: i64) -> Event {
    event_on_port(node, event_type, secs, None)
}

fn event_on_port(node: &str, event_type: EventType, secs: i64, port: Option<&str>) -> Event {
    let mut details = Map::new();
    if let Some(port) = port {
        details.insert("port_name".into(), json!(port));
    }
    let node_id = NodeId::new(node).expect("node id");
    hub_event(
        &node_id,
        event_type,
        at(secs),
        format!("{event_type} on {node}"),
        details,
    )
}

/// (webhook, kind, type the notification is about) for compact assertions.
fn summary(notifications: &[Notification]) -> Vec<(String, NotificationKind, EventType)> {
    notifications
        .iter()
        .map(|n| {
            (
                n.webhook.clone(),
                n.kind,
                n.resolves.unwrap_or(n.event.event_type),
            )
        })
        .collect()
}

fn row(
    webhook: &str,
    kind: NotificationKind,
    t: EventType,
) -> (String, NotificationKind, EventType) {
    (webhook.to_string(), kind, t)
}

#[test]
fn events_are_routed_by_severity() {
    let mut engine = AlertEngine::new(&settings());
    let stale = engine.on_event(&event("a", EventType::NodeStale, 0), at(0));
    assert_eq!(
        summary(&stale),
        vec![row("ops", NotificationKind::Firing, EventType::NodeStale)]
    );
    let port = engine.on_event(
        &event_on_port("a", EventType::PortDown, 0, Some("api")),
        at(0),
    );
    assert_eq!(
        summary(&port),
        vec![
            row("ops", NotificationKind::Firing, EventType::PortDown),
            row("pager", NotificationKind::Firing, EventType::PortDown),
        ]
    );
    let stepped = engine.on_event(&event("a", EventType::ClockStepped, 0), at(0));
    assert_eq!(
        summary(&stepped),
        vec![row("ops", NotificationKind::Event, EventType::ClockStepped)]
    );
    assert_eq!(
        engine.on_event(&event("a", EventType::ConfigChanged, 0), at(0)),
        vec![]
    );
}

#[test]
fn a_persisting_problem_repeats_then_resolves_to_the_same_webhooks() {
    let mut engine = AlertEngine::new(&settings());
    let fired = engine.on_event(&event("a", EventType::SyncLost, 0), at(0));
    assert_eq!(fired.len(), 2);
    assert_eq!(fired[0].since, at(0));
    assert_eq!(engine.next_due(), Some(at(4 * 3600)));
    assert_eq!(engine.tick(at(4 * 3600 - 1)), vec![]);
    let repeat = engine.tick(at(4 * 3600));
    assert_eq!(
        summary(&repeat),
        vec![
            row("ops", NotificationKind::Repeat, EventType::SyncLost),
            row("pager", NotificationKind::Repeat, EventType::SyncLost),
        ]
    );
    assert_eq!(repeat[0].since, at(0), "a reminder says when it started");
    assert_eq!(engine.tick(at(4 * 3600 + 60)), vec![]);
    let resolved = engine.on_event(
        &event("a", EventType::SyncRecovered, 5 * 3600),
        at(5 * 3600),
    );
    assert_eq!(
        summary(&resolved),
        vec![
            row("ops", NotificationKind::Resolved, EventType::SyncLost),
            row("pager", NotificationKind::Resolved, EventType::SyncLost),
        ]
    );
    assert_eq!(resolved[0].event.event_type, EventType::SyncRecovered);
    assert_eq!(engine.open_problems(), 0);
    assert_eq!(engine.tick(at(9 * 3600)), vec![]);
    assert_eq!(engine.next_due(), None);
    // A recovery without an open problem says nothing.
    assert_eq!(
        engine.on_event(&event("a", EventType::SyncRecovered, 0), at(9 * 3600)),
        vec![]
    );
}

#[test]
fn a_flapping_port_is_held_back_by_the_cooldown_and_sent_if_it_persists() {
    let mut engine = AlertEngine::new(&settings());
    let down = |secs| event_on_port("a", EventType::PortDown, secs, Some("api"));
    let up = |secs| event_on_port("a", EventType::PortUp, secs, Some("api"));
    assert_eq!(engine.on_event(&down(0), at(0)).len(), 2);
    assert_eq!(engine.on_event(&up(60), at(60)).len(), 2, "resolved");
    // Down again within the cooldown: held back; up again: nothing (never notified).
    assert_eq!(engine.on_event(&down(120), at(120)), vec![]);
    assert_eq!(engine.on_event(&up(180), at(180)), vec![]);
    // Down again, still within the cooldown, and it stays down.
    assert_eq!(engine.on_event(&down(240), at(240)), vec![]);
    assert_eq!(engine.next_due(), Some(at(15 * MIN)));
    assert_eq!(engine.tick(at(15 * MIN - 1)), vec![]);
    let late = engine.tick(at(15 * MIN));
    assert_eq!(
        summary(&late)[0],
        row("ops", NotificationKind::Firing, EventType::PortDown)
    );
    assert_eq!(late[0].since, at(240));
    assert_eq!(engine.on_event(&up(16 * MIN), at(16 * MIN)).len(), 2);
}

#[test]
fn ports_of_one_node_are_separate_alerts_and_duplicates_are_quiet() {
    let mut engine = AlertEngine::new(&settings());
    let api = event_on_port("a", EventType::PortDown, 0, Some("api"));
    let ssh = event_on_port("a", EventType::PortDown, 0, Some("ssh"));
    assert_eq!(engine.on_event(&api, at(0)).len(), 2);
    assert_eq!(engine.on_event(&ssh, at(0)).len(), 2);
    assert_eq!(engine.on_event(&api, at(30)), vec![], "already open");
    let ssh_up = event_on_port("a", EventType::PortUp, 60, Some("ssh"));
    let resolved = engine.on_event(&ssh_up, at(60));
    assert_eq!(resolved.len(), 2);
    assert_eq!(resolved[0].event.details["port_name"], json!("ssh"));
    assert_eq!(engine.open_problems(), 1);
}

#[test]
fn node_down_replaces_stale_and_recovery_resolves_once_per_webhook() {
    let mut engine = AlertEngine::new(&settings());
    assert_eq!(
        engine
            .on_event(&event("a", EventType::NodeStale, 0), at(0))
            .len(),
        1
    );
    let down = engine.on_event(&event("a", EventType::NodeDown, 60), at(60));
    assert_eq!(down.len(), 2);
    assert_eq!(engine.open_problems(), 1);
    let recovered = engine.on_event(&event("a", EventType::NodeRecovered, 120), at(120));
    assert_eq!(
        summary(&recovered),
        vec![
            row("ops", NotificationKind::Resolved, EventType::NodeDown),
            row("pager", NotificationKind::Resolved, EventType::NodeDown),
        ]
    );
    // Another node's alerts are independent.
    assert_eq!(
        engine
            .on_event(&event("b", EventType::NodeStale, 0), at(130))
            .len(),
        1
    );
}

#[test]
fn resolved_notices_and_repeats_can_be_turned_off() {
    let mut quiet = settings();
    quiet.send_resolved = false;
    quiet.repeat_interval = crate::config::ConfigDuration(std::time::Duration::ZERO);
    let mut engine = AlertEngine::new(&quiet);
    assert_eq!(
        engine
            .on_event(&event("a", EventType::NodeDown, 0), at(0))
            .len(),
        2
    );
    assert_eq!(engine.next_due(), None);
    assert_eq!(engine.tick(at(86_400)), vec![]);
    assert_eq!(
        engine.on_event(&event("a", EventType::NodeRecovered, 0), at(86_400)),
        vec![]
    );
}

#[test]
fn one_off_events_share_the_cooldown() {
    let mut engine = AlertEngine::new(&settings());
    assert_eq!(
        engine
            .on_event(&event("a", EventType::OffsetExceeded, 0), at(0))
            .len(),
        1
    );
    assert_eq!(
        engine.on_event(&event("a", EventType::OffsetExceeded, 60), at(60)),
        vec![]
    );
    assert_eq!(
        engine
            .on_event(&event("b", EventType::OffsetExceeded, 60), at(60))
            .len(),
        1
    );
    assert_eq!(
        engine
            .on_event(&event("a", EventType::OffsetExceeded, 900), at(900))
            .len(),
        1
    );
}

#[test]
fn notification_ids_differ_per_webhook_and_kind() {
    let mut engine = AlertEngine::new(&settings());
    let fired = engine.on_event(&event("a", EventType::NodeDown, 0), at(0));
    let repeat = engine.tick(at(4 * 3600));
    let ids: std::collections::BTreeSet<_> =
        fired.iter().chain(&repeat).map(|n| n.id.clone()).collect();
    assert_eq!(ids.len(), 4);
}

#[test]
fn settings_read_from_yaml_and_are_validated_without_showing_the_url() {
    let yaml = "cooldown: 5m\nwebhooks:\n  - name: d\n    url: https://discord.com/api/webhooks/1/TOKEN\n    format: discord\n    min_severity: error\ndelivery:\n  attempts: 3\n";
    let settings: AlertSettings = yaml_serde::from_str(yaml).expect("yaml");
    assert_eq!(settings.cooldown.0, std::time::Duration::from_secs(300));
    assert_eq!(settings.webhooks[0].format, WebhookFormat::Discord);
    assert_eq!(settings.webhooks[0].min_severity, EventSeverity::Error);
    assert_eq!(settings.delivery.attempts, 3);
    assert!(settings.validate().is_ok());
    assert!(!format!("{settings:?}").contains("TOKEN"));
    assert!(yaml_serde::from_str::<AlertSettings>("cooldwn: 5m\n").is_err());
    let mut bad = settings.clone();
    bad.webhooks[0].url = Secret::new("ftp://x/TOKEN");
    let err = bad.validate().expect_err("ftp");
    assert_eq!(err.key, "webhooks[0].url");
    assert!(!err.to_string().contains("TOKEN"), "{err}");
    let mut twice = settings.clone();
    twice.webhooks.push(twice.webhooks[0].clone());
    assert_eq!(twice.validate().expect_err("dup").key, "webhooks[1].name");
}

#[test]
fn urls_are_redacted_to_scheme_and_host_and_backoff_doubles_to_its_cap() {
    assert_eq!(
        redact_url("https://discord.com/api/webhooks/1/TOKEN"),
        "https://discord.com/…"
    );
    assert_eq!(
        redact_url("http://user:pw@127.0.0.1:9000/?k=v"),
        "http://127.0.0.1:9000/…"
    );
    assert_eq!(redact_url("http://h/"), "http://h");
    assert_eq!(redact_url("not a url"), "<invalid url>");
    let delivery = crate::hub::alerts::DeliverySettings::default();
    let secs: Vec<u64> = (2..=9)
        .map(|n| delivery.backoff_before(n).as_secs())
        .collect();
    assert_eq!(secs, vec![1, 2, 4, 8, 16, 32, 60, 60]);
}

#[test]
fn payloads_have_each_services_shape() {
    let mut engine = AlertEngine::new(&settings());
    let mut problem = event_on_port("a", EventType::PortDown, 0, Some("api"));
    problem.message = "<!channel> @everyone down".into();
    let fired = engine.on_event(&problem, at(0));
    let generic = render(&fired[0], WebhookFormat::Generic);
    assert_eq!(generic["status"], "firing");
    assert_eq!(generic["kind"], "firing");
    assert_eq!(generic["type"], "port_down");
    assert_eq!(generic["severity"], "error");
    assert_eq!(generic["node_id"], "a");
    assert_eq!(generic["details"]["port_name"], "api");
    let discord = render(&fired[0], WebhookFormat::Discord);
    assert!(
        discord["content"]
            .as_str()
            .is_some_and(|c| c.starts_with("[FIRING] port_down (api) on a"))
    );
    assert_eq!(discord["allowed_mentions"]["parse"], json!([]));
    assert_eq!(discord["embeds"][0]["color"], 0xE7_4C_3C);
    let slack = render(&fired[0], WebhookFormat::Slack);
    assert!(
        slack["text"]
            .as_str()
            .is_some_and(|t| t.contains("&lt;!channel&gt;"))
    );
    assert_eq!(slack["blocks"][0]["type"], "header");
    let up = event_on_port("a", EventType::PortUp, 60, Some("api"));
    let resolved = engine.on_event(&up, at(60));
    let generic = render(&resolved[0], WebhookFormat::Generic);
    assert_eq!(
        (generic["status"].clone(), generic["resolves"].clone()),
        (json!("resolved"), json!("port_down"))
    );
    assert_eq!(
        render(&resolved[0], WebhookFormat::Discord)["embeds"][0]["color"],
        0x2E_CC_71
    );
}

#[test]
fn restored_problems_are_not_fired_again_and_are_resolved_after_a_restart() {
    let mut engine = AlertEngine::new(&settings());
    let history = [
        event("a", EventType::NodeStale, 0),
        event("a", EventType::NodeDown, MIN),
        event("b", EventType::NodeStale, 0),
        event("b", EventType::NodeRecovered, 2 * MIN),
        event_on_port("c", EventType::PortDown, 0, Some("api")),
        event("d", EventType::ClockStepped, 0),
    ];
    let open = engine.restore(&history);
    let mut open_types: Vec<(String, EventType)> = open
        .iter()
        .map(|e| (e.node_id.as_str().to_string(), e.event_type))
        .collect();
    open_types.sort();
    assert_eq!(
        open_types,
        [
            ("a".to_string(), EventType::NodeDown),
            ("c".to_string(), EventType::PortDown)
        ],
        "b recovered, a's stale became down, d's event is no problem"
    );
    // The same problem reported again is no second firing.
    assert!(
        engine
            .on_event(&event("a", EventType::NodeDown, 3 * MIN), at(3 * MIN))
            .is_empty()
    );
    // Its end is a resolved notice to every webhook an error went to.
    let resolved = engine.on_event(&event("a", EventType::NodeRecovered, 4 * MIN), at(4 * MIN));
    assert_eq!(
        summary(&resolved),
        [
            row("ops", NotificationKind::Resolved, EventType::NodeDown),
            row("pager", NotificationKind::Resolved, EventType::NodeDown)
        ]
    );
    // A reminder comes repeat_interval after the restored event, not at once.
    assert!(engine.tick(at(5 * MIN)).is_empty());
    let reminder = engine.tick(at(4 * 3600 + 1));
    assert_eq!(
        summary(&reminder),
        [
            row("ops", NotificationKind::Repeat, EventType::PortDown),
            row("pager", NotificationKind::Repeat, EventType::PortDown)
        ],
        "port_down is an error: both webhooks"
    );
}
