use super::*;
use crate::config::ConfigDuration;
use crate::observe::EventSeverity;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs_nanos(1_800_000_000 + secs, 0)
}

fn node() -> NodeId {
    NodeId::new("gm-1").expect("node id")
}

fn ports() -> Vec<DeclaredPort> {
    vec![
        DeclaredPort {
            name: "api".into(),
            port: 8088,
            kind: CheckKind::Http,
            path: Some("/api/v1/health".into()),
        },
        DeclaredPort {
            name: "ssh".into(),
            port: 65129,
            kind: CheckKind::Tcp,
            path: None,
        },
    ]
}

fn key(name: &str, port: u16) -> TargetKey {
    TargetKey {
        node_id: node(),
        name: name.into(),
        port,
    }
}

fn result(up: bool) -> ProbeResult {
    ProbeResult {
        up,
        latency: Duration::from_micros(if up { 350 } else { 5_000_000 }),
        http_status: None,
        error: (!up).then(|| "Connection refused (os error 111)".to_string()),
    }
}

/// Probes `ssh` once at `secs` with `up` and returns the event type raised, if any.
fn step(scheduler: &mut CheckScheduler, secs: i64, up: bool) -> Option<EventType> {
    let due = scheduler.due(at(secs));
    assert_eq!(due.len(), 1, "one probe due at {secs}");
    let outcome = scheduler
        .record(&due[0].key, &result(up), at(secs))
        .expect("tracked");
    assert_eq!(outcome.sample.up, up);
    outcome.event.map(|event| event.event_type)
}

fn ssh_only(settings: &CheckSettings) -> CheckScheduler {
    let mut scheduler = CheckScheduler::new(settings);
    scheduler.update_node(&node(), "192.0.2.10", &ports()[1..], at(0));
    scheduler
}

#[test]
fn ports_are_due_every_interval_and_not_while_in_flight() {
    let mut scheduler = CheckScheduler::new(&CheckSettings::default());
    scheduler.update_node(&node(), "192.0.2.10", &ports(), at(0));
    assert_eq!(scheduler.next_due(), Some(at(0)));
    let due = scheduler.due(at(0));
    assert_eq!(due.len(), 2);
    assert_eq!(due[0].host, "192.0.2.10");
    assert_eq!(due[0].kind, CheckKind::Http);
    assert_eq!(due[0].path.as_deref(), Some("/api/v1/health"));
    assert_eq!(scheduler.due(at(120)), vec![], "both in flight");
    assert_eq!(scheduler.next_due(), None);
    for request in &due {
        let _ = scheduler.record(&request.key, &result(true), at(1));
    }
    assert_eq!(scheduler.next_due(), Some(at(60)));
    assert_eq!(scheduler.due(at(59)), vec![]);
    assert_eq!(scheduler.due(at(60)).len(), 2);
}

#[test]
fn a_port_goes_down_after_two_failures_and_up_after_one_success() {
    let mut scheduler = ssh_only(&CheckSettings::default());
    assert_eq!(step(&mut scheduler, 0, true), None, "unknown → up is quiet");
    assert_eq!(scheduler.state(&key("ssh", 65129)), Some(PortState::Up));
    assert_eq!(
        step(&mut scheduler, 60, false),
        None,
        "one failure is not enough"
    );
    assert_eq!(
        step(&mut scheduler, 120, true),
        None,
        "and a success resets it"
    );
    assert_eq!(step(&mut scheduler, 180, false), None);
    assert_eq!(step(&mut scheduler, 240, false), Some(EventType::PortDown));
    assert_eq!(scheduler.state(&key("ssh", 65129)), Some(PortState::Down));
    assert_eq!(step(&mut scheduler, 300, false), None, "raised once");
    assert_eq!(step(&mut scheduler, 360, true), Some(EventType::PortUp));
    assert_eq!(step(&mut scheduler, 420, true), None);
}

#[test]
fn port_events_name_the_port_and_say_why() {
    let mut scheduler = ssh_only(&CheckSettings::default());
    let due = scheduler.due(at(0));
    let _ = scheduler.record(&due[0].key, &result(false), at(0));
    let due = scheduler.due(at(60));
    let down = scheduler
        .record(&due[0].key, &result(false), at(60))
        .and_then(|outcome| outcome.event)
        .expect("port_down");
    assert_eq!(down.severity, EventSeverity::Error);
    assert_eq!(down.details["port_name"], "ssh");
    assert_eq!(down.details["port"], 65129);
    assert_eq!(down.details["kind"], "tcp");
    assert_eq!(down.details["address"], "192.0.2.10");
    assert_eq!(down.details["failures"], 2);
    assert!(
        down.message.contains("Connection refused"),
        "{}",
        down.message
    );
    let due = scheduler.due(at(180));
    let up = scheduler
        .record(&due[0].key, &result(true), at(180))
        .and_then(|outcome| outcome.event)
        .expect("port_up");
    assert_eq!(up.severity, EventSeverity::Info);
    assert_eq!(up.details["down_for_s"], 120);
    assert_eq!(up.details["latency_us"], 350);
    assert_ne!(up.event_id, down.event_id);
}

