//! `shiwa sync` as a daemon of a peer test: started in a lab namespace in monitor mode
//! (`--monitor`, and without CAP_SYS_TIME as every lab daemon), watched through
//! `shiwa status --json`, with the wall-clock instants a test compares event times against.

#![allow(dead_code, reason = "helpers shared by the failover tests")]
#![expect(
    clippy::disallowed_methods,
    reason = "tests wait for real processes with real time"
)]

use super::lab::Lab;
use crate::support::shiwa_path;
use serde_json::Value;
use shiwa::config::Protocol;
use shiwa::observe::{EventKind, EventRecord, SourceSnapshot, SyncSnapshot};
use shiwa::source::Group;
use shiwa::time::Timestamp;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How often a waiting test asks `shiwa status`.
const POLL: Duration = Duration::from_millis(100);

/// A running `shiwa sync --monitor`.
#[derive(Clone, Debug)]
pub struct ShiwaDaemon {
    /// The lab's name for it (also its log's name).
    pub name: String,
    /// Its observation socket.
    pub socket: PathBuf,
    /// Its output.
    pub log: PathBuf,
}

/// One `shiwa status --json` answer: as printed, and as the snapshot type reads it.
#[derive(Clone, Debug)]
pub struct Status {
    /// The JSON printed.
    pub json: Value,
    /// The same, typed.
    pub snapshot: SyncSnapshot,
}

impl ShiwaDaemon {
    /// Writes `DIR/<name>.yml` and starts `shiwa sync --monitor` with it in `namespace`
    /// (PTP at debug level, so its log shows the port's states and offsets). Returns once
    /// the observation socket exists.
    pub fn start(lab: &mut Lab, name: &str, namespace: &str, yaml: &str) -> ShiwaDaemon {
        let config = lab.dir().join(format!("{name}.yml"));
        std::fs::write(&config, yaml).expect("write the shiwa config");
        let (socket, log) = spawn_sync(lab, name, namespace, &config, "info,shiwa::ptp=debug");
        ShiwaDaemon {
            name: name.to_string(),
            socket,
            log,
        }
    }

    /// `shiwa status --json` now.
    pub fn status(&self) -> Status {
        status(&self.socket)
    }

    /// Polls the status every 100 ms until `done` holds, for at most `limit`; returns that
    /// status. Panics with the last status and the daemon's log otherwise.
    pub fn wait_for(
        &self,
        lab: &mut Lab,
        limit: Duration,
        what: &str,
        done: impl Fn(&Status) -> bool,
    ) -> Status {
        let deadline = Instant::now() + limit;
        loop {
            lab.assert_running(&self.name);
            let status = self.status();
            if done(&status) {
                return status;
            }
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(&self.log).unwrap_or_default();
                panic!(
                    "{}: not {what} after {limit:?}; last status: {:#}\nlog:\n{log}",
                    self.name, status.json
                );
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Status {
    /// The selected source's name.
    pub fn selected(&self) -> Option<&str> {
        self.snapshot.clock.selected_source.as_deref()
    }

    /// The group of the selected source.
    pub fn group(&self) -> Option<Group> {
        self.snapshot.clock.group
    }

    /// The (first) configured source of `protocol`.
    pub fn source(&self, protocol: Protocol) -> &SourceSnapshot {
        self.snapshot
            .sources
            .iter()
            .find(|source| source.protocol == protocol)
            .unwrap_or_else(|| panic!("no {protocol:?} source in {:#}", self.json))
    }

    /// Events of `kind` recorded at or after `since`, oldest first.
    pub fn events_since(&self, kind: EventKind, since: Timestamp) -> Vec<&EventRecord> {
        self.snapshot
            .events
            .iter()
            .filter(|event| event.kind == kind && event.time >= since)
            .collect()
    }

    /// The first event of `kind` at or after `since` whose message contains `text`; panics
    /// naming what is missing.
    pub fn event(&self, kind: EventKind, since: Timestamp, text: &str) -> &EventRecord {
        self.events_since(kind, since)
            .into_iter()
            .find(|event| event.message.contains(text))
            .unwrap_or_else(|| {
                panic!(
                    "no {kind} event containing {text:?} since {}: {:#}",
                    since.to_rfc3339(),
                    self.json["events"]
                )
            })
    }
}

/// `shiwa status --json --socket SOCKET`, parsed.
pub fn status(socket: &Path) -> Status {
    let output = std::process::Command::new(shiwa_path())
        .args(["status", "--json", "--socket"])
        .arg(socket)
        .output()
        .expect("run shiwa status");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "status --json printed no JSON ({err}): {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let snapshot = serde_json::from_value(json.clone())
        .unwrap_or_else(|err| panic!("status --json is not a snapshot ({err}): {json:#}"));
    Status { json, snapshot }
}

/// CLOCK_REALTIME now, as the snapshot's event times are read (every namespace shares it).
pub fn wall_clock_now() -> Timestamp {
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    Timestamp::from_nanos(i64::try_from(since_epoch.as_nanos()).expect("before 2262"))
}

/// Starts `shiwa sync --monitor --config CONFIG` as `name` in `namespace` with log filter
/// `log_level`; returns (observation socket, log) once the socket exists.
pub fn spawn_sync(
    lab: &mut Lab,
    name: &str,
    namespace: &str,
    config: &Path,
    log_level: &str,
) -> (PathBuf, PathBuf) {
    let socket = lab.dir().join(format!("{name}.sock"));
    let binary = shiwa_path().display().to_string();
    let (config, socket_arg) = (config.display().to_string(), socket.display().to_string());
    let state_dir = lab.dir().join(format!("{name}.state"));
    let state_dir = state_dir.display().to_string();
    let argv = [
        binary.as_str(),
        "--log-level",
        log_level,
        "sync",
        "--monitor",
        "--config",
        &config,
        "--socket",
        &socket_arg,
        "--state-dir",
        &state_dir,
    ];
    let log = lab.spawn_in(name, namespace, &argv);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        lab.assert_running(name);
        assert!(Instant::now() < deadline, "{name}: no socket after 10 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    (socket, log)
}
