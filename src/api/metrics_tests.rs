//! `/metrics` rendering: names, values, labels, escaping, and the page's shape.

use super::*;
use crate::observe::snapshot::tests::example;
use crate::observe::{EventKind, EventRecord};
use std::collections::BTreeSet;
use std::sync::Arc;

fn up() -> String {
    render(&LinkState::Up(Arc::new(example())), None)
}

/// The value of the one sample whose line starts with `series` followed by a space.
fn value(page: &str, series: &str) -> f64 {
    let values: Vec<f64> = page
        .lines()
        .filter_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().expect("a number"))
        .collect();
    assert_eq!(values.len(), 1, "{series} in:\n{page}");
    values[0]
}

/// The example snapshot of a node reporting to a hub that is failing.
fn with_hub() -> String {
    let mut snapshot = example();
    snapshot.hub = Some(crate::fleet::reporter::HubSnapshot {
        url: "https://hub.example:8080/".into(),
        node_id: "gm-1".into(),
        state: crate::fleet::reporter::HubPushState::BackingOff,
        queued: 7,
        sent: 120,
        duplicates: 2,
        dead_lettered: 1,
        dropped: 0,
        retries: 5,
        oldest_age_s: Some(90),
        last_ack: Some(Timestamp::from_secs_nanos(1_800_000_000, 0)),
        last_error: Some("connection refused".into()),
    });
    render(&LinkState::Up(Arc::new(snapshot)), None)
}

#[test]
fn the_hub_reporter_is_on_the_page_when_configured() {
    let page = with_hub();
    assert_eq!(
        value(&page, "shiwa_hub_records_total{outcome=\"stored\"}"),
        120.0
    );
    assert_eq!(
        value(&page, "shiwa_hub_records_total{outcome=\"dead_lettered\"}"),
        1.0
    );
    assert_eq!(value(&page, "shiwa_hub_push_retries_total"), 5.0);
    assert_eq!(value(&page, "shiwa_hub_spool_records"), 7.0);
    assert_eq!(value(&page, "shiwa_hub_spool_oldest_age_seconds"), 90.0);
    assert_eq!(
        value(&page, "shiwa_hub_push_state{state=\"backing_off\"}"),
        1.0
    );
    assert_eq!(value(&page, "shiwa_hub_push_state{state=\"ok\"}"), 0.0);
    assert_eq!(value(&page, "shiwa_hub_last_ack_timestamp_seconds"), 1.8e9);
    assert!(
        !up().contains("shiwa_hub_"),
        "no hub section, no hub metrics"
    );
}

#[test]
fn the_clock_is_in_base_units() {
    let page = up();
    assert_eq!(value(&page, "shiwa_up"), 1.0);
    assert_eq!(value(&page, "shiwa_clock_offset_seconds"), -1.234e-6);
    assert_eq!(value(&page, "shiwa_clock_path_delay_seconds"), 250e-6);
    assert_eq!(value(&page, "shiwa_clock_root_distance_seconds"), 900e-6);
    assert_eq!(
        value(&page, "shiwa_clock_frequency_adjustment_ratio"),
        12_500.25e-9
    );
    assert_eq!(value(&page, "shiwa_clock_steps_total"), 1.0);
    assert_eq!(value(&page, "shiwa_clock_synchronized"), 1.0);
    assert_eq!(value(&page, "shiwa_servo_state"), 3.0, "locked is 3");
    assert_eq!(
        value(&page, "shiwa_snapshot_timestamp_seconds"),
        1_763_827_867.123_456_7
    );
    assert_eq!(value(&page, "shiwatime_clock_state{state=\"locked\"}"), 1.0);
    assert_eq!(
        value(&page, "shiwatime_clock_state{state=\"holdover\"}"),
        0.0
    );
    assert_eq!(value(&page, "shiwatime_sources_total"), 2.0);
    assert_eq!(value(&page, "shiwatime_sources_active"), 1.0);
    assert!(
        page.contains("# TYPE shiwatime_sources_total untyped\n"),
        "{page}"
    );
    assert!(
        page.contains("# TYPE shiwa_clock_steps_total counter\n"),
        "{page}"
    );
}

