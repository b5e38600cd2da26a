use super::*;
use serde_json::json;

/// A snapshot of a locked clock with a selected NTP source and an unreachable PTP one.
pub(crate) fn example() -> SyncSnapshot {
    let now = Timestamp::from_secs_nanos(1_763_827_867, 123_456_789);
    let mut snapshot = SyncSnapshot::starting(now, "node-1");
    snapshot.clock = ClockSnapshot {
        state: ClockState::Locked,
        synchronized: true,
        adjust_clock: true,
        selected_source: Some("ntp 10.99.1.1".into()),
        group: Some(Group::Primary),
        offset: Some(Duration::from_nanos(-1_234)),
        frequency: Ppb(12_500.25),
        path_delay: Some(Duration::from_micros(250)),
        root_distance: Some(Duration::from_micros(900)),
        last_update: Some(now - Duration::from_secs(3)),
        steps: 1,
        state_since: now - Duration::from_secs(7_380),
    };
    snapshot.sources = vec![
        SourceSnapshot {
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
            last_sample: Some(now - Duration::from_secs(3)),
            counters: SourceCounters {
                samples: 420,
                rejected: 1,
                timeouts: 2,
            },
        },
        SourceSnapshot {
            id: SourceId(1),
            name: "ptp enp0s3 domain 0".into(),
            protocol: Protocol::Ptp,
            group: Group::Secondary,
            address: Some("enp0s3".into()),
            state: SourceState::Unreachable,
            reason: Some("no announce messages".into()),
            stratum: None,
            refid: None,
            parent: None,
            reach: 0,
            poll: None,
            offset: None,
            delay: None,
            jitter: None,
            last_sample: None,
            counters: SourceCounters::default(),
        },
    ];
    snapshot.record_event(EventRecord {
        time: now - Duration::from_secs(7_400),
        kind: EventKind::ClockStepped,
        severity: EventSeverity::Warning,
        message: "stepped the clock by -1.500s".into(),
    });
    snapshot
}

#[test]
fn json_round_trip_is_lossless() {
    let snapshot = example();
    let text = serde_json::to_string(&snapshot).expect("serialize");
    let back: SyncSnapshot = serde_json::from_str(&text).expect("deserialize");
    assert_eq!(back, snapshot);
}

#[test]
fn field_names_carry_units_and_timestamps_are_rfc3339() {
    let value = serde_json::to_value(example()).expect("serialize");
    assert_eq!(value["version"], json!(1));
    assert_eq!(
        value["generated_at"],
        json!("2025-11-22T16:11:07.123456789Z")
    );
    let clock = &value["clock"];
    assert_eq!(clock["state"], json!("locked"));
    assert_eq!(clock["offset_ns"], json!(-1_234));
    assert_eq!(clock["frequency_ppb"], json!(12_500.25));
    assert_eq!(clock["path_delay_ns"], json!(250_000));
    assert_eq!(clock["root_distance_ns"], json!(900_000));
    assert_eq!(
        clock["last_update"],
        json!("2025-11-22T16:11:04.123456789Z")
    );
    assert_eq!(clock["group"], json!("primary"));
    let source = &value["sources"][0];
    assert_eq!(source["id"], json!(0));
    assert_eq!(source["protocol"], json!("ntp"));
    assert_eq!(source["state"], json!("selected"));
    assert_eq!(source["reach"], json!(255));
    assert_eq!(source["poll_ns"], json!(16_000_000_000_i64));
    assert_eq!(source["jitter_ns"], json!(800));
    assert_eq!(
        source["counters"],
        json!({"samples": 420, "rejected": 1, "timeouts": 2})
    );
    assert_eq!(value["sources"][1]["offset_ns"], json!(null));
    assert_eq!(value["sources"][1]["state"], json!("unreachable"));
    assert_eq!(value["events"][0]["kind"], json!("clock_stepped"));
    assert_eq!(value["events"][0]["severity"], json!("warning"));
}

