use super::*;
use crate::es::index::{DEFAULT_CLOCK_INDEX, DEFAULT_LOG_INDEX, DEFAULT_SOURCE_INDEX};
use crate::es::{DocumentKind, IndexPattern};
use crate::observe::snapshot::tests::example;
use crate::observe::{EventKind, EventRecord, EventSeverity, LogLevel};

fn collector() -> Collector {
    let parse = |p| IndexPattern::parse(p).expect("pattern");
    let indices = IndexPatterns {
        logs: parse(DEFAULT_LOG_INDEX),
        clock: parse(DEFAULT_CLOCK_INDEX),
        source: parse(DEFAULT_SOURCE_INDEX),
    };
    Collector::new(indices, Duration::from_secs(10))
}

fn kinds(collected: &Collected) -> Vec<DocumentKind> {
    collected.documents.iter().map(|d| d.kind).collect()
}

fn at_second(second: i64) -> SyncSnapshot {
    let mut snapshot = example();
    snapshot.generated_at += Duration::from_secs(second);
    snapshot.events.clear();
    snapshot
}

#[test]
fn clock_and_sources_are_taken_once_per_interval_by_snapshot_time() {
    let mut collector = collector();
    let mut taken = Vec::new();
    for second in 0..=25 {
        let collected = collector.snapshot(&at_second(second));
        if !collected.documents.is_empty() {
            taken.push(second);
        }
        assert!(collected.documents.len() == 3 || collected.documents.is_empty());
        collector.commit(collected);
    }
    assert_eq!(taken, [0, 10, 20]);
}

#[test]
fn uncommitted_documents_are_offered_again() {
    let mut collector = collector();
    let mut snapshot = at_second(0);
    snapshot.events = vec![EventRecord {
        time: snapshot.generated_at,
        kind: EventKind::ClockStepped,
        severity: EventSeverity::Warning,
        message: "stepped the clock by 1.5s".into(),
    }];
    let first = collector.snapshot(&snapshot);
    assert_eq!(
        kinds(&first),
        [
            DocumentKind::Clock,
            DocumentKind::Source,
            DocumentKind::Source,
            DocumentKind::Event
        ]
    );
    // The spool refused them (full, or an error): nothing is committed, all is offered again.
    let again = collector.snapshot(&snapshot);
    assert_eq!(again.documents.len(), 4);
    collector.commit(again);
    let later = at_second(1);
    let mut later_with_event = later.clone();
    later_with_event.events = snapshot.events.clone();
    assert!(
        collector.snapshot(&later_with_event).documents.is_empty(),
        "the event was shipped and the interval has not passed"
    );
}

fn record(second: i64, level: LogLevel, message: &str) -> LogRecord {
    LogRecord {
        time: Timestamp::from_secs_nanos(1_763_827_867 + second, 0),
        level,
        target: "shiwa::engine".into(),
        message: message.into(),
        fields: serde_json::Map::new(),
    }
}

#[test]
fn log_records_are_taken_once_at_info_and_above_even_when_they_share_a_time() {
    let mut collector = collector();
    let buffer = vec![
        record(0, LogLevel::Info, "started"),
        record(1, LogLevel::Debug, "noise"),
        record(2, LogLevel::Warn, "source lost"),
        record(2, LogLevel::Error, "bind failed"),
    ];
    let first = collector.logs("node-1", &buffer);
    let messages: Vec<_> = first
        .documents
        .iter()
        .map(|d| d.body["message"].clone())
        .collect();
    assert_eq!(messages, ["started", "source lost", "bind failed"]);
    collector.commit(first);
    // The buffer again with one more record at the same second and one later.
    let mut grown = buffer.clone();
    grown.push(record(2, LogLevel::Info, "same second, new"));
    grown.push(record(3, LogLevel::Info, "later"));
    let second = collector.logs("node-1", &grown[1..]);
    let messages: Vec<_> = second
        .documents
        .iter()
        .map(|d| d.body["message"].clone())
        .collect();
    assert_eq!(messages, ["same second, new", "later"]);
    assert!(
        second
            .documents
            .iter()
            .all(|d| d.index == "timebeat-2025.11.22")
    );
}
