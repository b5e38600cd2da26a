//! A real `sync` node reporting to a real `shiwa hub` (SQLite): its report and its sealed
//! backup are stored, and `shiwa recover` into a scratch root restores the config and PKI
//! files byte for byte, with their modes, and stages the sync unit; a wrong retrieval password
//! writes nothing and exits 77.

use super::{Node, ntp_server};
use crate::hub::support::{ADMIN_KEY, Hub, curl, have_curl};
use crate::support::shiwa;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o7777
}

#[test]
fn a_node_backed_up_to_a_real_hub_is_recovered_byte_for_byte() {
    if !have_curl() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_dir = dir.path().join("hub");
    std::fs::create_dir(&hub_dir).expect("hub dir");
    let hub = Hub::start(
        &hub_dir,
        &format!("sqlite://{}/hub.db", hub_dir.display()),
        "",
    );
    let (api_key, password) = hub.add_node("node-1");

    let etc = dir.path().join("etc");
    let pki = etc.join("pki");
    shiwa()
        .args(["setup-pki", "--dir"])
        .arg(&pki)
        .assert()
        .success();
    let password_file = etc.join("retrieval.txt");
    std::fs::write(&password_file, format!("{password}\n")).expect("password file");
    std::fs::set_permissions(&password_file, std::fs::Permissions::from_mode(0o600))
        .expect("chmod");
    let (_server, ntp) = ntp_server(dir.path());
    let config = etc.join("shiwa.yml");
    std::fs::write(
        &config,
        format!(
            "timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n      - protocol: ntp\n        ip: 127.0.0.1:{ntp}\n        pollinterval: 1s\nhub:\n  url: {}\n  node_id: node-1\n  api_key: {api_key}\n  report_interval: 10s\n  retrieval_password_file: {}\n  ssl:\n    certificate_authorities: [{}]\n    certificate: {}\n    key: {}\n",
            hub.url("/"),
            password_file.display(),
            pki.join("ca.crt").display(),
            pki.join("timebeat.crt").display(),
            pki.join("timebeat.key").display(),
        ),
    )
    .expect("node config");
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    let mut node = Node::start(dir.path(), "node", &config);
    node.wait_for(
        Duration::from_secs(30),
        "report and backup acknowledged",
        |status| status["hub"]["sent"].as_u64().unwrap_or(0) >= 2 && status["hub"]["queued"] == 0,
    );

    let admin = format!("Authorization: Bearer {ADMIN_KEY}");
    let (code, _, body) = curl(&["-H", &admin, &hub.url("/api/v1/nodes/node-1")]);
    assert_eq!(code, 200, "{body}");
    let record: serde_json::Value = serde_json::from_str(&body).expect("node JSON");
    assert!(
        record["node"]["last_seen"].is_string(),
        "no report stored: {body}"
    );
    assert_eq!(
        record["node"]["backup_version"], 1,
        "no backup stored: {body}"
    );

    let root = dir.path().join("restored");
    let recover = |password_file: &Path| {
        shiwa()
            .args([
                "recover",
                "--hub",
                &hub.url("/"),
                "--node",
                "node-1",
                "--json",
            ])
            .arg("--password-file")
            .arg(password_file)
            .arg("--root")
            .arg(&root)
            .output()
            .expect("run recover")
    };
    let wrong = dir.path().join("wrong.txt");
    std::fs::write(&wrong, "not the words\n").expect("wrong password");
    let refused = recover(&wrong);
    assert_eq!(refused.status.code(), Some(77), "{refused:?}");
    assert!(!root.exists(), "a refused recovery wrote files");

    let output = recover(&password_file);
    assert!(output.status.success(), "{output:?}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("recover --json");
    assert_eq!(report["encrypted"], true, "{report}");
    let restored = |original: &Path| root.join(original.strip_prefix("/").expect("absolute"));
    for original in [
        config.clone(),
        pki.join("ca.crt"),
        pki.join("timebeat.crt"),
        pki.join("timebeat.key"),
    ] {
        let copy = restored(&original);
        assert_eq!(
            std::fs::read(&copy).expect("restored file"),
            std::fs::read(&original).expect("original"),
            "{}",
            original.display()
        );
        assert_eq!(mode(&copy), mode(&original), "{}", original.display());
    }
    let unit = std::fs::read_to_string(root.join("etc/systemd/system/shiwa-sync.service"))
        .expect("staged sync unit");
    assert!(unit.contains(&config.display().to_string()), "{unit}");
}