#[test]
fn every_state_serializes_as_its_name() {
    let clock_states = [
        ClockState::Unsynchronized,
        ClockState::Stepping,
        ClockState::Locking,
        ClockState::Locked,
        ClockState::Holdover,
        ClockState::Monitoring,
        ClockState::StepLimitExceeded,
        ClockState::InterferenceBackoff,
    ];
    for state in clock_states {
        assert_eq!(
            serde_json::to_value(state).expect("ser"),
            json!(state.name())
        );
        let back: ClockState = serde_json::from_value(json!(state.name())).expect("de");
        assert_eq!(back, state);
    }
    let source_states = [
        SourceState::Selected,
        SourceState::Candidate,
        SourceState::Falseticker,
        SourceState::Unreachable,
        SourceState::Unusable,
        SourceState::Disabled,
        SourceState::MonitorOnly,
        SourceState::Denied,
    ];
    for state in source_states {
        assert_eq!(
            serde_json::to_value(state).expect("ser"),
            json!(state.name())
        );
        assert_eq!(state.to_string(), state.name());
    }
}

#[test]
fn event_kinds_and_severities_display_as_their_json_names() {
    for kind in EventKind::ALL {
        assert_eq!(
            serde_json::to_value(kind).expect("ser"),
            json!(kind.to_string())
        );
    }
    for severity in [
        EventSeverity::Info,
        EventSeverity::Warning,
        EventSeverity::Error,
    ] {
        assert_eq!(
            serde_json::to_value(severity).expect("ser"),
            json!(severity.to_string())
        );
    }
}

#[test]
fn optional_fields_may_be_missing_and_unknown_ones_are_ignored() {
    let mut value = serde_json::to_value(example()).expect("serialize");
    let clock = value["clock"].as_object_mut().expect("object");
    for key in ["offset_ns", "last_update", "selected_source", "group"] {
        clock.remove(key);
    }
    clock.insert("added_in_a_later_build".into(), json!(true));
    value.as_object_mut().expect("object").remove("events");
    let back: SyncSnapshot = serde_json::from_value(value).expect("deserialize");
    assert_eq!(back.clock.offset, None);
    assert_eq!(back.clock.last_update, None);
    assert!(back.events.is_empty());
}

#[test]
fn unknown_event_kinds_read_as_other() {
    let event: EventRecord = serde_json::from_value(json!({
        "time": "2025-11-22T16:11:07Z",
        "kind": "leap_second",
        "severity": "info",
        "message": "inserted a leap second",
    }))
    .expect("deserialize");
    assert_eq!(event.kind, EventKind::Other);
}

#[test]
fn a_bad_timestamp_is_an_error_naming_it() {
    let mut value = serde_json::to_value(example()).expect("serialize");
    value["generated_at"] = json!("not a time");
    let err = serde_json::from_value::<SyncSnapshot>(value).expect_err("must fail");
    assert!(err.to_string().contains("not a time"), "{err}");
}

#[test]
fn events_are_bounded_and_keep_the_newest() {
    let mut snapshot = SyncSnapshot::starting(Timestamp::EPOCH, "node-1");
    for second in 0..(SyncSnapshot::MAX_EVENTS as i64 + 10) {
        snapshot.record_event(EventRecord {
            time: Timestamp::from_secs_nanos(second, 0),
            kind: EventKind::ConfigChanged,
            severity: EventSeverity::Info,
            message: format!("event {second}"),
        });
    }
    assert_eq!(snapshot.events.len(), SyncSnapshot::MAX_EVENTS);
    assert_eq!(snapshot.events[0].message, "event 10");
    let last = snapshot.events.last().expect("not empty");
    assert_eq!(
        last.message,
        format!("event {}", SyncSnapshot::MAX_EVENTS + 9)
    );
}

#[test]
fn a_starting_snapshot_is_unsynchronized_and_versioned() {
    let snapshot = SyncSnapshot::starting(Timestamp::from_secs_nanos(5, 0), "node-1");
    assert_eq!(snapshot.version, SCHEMA_VERSION);
    assert_eq!(snapshot.shiwa_version, crate::version::VERSION);
    assert_eq!(snapshot.clock.state, ClockState::Unsynchronized);
    assert!(!snapshot.clock.synchronized);
    assert_eq!(snapshot.clock.state_since, Timestamp::from_secs_nanos(5, 0));
}
