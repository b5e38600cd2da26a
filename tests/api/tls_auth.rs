//! HTTPS with certificates from `shiwa setup-pki`, checked by curl `--cacert`, and the two
//! kinds of credentials: a bearer token (`serve-api --token-file`) and basic auth from the
//! config (inside `shiwa sync`). `/api/v1/health` stays open.

use super::{Process, client_config, curl, free_port, have_curl, wait_for_answer};
use crate::support::shiwa;
use argon2::PasswordHasher;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

/// `shiwa setup-pki --dir DIR --server-cn localhost --san 127.0.0.1`.
fn pki(dir: &Path) {
    shiwa()
        .args(["setup-pki", "--dir"])
        .arg(dir)
        .args(["--server-cn", "localhost", "--san", "127.0.0.1"])
        .assert()
        .success();
}

#[test]
fn serve_api_over_tls_with_a_token_file() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pki_dir = dir.path().join("pki");
    pki(&pki_dir);
    let token = dir.path().join("token");
    std::fs::write(&token, "Zm9vYmFyLXRva2VuLTEyMw\n").expect("token");
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let port = free_port(false);
    let bind = format!("127.0.0.1:{port}");
    let cert = pki_dir.join("localhost.crt").to_string_lossy().into_owned();
    let key = pki_dir.join("localhost.key").to_string_lossy().into_owned();
    let ca = pki_dir.join("ca.crt").to_string_lossy().into_owned();
    let socket = dir.path().join("none.sock").to_string_lossy().into_owned();
    let token_arg = token.to_string_lossy().into_owned();
    let mut api = Process::start(
        dir.path(),
        "serve-api",
        &[
            "serve-api",
            "--socket",
            &socket,
            "--bind",
            &bind,
            "--tls-cert",
            &cert,
            "--tls-key",
            &key,
            "--token-file",
            &token_arg,
        ],
    );
    let cacert = ["--cacert", ca.as_str()];
    for host in ["localhost", "127.0.0.1"] {
        let url = format!("https://{host}:{port}/api/v1/health");
        // No daemon behind it: health is 503, open without a token, over verified TLS.
        let health = wait_for_answer(&mut api, &url, &cacert, Duration::from_secs(10), |a| {
            a.code == 503
        });
        assert!(
            health.json()["reason"]
                .as_str()
                .is_some_and(|r| r.contains("none.sock"))
        );
    }
    let metrics = format!("https://localhost:{port}/metrics");
    let anonymous = curl(&metrics, &cacert);
    assert_eq!(anonymous.code, 401, "{anonymous:?}");
    assert!(
        anonymous
            .headers
            .contains("www-authenticate: Bearer realm=\"shiwa\""),
        "{anonymous:?}"
    );
    let wrong = curl(
        &metrics,
        &["--cacert", &ca, "-H", "Authorization: Bearer nope"],
    );
    assert_eq!(wrong.code, 401, "{wrong:?}");
    let right_header = "Authorization: Bearer Zm9vYmFyLXRva2VuLTEyMw";
    let right = curl(&metrics, &["--cacert", &ca, "-H", right_header]);
    assert_eq!(right.code, 200, "{right:?}");
    assert!(right.body.contains("shiwa_up 0"), "{}", right.body);
    let openapi = format!("https://localhost:{port}/api/v1/openapi.json");
    assert_eq!(curl(&openapi, &cacert).code, 401);
    assert_eq!(
        curl(&openapi, &["--cacert", &ca, "-H", right_header]).code,
        200
    );
    // Without the CA, curl refuses the certificate; plain HTTP gets no answer.
    assert_eq!(curl(&metrics, &[]).code, 0);
    assert_eq!(curl(&format!("http://{bind}/api/v1/health"), &[]).code, 0);
    api.assert_running();
}

#[test]
fn sync_serves_tls_and_basic_auth_from_its_config() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pki_dir = dir.path().join("pki");
    pki(&pki_dir);
    // Small argon2 parameters: the debug build hashes slowly.
    let params = argon2::Params::new(1024, 1, 1, None).expect("params");
    let hash = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password(b"correct horse")
        .expect("hash")
        .to_string();
    let port = free_port(false);
    let http = format!(
        "  http:\n    enable: true\n    bind_port: {port}\n    tls:\n      certificate: {}\n      key: {}\n    auth:\n      username: prometheus\n      password_hash: \"{hash}\"\n",
        pki_dir.join("localhost.crt").display(),
        pki_dir.join("localhost.key").display()
    );
    let config = dir.path().join("sync.yml");
    std::fs::write(&config, client_config(free_port(true), &http)).expect("config");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let shown = shiwa()
        .args(["config", "show", "--config"])
        .arg(&config)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let shown = String::from_utf8_lossy(&shown);
    assert!(
        !shown.contains("argon2id"),
        "the hash is redacted:\n{shown}"
    );
    let mut sync = Process::sync(dir.path(), "sync", &config);
    let ca = pki_dir.join("ca.crt").to_string_lossy().into_owned();
    let status = format!("https://localhost:{port}/api/v1/status");
    let answer = wait_for_answer(
        &mut sync,
        &status,
        &["--cacert", &ca],
        Duration::from_secs(10),
        |a| a.code != 0,
    );
    assert_eq!(answer.code, 401, "{answer:?}");
    assert!(
        answer.headers.contains("Basic realm=\"shiwa\""),
        "{answer:?}"
    );
    let wrong = curl(&status, &["--cacert", &ca, "-u", "prometheus:wrong"]);
    assert_eq!(wrong.code, 401, "{wrong:?}");
    let right = curl(
        &status,
        &["--cacert", &ca, "-u", "prometheus:correct horse"],
    );
    assert_eq!(right.code, 200, "{right:?}");
    assert_eq!(right.json()["clock"]["adjust_clock"], false);
    let health = curl(
        &format!("https://localhost:{port}/api/v1/health"),
        &["--cacert", &ca],
    );
    assert_eq!(health.code, 503, "unsynchronised, and open: {health:?}");
    assert!(
        !sync.logs().contains("correct horse"),
        "the password is never logged"
    );
}
