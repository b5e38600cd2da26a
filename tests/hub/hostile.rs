//! 1 000 hostile requests (bad JSON, wrong keys, SQL metacharacters, `../` in ids, huge
//! bodies, hub-only event types, unknown methods) → every answer 4xx, the hub still up, and
//! nothing stored.

use super::support::{ADMIN_KEY, Hub, backup, curl, event, have_curl, report};

fn hostile_bodies(node: &str) -> Vec<String> {
    let sql = "x'); DROP TABLE reports; --";
    vec![
        "{".into(),
        "null".into(),
        "[]".into(),
        "\u{0}\u{1}garbage".into(),
        report(node, "rep-00000001", 1, 0)
            .replace("\"node_id\":\"gm-1\"", &format!("\"node_id\":\"{sql}\"")),
        report(node, "../../etc/passwd", 1, 0),
        report(node, "rep' OR '1'='1", 1, 0),
        report(node, "rep-00000002", 1, 0).replace("\"wire_version\":1", "\"wire_version\":99"),
        report(node, "rep-00000003", 1, 0).replace("\"offset_ns\":0", "\"offset_ns\":1e400"),
        report(node, "rep-00000004", 1, 0)
            .replace("\"report_interval_s\":60", "\"report_interval_s\":-5"),
        event(node, "evt-00000001", "node_down", "hub-only type"),
        event(node, "evt-00000002", "drop_tables", sql),
        event(node, "evt-00000003", "sync_lost", &"m".repeat(5000)),
        backup(node, "bak-00000001", "YQ==").replace("\"sha256\":\"", "\"sha256\":\"0"),
        backup("../etc", "bak-00000002", "YQ=="),
    ]
}

#[test]
fn hostile_requests_get_4xx_and_store_nothing() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/hub.db", dir.path().display());
    let hub = Hub::start(dir.path(), &url, "limits:\n  max_body_bytes: 65536\n");
    let (key, _) = hub.add_node("gm-1");
    let bodies = hostile_bodies("gm-1");
    let huge = dir.path().join("huge.json");
    std::fs::write(&huge, vec![b'{'; 200_000]).expect("write");
    let huge = format!("@{}", huge.display());
    let keys = [
        format!("Authorization: Bearer {key}"),
        "Authorization: Bearer ' OR 1=1 --".to_string(),
        format!("Authorization: Bearer {ADMIN_KEY}"),
        "Authorization: Basic YWRtaW46YWRtaW4=".to_string(),
        "X-Nothing: 1".to_string(),
    ];
    let endpoints = ["/api/v1/report", "/api/v1/event", "/api/v1/backup"];
    let mut statuses = std::collections::BTreeMap::new();
    let mut sent = 0;
    let file = dir.path().join("body.json");
    while sent < 1000 {
        let i = sent;
        let auth = &keys[i % keys.len()];
        let (status, _, body) = match i % 10 {
            9 => curl(&[
                "-H",
                auth,
                "--data-binary",
                &huge,
                &hub.url(endpoints[i % 3]),
            ]),
            8 => curl(&[
                "-H",
                auth,
                &hub.url(&format!("/api/v1/recovery/..%2F..%2Fetc%2Fpasswd{i}")),
            ]),
            7 => curl(&["-X", "DELETE", "-H", auth, &hub.url("/api/v1/nodes/gm-1")]),
            6 => curl(&[
                "-H",
                auth,
                &hub.url("/api/v1/events?since=';DROP&severity=loud&limit=99999999"),
            ]),
            _ => {
                std::fs::write(&file, &bodies[i % bodies.len()]).expect("write");
                let data = format!("@{}", file.display());
                curl(&[
                    "-H",
                    auth,
                    "--data-binary",
                    &data,
                    &hub.url(endpoints[(i / 3) % 3]),
                ])
            }
        };
        assert!(
            (400..500).contains(&status),
            "request {i} got {status}: {body}"
        );
        *statuses.entry(status).or_insert(0) += 1;
        sent += 1;
    }
    eprintln!("hostile statuses: {statuses:?}");
    let admin = format!("Authorization: Bearer {ADMIN_KEY}");
    let (status, _, body) = curl(&[
        "-H",
        &admin,
        &hub.url("/api/v1/events?since=1970-01-01T00:00:00Z"),
    ]);
    assert_eq!(
        (status, body.as_str()),
        (200, "{\"events\":[]}"),
        "no event stored"
    );
    let (_, _, body) = curl(&[
        "-H",
        &admin,
        &hub.url("/api/v1/nodes/gm-1/history?period=400d"),
    ]);
    assert!(body.contains("\"points\":[]"), "no report stored: {body}");
    let (_, _, body) = curl(&["-H", &admin, &hub.url("/api/v1/nodes")]);
    let nodes: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(nodes["nodes"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(nodes["nodes"][0]["backup_version"], 0, "no backup stored");
    let (_, _, metrics) = curl(&[&hub.url("/metrics")]);
    for kind in ["report", "event", "backup"] {
        let line = format!("shiwa_hub_ingest_total{{kind=\"{kind}\",outcome=\"new\"}} 0");
        assert!(metrics.contains(&line), "{metrics}");
    }
}
