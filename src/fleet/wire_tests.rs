use super::*;
use crate::observe::SyncSnapshot;

fn node() -> NodeId {
    NodeId::new("gm-1").expect("valid")
}

fn id(n: u8) -> RecordId {
    RecordId::new(format!("{n:08}")).expect("valid")
}

fn at() -> Timestamp {
    Timestamp::from_secs_nanos(1_800_000_000, 5)
}

fn host() -> HostFacts {
    HostFacts {
        hostname: "gm-1".into(),
        os: "Debian GNU/Linux 12 (bookworm)".into(),
        shiwa_version: "0.1.0".into(),
        api_url: Some("http://10.99.0.2:8088".into()),
        address: None,
        ports: vec![DeclaredPort {
            name: "api".into(),
            port: 8088,
            kind: CheckKind::Http,
            path: Some("/api/v1/health".into()),
        }],
    }
}

fn report() -> Report {
    let snapshot = SyncSnapshot::starting(at(), "gm-1");
    Report::from_snapshot(
        &snapshot,
        node(),
        id(1),
        at(),
        Duration::from_secs(900),
        host(),
    )
}

#[test]
fn a_report_round_trips_through_json_and_validates() {
    let report = report();
    report.validate().expect("valid");
    let json = serde_json::to_string(&report).expect("json");
    assert!(json.contains("\"wire_version\":1"), "{json}");
    assert!(json.contains("\"report_interval_s\":900"), "{json}");
    let back: Report = serde_json::from_str(&json).expect("read back");
    assert_eq!(back, report);
}

#[test]
fn bad_reports_name_the_field() {
    let mut future = report();
    future.wire_version = 2;
    assert_eq!(future.validate().unwrap_err().field, "wire_version");
    let mut fast = report();
    fast.report_interval_s = 1;
    assert_eq!(fast.validate().unwrap_err().field, "report_interval_s");
    let mut pathless = report();
    pathless.host.ports[0].path = None;
    assert_eq!(pathless.validate().unwrap_err().field, "host.ports[0].path");
    let hostile = serde_json::to_string(&report())
        .expect("json")
        .replace("\"gm-1\",\"report_id\"", "\"../gm\",\"report_id\"");
    let err = serde_json::from_str::<Report>(&hostile).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
}

#[test]
fn nodes_may_not_send_hub_events_or_huge_ones() {
    let event = Event::new(
        node(),
        id(2),
        at(),
        EventType::ClockStepped,
        "stepped by 1 s",
    );
    event.validate_from_node().expect("valid");
    assert_eq!(event.severity, EventSeverity::Warning);
    let json = serde_json::to_string(&event).expect("json");
    assert!(json.contains("\"type\":\"clock_stepped\""), "{json}");
    let spoofed = Event::new(node(), id(3), at(), EventType::NodeDown, "x");
    assert_eq!(spoofed.validate_from_node().unwrap_err().field, "type");
    let long = Event::new(
        node(),
        id(4),
        at(),
        EventType::ErrorLogged,
        "x".repeat(2000),
    );
    assert_eq!(long.validate_from_node().unwrap_err().field, "message");
    let mut bulky = Event::new(node(), id(5), at(), EventType::ErrorLogged, "x");
    bulky
        .details
        .insert("blob".into(), serde_json::Value::String("y".repeat(20_000)));
    assert_eq!(bulky.validate_from_node().unwrap_err().field, "details");
    let unknown = json.replace("clock_stepped", "made_up");
    assert!(serde_json::from_str::<Event>(&unknown).is_err());
}

#[test]
fn a_backup_with_a_changed_payload_fails_its_checksum() {
    let payload = BackupPayload::NonSecret {
        files: vec![BackupFile {
            path: "/etc/shiwa/shiwa.yml".into(),
            mode: 0o640,
            content_b64: "dGltZWJlYXQ6IHt9Cg==".into(),
        }],
    };
    let backup = Backup {
        wire_version: WIRE_VERSION,
        node_id: node(),
        backup_id: id(6),
        version: None,
        created_at: at(),
        sha256: Backup::digest(&payload),
        payload,
    };
    backup.validate().expect("valid");
    let json = serde_json::to_string(&backup).expect("json");
    assert!(json.contains("\"kind\":\"non_secret\""), "{json}");
    let mut tampered = backup.clone();
    if let BackupPayload::NonSecret { files } = &mut tampered.payload {
        files[0].mode = 0o777;
    }
    assert_eq!(tampered.validate().unwrap_err().field, "sha256");
}