#[test]
fn thresholds_come_from_the_settings() {
    let settings = CheckSettings {
        failures_before_down: 1,
        successes_before_up: 3,
        ..CheckSettings::default()
    };
    let mut scheduler = ssh_only(&settings);
    assert_eq!(
        step(&mut scheduler, 0, false),
        Some(EventType::PortDown),
        "never answered"
    );
    assert_eq!(step(&mut scheduler, 60, true), None);
    assert_eq!(step(&mut scheduler, 120, true), None);
    assert_eq!(step(&mut scheduler, 180, false), None, "already down");
    assert_eq!(step(&mut scheduler, 240, true), None);
    assert_eq!(step(&mut scheduler, 300, true), None);
    assert_eq!(step(&mut scheduler, 360, true), Some(EventType::PortUp));
}

#[test]
fn ports_no_longer_declared_and_removed_nodes_are_dropped() {
    let mut scheduler = CheckScheduler::new(&CheckSettings::default());
    scheduler.update_node(&node(), "192.0.2.10", &ports(), at(0));
    let other = NodeId::new("gm-2").expect("node id");
    scheduler.update_node(&other, "192.0.2.11", &ports()[..1], at(0));
    assert_eq!(scheduler.len(), 3);
    let due = scheduler.due(at(0));
    // gm-1 now declares only its API port, on a new address.
    scheduler.update_node(&node(), "192.0.2.20", &ports()[..1], at(10));
    assert_eq!(scheduler.len(), 2);
    let ssh = due.iter().find(|r| r.key.name == "ssh").expect("ssh probe");
    assert_eq!(scheduler.record(&ssh.key, &result(true), at(11)), None);
    let api = due
        .iter()
        .find(|r| r.key.node_id == node())
        .expect("api probe");
    let _ = scheduler.record(&api.key, &result(true), at(11));
    let next = scheduler.due(at(60));
    assert!(next.iter().any(|r| r.host == "192.0.2.20"), "{next:?}");
    scheduler.remove_node(&other);
    assert_eq!(scheduler.len(), 1);
    assert!(!scheduler.is_empty());
}

#[test]
fn the_probe_host_is_the_declared_address_or_the_source() {
    let host = crate::fleet::HostFacts {
        hostname: "gm-1".into(),
        os: "Debian".into(),
        shiwa_version: "0.1.0".into(),
        api_url: None,
        address: None,
        ports: ports(),
    };
    let snapshot = crate::observe::SyncSnapshot::starting(at(0), "gm-1");
    let report_id = crate::fleet::RecordId::new("r0000001").expect("record id");
    let interval = Duration::from_secs(900);
    let mut report = Report::from_snapshot(&snapshot, node(), report_id, at(0), interval, host);
    let source: Option<IpAddr> = "198.51.100.7".parse().ok();
    report.host.address = Some("[2001:db8::1]".into());
    assert_eq!(probe_host(&report, source).as_deref(), Some("2001:db8::1"));
    report.host.address = Some(" ".into());
    assert_eq!(probe_host(&report, source).as_deref(), Some("198.51.100.7"));
    report.host.address = None;
    assert_eq!(probe_host(&report, None), None);
}

#[test]
fn settings_read_from_yaml_and_are_checked() {
    let settings: CheckSettings =
        yaml_serde::from_str("interval: 30s\nfailures_before_down: 3\n").expect("yaml");
    assert_eq!(settings.interval.0, std::time::Duration::from_secs(30));
    assert_eq!(settings.timeout.0, std::time::Duration::from_secs(5));
    assert_eq!(settings.failures_before_down, 3);
    assert_eq!(settings.successes_before_up, 1);
    assert!(settings.validate().is_ok());
    assert!(yaml_serde::from_str::<CheckSettings>("intervall: 30s\n").is_err());
    let slow = CheckSettings {
        timeout: ConfigDuration(std::time::Duration::from_secs(60)),
        ..CheckSettings::default()
    };
    assert_eq!(
        slow.validate().expect_err("timeout ≥ interval").key,
        "interval"
    );
    let zero = CheckSettings {
        successes_before_up: 0,
        ..CheckSettings::default()
    };
    assert!(zero.validate().is_err());
}

#[test]
fn a_port_restored_as_down_comes_back_with_port_up_and_stays_down_quietly() {
    // Restored before the node's first report after the restart ...
    let mut scheduler = CheckScheduler::new(&CheckSettings::default());
    scheduler.restore_down(&node(), "ssh", at(-600));
    scheduler.update_node(&node(), "192.0.2.10", &ports()[1..], at(0));
    assert_eq!(scheduler.state(&key("ssh", 65129)), Some(PortState::Down));
    assert_eq!(
        step(&mut scheduler, 0, false),
        None,
        "still down: no new port_down"
    );
    assert_eq!(step(&mut scheduler, 60, false), None);
    assert_eq!(step(&mut scheduler, 120, true), Some(EventType::PortUp));
    // ... or after: an Unknown target becomes Down.
    let mut scheduler = ssh_only(&CheckSettings::default());
    scheduler.restore_down(&node(), "ssh", at(-600));
    assert_eq!(scheduler.state(&key("ssh", 65129)), Some(PortState::Down));
    assert_eq!(step(&mut scheduler, 0, true), Some(EventType::PortUp));
}
