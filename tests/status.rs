//! `shiwa status` against the library's real observation server, started in-process with a
//! crafted snapshot: tables, `--json`, and exit statuses 0 / 3 / 1.

use crate::support;
use shiwa::config::Protocol;
use shiwa::observe::{
    self, ClockSnapshot, ClockState, EventKind, EventRecord, EventSeverity, LogBuffer,
    ObserveState, SourceCounters, SourceSnapshot, SourceState, SyncSnapshot,
};
use shiwa::source::{Group, SourceId};
use shiwa::time::{Duration, Ppb, Timestamp};
use std::path::{Path, PathBuf};
use tokio::sync::{oneshot, watch};

/// A running observation server; stops when dropped.
struct Daemon {
    _runtime: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
    path: PathBuf,
    _stop: oneshot::Sender<()>,
    _file: observe::SocketFile,
}

fn daemon(snapshot: SyncSnapshot) -> Daemon {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shiwa.sock");
    let bound = {
        let _context = runtime.enter();
        observe::bind_socket(&path, 0o660, None).expect("bind")
    };
    let (_, snapshots) = watch::channel(snapshot);
    let state = ObserveState::new(snapshots, LogBuffer::new(10));
    let (stop, stopped) = oneshot::channel::<()>();
    runtime.spawn(observe::serve(bound.listener, state, async {
        let _ = stopped.await;
    }));
    Daemon {
        _runtime: runtime,
        _dir: dir,
        path,
        _stop: stop,
        _file: bound.file,
    }
}

fn status(socket: &Path, flags: &[&str]) -> assert_cmd::assert::Assert {
    support::shiwa()
        .env_remove("SHIWA_SOCKET")
        .arg("status")
        .arg("--socket")
        .arg(socket)
        .args(flags)
        .assert()
}

fn now() -> Timestamp {
    Timestamp::from_secs_nanos(1_763_827_867, 0)
}

fn source(id: usize, name: &str, group: Group, state: SourceState) -> SourceSnapshot {
    SourceSnapshot {
        id: SourceId(id),
        name: name.into(),
        protocol: Protocol::Ntp,
        group,
        address: name.strip_prefix("ntp ").map(str::to_string),
        state,
        reason: None,
        stratum: Some(2),
        refid: Some("GPS".into()),
        parent: None,
        reach: 0o377,
        poll: Some(Duration::from_secs(16)),
        offset: Some(Duration::from_nanos(-1_234)),
        delay: Some(Duration::from_micros(250)),
        jitter: Some(Duration::from_nanos(800)),
        last_sample: Some(now() - Duration::from_secs(3)),
        counters: SourceCounters {
            samples: 10,
            rejected: 0,
            timeouts: 1,
        },
    }
}

/// A clock locked to a primary NTP source, with an unreachable secondary.
fn locked() -> SyncSnapshot {
    let mut snapshot = SyncSnapshot::starting(now(), "node-1");
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
        last_update: Some(now() - Duration::from_secs(3)),
        steps: 1,
        state_since: now() - Duration::from_secs(7_380),
    };
    let mut unreachable = source(
        1,
        "ntp 10.99.2.2",
        Group::Secondary,
        SourceState::Unreachable,
    );
    unreachable.reason = Some("no reply".into());
    unreachable.reach = 0;
    unreachable.offset = None;
    snapshot.sources = vec![
        source(0, "ntp 10.99.1.1", Group::Primary, SourceState::Selected),
        unreachable,
    ];
    snapshot.record_event(EventRecord {
        time: now() - Duration::from_secs(7_400),
        kind: EventKind::ClockStepped,
        severity: EventSeverity::Warning,
        message: "stepped the clock by -1.500s".into(),
    });
    snapshot
}

fn stdout_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

#[test]
fn synchronised_clock_prints_both_tables_and_exits_0() {
    let daemon = daemon(locked());
    let run = status(&daemon.path, &[]).code(0);
    let stdout = stdout_of(&run);
    for expected in [
        "node-1: clock synchronised",
        "State",
        "Frequency",
        "Last update",
        "locked",
        "ntp 10.99.1.1 (primary)",
        "-1.234µs",
        "+12.500ppm",
        "250.000µs",
        "3s ago",
        "2h03m ago",
        "Reach",
        "Jitter",
        "selected",
        "377",
        "unreachable (no reply)",
        "secondary",
        "000",
        "warning clock_stepped: stepped the clock by -1.500s",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}

#[test]
fn unsynchronised_clock_exits_3() {
    let mut snapshot = locked();
    snapshot.clock.state = ClockState::Holdover;
    snapshot.clock.synchronized = false;
    let daemon = daemon(snapshot);
    let run = status(&daemon.path, &[]).code(3);
    let stdout = stdout_of(&run);
    assert!(stdout.contains("clock not synchronised"), "{stdout}");
    assert!(stdout.contains("holdover"), "{stdout}");
    status(&daemon.path, &["--json"]).code(3);
}

#[test]
fn json_is_the_snapshot_with_unit_named_fields() {
    let snapshot = locked();
    let daemon = daemon(snapshot.clone());
    let run = status(&daemon.path, &["--json"]).code(0);
    let stdout = stdout_of(&run);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(value["version"], 1);
    assert_eq!(value["host"], "node-1");
    assert_eq!(value["generated_at"], "2025-11-22T16:11:07Z");
    assert_eq!(value["clock"]["state"], "locked");
    assert_eq!(value["clock"]["synchronized"], true);
    assert_eq!(value["clock"]["offset_ns"], -1_234);
    assert_eq!(value["clock"]["frequency_ppb"], 12_500.0);
    assert_eq!(value["clock"]["path_delay_ns"], 250_000);
    assert_eq!(value["sources"][0]["state"], "selected");
    assert_eq!(value["sources"][1]["state"], "unreachable");
    assert_eq!(value["sources"][1]["offset_ns"], serde_json::Value::Null);
    assert_eq!(value["events"][0]["kind"], "clock_stepped");
    let back: SyncSnapshot = serde_json::from_value(value).expect("reads back");
    assert_eq!(back, snapshot);
}

#[test]
fn missing_daemon_exits_1_naming_the_socket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("absent.sock");
    let run = status(&path, &[]).code(1);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert_eq!(
        stderr,
        format!(
            "shiwa: cannot reach shiwa sync at {}: No such file or directory \
             (is shiwa sync running?)\n",
            path.display()
        )
    );
    assert!(run.get_output().stdout.is_empty());
}

#[test]
fn a_dead_daemons_socket_exits_1_and_the_env_var_picks_the_socket() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).expect("bind"));
    let run = support::shiwa()
        .env("SHIWA_SOCKET", &path)
        .arg("status")
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).into_owned();
    assert!(
        stderr.contains(&format!("cannot reach shiwa sync at {}", path.display()))
            && stderr.contains("Connection refused"),
        "{stderr}"
    );
}
