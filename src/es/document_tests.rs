use super::*;
use crate::observe::snapshot::tests::example;
use crate::observe::{EventKind, EventSeverity};
use crate::time::Duration;

fn patterns() -> IndexPatterns {
    let parse = |p| IndexPattern::parse(p).expect("pattern");
    IndexPatterns {
        logs: parse(super::super::index::DEFAULT_LOG_INDEX),
        clock: parse(super::super::index::DEFAULT_CLOCK_INDEX),
        source: parse(super::super::index::DEFAULT_SOURCE_INDEX),
    }
}

#[test]
fn a_snapshot_gives_a_clock_document_and_one_per_source() {
    let snapshot = example();
    let documents = snapshot_documents(&snapshot, &patterns());
    assert_eq!(documents.len(), 1 + snapshot.sources.len());
    let clock = &documents[0];
    assert_eq!(clock.kind, DocumentKind::Clock);
    assert_eq!(clock.index, "shiwatime_clock-2025.11.22");
    assert_eq!(clock.body["@timestamp"], "2025-11-22T16:11:07.123456789Z");
    assert_eq!(clock.body["host"]["name"], "node-1");
    assert_eq!(clock.body["event"]["dataset"], "shiwa.clock");
    assert_eq!(clock.body["agent"]["type"], "shiwa");
    assert_eq!(clock.body["clock"]["state"], "locked");
    assert_eq!(clock.body["clock"]["synchronized"], true);
    let source = &documents[1];
    assert_eq!(source.index, "shiwatime_source-2025.11.22");
    assert_eq!(source.body["source"]["name"], "ntp 10.99.1.1");
    let ids: std::collections::HashSet<&str> = documents.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), documents.len(), "ids are distinct");
}

#[test]
fn ids_are_deterministic_and_change_with_time_host_and_identity() {
    let snapshot = example();
    let first = snapshot_documents(&snapshot, &patterns());
    let again = snapshot_documents(&snapshot, &patterns());
    assert_eq!(first, again, "the same snapshot gives the same documents");
    let mut later = example();
    later.generated_at += Duration::from_secs(10);
    assert_ne!(snapshot_documents(&later, &patterns())[0].id, first[0].id);
    let time = snapshot.generated_at;
    let id = |host, identity: &[&str]| document_id(DocumentKind::Log, host, time, identity);
    assert_ne!(id("a", &["x"]), id("b", &["x"]));
    assert_ne!(
        id("a", &["xy", "z"]),
        id("a", &["x", "yz"]),
        "parts cannot shift"
    );
    assert_eq!(id("a", &["x"]).len(), 40);
    let at = |time: Timestamp| document_id(DocumentKind::Log, "a", time, &["x"]);
    assert!(
        at(time) < at(time + Duration::from_nanos(1))
            && at(time) < at(time + Duration::from_secs(86_400)),
        "ids sort by time"
    );
}

#[test]
fn events_and_logs_go_to_the_log_index_and_debug_logs_are_left_out() {
    let time = crate::observe::rfc3339::parse("2026-11-23T01:02:03Z").expect("time");
    let event = EventRecord {
        time,
        kind: EventKind::ClockStepped,
        severity: EventSeverity::Warning,
        message: "stepped by 1.5 ms".into(),
    };
    let doc = event_document(&event, "gm-1", &patterns());
    assert_eq!(doc.index, "timebeat-2026.11.23");
    assert_eq!(doc.kind, DocumentKind::Event);
    assert_eq!(doc.body["message"], "stepped by 1.5 ms");
    assert_eq!(doc.body["log"]["level"], "warning");
    assert_eq!(doc.body["event"]["dataset"], "shiwa.event");
    assert_eq!(
        doc.body["shiwa"]["event"]["kind"],
        EventKind::ClockStepped.name()
    );
    let mut record = LogRecord {
        time,
        level: LogLevel::Info,
        target: "shiwa::ntp".into(),
        message: "source selected".into(),
        fields: serde_json::Map::new(),
    };
    record.fields.insert("offset_ns".into(), json!(-120));
    let doc = log_document(&record, "gm-1", &patterns()).expect("info is shipped");
    assert_eq!(doc.body["fields"]["offset_ns"], -120);
    assert_eq!(doc.body["log"]["logger"], "shiwa::ntp");
    record.level = LogLevel::Debug;
    assert!(log_document(&record, "gm-1", &patterns()).is_none());
}
