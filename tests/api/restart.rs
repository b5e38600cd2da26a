//! `shiwa serve-api` standalone keeps serving across a restart of `shiwa sync`: health turns
//! 503 naming the socket while the daemon is away, and 200 again when it is back, without
//! restarting serve-api.

use super::{
    Process, assert_documented, client_config, curl, free_port, have_curl, ntp_server,
    wait_for_answer,
};
use std::time::Duration;

#[test]
fn standalone_serve_api_survives_a_restart_of_sync() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let ntp_port = free_port(true);
    let _server = ntp_server(dir.path(), ntp_port);
    let config = dir.path().join("client.yml");
    std::fs::write(&config, client_config(ntp_port, "")).expect("config");
    let socket = dir.path().join("client.sock");
    let socket_text = socket.to_string_lossy().into_owned();
    let mut client = Process::sync(dir.path(), "client", &config);
    let http_port = free_port(false);
    let bind = format!("127.0.0.1:{http_port}");
    let mut api = Process::start(
        dir.path(),
        "serve-api",
        &["serve-api", "--socket", &socket_text, "--bind", &bind],
    );
    let health_url = format!("http://{bind}/api/v1/health");
    let ok = wait_for_answer(&mut api, &health_url, &[], Duration::from_secs(20), |a| {
        a.code == 200
    });
    assert_eq!(ok.json()["daemon"], socket_text.as_str());
    client.assert_running();

    assert_eq!(client.stop(), Some(0), "sync stops cleanly");
    let down = wait_for_answer(&mut api, &health_url, &[], Duration::from_secs(10), |a| {
        a.code == 503
    });
    let reason = down.json()["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        reason.contains(&socket_text),
        "the reason names the socket: {down:?}"
    );
    assert_eq!(down.json()["link"], "down");
    assert_documented("/api/v1/health", 503, &down.json());
    let status = curl(&format!("http://{bind}/api/v1/status"), &[]);
    assert_eq!(status.code, 503, "{status:?}");
    assert!(
        status.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains(&socket_text))
    );
    assert_documented("/api/v1/status", 503, &status.json());
    let metrics = curl(&format!("http://{bind}/metrics"), &[]);
    assert!(metrics.body.contains("\nshiwa_up 0\n"), "{}", metrics.body);
    if super::prometheus::have_promtool() {
        super::prometheus::assert_promtool_accepts(&metrics.body);
    }
    let logs = curl(&format!("http://{bind}/api/v1/logs"), &[]);
    assert_eq!(logs.code, 503, "{logs:?}");

    let _client = Process::sync(dir.path(), "client", &config);
    let back = wait_for_answer(&mut api, &health_url, &[], Duration::from_secs(30), |a| {
        a.code == 200
    });
    assert_eq!(back.json()["status"], "ok");
    let metrics = curl(&format!("http://{bind}/metrics"), &[]);
    assert!(metrics.body.contains("\nshiwa_up 1\n"), "{}", metrics.body);
    let logs = curl(&format!("http://{bind}/api/v1/logs?n=3"), &[]);
    assert_eq!(logs.code, 200, "{logs:?}");
    assert_documented("/api/v1/logs", 200, &logs.json());
    assert!(
        api.logs().contains("shiwa sync is reachable again"),
        "{}",
        api.logs()
    );
    assert_eq!(api.stop(), Some(0), "serve-api stops on SIGTERM");
}
