use super::*;

const T0: Timestamp = Timestamp::from_nanos(1_700_000_000_000_000_000);

fn event(secs: i64, kind: EventKind, message: &str) -> EventRecord {
    EventRecord {
        time: T0 + Duration::from_secs(secs),
        kind,
        severity: kind.default_severity(),
        message: message.into(),
    }
}

fn log(secs: i64, level: LogLevel, target: &str, message: &str) -> LogRecord {
    LogRecord {
        time: T0 + Duration::from_secs(secs),
        level,
        target: target.into(),
        message: message.into(),
        fields: serde_json::Map::new(),
    }
}

#[test]
fn each_engine_event_is_reported_once_as_the_snapshot_window_slides() {
    let mut watch = EventWatch::default();
    let a = event(1, EventKind::SourceSelected, "selected a");
    let b = event(2, EventKind::ClockStepped, "stepped");
    let b_again = event(2, EventKind::ClockStepped, "stepped again");
    let only_a = vec![a.clone()];
    assert_eq!(watch.new_events(&only_a), only_a);
    assert_eq!(watch.new_events(&only_a), []);
    assert_eq!(
        watch.new_events(&[a.clone(), b.clone(), b_again.clone()]),
        [b.clone(), b_again.clone()]
    );
    // a fell out of the window: nothing new.
    assert_eq!(watch.new_events(&[b.clone(), b_again.clone()]), []);
}

#[test]
fn the_offset_alert_is_raised_above_the_bound_and_cleared_below_80_percent() {
    let mut watch = OffsetWatch::new(DEFAULT_OFFSET_ALERT_NS);
    let us = Duration::from_micros;
    assert_eq!(watch.observe(Some(us(99))), None);
    assert_eq!(watch.observe(None), None);
    let raised = watch.observe(Some(us(-150))).expect("raised");
    assert!(raised.exceeded);
    assert_eq!((raised.offset, raised.bound), (us(-150), us(100)));
    assert_eq!(crossing_severity(&raised), EventSeverity::Warning);
    // Hovering between 80 and 100 µs, or above: no flapping.
    for offset in [99, 81, 120, 85] {
        assert_eq!(watch.observe(Some(us(offset))), None, "{offset}");
    }
    let cleared = watch.observe(Some(us(79))).expect("cleared");
    assert!(!cleared.exceeded);
    assert_eq!(crossing_severity(&cleared), EventSeverity::Info);
    assert_eq!(watch.observe(Some(us(50))), None);
    assert!(OffsetWatch::new(0).observe(Some(us(1_000_000))).is_none());
}

#[test]
fn error_records_become_events_once_rate_limited_and_never_the_reporters_own() {
    let mut watch = ErrorLogWatch::new("shiwa::fleet::reporter", T0);
    let records = vec![
        log(-5, LogLevel::Error, "shiwa::ntp", "before start"),
        log(1, LogLevel::Warn, "shiwa::ntp", "a warning"),
        log(2, LogLevel::Error, "shiwa::ntp", "socket failed"),
        log(
            2,
            LogLevel::Error,
            "shiwa::ptp",
            "other failure at the same time",
        ),
        log(
            3,
            LogLevel::Error,
            "shiwa::fleet::reporter::driver",
            "hub refused key",
        ),
    ];
    let sent = watch.new_errors(&records, T0);
    let messages: Vec<_> = sent.iter().map(|e| e.record.message.as_str()).collect();
    assert_eq!(
        messages,
        ["socket failed", "other failure at the same time"]
    );
    assert!(watch.new_errors(&records, T0).is_empty(), "seen once only");

    let flood: Vec<_> = (10..30)
        .map(|i| log(i, LogLevel::Error, "shiwa::ntp", &format!("failure {i}")))
        .collect();
    let sent = watch.new_errors(&flood, T0 + Duration::from_secs(30));
    assert_eq!(sent.len(), 3, "5 per window, 2 already used");
    let later = [log(700, LogLevel::Error, "shiwa::ntp", "after the window")];
    let sent = watch.new_errors(&later, T0 + Duration::from_secs(700));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].suppressed, 17, "the flood's rest is counted");
}
