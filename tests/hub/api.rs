//! The hub's API with curl, on SQLite and on PostgreSQL: ingest, replay, 400s naming the
//! field, 401/403/413, ETag 304, CSV, recovery, /metrics with promtool, graceful SIGTERM.

use super::support::{ADMIN_KEY, Hub, backup, curl, event, have_curl, post, postgres, report};
use crate::support::{have_tool, require};

const OPENAPI: &str = include_str!("../../docs/hub-openapi.json");

fn admin() -> String {
    format!("Authorization: Bearer {ADMIN_KEY}")
}

fn ingest_replay_and_refusals(hub: &Hub) -> (String, String) {
    let dir = &hub.dir;
    let (key, password) = hub.add_node("gm-1");
    let (other_key, _) = hub.add_node("gm-2");
    let url = hub.url("/api/v1/report");
    let body = report("gm-1", "report-0001", 1, 1500);
    let (status, json) = post(&url, &key, &body, dir);
    assert_eq!(
        (status, json["status"].as_str()),
        (201, Some("stored")),
        "{json}"
    );
    let (status, json) = post(&url, &key, &body, dir);
    assert_eq!(
        (status, json["status"].as_str()),
        (200, Some("duplicate")),
        "{json}"
    );
    let bad_state = body.replace("\"locked\"", "\"lockd\"");
    let (status, json) = post(&url, &key, &bad_state, dir);
    assert_eq!(
        (status, json["field"].as_str()),
        (400, Some("clock.state")),
        "{json}"
    );
    let bad_interval = report("gm-1", "report-0002", 2, 0)
        .replace("\"report_interval_s\":60", "\"report_interval_s\":1");
    let (status, json) = post(&url, &key, &bad_interval, dir);
    assert_eq!(
        (status, json["field"].as_str()),
        (400, Some("report_interval_s")),
        "{json}"
    );
    let (status, _, _) = curl(&["--data-binary", &body, &url]);
    assert_eq!(status, 401, "no key");
    let (status, json) = post(&url, &other_key, &body, dir);
    assert_eq!(status, 403, "gm-2's key for gm-1's report: {json}");
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let (status, json) = post(&url, &key, &huge, dir);
    assert_eq!(status, 413, "{json}");
    let (status, json) = post(
        &hub.url("/api/v1/event"),
        &key,
        &event("gm-1", "event-0001", "node_down", "x"),
        dir,
    );
    assert_eq!(
        (status, json["field"].as_str()),
        (400, Some("type")),
        "hub-only type: {json}"
    );
    let (status, json) = post(
        &hub.url("/api/v1/event"),
        &key,
        &event("gm-1", "event-0002", "sync_lost", "=cmd,\"x\""),
        dir,
    );
    assert_eq!(status, 201, "{json}");
    let (status, json) = post(
        &hub.url("/api/v1/backup"),
        &key,
        &backup("gm-1", "backup-0001", "YQ=="),
        dir,
    );
    assert_eq!((status, json["version"].as_u64()), (201, Some(1)), "{json}");
    let (status, json) = post(
        &hub.url("/api/v1/backup"),
        &key,
        &backup("gm-1", "backup-0001", "YQ=="),
        dir,
    );
    assert_eq!(
        (status, json["version"].as_u64()),
        (200, Some(1)),
        "replay keeps its version: {json}"
    );
    let corrupted = backup("gm-1", "backup-0002", "YQ==").replace("YQ==", "Yg==");
    let (status, json) = post(&hub.url("/api/v1/backup"), &key, &corrupted, dir);
    assert_eq!(
        (status, json["field"].as_str()),
        (400, Some("sha256")),
        "{json}"
    );
    shiwa_block(hub, "gm-1", "block");
    // Credentials are trusted for 1 s after a read (the hub's cache): a block by another
    // process is refused within that. The probe's invalid body stores nothing meanwhile.
    super::support::refused_within(std::time::Duration::from_millis(1500), || {
        post(&url, &key, &bad_interval, dir).0
    });
    let (status, _) = post(&url, &key, &report("gm-1", "report-0003", 3, 0), dir);
    assert_eq!(status, 403, "blocked");
    shiwa_block(hub, "gm-1", "unblock");
    (key, password)
}

