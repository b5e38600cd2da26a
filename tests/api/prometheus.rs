//! The Prometheus side with the real promtool: `check metrics` on real scrapes (helper used by
//! the other API tests), `check rules` and `test rules` on examples/prometheus, and the Grafana
//! dashboard only querying metrics shiwa exports.

use crate::support::{have_tool, repo_root, require};
use shiwa::api::metrics;
use shiwa::api::process::ProcessStats;
use shiwa::config::Protocol;
use shiwa::observe::{
    ClockSnapshot, ClockState, EventKind, EventRecord, EventSeverity, LinkState, SourceCounters,
    SourceSnapshot, SourceState, SyncSnapshot,
};
use shiwa::source::{Group, SourceId};
use shiwa::time::{Duration, Ppb, Timestamp};
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::Arc;

/// Whether promtool is here (a failure under `CI=true` when it is not).
pub fn have_promtool() -> bool {
    require(
        have_tool("promtool"),
        "promtool (Debian package prometheus)",
    )
}

/// Runs `promtool check metrics` on `page`; asserts rc 0 and no lint output.
pub fn assert_promtool_accepts(page: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run promtool");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(page.as_bytes())
        .expect("write the page");
    let output = child.wait_with_output().expect("promtool");
    assert_eq!(
        output.status.code(),
        Some(0),
        "promtool check metrics: {}{}\n{page}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn promtool(args: &[&str]) -> (i32, String) {
    let output = Command::new("promtool")
        .args(args)
        .current_dir(repo_root().join("examples/prometheus"))
        .output()
        .expect("run promtool");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn promtool_checks_and_tests_the_alert_rules() {
    if !have_promtool() {
        return;
    }
    let (code, text) = promtool(&["check", "rules", "alerts.yml"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("SUCCESS: 13 rules found"), "{text}");
    let (code, text) = promtool(&["test", "rules", "alerts_test.yml"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("SUCCESS"), "{text}");
}

/// A snapshot where every optional value is present, and events of every severity.
fn everything() -> SyncSnapshot {
    let now = Timestamp::from_secs_nanos(1_763_827_867, 0);
    let mut snapshot = SyncSnapshot::starting(now, "node-1");
    snapshot.hub = Some(shiwa::fleet::reporter::HubSnapshot {
        url: "https://hub.example:8080/".into(),
        node_id: "node-1".into(),
        state: shiwa::fleet::reporter::HubPushState::Ok,
        queued: 0,
        sent: 10,
        duplicates: 0,
        dead_lettered: 0,
        dropped: 0,
        retries: 1,
        oldest_age_s: None,
        last_ack: Some(now),
        last_error: None,
    });
    snapshot.elasticsearch = Some(shiwa::es::status::EsSnapshot {
        host: Some("https://es1:9200".into()),
        state: shiwa::es::status::ShipState::BackingOff,
        acked: 1_000,
        duplicates: 3,
        dead_lettered: 1,
        failed_requests: 2,
        too_many_requests: 4,
        retries: 10,
        dropped: 0,
        blocked: 0,
        queued: 25,
        queued_bytes: 12_000,
        oldest_age_s: Some(42),
        last_ack: Some(now),
        last_error: Some("HTTP 429: es_rejected_execution_exception".into()),
    });
    snapshot.clock = ClockSnapshot {
        state: ClockState::Locked,
        synchronized: true,
        adjust_clock: true,
        selected_source: Some("ntp 10.99.1.1".into()),
        group: Some(Group::Primary),
        offset: Some(Duration::from_nanos(-1_234)),
        frequency: Ppb(12_500.0),
        path_delay: Some(Duration::from_micros(250)),
        root_distance: Some(Duration::from_micros(900)),
        last_update: Some(now),
        steps: 1,
        state_since: now,
    };
    snapshot.sources = vec![SourceSnapshot {
        id: SourceId(0),
        name: "ntp 10.99.1.1".into(),
        protocol: Protocol::Ntp,
        group: Group::Primary,
        address: Some("10.99.1.1".into()),
        state: SourceState::Selected,
        reason: None,
        stratum: Some(2),
        refid: Some("GPS".into()),
        parent: None,
        reach: 0o377,
        poll: Some(Duration::from_secs(16)),
        offset: Some(Duration::from_nanos(-1_234)),
        delay: Some(Duration::from_micros(250)),
        jitter: Some(Duration::from_nanos(800)),
        last_sample: Some(now),
        counters: SourceCounters {
            samples: 10,
            rejected: 1,
            timeouts: 1,
        },
    }];
    for severity in [EventSeverity::Warning, EventSeverity::Error] {
        snapshot.record_event(EventRecord {
            time: now,
            kind: EventKind::StepLimitExceeded,
            severity,
            message: "x".into(),
        });
    }
    snapshot
}

#[test]
fn the_rendered_page_passes_promtool_and_the_dashboard_uses_only_its_metrics() {
    let page = metrics::render(
        &LinkState::Up(Arc::new(everything())),
        ProcessStats::read().as_ref(),
    );
    if have_promtool() {
        assert_promtool_accepts(&page);
    }
    let exported: BTreeSet<&str> = page
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split(' ').next())
        .collect();
    let text = std::fs::read_to_string(repo_root().join("examples/grafana/shiwa.json"))
        .expect("the dashboard");
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let mut used = BTreeSet::new();
    collect_metric_names(&dashboard, &mut used);
    assert!(used.len() >= 15, "{used:?}");
    let unknown: Vec<_> = used
        .iter()
        .filter(|n| !exported.contains(n.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "the dashboard queries {unknown:?}, not exported"
    );
    let rules = std::fs::read_to_string(repo_root().join("examples/prometheus/alerts.yml"))
        .expect("the rules");
    let mut in_rules = BTreeSet::new();
    for line in rules.lines().filter_map(|l| l.trim().strip_prefix("expr:")) {
        names_in(line, &mut in_rules);
    }
    let unknown: Vec<_> = in_rules
        .iter()
        .filter(|n| !exported.contains(n.as_str()))
        .collect();
    assert!(
        unknown.is_empty(),
        "the alerts use {unknown:?}, not exported"
    );
}

/// Metric names (shiwa_*, shiwatime_*, process_*) in every `expr` and `query` of `value`.
fn collect_metric_names(value: &serde_json::Value, names: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child.as_str()) {
                    ("expr" | "query" | "definition", Some(expr)) => names_in(expr, names),
                    _ => collect_metric_names(child, names),
                }
            }
        }
        serde_json::Value::Array(items) => {
            items
                .iter()
                .for_each(|item| collect_metric_names(item, names));
        }
        _ => {}
    }
}

fn names_in(expr: &str, names: &mut BTreeSet<String>) {
    let words = expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'));
    for word in words {
        if ["shiwa_", "shiwatime_", "process_"]
            .iter()
            .any(|prefix| word.starts_with(prefix))
        {
            names.insert(word.to_string());
        }
    }
}
