//! Realistic input for the benchmark: one second of a daemon with four sources — the snapshot
//! (a locked clock, two NTP servers, a PTP grandmaster, an unreachable NTP server), the events
//! new in that second and the log records new in that second.

use serde_json::json;
use shiwa::observe::{EventKind, EventRecord, EventSeverity, LogLevel, LogRecord, SyncSnapshot};
use shiwa::time::{Duration, Timestamp};

/// 2026-11-23T00:00:00Z: the first snapshot's time.
const START_S: i64 = 1_795_392_000;

/// The snapshot, new events and new log records of second `n` of the run.
pub fn second(
    n: i64,
) -> Result<(SyncSnapshot, Vec<EventRecord>, Vec<LogRecord>), serde_json::Error> {
    let time = Timestamp::from_secs_nanos(START_S + n, 1_000_000 * (n % 997) as u32);
    let wobble =
        |scale: i64, phase: i64| ((n * 7919 + phase * 104_729) % 2001 - 1000) * scale / 1000;
    let snapshot: SyncSnapshot = serde_json::from_value(json!({
        "version": 1,
        "generated_at": time.to_rfc3339(),
        "host": "bench-node-1.example.net",
        "shiwa_version": shiwa::version::VERSION,
        "clock": {
            "state": "locked", "synchronized": true, "adjust_clock": true,
            "selected_source": "ptp eth0 domain 0", "group": "primary",
            "offset_ns": wobble(80, 1), "frequency_ppb": 12_500.25 + wobble(40, 2) as f64 / 10.0,
            "path_delay_ns": 2_100 + wobble(50, 3), "root_distance_ns": 12_000 + wobble(500, 4),
            "last_update": (time - Duration::from_millis(125)).to_rfc3339(),
            "steps": 1, "state_since": "2026-11-20T08:00:00Z",
        },
        "sources": [
            source(0, ["ptp eth0 domain 0", "ptp", "primary", "eth0", "selected"], time, (wobble(80, 1), 2_100)),
            source(1, ["ntp 10.99.1.1", "ntp", "secondary", "10.99.1.1", "candidate"], time, (35_000 + wobble(9_000, 5), 250_000)),
            source(2, ["ntp 10.99.1.2", "ntp", "secondary", "10.99.1.2", "candidate"], time, (-22_000 + wobble(9_000, 6), 310_000)),
            source(3, ["ntp 192.0.2.40", "ntp", "secondary", "192.0.2.40", "unreachable"], time, (0, 0)),
        ],
        "events": [],
    }))?;
    let events = (n % 60 == 59)
        .then(|| EventRecord {
            time,
            kind: EventKind::SourceUnreachable,
            severity: EventSeverity::Warning,
            message: format!(
                "ntp 192.0.2.40 unreachable (no answer to the last {} polls)",
                8 + n % 5
            ),
        })
        .into_iter()
        .collect();
    Ok((snapshot, events, logs(n, time)))
}

/// A source: `[name, protocol, group, address, state]`, its (offset, delay) in ns.
fn source(
    id: u32,
    text: [&str; 5],
    time: Timestamp,
    (offset, delay): (i64, i64),
) -> serde_json::Value {
    let [name, protocol, group, address, state] = text;
    let reachable = state != "unreachable";
    json!({
        "id": id, "name": name, "protocol": protocol, "group": group, "address": address,
        "state": state, "reason": (!reachable).then_some("no answer"),
        "stratum": reachable.then_some(if protocol == "ptp" { 1 } else { 2 }),
        "refid": reachable.then_some(if protocol == "ptp" { "001122.fffe.334455" } else { "GPS" }),
        "parent": (protocol == "ptp").then_some("001122.fffe.334455-1"),
        "reach": if reachable { 255 } else { 0 },
        "poll_ns": if protocol == "ptp" { 125_000_000_i64 } else { 16_000_000_000 },
        "offset_ns": reachable.then_some(offset),
        "delay_ns": reachable.then_some(delay),
        "jitter_ns": reachable.then_some(delay / 40 + 30),
        "last_sample": reachable.then(|| (time - Duration::from_millis(300)).to_rfc3339()),
        "counters": { "samples": 86_400 + id * 17, "rejected": id, "timeouts": 3 * id },
    })
}

/// One info record a second (the servo's summary), a warning every ten seconds.
fn logs(n: i64, time: Timestamp) -> Vec<LogRecord> {
    let mut fields = serde_json::Map::new();
    fields.insert("offset_ns".into(), json!((n * 7919) % 161 - 80));
    fields.insert(
        "frequency_ppb".into(),
        json!(12_500.25 + (n % 13) as f64 / 10.0),
    );
    fields.insert("source".into(), json!("ptp eth0 domain 0"));
    let mut records = vec![LogRecord {
        time: time - Duration::from_millis(500),
        level: LogLevel::Info,
        target: "shiwa::engine::servo".into(),
        message: "servo update".into(),
        fields,
    }];
    if n % 10 == 9 {
        let mut fields = serde_json::Map::new();
        fields.insert("peer".into(), json!("192.0.2.40:123"));
        fields.insert("poll".into(), json!(n / 10));
        records.push(LogRecord {
            time: time - Duration::from_millis(250),
            level: LogLevel::Warn,
            target: "shiwa::ntp::driver".into(),
            message: "no answer from the server".into(),
            fields,
        });
    }
    records
}
