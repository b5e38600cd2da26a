//! `config check|show`, `export config` and `import config` through the real binary.

use crate::support::{self, shiwa};
use predicates::prelude::*;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn examples() -> Vec<PathBuf> {
    let mut files: Vec<_> = fs::read_dir(support::repo_root().join("examples"))
        .expect("examples/ exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    files.sort();
    assert!(
        files.len() >= 5,
        "expected the shipped examples, found {files:?}"
    );
    files
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, text).expect("write test file");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
    path
}

#[test]
fn every_example_passes_config_check() {
    for example in examples() {
        shiwa()
            .args(["config", "check"])
            .arg(&example)
            .assert()
            .success()
            .stdout(predicate::str::contains(": ok ("));
    }
}

#[test]
fn export_then_import_gives_back_an_equal_config_for_every_example() {
    for example in examples() {
        let dir = tempfile::tempdir().expect("temp dir");
        let original = shiwa::config::load_file(&example)
            .expect("example loads")
            .config;
        let exported = support::export_config(&example, &[]);
        let envelope: serde_json::Value =
            serde_json::from_slice(&exported).expect("export is JSON");
        assert_eq!(envelope["format"], "shiwa-config-export");
        assert_eq!(envelope["version"], 1);
        let target = dir.path().join("imported.yml");
        support::import_config(&target, &[], exported).success();
        let imported = shiwa::config::load_file(&target)
            .expect("imported file loads")
            .config;
        assert_eq!(imported, original, "round trip of {}", example.display());
        let mode = fs::metadata(&target)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn check_lists_every_error_with_file_line_and_exits_78() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = write(
        dir.path(),
        "bad.yml",
        "timebeat:\n  clock_sync:\n    adjust_clok: true\n    step_limit: 15x\n  http:\n    bind_port: 99999\n",
    );
    let name = file.display().to_string();
    shiwa()
        .args(["config", "check"])
        .arg(&file)
        .assert()
        .code(78)
        .stderr(predicate::str::contains(format!(
            "{name}:3:5: timebeat.clock_sync.adjust_clok: unknown key `adjust_clok`; did you mean `adjust_clock`?"
        )))
        .stderr(predicate::str::contains(format!("{name}:4:17: timebeat.clock_sync.step_limit:")))
        .stderr(predicate::str::contains(format!(
            "{name}:6:16: timebeat.http.bind_port: 99999 is out of range"
        )));
    let out = shiwa()
        .args(["config", "check", "--json"])
        .arg(&file)
        .assert()
        .code(78)
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).expect("JSON report");
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(3));
    assert_eq!(report["errors"][0]["line"], 3);
    assert_eq!(
        report["errors"][0]["path"],
        "timebeat.clock_sync.adjust_clok"
    );
}

#[test]
fn files_that_are_not_configs_get_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases: Vec<(PathBuf, &str)> = vec![
        (write(dir.path(), "empty.yml", ""), "the file is empty"),
        (
            write(dir.path(), "list.yml", "- a\n"),
            "expected a mapping of sections",
        ),
        (
            write(dir.path(), "syntax.yml", "a: [1,\n"),
            "YAML syntax error",
        ),
        (dir.path().to_path_buf(), "is a directory"),
        (dir.path().join("missing.yml"), "no such file"),
    ];
    for (path, message) in cases {
        shiwa()
            .args(["config", "check"])
            .arg(&path)
            .assert()
            .code(78)
            .stderr(predicate::str::contains(message));
    }
    let binary = dir.path().join("binary.yml");
    fs::write(&binary, b"timebeat:\n  x: \xff\n").expect("write");
    shiwa()
        .args(["config", "check"])
        .arg(&binary)
        .assert()
        .code(78)
        .stderr(predicate::str::contains("binary.yml:2:6: not valid UTF-8"));
    let huge = dir.path().join("huge.yml");
    fs::write(&huge, vec![b'#'; 2 * 1024 * 1024]).expect("write");
    shiwa()
        .args(["config", "check"])
        .arg(&huge)
        .assert()
        .code(78)
        .stderr(predicate::str::contains("limited to 1048576 bytes"));
}

#[test]
fn unreadable_file_exits_77() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).expect("chmod dir");
    let file = write(dir.path(), "secret.yml", "timebeat: {}\n");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o000)).expect("chmod");
    let mut cmd = if support::is_root() {
        // Root reads anything: run the binary as nobody to see a real EACCES.
        if !support::require(support::have_tool("setpriv"), "setpriv (util-linux)") {
            return;
        }
        let mut cmd = assert_cmd::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(support::shiwa_path());
        cmd
    } else {
        shiwa()
    };
    cmd.args(["config", "check"])
        .arg(&file)
        .assert()
        .code(77)
        .stderr(predicate::str::contains("permission denied"));
}

#[test]
fn show_redacts_secrets_and_follows_shiwa_config() {
    let cloud = support::repo_root().join("examples/timebeat-cloud.yml");
    for json in [false, true] {
        let mut cmd = shiwa();
        cmd.env("SHIWA_CONFIG", &cloud).args(["config", "show"]);
        if json {
            cmd.arg("--json");
        }
        cmd.assert()
            .success()
            .stdout(predicate::str::contains("changeme").not())
            .stdout(predicate::str::contains("<redacted>"))
            .stdout(predicate::str::contains("enp0s3"));
    }
}

#[test]
fn export_redact_hides_secrets_and_plain_export_keeps_them() {
    let cloud = support::repo_root().join("examples/timebeat-cloud.yml");
    shiwa()
        .args(["export", "config", "--redact", "--config"])
        .arg(&cloud)
        .assert()
        .success()
        .stdout(predicate::str::contains("changeme").not());
    shiwa()
        .args(["export", "config", "--config"])
        .arg(&cloud)
        .assert()
        .success()
        .stdout(predicate::str::contains("changeme"));
}

#[test]
fn timebeat_keys_shiwa_does_not_implement_survive_the_round_trip() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = write(
        dir.path(),
        "timebeat.yml",
        "timebeat:\n  license.keyfile: /etc/timebeat/timebeat.lic\n  advanced:\n    steering:\n      algo: sigma\n      outlier_filter_enabled: true\nlogging.level: info\n",
    );
    shiwa()
        .args(["config", "check"])
        .arg(&source)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "timebeat.advanced.steering: Timebeat setting not implemented",
        ))
        .stderr(predicate::str::contains(
            "timebeat.license: Timebeat setting not implemented",
        ));
    let exported = support::export_config(&source, &[]);
    let target = dir.path().join("imported.yml");
    support::import_config(&target, &[], exported).success();
    let before = shiwa::config::load_file(&source).expect("loads").config;
    let after = shiwa::config::load_file(&target).expect("loads").config;
    assert_eq!(after, before);
    assert_eq!(
        after.unimplemented["timebeat.advanced.steering"]["algo"],
        "sigma"
    );
}