fn shiwa_block(hub: &Hub, node: &str, action: &str) {
    crate::support::shiwa()
        .args(["hub", "--config"])
        .arg(&hub.config)
        .args(["node", action, node])
        .assert()
        .success();
}

fn reads_etags_csv_and_recovery(hub: &Hub, password: &str) {
    let admin = admin();
    let nodes = hub.url("/api/v1/nodes");
    let (status, headers, body) = curl(&["-H", &admin, &nodes]);
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert!(
        !body.contains("api_key") && !body.contains("retrieval"),
        "no secrets: {body}"
    );
    assert_eq!(json["nodes"][0]["last_report"]["offset_ns"], 1500, "{json}");
    let etag = headers
        .lines()
        .find_map(|l| {
            l.strip_prefix("etag: ")
                .or_else(|| l.strip_prefix("ETag: "))
        })
        .expect("an ETag")
        .trim()
        .to_string();
    let inm = format!("If-None-Match: {etag}");
    let (status, _, body) = curl(&["-H", &admin, "-H", &inm, &nodes]);
    assert_eq!((status, body.as_str()), (304, ""));
    let (status, _, _) = curl(&[&nodes]);
    assert_eq!(status, 401);
    let (status, _, _) = curl(&["-H", "Authorization: Bearer wrong-admin-key", &nodes]);
    assert_eq!(status, 403);
    let history = hub.url("/api/v1/nodes/gm-1/history?period=400d&format=csv");
    let (status, _, csv) = curl(&["-H", &admin, &history]);
    assert_eq!(status, 200);
    assert_eq!(
        csv.lines().next(),
        Some("time,state,offset_ns,frequency_ppb,path_delay_ns")
    );
    assert_eq!(
        csv.lines().nth(1),
        Some("2026-01-01T00:00:01Z,locked,1500,1.5,20000"),
        "{csv}"
    );
    let events =
        hub.url("/api/v1/events?since=2025-01-01T00:00:00Z&severity=warning&node=gm-1&format=csv");
    let (status, _, csv) = curl(&["-H", &admin, &events]);
    assert_eq!(status, 200);
    assert!(
        csv.contains("sync_lost,warning,\"'=cmd,\"\"x\"\"\""),
        "quoted, defused: {csv}"
    );
    let (status, _, body) = curl(&["-H", &admin, &hub.url("/api/v1/nodes/..%2Fetc/history")]);
    assert_eq!(status, 400, "{body}");
    let recovery = hub.url("/api/v1/recovery/gm-1");
    let header = format!("X-Retrieval-Password: {password}");
    let (status, _, body) = curl(&["-H", &header, &recovery]);
    assert_eq!(status, 200, "{body}");
    let backup: shiwa::fleet::Backup = serde_json::from_str(&body).expect("a backup");
    backup.validate().expect("valid backup");
    assert_eq!(backup.version, Some(1));
    let (status, _, _) = curl(&["-H", &header, &format!("{recovery}?version=9")]);
    assert_eq!(status, 404);
    let (status, _, _) = curl(&["-H", "X-Retrieval-Password: wrong-words", &recovery]);
    assert_eq!(status, 403);
}

