//! Every endpoint through reqwest (hyper + rustls, a second HTTP client beside curl), against
//! the API inside `shiwa sync` and a standalone `shiwa serve-api` on the same daemon: JSON
//! answers validated against docs/openapi.json, errors as JSON with the right status.

use super::{Process, assert_documented, client_config, free_port, ntp_server};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

/// GET `url`: status, content type and body.
async fn get(client: &reqwest::Client, url: &str) -> (StatusCode, String, String) {
    let response = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|err| panic!("GET {url}: {err}"));
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = response.text().await.expect("body");
    (status, content_type, body)
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|err| panic!("{err}: {body}"))
}

/// Waits until `base` answers health 200 (the client follows its NTP server).
async fn wait_healthy(client: &reqwest::Client, base: &str, process: &mut Process) {
    for _ in 0..200 {
        process.assert_running();
        if let Ok(response) = client.get(format!("{base}/api/v1/health")).send().await
            && response.status() == StatusCode::OK
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} not healthy in 20 s:\n{}", process.logs());
}

async fn check_every_endpoint(client: &reqwest::Client, base: &str, daemon: &str) {
    let (code, kind, body) = get(client, &format!("{base}/api/v1/health")).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    assert!(kind.starts_with("application/json"), "{kind}");
    assert_eq!(json(&body)["daemon"], daemon, "{body}");
    assert_documented("/api/v1/health", 200, &json(&body));
    for path in ["/api/v1/status", "/api/v1/sources"] {
        let (code, kind, body) = get(client, &format!("{base}{path}")).await;
        assert_eq!(code, StatusCode::OK, "{path}: {body}");
        assert!(kind.starts_with("application/json"), "{path}: {kind}");
        assert_documented(path, 200, &json(&body));
    }
    let (code, _, body) = get(client, &format!("{base}/api/v1/logs?n=3")).await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let logs = json(&body);
    assert!(
        logs["logs"].as_array().is_some_and(|l| l.len() <= 3),
        "{body}"
    );
    assert_documented("/api/v1/logs", 200, &logs);
    let (code, _, body) = get(client, &format!("{base}/api/v1/openapi.json")).await;
    assert_eq!(code, StatusCode::OK);
    assert!(
        json(&body)["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3."))
    );
    let (code, kind, body) = get(client, &format!("{base}/metrics")).await;
    assert_eq!(code, StatusCode::OK);
    assert!(kind.starts_with("text/plain; version=0.0.4"), "{kind}");
    assert!(body.contains("\nshiwatime_clock_state"), "{body}");
    for (path, expected) in [
        ("/api/v1/nothing", StatusCode::NOT_FOUND),
        ("/api/v1/logs?n=lots", StatusCode::BAD_REQUEST),
    ] {
        let (code, _, body) = get(client, &format!("{base}{path}")).await;
        assert_eq!(code, expected, "{path}: {body}");
        assert!(json(&body)["error"].is_string(), "{path}: {body}");
    }
    let response = client
        .delete(format!("{base}/api/v1/status"))
        .send()
        .await
        .expect("DELETE");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

#[test]
fn reqwest_reads_every_endpoint_in_process_and_standalone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ntp_port = free_port(true);
    let _server = ntp_server(dir.path(), ntp_port);
    let http_port = free_port(false);
    let config = dir.path().join("client.yml");
    let http = format!(
        "  http:\n    enable: true\n    bind_host: 127.0.0.1\n    bind_port: {http_port}\n"
    );
    std::fs::write(&config, client_config(ntp_port, &http)).expect("config");
    let mut client = Process::sync(dir.path(), "client", &config);
    let standalone_port = free_port(false);
    let socket = dir
        .path()
        .join("client.sock")
        .to_string_lossy()
        .into_owned();
    let bind = format!("127.0.0.1:{standalone_port}");
    let mut standalone = Process::start(
        dir.path(),
        "serve-api",
        &["serve-api", "--socket", &socket, "--bind", &bind],
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        let in_process = format!("http://127.0.0.1:{http_port}");
        wait_healthy(&http, &in_process, &mut client).await;
        check_every_endpoint(&http, &in_process, "in process").await;
        let standalone_base = format!("http://{bind}");
        wait_healthy(&http, &standalone_base, &mut standalone).await;
        check_every_endpoint(&http, &standalone_base, &socket).await;
    });
}
