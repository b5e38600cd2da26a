use super::*;
use crate::fleet::{Event, EventType, HostFacts, NodeId, RecordId};
use crate::hub::store::LastReport;
use crate::observe::{ClockState, EventSeverity};
use crate::time::Duration;

pub(crate) fn now() -> Timestamp {
    Timestamp::from_secs_nanos(1_795_400_000, 0)
}

/// A node that reported `offset_ns` a minute ago.
pub(crate) fn node(id: &str, state: NodeState, offset_ns: Option<i64>) -> NodeRecord {
    let minute_ago = now() - Duration::from_secs(60);
    NodeRecord {
        node_id: NodeId::new(id).expect("id"),
        created_at: now() - Duration::from_secs(86_400),
        report_interval_s: 60,
        ports: Vec::new(),
        blocked: false,
        maintenance: false,
        state,
        state_since: now() - Duration::from_secs(600),
        last_seen: Some(minute_ago),
        last_report: Some(LastReport {
            sent_at: minute_ago,
            clock_state: ClockState::Locked,
            synchronized: true,
            offset_ns,
            frequency_ppb: 1.5,
            path_delay_ns: Some(20_000),
            selected_source: Some("<ntp.example>".into()),
        }),
        host: Some(HostFacts {
            hostname: format!("{id}.example"),
            os: "Debian".into(),
            shiwa_version: "0.1.0".into(),
            api_url: None,
            address: None,
            ports: Vec::new(),
        }),
        backup_version: 2,
    }
}

pub(crate) fn event(id: &str, severity: EventSeverity, message: &str, minute: i64) -> StoredEvent {
    let mut event = Event::new(
        NodeId::new("gm-1").expect("id"),
        RecordId::new(format!("event-{id}-000000")).expect("record id"),
        now() - Duration::from_secs(60 * minute),
        EventType::SyncLost,
        message,
    );
    event.severity = severity;
    StoredEvent {
        event,
        received_at: now(),
    }
}

#[test]
fn the_fleet_page_counts_lists_and_ranks_offsets() {
    let mut blocked = node("gm-4", NodeState::Ok, Some(-9_000));
    blocked.blocked = true;
    let mut silent = node("gm-5", NodeState::New, None);
    silent.last_report = None;
    silent.last_seen = None;
    silent.host = None;
    let nodes = [
        node("gm-1", NodeState::Ok, Some(150)),
        node("gm-2", NodeState::Stale, Some(-250_000)),
        node("gm-3", NodeState::Down, Some(3_000)),
        blocked,
        silent,
    ];
    let body = fleet_body(&nodes, now(), 2, "tok");
    for (name, count) in [
        ("ok", 2),
        ("stale", 1),
        ("down", 1),
        ("new", 1),
        ("blocked", 1),
        ("maintenance", 0),
    ] {
        assert!(
            body.contains(&format!("id=\"count-{name}\"><b>{count}</b>")),
            "{name}: {body}"
        );
    }
    let worst = body
        .split("<table class=\"worst\">")
        .nth(1)
        .and_then(|rest| rest.split("</table>").next())
        .expect("worst table");
    assert_eq!(worst.matches("<tr><td>").count(), 2, "top 2: {worst}");
    let (first, second) = (
        worst.find("gm-2").expect("gm-2"),
        worst.find("gm-4").expect("gm-4"),
    );
    assert!(first < second, "-250 µs before -9 µs: {worst}");
    assert!(!worst.contains("gm-1"), "150 ns is not in the top 2");
    assert!(
        body.contains("<tr id=\"node-gm-5\">"),
        "every node is listed"
    );
    assert!(body.contains(">never<"), "a node that never reported");
    assert!(body.contains("class=\"state-stale\">stale"), "{body}");
    assert!(body.contains("ok <span class=\"flag\">(blocked)</span>"));
    assert!(body.contains("-250.000µs"), "{body}");
    assert!(body.contains("&lt;ntp.example&gt;") && !body.contains("<ntp.example>"));
    assert!(body.contains("action=\"/nodes\"") && body.contains("value=\"tok\""));
}

#[test]
fn an_empty_fleet_says_so() {
    let body = fleet_body(&[], now(), 10, "tok");
    assert!(body.contains("id=\"count-ok\"><b>0</b>"));
    assert!(body.contains("No node has reported an offset yet."));
    assert!(body.contains("<h2>Nodes (0)</h2>"));
}

#[test]
fn alerts_come_error_first_and_messages_are_escaped() {
    let events = vec![
        event("a", EventSeverity::Info, "info newest", 1),
        event("b", EventSeverity::Error, "<script>alert(1)</script>", 5),
        event("c", EventSeverity::Warning, "warning", 3),
        event("d", EventSeverity::Error, "error older", 9),
    ];
    let notifications = [Notification {
        id: 1,
        time: now(),
        node_id: Some(NodeId::new("gm-1").expect("id")),
        event_id: Some("event-b-000000".into()),
        channel: "discord".into(),
        outcome: "delivered".into(),
        detail: "HTTP 204 <ok>".into(),
    }];
    let body = alerts_body(events, &notifications);
    let order: Vec<usize> = ["&lt;script&gt;", "error older", "warning", "info newest"]
        .iter()
        .map(|text| body.find(text).unwrap_or_else(|| panic!("{text}: {body}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(!body.contains("<script>"), "{body}");
    assert!(body.contains("class=\"sev-error\">error"));
    assert!(body.contains("HTTP 204 &lt;ok&gt;"));
    assert!(body.contains("<h2>Notifications (1)</h2>"));
    let empty = alerts_body(Vec::new(), &[]);
    assert!(empty.contains("No events.") && empty.contains("No notifications were sent."));
}
