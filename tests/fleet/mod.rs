//! The node side of the fleet against a recording hub double: `shiwa sync` (monitor mode,
//! following a second `sync` that serves NTP at `local_stratum` on loopback) spools reports,
//! events and backups, survives `kill -9`, retries 500s with backoff and dead-letters 400s.

#![expect(
    clippy::disallowed_methods,
    reason = "tests wait for real processes with real time"
)]

mod policy_e2e;
mod real_hub;
mod receiver;
mod reload;

use crate::node::{Node, free_port, ntp_server};
use receiver::Mode;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const KEY: &str = "node-api-key-for-tests";

/// An NTP server node and the config of a client node reporting to `hub_port`.
fn lab(dir: &Path, hub_port: u16) -> (Node, PathBuf) {
    let (server, ntp) = ntp_server(dir);
    let client = dir.join("client.yml");
    std::fs::write(
        &client,
        format!(
            "timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n      - protocol: ntp\n        ip: 127.0.0.1:{ntp}\n        pollinterval: 1s\nhub:\n  url: http://127.0.0.1:{hub_port}\n  node_id: node-1\n  api_key: {KEY}\n  report_interval: 10s\n"
        ),
    )
    .expect("config");
    (server, client)
}

fn hub(status: &Value, key: &str) -> u64 {
    status["hub"][key].as_u64().unwrap_or(0)
}

/// How many times each id was stored.
fn stored_counts(pushes: &[receiver::Push]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for push in pushes.iter().filter(|p| p.status == 201) {
        *counts.entry(push.id.clone()).or_insert(0) += 1;
    }
    counts
}

#[test]
fn records_spooled_while_the_hub_is_down_survive_kill_9_and_are_delivered_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_port = free_port(false);
    let (_server, client_yml) = lab(dir.path(), hub_port);
    let mut client = Node::start(dir.path(), "client", &client_yml);
    // Hub down: the start report, the backup and the selection events wait in the spool.
    let before = client.wait_for(Duration::from_secs(20), "records spooled", |s| {
        s["clock"]["synchronized"] == true && hub(s, "queued") >= 3 && hub(s, "retries") >= 1
    });
    let spooled = hub(&before, "queued");
    assert_eq!(before["hub"]["node_id"], "node-1", "{before:#}");
    client.kill_9();

    let restarted_at = time::OffsetDateTime::now_utc();
    let mut client = Node::start(dir.path(), "client", &client_yml);
    let receiver = receiver::start(hub_port, KEY, Mode::Accept);
    let after = client.wait_for(Duration::from_secs(60), "spool drained", |s| {
        hub(s, "queued") == 0 && hub(s, "sent") > spooled
    });
    let pushes = receiver.pushes();
    for (id, count) in stored_counts(&pushes) {
        assert_eq!(count, 1, "{id} stored {count} times");
    }
    assert!(pushes.iter().all(|p| p.status == 201), "no replays needed");
    let old_reports = pushes
        .iter()
        .filter(|p| p.kind == "report")
        .filter(|p| {
            let sent_at = p.body["sent_at"].as_str().unwrap_or("");
            time::OffsetDateTime::parse(sent_at, &time::format_description::well_known::Rfc3339)
                .is_ok_and(|t| t < restarted_at)
        })
        .count();
    assert!(
        old_reports >= 1,
        "the report from before kill -9 was delivered"
    );
    let backups = pushes.iter().filter(|p| p.kind == "backup").count();
    assert!(backups >= 2, "one backup per start, both delivered");
    let backup = pushes
        .iter()
        .find(|p| p.kind == "backup")
        .expect("a backup");
    assert_eq!(backup.body["payload"]["kind"], "non_secret");
    assert!(
        !backup.body.to_string().contains(KEY),
        "the API key is not in a backup"
    );
    assert!(
        pushes
            .iter()
            .any(|p| p.kind == "event" && p.body["type"] == "source_selected")
    );
    assert_eq!(hub(&after, "dead_lettered"), 0);
    assert_eq!(after["hub"]["state"], "ok", "{after:#}");
}

#[test]
fn a_failing_hub_is_retried_with_backoff_then_everything_is_delivered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_port = free_port(false);
    let receiver = receiver::start(hub_port, KEY, Mode::Fail);
    let (_server, client_yml) = lab(dir.path(), hub_port);
    let mut client = Node::start(dir.path(), "client", &client_yml);
    let failing = client.wait_for(Duration::from_secs(20), "backing off", |s| {
        s["hub"]["state"] == "backing_off" && hub(s, "retries") >= 3
    });
    assert!(
        failing["hub"]["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("500")
    );
    // Backoff: 1 s, 2 s, 4 s ... so a few seconds of a failing hub see few pushes.
    std::thread::sleep(Duration::from_secs(3));
    let failed = receiver.pushes().len();
    assert!(
        failed <= 8,
        "{failed} pushes in ~6 s of failures: no backoff?"
    );
    let times = receiver.pushes().len();
    receiver.set_mode(Mode::Accept);
    client.wait_for(Duration::from_secs(40), "delivered", |s| {
        hub(s, "queued") == 0 && hub(s, "sent") >= 2 && s["hub"]["state"] == "ok"
    });
    let pushes = receiver.pushes();
    assert!(pushes.len() > times);
    for (id, count) in stored_counts(&pushes) {
        assert_eq!(count, 1, "{id} stored {count} times");
    }
    let first_failed = &pushes[0];
    assert_eq!(first_failed.status, 500);
    assert!(
        pushes
            .iter()
            .any(|p| p.id == first_failed.id && p.status == 201),
        "the record that failed was delivered later"
    );
}

#[test]
fn a_refused_backup_is_dead_lettered_and_not_retried() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_port = free_port(false);
    let receiver = receiver::start(hub_port, KEY, Mode::RefuseBackups);
    let (_server, client_yml) = lab(dir.path(), hub_port);
    let mut client = Node::start(dir.path(), "client", &client_yml);
    let status = client.wait_for(Duration::from_secs(30), "dead-lettered", |s| {
        hub(s, "dead_lettered") >= 1 && hub(s, "sent") >= 1 && hub(s, "queued") == 0
    });
    assert_eq!(hub(&status, "retries"), 0, "{status:#}");
    std::thread::sleep(Duration::from_secs(2));
    let backups: Vec<_> = receiver
        .pushes()
        .into_iter()
        .filter(|p| p.kind == "backup")
        .collect();
    assert_eq!(backups.len(), 1, "pushed once, never retried");
    assert_eq!(backups[0].status, 400);
    assert!(receiver.stored().iter().any(|p| p.kind == "report"));
    assert!(client.logs().contains("dead-letter"), "{}", client.logs());
}
