//! The hub caches node credentials for at most 1 s (`CREDENTIALS_TTL`): a key rotated, a node
//! blocked or removed by `shiwa hub node` (another process) is refused within that bound,
//! while a new key and an unblock work at once.

use super::support::{Hub, have_curl, post, refused_within, report};
use crate::support::shiwa;
use shiwa::hub::api::credential_cache::CREDENTIALS_TTL;
use std::time::Duration;

/// The bound, plus what a curl process start may add.
fn bound() -> Duration {
    Duration::from_nanos(u64::try_from(CREDENTIALS_TTL.as_nanos()).expect("positive"))
        + Duration::from_millis(500)
}

fn node_command(hub: &Hub, args: &[&str]) -> serde_json::Value {
    let output = shiwa()
        .args(["hub", "--config"])
        .arg(&hub.config)
        .arg("node")
        .args(args)
        .arg("--json")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&output).unwrap_or(serde_json::Value::Null)
}

#[test]
fn revoked_keys_are_refused_within_the_cache_ttl_and_new_keys_work_at_once() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/hub.db", dir.path().display());
    let hub = Hub::start(dir.path(), &url, "");
    let (old_key, _) = hub.add_node("gm-1");
    let endpoint = hub.url("/api/v1/report");
    let sent =
        |key: &str, id: &str, n: u32| post(&endpoint, key, &report("gm-1", id, n, 0), &hub.dir).0;
    // Accepted keys are cached; a report failing validation is refused (400) after the key
    // check,
    // so the polling below stores nothing.
    let probe = |key: &str| {
        let body = report("gm-1", "probe-0099", 99, 0)
            .replace("\"report_interval_s\":60", "\"report_interval_s\":1");
        post(&endpoint, key, &body, &hub.dir).0
    };
    assert_eq!(sent(&old_key, "report-1", 1), 201);
    assert_eq!(probe(&old_key), 400, "accepted key, invalid body");

    let rotate = || {
        let rotated = node_command(&hub, &["rotate-key", "gm-1"]);
        rotated["api_key"].as_str().expect("api_key").to_string()
    };
    let new_key = rotate();
    let took = refused_within(bound(), || probe(&old_key));
    eprintln!("rotated key refused after {took:?}");
    assert_eq!(sent(&new_key, "report-2", 2), 201);
    // The cache now holds the new key's node: rotating again, the newest key works at once.
    let newest_key = rotate();
    assert_eq!(
        sent(&newest_key, "report-3", 3),
        201,
        "a new key works at once"
    );
    let new_key = newest_key;

    node_command(&hub, &["block", "gm-1"]);
    let took = refused_within(bound(), || probe(&new_key));
    eprintln!("blocked node refused after {took:?}");
    node_command(&hub, &["unblock", "gm-1"]);
    assert_eq!(sent(&new_key, "report-4", 4), 201, "unblocked at once");

    node_command(&hub, &["remove", "gm-1"]);
    let took = refused_within(bound(), || probe(&new_key));
    eprintln!("removed node refused after {took:?}");
}
