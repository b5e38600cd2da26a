//! `import config`: validation before writing, backups, dry runs, PKI restore with checksums.

use crate::support::{self, shiwa};
use predicates::prelude::*;
use std::fs;
use std::path::Path;

const GOOD: &str = "timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n      - protocol: ntp\n        ip: 10.99.1.1\n";

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_rejected_import_leaves_every_file_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("shiwa.yml");
    fs::write(&target, GOOD).expect("write");
    let before = snapshot(dir.path());
    support::import_config(&target, &[], "timebeat:\n  http:\n    bind_port: nope\n")
        .code(78)
        .stderr(predicate::str::contains(
            "<stdin>:3:16: timebeat.http.bind_port",
        ));
    assert_eq!(
        snapshot(dir.path()),
        before,
        "files changed by a rejected import"
    );
}

#[test]
fn import_keeps_a_backup_and_reports_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("shiwa.yml");
    fs::write(&target, GOOD).expect("write");
    let new = GOOD.replace("10.99.1.1", "10.99.1.2");
    support::import_config(&target, &[], new.clone())
        .success()
        .stdout(predicate::str::contains(
            "timebeat.clock_sync.primary_clocks[0].ip",
        ))
        .stdout(predicate::str::contains("\"10.99.1.2\""));
    assert_eq!(
        fs::read_to_string(&target).expect("read"),
        new,
        "bare YAML is written as given"
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("shiwa.yml.bak")).expect("backup"),
        GOOD
    );
}

#[test]
fn dry_run_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("shiwa.yml");
    fs::write(&target, GOOD).expect("write");
    let before = snapshot(dir.path());
    let out = support::import_config(
        &target,
        &["--dry-run", "--json"],
        GOOD.replace("false", "true"),
    )
    .success()
    .get_output()
    .stdout
    .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(report["dry_run"], true);
    assert_eq!(
        report["changes"][0]["path"],
        "timebeat.clock_sync.adjust_clock"
    );
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn json_input_and_file_option_are_accepted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = dir.path().join("in.json");
    fs::write(
        &input,
        r#"{"timebeat": {"http": {"enable": true, "bind_port": 9000}}}"#,
    )
    .expect("write");
    let target = dir.path().join("out.yml");
    shiwa()
        .args(["import", "config", "--file"])
        .arg(&input)
        .arg("--config")
        .arg(&target)
        .assert()
        .success();
    let loaded = shiwa::config::load_file(&target).expect("loads");
    assert_eq!(loaded.config.timebeat.http.bind_port.0, 9000);
}

fn pki_config(dir: &Path) -> std::path::PathBuf {
    let pki = dir.join("pki");
    fs::create_dir(&pki).expect("mkdir");
    fs::write(
        pki.join("ca.crt"),
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    )
    .expect("ca");
    fs::write(
        pki.join("node.crt"),
        "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
    )
    .expect("crt");
    fs::write(
        pki.join("node.key"),
        "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
    )
    .expect("key");
    let config = dir.join("shiwa.yml");
    let p = pki.display();
    fs::write(
        &config,
        format!("output.elasticsearch:\n  hosts: [es:9200]\n  ssl.certificate_authorities: [{p}/ca.crt]\n  ssl.certificate: {p}/node.crt\n  ssl.key: {p}/node.key\n"),
    )
    .expect("config");
    config
}

#[test]
fn with_pki_restores_files_and_rejects_tampered_checksums() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = pki_config(dir.path());
    let exported = support::export_config(&config, &["--with-pki"]);
    let mut envelope: serde_json::Value = serde_json::from_slice(&exported).expect("JSON");
    assert_eq!(envelope["pki"].as_array().map(Vec::len), Some(3));
    let key = dir.path().join("pki/node.key");
    let original_key = fs::read(&key).expect("key");
    fs::remove_dir_all(dir.path().join("pki")).expect("lose the PKI");

    let tampered = {
        let mut t = envelope.clone();
        t["pki"][0]["sha256"] = serde_json::json!("00".repeat(32));
        t
    };
    support::import_config(&config, &[], tampered.to_string())
        .code(78)
        .stderr(predicate::str::contains("sha256 mismatch"));
    assert!(
        !dir.path().join("pki").exists(),
        "rejected import restored files"
    );

    support::import_config(&config, &[], envelope.to_string()).success();
    assert_eq!(fs::read(&key).expect("restored key"), original_key);
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(&key).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "restored key mode");
    envelope["version"] = serde_json::json!(99);
    support::import_config(&config, &[], envelope.to_string())
        .code(78)
        .stderr(predicate::str::contains("unsupported envelope version 99"));
}

#[test]
fn a_redacted_export_cannot_be_imported_by_mistake() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = support::repo_root().join("examples/timebeat-cloud.yml");
    let exported = support::export_config(&cloud, &["--redact"]);
    let target = dir.path().join("shiwa.yml");
    support::import_config(&target, &[], exported)
        .code(78)
        .stderr(predicate::str::contains(
            "timebeat.cli.password: secret was redacted",
        ));
    assert!(!target.exists());
}

#[test]
fn a_redacted_export_keeps_the_secrets_of_the_file_it_replaces() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cloud = support::repo_root().join("examples/timebeat-cloud.yml");
    let target = dir.path().join("shiwa.yml");
    fs::copy(&cloud, &target).expect("copy example");
    let exported = support::export_config(&target, &["--redact"]);
    let mut envelope: serde_json::Value = serde_json::from_slice(&exported).expect("JSON");
    envelope["config"]["timebeat"]["http"]["bind_port"] = serde_json::json!(9088);
    support::import_config(&target, &[], envelope.to_string())
        .success()
        .stdout(predicate::str::contains(
            "kept timebeat.cli.password from the current file",
        ))
        .stdout(predicate::str::contains(
            "kept output.elasticsearch.password from the current file",
        ));
    let config = shiwa::config::load_file(&target).expect("loads").config;
    assert_eq!(config.timebeat.http.bind_port.0, 9088);
    let cli_password = config.timebeat.cli.password.as_ref().map(|s| s.expose());
    assert_eq!(cli_password, Some("changeme"));
    let es = config.output.elasticsearch.expect("es output");
    assert_eq!(es.password.as_ref().map(|s| s.expose()), Some("changeme"));
}

#[test]
fn a_replaced_file_keeps_its_owner_group_and_mode() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("shiwa.yml");
    fs::write(&target, GOOD).expect("write");
    fs::set_permissions(&target, fs::Permissions::from_mode(0o640)).expect("chmod");
    let owner = support::is_root().then_some((65534, 65534));
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::chown(&target, Some(uid), Some(gid)).expect("chown");
    } else {
        eprintln!("not root: checking the mode only, not a foreign owner");
    }
    support::import_config(&target, &[], GOOD.replace("10.99.1.1", "10.99.1.3"))
        .success()
        .stdout(predicate::str::contains("(mode 0640)"));
    let meta = fs::metadata(&target).expect("metadata");
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    if let Some((uid, gid)) = owner {
        assert_eq!((meta.uid(), meta.gid()), (uid, gid));
    }
    assert!(
        fs::read_to_string(&target)
            .expect("read")
            .contains("10.99.1.3")
    );
}
