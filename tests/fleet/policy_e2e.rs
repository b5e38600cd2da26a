//! The fleet end to end, on SQLite and on PostgreSQL: a real `shiwa hub` with a short
//! dead-man's switch, port checks and a generic webhook to a local receiver; three real
//! `sync` nodes (monitor mode, NTP from a fourth) reporting every 10 s (the shortest
//! interval a node accepts), stale after 20 s of silence and down after 30 s; node 3's HTTP API as
//! its own `serve-api` process, declared to the hub as a port.
//!
//! Stop node 3's API → `port_down` (and a webhook); restart the hub, start the API → `port_up`
//! and a resolved notice (the open problem survived the restart). Kill -9 node 1 → `node_stale`, then
//! `node_down`, each delivered to the webhook. Start it again → `node_recovered` and a
//! resolved notice. Node 2 never goes stale.

use super::receiver::serve_in_background;
use super::{Node, free_port, ntp_server};
use crate::hub::support::{ADMIN_KEY, Hub, curl, have_curl, postgres};
use crate::support::{shiwa, shiwa_path};
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Webhook bodies received, in order.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<Value>>>);

impl Sink {
    fn start() -> (Sink, u16) {
        let sink = Sink::default();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the sink");
        let port = listener.local_addr().expect("addr").port();
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(sink.clone());
        serve_in_background(listener, app);
        (sink, port)
    }

    fn bodies(&self) -> Vec<Value> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The first body about `node` of `event_type` with `status`.
    fn find(&self, node: &str, event_type: &str, status: &str) -> Option<Value> {
        self.bodies().into_iter().find(|body| {
            body["node_id"] == node && body["type"] == event_type && body["status"] == status
        })
    }
}

async fn receive(State(sink): State<Sink>, body: String) -> &'static str {
    let json = serde_json::from_str(&body).unwrap_or(Value::String(body));
    sink.0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(json);
    "ok"
}

