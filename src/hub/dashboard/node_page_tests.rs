use super::*;
use crate::hub::dashboard::pages::tests::{event, node, now};
use crate::hub::store::NodeState;
use crate::observe::{ClockState, EventSeverity};

fn point(minutes_ago: i64, offset_ns: Option<i64>) -> HistoryPoint {
    HistoryPoint {
        time: now() - Duration::from_secs(60 * minutes_ago),
        state: ClockState::Locked,
        offset_ns,
        frequency_ppb: -3.25,
        path_delay_ns: None,
    }
}

fn view<'a>(node: &'a NodeRecord, history: &'a [HistoryPoint]) -> NodeView<'a> {
    NodeView {
        node,
        history,
        events: &[],
        checks: &[],
        backup: None,
        period: period(Some("1h")).expect("1h"),
        now: now(),
        csrf: "tok",
        done: None,
    }
}

#[test]
fn a_node_page_has_both_charts_and_every_section() {
    let node = node("gm-1", NodeState::Stale, Some(-1500));
    let history: Vec<HistoryPoint> = (0..30)
        .map(|m| point(30 - m, Some(-1500 + 100 * m)))
        .collect();
    let events = [event("a", EventSeverity::Warning, "<img src=x>", 2)];
    let checks = [PortCheck {
        node_id: node.node_id.clone(),
        name: "api".into(),
        port: 8088,
        checked_at: now(),
        up: false,
        latency_us: None,
        error: Some("connection refused".into()),
    }];
    let mut page_view = view(&node, &history);
    page_view.events = &events;
    page_view.checks = &checks;
    let body = node_body(&page_view);
    assert_eq!(body.matches("<svg class=\"chart\"").count(), 2, "{body}");
    assert!(body.contains("offset (µs)") && body.contains("frequency (ppb)"));
    assert_eq!(body.matches("<polyline").count(), 2);
    assert!(body.contains("&lt;img src=x&gt;") && !body.contains("<img"));
    assert!(body.contains("class=\"state-down\">down") && body.contains("connection refused"));
    assert!(body.contains("No backup yet."));
    assert!(body.contains("href=\"/nodes/gm-1?period=7d\""));
    assert!(body.contains("<a href=\"/nodes/gm-1?period=1h\" class=\"current\">1h</a>"));
    for action in ["block", "maintenance-on", "rotate-key", "remove"] {
        assert!(
            body.contains(&format!("action=\"/nodes/gm-1/{action}\"")),
            "{action}"
        );
    }
    assert_eq!(body.matches("name=\"csrf\" value=\"tok\"").count(), 4);
}

#[test]
fn a_node_without_reports_or_offsets_still_renders() {
    let mut silent = node("gm-2", NodeState::New, None);
    silent.last_report = None;
    silent.host = None;
    silent.blocked = true;
    silent.maintenance = true;
    let body = node_body(&view(&silent, &[]));
    assert_eq!(body.matches("no reports in this period").count(), 2);
    assert!(body.contains("action=\"/nodes/gm-2/unblock\""));
    assert!(body.contains("action=\"/nodes/gm-2/maintenance-off\""));
    let no_offset = [point(5, None), point(4, None)];
    let body = node_body(&view(&silent, &no_offset));
    assert!(body.contains("no value in the reports of this period"));
    assert_eq!(body.matches("<polyline").count(), 1, "frequency is there");
}

#[test]
fn periods_and_notices_are_a_fixed_set() {
    assert_eq!(period(None).map(|p| p.0), Ok("24h"));
    assert_eq!(
        period(Some("7d")).map(|p| p.1),
        Ok(Duration::from_secs(604_800))
    );
    assert!(matches!(
        period(Some("2h")),
        Err(DashboardError::BadForm {
            field: "period",
            ..
        })
    ));
    assert!(done_notice("block").is_some());
    assert_eq!(done_notice("<script>"), None);
}
