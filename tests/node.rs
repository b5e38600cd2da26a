//! A `shiwa sync --monitor` process for tests on loopback (its state directory beside its
//! socket), polled through `shiwa status --json`; shared by the fleet and ship-es tests.

#![expect(
    clippy::disallowed_methods,
    reason = "tests wait for real processes with real time"
)]

use crate::support::shiwa_path;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `shiwa sync --monitor` child, killed on drop.
pub struct Node {
    child: Child,
    /// Its observation socket.
    pub socket: PathBuf,
    log: PathBuf,
}

impl Node {
    pub fn start(dir: &Path, name: &str, config: &Path) -> Node {
        let socket = dir.join(format!("{name}.sock"));
        let log = dir.join(format!("{name}.log"));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .expect("log file");
        let child = Command::new(shiwa_path())
            .args(["--log-level", "debug", "sync", "--monitor", "--config"])
            .arg(config)
            .arg("--socket")
            .arg(&socket)
            .env("SHIWA_STATE_DIR", dir.join(format!("{name}-state")))
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log"))
            .stderr(file)
            .spawn()
            .expect("start shiwa sync");
        let mut node = Node { child, socket, log };
        node.wait_for(Duration::from_secs(10), "the socket", |_| true);
        node
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn status(&self) -> Value {
        let output = Command::new(shiwa_path())
            .args(["status", "--json", "--socket"])
            .arg(&self.socket)
            .output()
            .expect("shiwa status");
        serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
    }

    /// Polls `status --json` until `done` holds for it.
    pub fn wait_for(
        &mut self,
        limit: Duration,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("shiwa sync exited ({status}):\n{}", self.logs());
            }
            let json = if self.socket.exists() {
                self.status()
            } else {
                Value::Null
            };
            if !json.is_null() && done(&json) {
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

    /// SIGHUP: reload the config.
    pub fn hangup(&self) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).expect("SIGHUP");
    }

    /// SIGKILL: no graceful stop, no spool close.
    pub fn kill_9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.socket);
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub use crate::api::free_port;

/// A `sync` node serving NTP at local stratum 3 on 127.0.0.1, and its port.
pub fn ntp_server(dir: &Path) -> (Node, u16) {
    let ntp = free_port(true);
    let server = dir.join("server.yml");
    std::fs::write(
        &server,
        format!(
            "timebeat:\n  clock_sync:\n    adjust_clock: false\n    local_stratum: 3\n    primary_clocks:\n      - protocol: ntp\n        server_only: true\n        ip: 127.0.0.1:{ntp}\n"
        ),
    )
    .expect("config");
    (Node::start(dir, "server", &server), ntp)
}