/// A child process killed on drop.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_until<T>(limit: Duration, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(found) = check() {
            return found;
        }
        assert!(Instant::now() < deadline, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn admin_get(hub: &Hub, path: &str) -> Value {
    let (code, _, body) = curl(&[
        "-H",
        &format!("Authorization: Bearer {ADMIN_KEY}"),
        &hub.url(path),
    ]);
    assert_eq!(code, 200, "GET {path}: {body}");
    serde_json::from_str(&body).expect("JSON")
}

fn events_of(hub: &Hub, node: &str) -> Vec<String> {
    admin_get(hub, &format!("/api/v1/events?node={node}&limit=500"))["events"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(|e| e["type"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn node_state(hub: &Hub, node: &str) -> String {
    admin_get(hub, &format!("/api/v1/nodes/{node}"))["node"]["state"]
        .as_str()
        .unwrap_or("?")
        .to_string()
}

fn add_node(hub: &Hub, name: &str, ports: &[String]) -> String {
    let mut command = shiwa();
    command
        .args(["hub", "--config"])
        .arg(&hub.config)
        .args(["node", "add", name, "--json"]);
    for port in ports {
        command.args(["--port", port]);
    }
    let output = command.assert().success().get_output().stdout.clone();
    let json: Value = serde_json::from_slice(&output).expect("node add --json");
    json["api_key"].as_str().expect("api_key").to_string()
}

fn node_config(dir: &Path, name: &str, ntp: u16, hub: &Hub, key: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.yml"));
    std::fs::write(
        &path,
        format!(
            "timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n      - protocol: ntp\n        ip: 127.0.0.1:{ntp}\n        pollinterval: 1s\nhub:\n  url: {}\n  node_id: {name}\n  api_key: {key}\n  report_interval: 10s\n",
            hub.url("/")
        ),
    )
    .expect("node config");
    path
}

/// `shiwa serve-api` for `node` on 127.0.0.1:`port`.
fn start_api(config: &Path, node: &Node, port: u16) -> Process {
    Process(
        Command::new(shiwa_path())
            .args(["serve-api", "--config"])
            .arg(config)
            .arg("--socket")
            .arg(&node.socket)
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve-api"),
    )
}

fn run_fleet(dir: &Path, database_url: &str) {
    let (sink, sink_port) = Sink::start();
    let hub_dir = dir.join("hub");
    std::fs::create_dir_all(&hub_dir).expect("hub dir");
    let policy = format!(
        "deadman:\n  stale_after: 2\n  down_after: 3\n  grace: 0s\n  sweep_interval: 1s\nchecks:\n  interval: 2s\n  timeout: 1s\n  failures_before_down: 2\nalerts:\n  cooldown: 0s\n  webhooks:\n    - name: sink\n      url: http://127.0.0.1:{sink_port}/hook\n      format: generic\n      min_severity: info\n  delivery:\n    attempts: 3\n    backoff: 100ms\n"
    );
    let mut hub = Hub::start(&hub_dir, database_url, &policy);
    let api_port = free_port(false);
    let keys = [
        add_node(&hub, "node-1", &[]),
        add_node(&hub, "node-2", &[]),
        add_node(&hub, "node-3", &[format!("api:{api_port}")]),
    ];

    let (_server, ntp) = ntp_server(dir);
    let configs: Vec<_> = ["node-1", "node-2", "node-3"]
        .iter()
        .zip(&keys)
        .map(|(name, key)| node_config(dir, name, ntp, &hub, key))
        .collect();
    let node1 = Node::start(dir, "node-1", &configs[0]);
    let _node2 = Node::start(dir, "node-2", &configs[1]);
    let node3 = Node::start(dir, "node-3", &configs[2]);
    let api = start_api(&configs[2], &node3, api_port);

    wait_until(Duration::from_secs(30), "all three nodes ok", || {
        ["node-1", "node-2", "node-3"]
            .iter()
            .all(|n| node_state(&hub, n) == "ok")
            .then_some(())
    });
    wait_until(Duration::from_secs(20), "node-3's API checked up", || {
        let checks = admin_get(&hub, "/api/v1/nodes/node-3")["port_checks"].clone();
        checks
            .as_array()
            .filter(|c| c.iter().any(|c| c["name"] == "api" && c["up"] == true))
            .map(|_| ())
    });

    drop(api);
    wait_until(
        Duration::from_secs(20),
        "port_down event for node-3",
        || {
            events_of(&hub, "node-3")
                .contains(&"port_down".to_string())
                .then_some(())
        },
    );
    wait_until(Duration::from_secs(10), "port_down webhook", || {
        sink.find("node-3", "port_down", "firing")
    });

    // A hub restart while the port is down: the problem is restored from the stored events,
    // so the port coming back is a port_up and a resolved notice, and nothing fires twice.
    assert_eq!(hub.terminate(), Some(0), "the hub stops cleanly on SIGTERM");
    hub.restart();
    let _api = start_api(&configs[2], &node3, api_port);
    wait_until(Duration::from_secs(20), "port_up event for node-3", || {
        events_of(&hub, "node-3")
            .contains(&"port_up".to_string())
            .then_some(())
    });
    let resolved = wait_until(
        Duration::from_secs(10),
        "port_down resolved webhook",
        || sink.find("node-3", "port_up", "resolved"),
    );
    assert_eq!(resolved["resolves"], "port_down", "{resolved}");
    let firings = sink
        .bodies()
        .iter()
        .filter(|b| b["type"] == "port_down" && b["status"] == "firing")
        .count();
    assert_eq!(firings, 1, "port_down fired once across the restart");

    node1.kill_9();
    let stale = wait_until(Duration::from_secs(45), "node_stale webhook", || {
        sink.find("node-1", "node_stale", "firing")
    });
    assert_eq!(stale["severity"], "warning", "{stale}");
    let down = wait_until(Duration::from_secs(30), "node_down webhook", || {
        sink.find("node-1", "node_down", "firing")
    });
    assert_eq!(down["severity"], "error", "{down}");
    assert_eq!(node_state(&hub, "node-1"), "down");
    let events = events_of(&hub, "node-1");
    assert!(
        events.contains(&"node_stale".to_string()) && events.contains(&"node_down".to_string()),
        "{events:?}"
    );

    let _node1 = Node::start(dir, "node-1", &configs[0]);
    wait_until(Duration::from_secs(30), "node-1 recovered", || {
        events_of(&hub, "node-1")
            .contains(&"node_recovered".to_string())
            .then_some(())
    });
    assert_eq!(node_state(&hub, "node-1"), "ok");
    let resolved = wait_until(Duration::from_secs(10), "resolved webhook", || {
        sink.find("node-1", "node_recovered", "resolved")
    });
    assert_eq!(resolved["resolves"], "node_down", "{resolved}");

    let quiet = events_of(&hub, "node-2");
    assert!(
        !quiet.iter().any(|e| e.starts_with("node_")),
        "node-2 reported all along: {quiet:?}"
    );
    assert_eq!(node_state(&hub, "node-2"), "ok");
    let (_, _, metrics) = curl(&[&hub.url("/metrics")]);
    let last_sweep = metrics
        .lines()
        .find(|l| l.starts_with("shiwa_hub_last_sweep_timestamp_seconds "))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no last-sweep metric:\n{metrics}"));
    assert!(last_sweep > 1.0e9, "{last_sweep}");
}

#[test]
fn fleet_on_sqlite_stale_down_recovered_and_port_down_reach_the_webhook() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/hub.db", dir.path().display());
    run_fleet(dir.path(), &url);
}

#[test]
fn fleet_on_postgresql_stale_down_recovered_and_port_down_reach_the_webhook() {
    if !have_curl() {
        return;
    }
    let Some(cluster) = postgres() else { return };
    let url = cluster.database("fleet").expect("database");
    let dir = tempfile::tempdir().expect("tempdir");
    run_fleet(dir.path(), &url);
}
