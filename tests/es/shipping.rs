//! ship-es end to end: a real `shiwa sync` (monitor mode, following a second `sync` serving
//! NTP on loopback) ships to the test server through an outage, with mixed item failures, and
//! a standalone `shiwa ship-es` killed with SIGKILL mid-batch loses nothing.

#![expect(
    clippy::disallowed_methods,
    reason = "tests wait for real processes with real time"
)]

use crate::node::{Node, ntp_server};
use crate::support::{shiwa, shiwa_path};
use serde_json::Value;
use shiwa::config::WhenFull;
use shiwa::es::spool::EsSpool;
use shiwa::es::testserver::{ItemFault, TestServer, TestServerConfig};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn es(status: &Value, key: &str) -> u64 {
    status["elasticsearch"][key].as_u64().unwrap_or(0)
}

/// The `output.elasticsearch` section shipping to `url` every second.
fn output(url: &url::Url) -> String {
    format!(
        "output.elasticsearch:\n  hosts: ['{url}']\n  snapshot_interval: 1s\n  bulk_max_size: 50\n  backoff: {{init: 200ms, max: 1s}}\n"
    )
}

/// A client following `ntp` every second, with `extra` appended.
fn client_config(dir: &Path, ntp: u16, extra: &str) -> PathBuf {
    let path = dir.join("client.yml");
    std::fs::write(
        &path,
        format!(
            "timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n      - protocol: ntp\n        ip: 127.0.0.1:{ntp}\n        pollinterval: 1s\n{extra}"
        ),
    )
    .expect("config");
    path
}

/// Polls `check` every 100 ms for up to `limit`.
fn eventually(limit: Duration, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "{what}: not reached in {limit:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sync_ships_through_an_outage_and_every_document_is_stored_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = runtime();
    let mut server = runtime
        .block_on(TestServer::start(TestServerConfig::default()))
        .expect("test server");
    let (_ntp_server, ntp) = ntp_server(dir.path());
    let config = client_config(dir.path(), ntp, &output(&server.url()));
    let mut node = Node::start(dir.path(), "client", &config);
    node.wait_for(Duration::from_secs(30), "documents acked", |s| {
        es(s, "acked") >= 10 && s["elasticsearch"]["state"] == "ok"
    });
    assert!(
        server.templates().contains_key("shiwa"),
        "template installed first"
    );

    runtime.block_on(server.shutdown());
    let outage = Instant::now();
    let down = node.wait_for(
        Duration::from_secs(30),
        "documents queued while ES is down",
        |s| es(s, "queued") >= 8 && s["elasticsearch"]["state"] == "backing_off",
    );
    let error = down["elasticsearch"]["last_error"]
        .as_str()
        .unwrap_or_default();
    assert!(error.contains(&server.local_addr().to_string()), "{error}");
    assert!(es(&down, "failed_requests") >= 1, "{down:#}");
    runtime.block_on(server.restart()).expect("restart");
    let down_for = outage.elapsed();
    let after = node.wait_for(Duration::from_secs(30), "the spool drained", |s| {
        es(s, "queued") == 0 && es(s, "acked") >= es(&down, "acked") + es(&down, "queued")
    });

    let stored = server.documents("*");
    assert!(
        stored.iter().all(|d| d.version == 1),
        "no document overwritten"
    );
    let ids: HashSet<&str> = stored.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids.len(), stored.len(), "each id stored once");
    // The daemon keeps shipping: what it reported acked before the server's count is at most
    // what the server stored, and the server's count is accounted for (acked, or a 409 after a
    // lost answer) once the daemon's counters catch up.
    let stored_now = server.stats().docs_stored;
    assert!(es(&after, "acked") <= stored_now, "{after:#}");
    node.wait_for(
        Duration::from_secs(10),
        "the counters account for the server's",
        |s| es(s, "acked") + es(s, "duplicates") >= stored_now,
    );
    // Clock documents were taken every second through the outage: no gap of 3 s or more.
    let mut times: Vec<String> = server
        .documents("shiwatime_clock-*")
        .iter()
        .filter_map(|d| d.source["@timestamp"].as_str().map(str::to_string))
        .collect();
    times.sort();
    let seconds: Vec<i64> = times
        .iter()
        .map(|t| {
            let parsed =
                time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339);
            parsed.expect("RFC 3339").unix_timestamp()
        })
        .collect();
    let widest = seconds.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    assert!(
        widest < 3,
        "a gap of {widest} s in clock documents across a {down_for:?} outage"
    );
    assert!(
        !server.documents("shiwatime_source-*").is_empty(),
        "source documents"
    );
    let logs = server.documents("timebeat-*");
    assert!(
        logs.iter()
            .any(|d| d.source["event"]["dataset"] == "shiwa.event"),
        "engine events shipped"
    );
    assert!(
        logs.iter()
            .any(|d| d.source["event"]["dataset"] == "shiwa.log"),
        "log records shipped"
    );
}

