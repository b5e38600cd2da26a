//! `shiwa sync` as a process on loopback, without root: socket, status exit codes, SIGHUP
//! reload, SIGTERM, systemd notifications, and one shiwa following another's NTP server.
//! Always monitor mode: the clock is never written.

#![expect(
    clippy::disallowed_methods,
    reason = "tests wait for real processes with real time"
)]

use crate::support::{shiwa, shiwa_path};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `shiwa sync --monitor` child, killed on drop.
struct Daemon {
    child: Child,
    socket: PathBuf,
    log: PathBuf,
}

impl Daemon {
    fn start(dir: &Path, name: &str, config: &Path, env: &[(&str, &str)]) -> Daemon {
        let socket = dir.join(format!("{name}.sock"));
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(shiwa_path());
        command
            .args(["--log-level", "debug", "sync", "--monitor", "--config"])
            .arg(config)
            .arg("--socket")
            .arg(&socket)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log"))
            .stderr(file);
        let child = command.spawn().expect("start shiwa sync");
        let mut daemon = Daemon { child, socket, log };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !daemon.socket.exists() {
            daemon.assert_running();
            assert!(
                Instant::now() < deadline,
                "no socket after 10 s:\n{}",
                daemon.logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("shiwa sync exited ({status}):\n{}", self.logs());
        }
    }

    fn signal(&self, signal: Signal) {
        kill(Pid::from_raw(self.child.id() as i32), signal).expect("signal shiwa sync");
    }

    fn status(&self) -> (i32, Value) {
        let output = Command::new(shiwa_path())
            .args(["status", "--json", "--socket"])
            .arg(&self.socket)
            .output()
            .expect("shiwa status");
        let json = serde_json::from_slice(&output.stdout).unwrap_or(Value::Null);
        (output.status.code().unwrap_or(-1), json)
    }

    fn wait_for(
        &mut self,
        limit: Duration,
        what: &str,
        done: impl Fn(i32, &Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            self.assert_running();
            let (code, json) = self.status();
            if done(code, &json) {
                return json;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not reached in {limit:?}; status {json:#}\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "shiwa sync did not stop within {limit:?}:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("an ephemeral port")
        .port()
}

fn server_config(port: u16) -> String {
    format!(
        "timebeat:\n  clock_sync:\n    adjust_clock: false\n    local_stratum: 3\n    primary_clocks:\n      - protocol: ntp\n        server_only: true\n        ip: 127.0.0.1:{port}\n"
    )
}

fn client_config(port: u16) -> String {
    format!(
        "timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n      - protocol: ntp\n        ip: 127.0.0.1:{port}\n        pollinterval: 1s\n"
    )
}

#[test]
fn one_shiwa_follows_anothers_ntp_server_and_status_exits_0() {
    let dir = tempfile::tempdir().expect("tempdir");
    let port = free_udp_port();
    let server_yml = dir.path().join("server.yml");
    std::fs::write(&server_yml, server_config(port)).expect("config");
    let _server = Daemon::start(dir.path(), "server", &server_yml, &[]);
    let client_yml = dir.path().join("client.yml");
    std::fs::write(&client_yml, client_config(port)).expect("config");
    let mut client = Daemon::start(dir.path(), "client", &client_yml, &[]);
    let mode = std::fs::metadata(&client.socket)
        .expect("socket")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o660, "socket mode {mode:o}");
    let json = client.wait_for(Duration::from_secs(15), "synchronised", |code, json| {
        code == 0 && json["clock"]["synchronized"] == true
    });
    assert_eq!(json["clock"]["state"], "monitoring", "{json:#}");
    assert_eq!(json["sources"][0]["state"], "selected", "{json:#}");
    assert_eq!(json["sources"][0]["stratum"], 3, "{json:#}");
    let offset = json["clock"]["offset_ns"].as_i64().expect("offset_ns");
    assert!(
        offset.abs() < 1_000_000,
        "offset {offset} ns between two processes on one clock"
    );
    // The human table names the selected source.
    shiwa()
        .args(["status", "--socket"])
        .arg(&client.socket)
        .assert()
        .success()
        .stdout(predicates::str::contains(format!("ntp 127.0.0.1:{port}")));
}

#[test]
fn an_unanswered_source_leaves_status_at_exit_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yml = dir.path().join("client.yml");
    std::fs::write(&yml, client_config(free_udp_port())).expect("config");
    let mut daemon = Daemon::start(dir.path(), "lonely", &yml, &[]);
    std::thread::sleep(Duration::from_secs(3));
    daemon.assert_running();
    let (code, json) = daemon.status();
    assert_eq!(code, 3, "status of an unsynchronised daemon: {json:#}");
    assert_eq!(json["clock"]["synchronized"], false);
}

#[test]
fn sighup_with_a_bad_config_keeps_the_running_one_and_a_good_one_is_applied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yml = dir.path().join("shiwa.yml");
    std::fs::write(&yml, client_config(free_udp_port())).expect("config");
    let mut daemon = Daemon::start(dir.path(), "reload", &yml, &[]);
    std::fs::write(&yml, "timebeat:\n  clock_sync:\n    primary_clocks:\n      - protocol: ntp\n        ipp: 10.0.0.1\n").expect("bad config");
    daemon.signal(Signal::SIGHUP);
    let deadline = Instant::now() + Duration::from_secs(5);
    while !daemon.logs().contains("reload refused") {
        daemon.assert_running();
        assert!(
            Instant::now() < deadline,
            "no refusal logged:\n{}",
            daemon.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let logs = daemon.logs();
    assert!(
        logs.contains("shiwa.yml:5"),
        "the error names the file and line:\n{logs}"
    );
    let (_, json) = daemon.status();
    assert_eq!(
        json["sources"].as_array().map(Vec::len),
        Some(1),
        "{json:#}"
    );

    let port = free_udp_port();
    std::fs::write(
        &yml,
        format!(
            "{}      - protocol: ntp\n        ip: 127.0.0.1:{port}\n",
            client_config(port)
        ),
    )
    .expect("good config");
    daemon.signal(Signal::SIGHUP);
    daemon.wait_for(
        Duration::from_secs(5),
        "two sources after reload",
        |_, json| json["sources"].as_array().map(Vec::len) == Some(2),
    );
}

#[test]
fn sigterm_stops_gracefully_and_removes_the_socket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yml = dir.path().join("shiwa.yml");
    std::fs::write(&yml, client_config(free_udp_port())).expect("config");
    let mut daemon = Daemon::start(dir.path(), "term", &yml, &[]);
    daemon.signal(Signal::SIGTERM);
    let status = daemon.wait_exit(Duration::from_secs(5));
    assert!(status.success(), "exit status {status}:\n{}", daemon.logs());
    assert!(!daemon.socket.exists(), "socket left behind");
}

#[test]
fn systemd_hears_ready_watchdog_and_status() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notify = dir.path().join("notify.sock");
    let listener = std::os::unix::net::UnixDatagram::bind(&notify).expect("notify socket");
    listener
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let yml = dir.path().join("shiwa.yml");
    std::fs::write(&yml, client_config(free_udp_port())).expect("config");
    let notify_path = notify.display().to_string();
    let daemon = Daemon::start(
        dir.path(),
        "watched",
        &yml,
        &[
            ("NOTIFY_SOCKET", &notify_path),
            ("WATCHDOG_USEC", "30000000"),
        ],
    );
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !(seen.contains("READY=1") && seen.contains("WATCHDOG=1")) {
        let len = listener.recv(&mut buf).unwrap_or_else(|err| {
            panic!("no notification ({err}); got: {seen}\n{}", daemon.logs())
        });
        seen.push_str(&String::from_utf8_lossy(&buf[..len]));
        seen.push('\n');
    }
    assert!(seen.contains("STATUS="), "no STATUS= line: {seen}");
}

#[test]
fn a_bad_config_exits_78_before_starting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yml = dir.path().join("shiwa.yml");
    std::fs::write(&yml, "timebeat:\n  clock_sync:\n    step_limit: banana\n").expect("config");
    shiwa()
        .args(["sync", "--monitor", "--socket"])
        .arg(dir.path().join("s.sock"))
        .arg("--config")
        .arg(&yml)
        .assert()
        .code(78)
        .stderr(predicates::str::contains("shiwa.yml:3"));
}

#[test]
fn a_missing_phc_is_named_and_pps_and_nmea_are_skipped_while_ntp_runs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let device = dir.path().join("ptp9");
    let yml = dir.path().join("phc.yml");
    std::fs::write(
        &yml,
        format!(
            "timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n      - protocol: phc\n        device: {}\n      - protocol: pps\n        interface: eth0\n      - protocol: nmea\n        device: /dev/ttyS0\n    secondary_clocks:\n      - protocol: ntp\n        ip: 127.0.0.1:{}\n        pollinterval: 1s\n",
            device.display(),
            free_udp_port()
        ),
    )
    .expect("config");
    let mut daemon = Daemon::start(dir.path(), "phc", &yml, &[]);
    let missing = format!("{}: no such PTP hardware clock", device.display());
    let json = daemon.wait_for(Duration::from_secs(10), "the phc problem", |_, json| {
        json["sources"][0]["reason"] == missing.as_str()
    });
    assert_eq!(json["sources"][0]["protocol"], "phc", "{json:#}");
    for (index, protocol) in [(1, "pps"), (2, "nmea")] {
        assert_eq!(json["sources"][index]["protocol"], protocol, "{json:#}");
        assert_eq!(
            json["sources"][index]["reason"],
            format!("{protocol} sources are not supported yet: skipped"),
            "{json:#}"
        );
    }
    // The daemon keeps running and retrying the device; the problem is logged once (at warning
    // level: the debug log of each retry says it again).
    std::thread::sleep(Duration::from_secs(2));
    daemon.assert_running();
    let logs = daemon.logs();
    let warnings = logs
        .lines()
        .filter(|line| line.contains(" WARN ") && line.contains(missing.as_str()))
        .count();
    assert_eq!(warnings, 1, "{logs}");
    assert!(logs.contains("pps sources are not supported yet"), "{logs}");
    // A file that is not a PTP clock is named as such once it appears in place of the device.
    std::fs::write(&device, b"").expect("a plain file");
    let not_ptp = format!("{}: not a PTP hardware clock", device.display());
    daemon.wait_for(
        Duration::from_secs(10),
        "the not-a-PHC problem",
        |_, json| json["sources"][0]["reason"] == not_ptp.as_str(),
    );
}

#[test]
fn hardware_timestamping_on_an_interface_without_it_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let yml = dir.path().join("hw.yml");
    std::fs::write(
        &yml,
        "timebeat:\n  advanced:\n    linux_specific:\n      hardware_timestamping: true\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n      - protocol: ptp\n        interface: lo\n        domain: 0\n",
    )
    .expect("config");
    let mut daemon = Daemon::start(dir.path(), "hw", &yml, &[]);
    let json = daemon.wait_for(Duration::from_secs(10), "the PTP problem", |_, json| {
        json["sources"][0]["reason"]
            .as_str()
            .is_some_and(|reason| reason.starts_with("lo: no hardware timestamping"))
    });
    let reason = json["sources"][0]["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("set linux_specific.hardware_timestamping: false"),
        "{json:#}"
    );
    daemon.assert_running();
}
