//! A real `shiwa hub` process on 127.0.0.1, curl, and report/event/backup bodies.

use crate::support::{have_tool, require, shiwa, shiwa_path};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

#[path = "../../src/hub/store/pg_cluster.rs"]
pub mod pg_cluster;

/// The admin key every test hub uses.
pub const ADMIN_KEY: &str = "test-admin-key-0123456789abcdef";

/// A running hub; dropping it kills it.
pub struct Hub {
    pub dir: PathBuf,
    pub port: u16,
    pub config: PathBuf,
    child: Option<Child>,
}

fn free_port() -> u16 {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    socket.local_addr().expect("addr").port()
}

impl Hub {
    /// Writes hub.yaml in `dir` for `database_url` (and `extra` YAML lines) and starts a hub.
    pub fn start(dir: &Path, database_url: &str, extra: &str) -> Hub {
        let admin = dir.join("admin.key");
        std::fs::write(&admin, ADMIN_KEY).expect("write admin key");
        let port = free_port();
        let config = dir.join("hub.yaml");
        let yaml = format!(
            "listen: 127.0.0.1:{port}\ndatabase_url: {database_url}\nadmin_key_file: {}\n{extra}",
            admin.display()
        );
        std::fs::write(&config, yaml).expect("write hub.yaml");
        let mut hub = Hub {
            dir: dir.to_path_buf(),
            port,
            config,
            child: None,
        };
        hub.restart();
        hub
    }

    /// Starts the hub process (again) and waits until it accepts connections.
    pub fn restart(&mut self) {
        let log = std::fs::File::create(self.dir.join("hub.log")).expect("log");
        let child = Command::new(shiwa_path())
            .args(["hub", "--config"])
            .arg(&self.config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn shiwa hub");
        self.child = Some(child);
        for _ in 0..200 {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let log = std::fs::read_to_string(self.dir.join("hub.log")).unwrap_or_default();
        panic!("the hub did not start listening on {}:\n{log}", self.port);
    }

    /// SIGKILL, and wait for it.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM; returns the exit status.
    pub fn terminate(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("pid"));
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM");
        child.wait().ok().and_then(|s| s.code())
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// `shiwa hub node add NAME --json`: `(api_key, retrieval_password)`.
    pub fn add_node(&self, name: &str) -> (String, String) {
        let output = shiwa()
            .args(["hub", "--config"])
            .arg(&self.config)
            .args([
                "node",
                "add",
                name,
                "--json",
                "--port",
                "api:8088:/api/v1/health",
            ])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let json: serde_json::Value = serde_json::from_slice(&output).expect("node add --json");
        assert_eq!(json["node_id"], name);
        let field = |key: &str| json[key].as_str().expect(key).to_string();
        (field("api_key"), field("retrieval_password"))
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// Whether curl is there (fails under CI=true when it is not).
pub fn have_curl() -> bool {
    require(have_tool("curl"), "curl (apt-get install curl)")
}

/// Runs curl with `args`; returns `(status, headers, body)`.
pub fn curl(args: &[&str]) -> (u16, String, String) {
    let output = Command::new("curl")
        .args([
            "-s",
            "-S",
            "-D",
            "/dev/stderr",
            "-o",
            "-",
            "-w",
            "\n%{http_code}",
        ])
        .args(args)
        .output()
        .expect("run curl");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let (body, code) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
    let status = code.trim().parse().unwrap_or(0);
    (
        status,
        String::from_utf8_lossy(&output.stderr).to_string(),
        body.to_string(),
    )
}

/// curl with a Bearer key, POSTing `body` (as a file, so any size works) to `url`.
pub fn post(url: &str, key: &str, body: &str, dir: &Path) -> (u16, serde_json::Value) {
    let file = dir.join(format!("body-{}.json", std::process::id()));
    std::fs::write(&file, body).expect("write body");
    let auth = format!("Authorization: Bearer {key}");
    let data = format!("@{}", file.display());
    let (status, _, text) = curl(&[
        "-H",
        &auth,
        "-H",
        "Content-Type: application/json",
        "--data-binary",
        &data,
        url,
    ]);
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// A report body from `node` with `id`, sent at `2026-01-01T00:00:SS` + `n` seconds.
pub fn report(node: &str, id: &str, n: u32, offset_ns: i64) -> String {
    let sent = format!(
        "2026-01-01T{:02}:{:02}:{:02}Z",
        n / 3600 % 24,
        n / 60 % 60,
        n % 60
    );
    serde_json::json!({
        "wire_version": 1, "node_id": node, "report_id": id, "sent_at": sent,
        "report_interval_s": 60,
        "clock": {"state": "locked", "synchronized": true, "adjust_clock": false,
                  "frequency_ppb": 1.5, "offset_ns": offset_ns, "path_delay_ns": 20000,
                  "steps": 0, "state_since": "2026-01-01T00:00:00Z"},
        "sources": [],
        "host": {"hostname": node, "os": "Debian", "shiwa_version": "0.1.0"}
    })
    .to_string()
}

/// An event body.
pub fn event(node: &str, id: &str, kind: &str, message: &str) -> String {
    serde_json::json!({
        "wire_version": 1, "node_id": node, "event_id": id, "time": "2026-01-01T00:00:00Z",
        "type": kind, "severity": "warning", "message": message, "details": {"x": 1}
    })
    .to_string()
}

/// A non-secret backup body with a correct sha256.
pub fn backup(node: &str, id: &str, content: &str) -> String {
    let payload = serde_json::json!({"kind": "non_secret", "files": [
        {"path": "/etc/shiwa/shiwa.yml", "mode": 384, "content_b64": content}]});
    let typed: shiwa::fleet::BackupPayload =
        serde_json::from_value(payload.clone()).expect("payload");
    let digest = shiwa::fleet::Backup::digest(&typed);
    serde_json::json!({
        "wire_version": 1, "node_id": node, "backup_id": id,
        "created_at": "2026-01-01T00:00:00Z", "sha256": digest, "payload": payload
    })
    .to_string()
}

/// Starts a throwaway PostgreSQL cluster, or says why not (fails under CI=true).
pub fn postgres() -> Option<pg_cluster::PgCluster> {
    match pg_cluster::PgCluster::start() {
        Ok(cluster) => Some(cluster),
        Err(why) => {
            let _ = require(false, &format!("PostgreSQL: {why}"));
            None
        }
    }
}

/// Posts `attempt` every 20 ms until it answers 403; returns how long that took from the
/// call. Fails when it takes longer than `bound`.
#[expect(
    clippy::disallowed_methods,
    reason = "the test times how long a revoked key stays accepted"
)]
pub fn refused_within(bound: Duration, mut attempt: impl FnMut() -> u16) -> Duration {
    let start = std::time::Instant::now();
    loop {
        let status = attempt();
        let elapsed = start.elapsed();
        if status == 403 {
            return elapsed;
        }
        assert!(
            elapsed <= bound,
            "still answered {status} after {elapsed:?} (bound {bound:?})"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