#[test]
fn only_failed_items_are_retried_and_refused_documents_are_dead_lettered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = runtime();
    let server = runtime
        .block_on(TestServer::start(TestServerConfig::default()))
        .expect("test server");
    let faults = server.faults();
    faults.fail_items(
        ItemFault::rejected(|item| item.index.starts_with("shiwatime_clock")).first_attempts(2),
    );
    faults.fail_items(ItemFault::mapping_error_on_field("source"));
    let (_ntp_server, ntp) = ntp_server(dir.path());
    let config = client_config(dir.path(), ntp, &output(&server.url()));
    let mut node = Node::start(dir.path(), "client", &config);
    let status = node.wait_for(Duration::from_secs(30), "failures settled", |s| {
        es(s, "dead_lettered") >= 3 && es(s, "too_many_requests") >= 2 && es(s, "queued") == 0
    });
    assert!(es(&status, "retries") >= 2, "{status:#}");
    eventually(
        Duration::from_secs(10),
        "clock documents stored after their 429s",
        || server.documents("shiwatime_clock-*").len() >= 3,
    );
    assert!(
        server.documents("shiwatime_source-*").is_empty(),
        "refused for good"
    );
    let stats = server.stats();
    let clock_docs = server.documents("shiwatime_clock-*").len() as u64;
    assert!(stats.item_statuses.get(&429).copied().unwrap_or(0) >= 2 * clock_docs.min(3));
    // Refused documents are in the dead-letter file, with their reason.
    let dead = std::fs::read_to_string(dir.path().join("client-state/es-dead-letter.ndjson"))
        .expect("dead-letter file");
    let first: Value = serde_json::from_str(dead.lines().next().expect("a line")).expect("JSON");
    assert_eq!(first["status"], 400);
    assert!(
        first["reason"]
            .as_str()
            .is_some_and(|r| r.contains("document_parsing_exception")),
        "{first}"
    );
    assert!(first["document"]["source"]["name"].is_string(), "{first}");
    // `shiwa status` shows the shipper's row.
    let text = shiwa()
        .args(["status", "--socket"])
        .arg(&node.socket)
        .output()
        .expect("status");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("elasticsearch http://127.0.0.1"), "{text}");
}

/// A standalone `shiwa ship-es`, killed on drop.
struct ShipEs {
    child: Child,
}

impl ShipEs {
    fn start(dir: &Path, socket: &Path, config: &Path) -> ShipEs {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("ship-es.log"))
            .expect("log");
        let child = Command::new(shiwa_path())
            .arg("--config")
            .arg(config)
            .args(["--log-level", "debug", "ship-es", "--socket"])
            .arg(socket)
            .arg("--state-dir")
            .arg(dir.join("ship-state"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("start shiwa ship-es");
        ShipEs { child }
    }
}

impl Drop for ShipEs {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `shiwa ship-es --stats --json`.
fn stats(dir: &Path, config: &Path) -> Value {
    let output = shiwa()
        .arg("--config")
        .arg(config)
        .args(["ship-es", "--stats", "--json", "--state-dir"])
        .arg(dir.join("ship-state"))
        .output()
        .expect("ship-es --stats");
    serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
}

#[test]
fn ship_es_killed_mid_batch_loses_nothing_after_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = runtime();
    let server = runtime
        .block_on(TestServer::start(TestServerConfig::default()))
        .expect("test server");
    let (_ntp_server, ntp) = ntp_server(dir.path());
    let node_config = client_config(dir.path(), ntp, "");
    let mut node = Node::start(dir.path(), "client", &node_config);
    let ship_config = dir.path().join("ship.yml");
    std::fs::write(&ship_config, output(&server.url())).expect("config");
    // Each bulk request takes 1.5 s: the kill lands while one is in flight.
    server.faults().set_delay(Duration::from_millis(1500));
    let mut shipper = ShipEs::start(dir.path(), &node.socket, &ship_config);
    eventually(
        Duration::from_secs(30),
        "a second bulk request in flight",
        || server.stats().bulk_requests >= 2,
    );
    std::thread::sleep(Duration::from_millis(500));
    let _ = shipper.child.kill();
    let _ = shipper.child.wait();
    drop(shipper);

