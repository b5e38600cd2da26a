//! The test server seen by a real HTTP client (curl): cluster info, auth challenges,
//! a gzip `_bulk` with and without `filter_path`, 400 for malformed NDJSON.

use crate::support::{have_tool, require};
use shiwa::es::testserver::{TestAuth, TestServer, TestServerConfig};
use std::process::Command;

fn have_curl() -> bool {
    require(have_tool("curl"), "curl (Debian package curl)")
}

/// `curl -sS ARGS` → (status, body).
async fn curl(args: Vec<String>) -> (u16, String) {
    tokio::task::spawn_blocking(move || {
        let output = Command::new("curl")
            .args(["-sS", "--max-time", "10", "-w", "\n%{http_code}"])
            .args(&args)
            .output()
            .expect("run curl");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let (body, code) = stdout.rsplit_once('\n').unwrap_or(("", &stdout));
        (code.trim().parse().unwrap_or(0), body.to_string())
    })
    .await
    .expect("curl task")
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|err| panic!("{err}: {body}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_sees_elasticsearch() {
    if !have_curl() {
        return;
    }
    let config = TestServerConfig {
        auth: TestAuth::basic("elastic", "changeme"),
        ..TestServerConfig::default()
    };
    let server = TestServer::start(config).await.expect("server");
    let url = |path: &str| format!("{}{path}", server.url());
    let user = || vec!["-u".to_string(), "elastic:changeme".to_string()];

    let (code, body) = curl(vec![url("")]).await;
    assert_eq!(code, 401, "{body}");
    assert_eq!(json(&body)["error"]["type"], "security_exception");
    let (code, body) = curl([user(), vec![url("")]].concat()).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(json(&body)["version"]["number"], "8.15.0");
    assert_eq!(json(&body)["tagline"], "You Know, for Search");

    let dir = tempfile::tempdir().expect("tempdir");
    let ndjson = "{\"create\":{\"_index\":\"curl-logs\",\"_id\":\"a\"}}\n{\"@timestamp\":\"2026-11-23T10:00:00Z\",\"m\":1}\n{\"create\":{\"_id\":\"b\"}}\n{\"m\":2}\n";
    let file = dir.path().join("bulk.ndjson.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, ndjson.as_bytes()).expect("gzip");
    std::fs::write(&file, encoder.finish().expect("gzip")).expect("write");
    let post = |path: &str, extra: &[&str]| {
        let mut args = user();
        args.extend(["-XPOST", "-H", "Content-Type: application/x-ndjson"].map(String::from));
        args.extend(extra.iter().map(|s| s.to_string()));
        args.push(url(path));
        args
    };
    let gz = format!("@{}", file.display());
    let (code, body) = curl(post(
        "curl-logs/_bulk",
        &["-H", "Content-Encoding: gzip", "--data-binary", &gz],
    ))
    .await;
    assert_eq!(code, 200, "{body}");
    let full = json(&body);
    assert_eq!(full["errors"], false);
    assert_eq!(
        full["items"][1]["create"]["_index"], "curl-logs",
        "default index from the path"
    );
    assert_eq!(full["items"][0]["create"]["result"], "created");
    let filtered = format!("_bulk?filter_path={}", shiwa::es::FILTER_PATH);
    let (code, body) = curl(post(
        &filtered,
        &["-H", "Content-Encoding: gzip", "--data-binary", &gz],
    ))
    .await;
    assert_eq!(code, 400, "{body}");
    // No default index on /_bulk: the second action has none, so the request is refused.
    assert_eq!(
        json(&body)["error"]["type"],
        "action_request_validation_exception"
    );
    let plain_path = dir.path().join("plain.ndjson");
    std::fs::write(
        &plain_path,
        ndjson.replace(
            "{\"create\":{\"_id\":\"b\"}}",
            "{\"create\":{\"_index\":\"curl-logs\",\"_id\":\"b\"}}",
        ),
    )
    .expect("write");
    let plain = format!("@{}", plain_path.display());
    let (code, body) = curl(post(&filtered, &["--data-binary", &plain])).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        json(&body),
        serde_json::json!({"errors": true, "items": [
            {"create": {"status": 409, "error": {"type": "version_conflict_engine_exception",
                "reason": "[a]: version conflict, document already exists (current version [1])"}}},
            {"create": {"status": 409, "error": {"type": "version_conflict_engine_exception",
                "reason": "[b]: version conflict, document already exists (current version [1])"}}}
        ]})
    );
    let (code, body) = curl(post("_bulk", &["--data-binary", "not json\n"])).await;
    assert_eq!(code, 400, "{body}");
    assert_eq!(json(&body)["status"], 400);
    let (code, body) = curl([user(), vec![url("curl-*/_count")]].concat()).await;
    assert_eq!(
        (code, json(&body)["count"].as_u64()),
        (200, Some(2)),
        "{body}"
    );
    assert_eq!(server.stats().gzip_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_needs_a_client_certificate_when_the_server_requires_one() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = super::tls::pki(&dir.path().join("pki"));
    let config = TestServerConfig {
        tls: Some(shiwa::es::testserver::TestServerTls {
            certificate: pki.join("localhost.crt"),
            key: pki.join("localhost.key"),
            client_ca: Some(pki.join("ca.crt")),
        }),
        ..TestServerConfig::default()
    };
    let server = TestServer::start(config).await.expect("server");
    let path = |file: &str| pki.join(file).to_string_lossy().into_owned();
    let url = format!("{}_cluster/health", server.url());
    let (code, body) = curl(vec!["--cacert".into(), path("ca.crt"), url.clone()]).await;
    assert_eq!(code, 0, "no client certificate: no answer ({body})");
    let with_cert = vec![
        "--cacert".into(),
        path("ca.crt"),
        "--cert".into(),
        path("timebeat.crt"),
        "--key".into(),
        path("timebeat.key"),
        url,
    ];
    let (code, body) = curl(with_cert).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(json(&body)["status"], "green");
}
