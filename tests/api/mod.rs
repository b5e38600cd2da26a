//! The HTTP API against real clients: curl and reqwest (plain, and curl with TLS from `setup-pki` certificates),
//! promtool (`check metrics` on a real scrape, `check rules`/`test rules` on the shipped alerts),
//! with `shiwa sync --monitor` on loopback serving it in process (`timebeat.http.enable`) and
//! `shiwa serve-api` standalone across a restart of the daemon. Never touches the clock.

#![expect(
    clippy::disallowed_methods,
    reason = "tests wait for real processes with real time"
)]

mod endpoints;
#[path = "../../src/api/openapi_check.rs"]
mod openapi_check;
mod prometheus;
mod reqwest_client;
mod restart;
mod tls_auth;

use crate::support::{have_tool, require, shiwa_path};
pub use openapi_check::{assert_documented, assert_documented_in};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `shiwa` child process (sync or serve-api), killed on drop, logging to a file.
pub struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    /// Starts `shiwa ARGS`, logging at debug level to `DIR/NAME.log`.
    pub fn start(dir: &Path, name: &str, args: &[&str]) -> Process {
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(shiwa_path())
            .args(["--log-level", "debug"])
            .args(args)
            .env_remove("SHIWA_CONFIG")
            .env_remove("SHIWA_SOCKET")
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log"))
            .stderr(file)
            .spawn()
            .expect("start shiwa");
        Process { child, log }
    }

    /// `shiwa sync --monitor --config CONFIG --socket DIR/NAME.sock`, once its socket exists.
    pub fn sync(dir: &Path, name: &str, config: &Path) -> Process {
        let socket = dir.join(format!("{name}.sock"));
        let _ = std::fs::remove_file(&socket);
        let config = config.to_string_lossy().into_owned();
        let socket_arg = socket.to_string_lossy().into_owned();
        let args = [
            "sync",
            "--monitor",
            "--config",
            &config,
            "--socket",
            &socket_arg,
        ];
        let mut process = Process::start(dir, name, &args);
        process.wait_until(Duration::from_secs(10), "the socket", || socket.exists());
        process
    }

    /// The log so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics (with the log) when the process has exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("shiwa exited ({status}):\n{}", self.logs());
        }
    }

    /// Polls `done` every 100 ms while the process runs; panics after `limit`.
    pub fn wait_until(&mut self, limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + limit;
        while !done() {
            self.assert_running();
            assert!(
                Instant::now() < deadline,
                "{what}: not within {limit:?}\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends SIGTERM and waits for the exit; returns the exit code.
    pub fn stop(&mut self) -> Option<i32> {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "no exit after SIGTERM:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A free port on 127.0.0.1 (TCP or UDP, as asked).
pub fn free_port(udp: bool) -> u16 {
    if udp {
        std::net::UdpSocket::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("a UDP port")
            .port()
    } else {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|s| s.local_addr())
            .expect("a TCP port")
            .port()
    }
}

/// A shiwa NTP server on `ntp_port` (local stratum 3), for a client to synchronise to.
pub fn ntp_server(dir: &Path, ntp_port: u16) -> Process {
    let config = dir.join("server.yml");
    std::fs::write(
        &config,
        format!(
            "timebeat:\n  clock_sync:\n    adjust_clock: false\n    local_stratum: 3\n    primary_clocks:\n      - protocol: ntp\n        server_only: true\n        ip: 127.0.0.1:{ntp_port}\n"
        ),
    )
    .expect("server config");
    Process::sync(dir, "server", &config)
}

/// A monitor-mode client config following `127.0.0.1:ntp_port`, plus `http` lines (indented
/// under `timebeat:`, empty for none).
pub fn client_config(ntp_port: u16, http: &str) -> String {
    format!(
        "timebeat:\n{http}  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n      - protocol: ntp\n        ip: 127.0.0.1:{ntp_port}\n        pollinterval: 1s\n"
    )
}

/// Whether curl is here (a failure under `CI=true` when it is not).
pub fn have_curl() -> bool {
    require(have_tool("curl"), "curl (Debian package curl)")
}

/// An HTTP answer seen by curl.
#[derive(Debug)]
pub struct Answer {
    pub code: u16,
    pub headers: String,
    pub body: String,
}

impl Answer {
    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|err| panic!("{err}: {} {}", self.code, self.body))
    }
}

/// `curl -sS [EXTRA] URL`, returning the status, headers and body (code 0 when curl failed).
pub fn curl(url: &str, extra: &[&str]) -> Answer {
    let output = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            "-D",
            "/dev/stderr",
            "-w",
            "\n%{http_code}",
        ])
        .args(extra)
        .arg(url)
        .output()
        .expect("run curl");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let (body, code) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
    Answer {
        code: code.trim().parse().unwrap_or(0),
        headers: String::from_utf8_lossy(&output.stderr).into_owned(),
        body: body.to_string(),
    }
}

/// Polls `url` with curl until `done` accepts the answer; panics with the last one after
/// `limit`, and with `process`'s log when it exits.
pub fn wait_for_answer(
    process: &mut Process,
    url: &str,
    extra: &[&str],
    limit: Duration,
    done: impl Fn(&Answer) -> bool,
) -> Answer {
    let deadline = Instant::now() + limit;
    loop {
        process.assert_running();
        let answer = curl(url, extra);
        if done(&answer) {
            return answer;
        }
        assert!(
            Instant::now() < deadline,
            "{url}: not as expected within {limit:?}: {answer:?}\n{}",
            process.logs()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