    let spool_file = dir.path().join("ship-state/es-spool.db");
    let spooled: Vec<(String, String)> = runtime.block_on(async {
        let spool = EsSpool::open(&spool_file, 1 << 30, WhenFull::Block)
            .await
            .expect("the spool opens after SIGKILL");
        let batch = spool.next_batch(1_000_000).await.expect("batch");
        spool.close().await;
        batch.into_iter().map(|d| (d.index, d.id)).collect()
    });
    assert!(!spooled.is_empty(), "documents were waiting at the kill");
    server.faults().set_delay(Duration::ZERO);
    let _restarted = ShipEs::start(dir.path(), &node.socket, &ship_config);
    eventually(
        Duration::from_secs(30),
        "the spool drained after restart",
        || stats(dir.path(), &ship_config)["queued"] == 0,
    );
    let stored: HashSet<(String, String)> = server
        .documents("*")
        .into_iter()
        .map(|d| (d.index, d.id))
        .collect();
    let missing: Vec<_> = spooled.iter().filter(|d| !stored.contains(d)).collect();
    assert!(missing.is_empty(), "lost after SIGKILL: {missing:?}");
    assert!(server.documents("*").iter().all(|d| d.version == 1));
    let counters = stats(dir.path(), &ship_config);
    let acked = counters["acked"].as_u64().unwrap_or(0);
    assert!(acked >= spooled.len() as u64 / 2, "{counters}");
    // The standalone shipper reports its counters to the daemon: `status` shows them.
    node.wait_for(Duration::from_secs(15), "ship-es's report in status", |s| {
        s["elasticsearch"]["state"] == "ok" && es(s, "acked") >= acked
    });
}

#[test]
fn ship_es_without_an_output_or_with_both_credentials_is_a_config_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases = [
        (
            "none.yml",
            "timebeat: {}\n",
            "output.elasticsearch is not configured",
        ),
        (
            "both.yml",
            "output.elasticsearch:\n  hosts: [es]\n  username: elastic\n  password: x\n  api_key: 'id:key'\n",
            "output.elasticsearch.api_key",
        ),
    ];
    for (name, yaml, expected) in cases {
        let config = dir.path().join(name);
        std::fs::write(&config, yaml).expect("config");
        let output = shiwa()
            .arg("--config")
            .arg(&config)
            .args(["ship-es", "--state-dir"])
            .arg(dir.path())
            .output()
            .expect("ship-es");
        assert_eq!(output.status.code(), Some(78), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
}

/// The `ssl`, credentials and CA of `target` as config lines under `output.elasticsearch`.
fn target_keys(target: &super::EsTarget) -> String {
    let mut keys = String::new();
    match &target.auth {
        Some(shiwa::es::EsAuth::Basic { username, password }) => keys.push_str(&format!(
            "  username: '{username}'\n  password: '{}'\n",
            password.expose()
        )),
        Some(shiwa::es::EsAuth::ApiKey(key)) => {
            keys.push_str(&format!("  api_key: '{}'\n", key.expose()));
        }
        None => {}
    }
    if let Some(ca) = target
        .ssl
        .as_ref()
        .and_then(|s| s.certificate_authorities.first())
    {
        keys.push_str(&format!(
            "  ssl.certificate_authorities: ['{}']\n",
            ca.display()
        ));
    }
    keys
}

#[test]
fn sync_ships_into_data_streams_of_the_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = runtime();
    let target = runtime.block_on(super::EsTarget::new("ship-data-streams"));
    let prefix = &target.prefix;
    let extra = format!(
        "{}  data_stream: true\n  index: '{prefix}-logs'\n  clock_index: '{prefix}-clock'\n  source_index: '{prefix}-source'\n{}setup.template.name: '{prefix}'\n",
        output(&target.url),
        target_keys(&target)
    );
    let (_ntp_server, ntp) = ntp_server(dir.path());
    let config = client_config(dir.path(), ntp, &extra);
    let mut node = Node::start(dir.path(), "client", &config);
    node.wait_for(Duration::from_secs(30), "documents acked", |s| {
        es(s, "acked") >= 8 && es(s, "queued") == 0
    });
    let clock = runtime.block_on(target.count(&format!("{prefix}-clock")));
    let sources = runtime.block_on(target.count(&format!("{prefix}-source")));
    assert!(
        clock >= 2 && sources >= 2,
        "clock {clock}, sources {sources}"
    );
    let (status, body) = runtime.block_on(target.call(
        reqwest::Method::GET,
        &format!("_data_stream/{prefix}-clock"),
    ));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data_streams"][0]["name"], format!("{prefix}-clock"));
    drop(node);
    for stream in ["logs", "clock", "source"] {
        let path = format!("_data_stream/{prefix}-{stream}");
        let _ = runtime.block_on(target.call(reqwest::Method::DELETE, &path));
    }
    let template = format!("_index_template/{prefix}");
    let _ = runtime.block_on(target.call(reqwest::Method::DELETE, &template));
}

#[test]
fn a_wrong_ca_is_named_in_status_and_nothing_is_lost() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ours = super::tls::pki(&dir.path().join("ours"));
    let other = super::tls::pki(&dir.path().join("other"));
    let runtime = runtime();
    let config = TestServerConfig {
        tls: Some(shiwa::es::testserver::TestServerTls {
            certificate: ours.join("localhost.crt"),
            key: ours.join("localhost.key"),
            client_ca: None,
        }),
        ..TestServerConfig::default()
    };
    let server = runtime
        .block_on(TestServer::start(config))
        .expect("TLS server");
    let (_ntp_server, ntp) = ntp_server(dir.path());
    let url = server.url();
    let wrong = format!(
        "{}  ssl.certificate_authorities: ['{}']\n",
        output(&url),
        other.join("ca.crt").display()
    );
    let config = client_config(dir.path(), ntp, &wrong);
    let mut node = Node::start(dir.path(), "client", &config);
    let status = node.wait_for(Duration::from_secs(30), "the TLS failure reported", |s| {
        s["elasticsearch"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("unknown CA"))
            && es(s, "queued") >= 3
    });
    assert_eq!(status["elasticsearch"]["state"], "connecting", "{status:#}");
    assert_eq!(server.stats().bulk_requests, 0);
    // The right CA through a reload: what waited is delivered.
    let right = format!(
        "{}  ssl.certificate_authorities: ['{}']\n",
        output(&url),
        ours.join("ca.crt").display()
    );
    let queued = es(&status, "queued");
    client_config(dir.path(), ntp, &right);
    node.hangup();
    node.wait_for(Duration::from_secs(30), "delivered after the fix", |s| {
        es(s, "acked") >= queued && s["elasticsearch"]["state"] == "ok"
    });
}

#[test]
fn an_output_that_cannot_start_never_stops_the_clock_and_a_reload_retries_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let runtime = runtime();
    let server = runtime
        .block_on(TestServer::start(TestServerConfig::default()))
        .expect("test server");
    let (_ntp_server, ntp) = ntp_server(dir.path());
    let missing = format!(
        "{}  ssl.certificate_authorities: ['{}']\n",
        output(&server.url()),
        dir.path().join("no-such-ca.crt").display()
    );
    let config = client_config(dir.path(), ntp, &missing);
    let mut node = Node::start(dir.path(), "client", &config);
    node.wait_for(
        Duration::from_secs(30),
        "the clock followed without shipping",
        |s| s["sources"][0]["state"] == "selected" && s["elasticsearch"].is_null(),
    );
    assert!(
        node.logs().contains("Elasticsearch shipping not started"),
        "{}",
        node.logs()
    );
    // The file fixed under the same config: a reload starts shipping.
    client_config(dir.path(), ntp, &output(&server.url()));
    node.hangup();
    node.wait_for(Duration::from_secs(30), "shipping after the reload", |s| {
        es(s, "acked") >= 3
    });
}