#[test]
fn sources_carry_bounded_labels_and_absent_values_are_left_out() {
    let page = up();
    let ntp = "{source_name=\"ntp 10.99.1.1\",source_address=\"10.99.1.1\",protocol=\"ntp\",group=\"primary\"}";
    let ptp = "{source_name=\"ptp enp0s3 domain 0\",source_address=\"enp0s3\",protocol=\"ptp\",group=\"secondary\"}";
    assert_eq!(
        value(&page, &format!("shiwa_source_offset_seconds{ntp}")),
        -1.234e-6
    );
    assert_eq!(
        value(&page, &format!("shiwa_source_delay_seconds{ntp}")),
        250e-6
    );
    assert_eq!(
        value(&page, &format!("shiwa_source_jitter_seconds{ntp}")),
        800e-9
    );
    assert_eq!(value(&page, &format!("shiwa_source_selected{ntp}")), 1.0);
    assert_eq!(value(&page, &format!("shiwa_source_reachable{ntp}")), 1.0);
    assert_eq!(
        value(&page, &format!("shiwa_source_reachability_ratio{ntp}")),
        1.0
    );
    assert_eq!(
        value(&page, &format!("shiwa_source_samples_total{ntp}")),
        420.0
    );
    assert_eq!(
        value(&page, &format!("shiwa_source_timeouts_total{ntp}")),
        2.0
    );
    assert_eq!(value(&page, &format!("shiwa_source_reachable{ptp}")), 0.0);
    assert_eq!(value(&page, &format!("shiwa_source_selected{ptp}")), 0.0);
    assert!(
        !page.contains(&format!("shiwa_source_offset_seconds{ptp}")),
        "no offset measured, no sample:\n{page}"
    );
    assert_eq!(
        value(
            &page,
            "shiwa_last_event_timestamp_seconds{event_severity=\"warning\"}"
        ),
        1_763_827_867.123_456_7 - 7_400.0
    );
    assert!(!page.contains("event_severity=\"error\""), "{page}");
}

#[test]
fn a_daemon_out_of_reach_leaves_only_up_build_info_and_process() {
    let down = LinkState::Down {
        reason: "cannot reach shiwa sync at /run/shiwa/shiwa.sock".into(),
        since: Timestamp::from_secs_nanos(1, 0),
    };
    let process = ProcessStats {
        cpu_seconds: 1.5,
        resident_memory_bytes: 8 << 20,
        virtual_memory_bytes: 64 << 20,
        open_fds: 9,
        max_fds: Some(1024),
        start_time_seconds: 1_763_800_000.25,
    };
    let page = render(&down, Some(&process));
    assert_eq!(value(&page, "shiwa_up"), 0.0);
    assert_eq!(value(&page, "process_cpu_seconds_total"), 1.5);
    assert_eq!(value(&page, "process_resident_memory_bytes"), 8_388_608.0);
    assert_eq!(value(&page, "process_open_fds"), 9.0);
    assert_eq!(value(&page, "process_max_fds"), 1024.0);
    assert_eq!(value(&page, "process_start_time_seconds"), 1_763_800_000.25);
    assert!(page.contains("shiwa_build_info{version=\""), "{page}");
    assert!(
        !page.contains("shiwatime_"),
        "no state without the daemon:\n{page}"
    );
    assert!(!page.contains("shiwa_clock_"), "{page}");
}

#[test]
fn label_values_and_help_are_escaped() {
    let mut snapshot = example();
    snapshot.sources[0].name = "ntp \"quoted\" back\\slash\nnewline".into();
    snapshot.record_event(EventRecord {
        time: snapshot.generated_at,
        kind: EventKind::StepLimitExceeded,
        severity: EventSeverity::Error,
        message: "x".into(),
    });
    let page = render(&LinkState::Up(Arc::new(snapshot)), None);
    assert!(
        page.contains(r#"source_name="ntp \"quoted\" back\\slash\nnewline""#),
        "{page}"
    );
    assert!(page.contains("event_severity=\"error\""), "{page}");
    assert_eq!(escape_help("a\\b\nc"), "a\\\\b\\nc");
    assert_eq!(format_value(f64::NAN), "NaN");
    assert_eq!(format_value(f64::INFINITY), "+Inf");
    assert_eq!(format_value(f64::NEG_INFINITY), "-Inf");
    assert_eq!(format_value(0.1), "0.1");
}

/// Every sample belongs to the family declared just before it (HELP then TYPE), each family is
/// declared once, counters end in `_total`, and every line ends with a newline.
#[test]
fn the_page_is_well_formed() {
    let page = with_hub();
    assert!(page.ends_with('\n'));
    let mut declared = BTreeSet::new();
    let mut current = String::new();
    let mut lines = page.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().expect("a name").to_string();
            let kind_line = lines.next().expect("TYPE after HELP");
            let kind = kind_line
                .strip_prefix(&format!("# TYPE {name} "))
                .unwrap_or_else(|| panic!("TYPE of {name}: {kind_line}"));
            assert!(
                ["gauge", "counter", "untyped"].contains(&kind),
                "{kind_line}"
            );
            assert_eq!(
                kind == "counter",
                name.ends_with("_total") && kind != "untyped"
            );
            assert!(declared.insert(name.clone()), "{name} declared twice");
            current = name;
            continue;
        }
        let series = line.split([' ', '{']).next().expect("a series name");
        assert_eq!(series, current, "sample outside its family: {line}");
        let number = line.rsplit(' ').next().expect("a value");
        assert!(number.parse::<f64>().is_ok(), "{line}");
    }
    assert!(declared.len() > 20, "{declared:?}");
}