fn metrics_and_not_found(hub: &Hub) {
    // gm-1 reported, so the dead-man's switch makes it ok (as soon as the policy task sees
    // the report); gm-2 never reported and stays new.
    let mut text = String::new();
    for _ in 0..100 {
        let (status, _, body) = curl(&[&hub.url("/metrics")]);
        assert_eq!(status, 200);
        text = body;
        if text.contains("shiwa_hub_nodes{state=\"ok\"} 1") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        text.contains("shiwa_hub_ingest_total{kind=\"report\",outcome=\"new\"} 2"),
        "{text}"
    );
    assert!(text.contains("shiwa_hub_nodes{state=\"ok\"} 1"), "{text}");
    assert!(text.contains("shiwa_hub_nodes{state=\"new\"} 1"), "{text}");
    if require(
        have_tool("promtool"),
        "promtool (apt-get install prometheus)",
    ) {
        let file = hub.dir.join("metrics.txt");
        std::fs::write(&file, &text).expect("write");
        let output = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("promtool check metrics < {}", file.display()))
            .output()
            .expect("promtool");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let (status, _, body) = curl(&[&hub.url("/api/v1/nope")]);
    assert_eq!(status, 404);
    assert!(body.contains("\"status\":404"), "{body}");
}

fn documented(method: &str, path: &str, status: u16, body: &str) {
    let json: serde_json::Value = serde_json::from_str(body).expect("JSON body");
    crate::api::assert_documented_in(OPENAPI, method, path, status, &json);
}

fn responses_match_the_openapi_document(hub: &Hub, key: &str, password: &str) {
    let admin = admin();
    let get = |path: &str, doc_path: &str, header: &str| {
        let (status, _, body) = curl(&["-H", header, &hub.url(path)]);
        documented("get", doc_path, status, &body);
        status
    };
    assert_eq!(get("/api/v1/nodes", "/api/v1/nodes", &admin), 200);
    assert_eq!(get("/api/v1/nodes/gm-1", "/api/v1/nodes/{id}", &admin), 200);
    assert_eq!(
        get("/api/v1/nodes/nobody", "/api/v1/nodes/{id}", &admin),
        404
    );
    let history = "/api/v1/nodes/gm-1/history?period=400d";
    assert_eq!(get(history, "/api/v1/nodes/{id}/history", &admin), 200);
    assert_eq!(
        get(
            "/api/v1/nodes/gm-1/history?period=x",
            "/api/v1/nodes/{id}/history",
            &admin
        ),
        400
    );
    assert_eq!(
        get("/api/v1/events?since=400d", "/api/v1/events", &admin),
        200
    );
    assert_eq!(get("/api/v1/events", "/api/v1/events", "X-None: 1"), 401);
    let retrieval = format!("X-Retrieval-Password: {password}");
    assert_eq!(
        get("/api/v1/recovery/gm-1", "/api/v1/recovery/{id}", &retrieval),
        200
    );
    assert_eq!(get("/healthz", "/healthz", "X-None: 1"), 200);
    let (status, json) = post(
        &hub.url("/api/v1/report"),
        key,
        &report("gm-1", "report-0009", 9, 5),
        &hub.dir,
    );
    documented("post", "/api/v1/report", status, &json.to_string());
    let (status, json) = post(
        &hub.url("/api/v1/report"),
        key,
        "{\"wire_version\":1}",
        &hub.dir,
    );
    assert_eq!(status, 400);
    documented("post", "/api/v1/report", status, &json.to_string());
    let (status, _, body) = curl(&[
        "-H",
        &format!("X-Retrieval-Password: {password}"),
        &hub.url("/api/v1/openapi.json"),
    ]);
    assert_eq!((status, body.trim()), (200, OPENAPI.trim()));
}

fn exercise(mut hub: Hub) {
    let (key, password) = ingest_replay_and_refusals(&hub);
    reads_etags_csv_and_recovery(&hub, &password);
    responses_match_the_openapi_document(&hub, &key, &password);
    metrics_and_not_found(&hub);
    assert_eq!(hub.terminate(), Some(0), "SIGTERM: clean exit");
}

#[test]
fn the_hub_api_on_sqlite() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/hub.db", dir.path().display());
    exercise(Hub::start(dir.path(), &url, ""));
}

#[test]
fn the_hub_api_on_postgres() {
    if !have_curl() {
        return;
    }
    let Some(cluster) = postgres() else { return };
    let url = cluster.database("hub_api").expect("database");
    let dir = tempfile::tempdir().expect("tempdir");
    exercise(Hub::start(dir.path(), &url, ""));
}
