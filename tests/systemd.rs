//! `shiwa systemd-install`: staged units checked by `systemd-analyze`, the file set, dry runs,
//! uninstall, firewall variants and the refusals of a live install.

use crate::support;
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

const KINDS: [&str; 5] = ["sync", "hub", "serve-api", "cli-ssh", "ship-es"];

fn have_analyze() -> bool {
    support::require(support::have_tool("systemd-analyze"), "systemd-analyze")
}

/// Stages `units` under `root` with the built binary; extra arguments appended.
fn stage(root: &Path, units: &str, extra: &[&str]) {
    let binary = support::shiwa_path();
    support::shiwa()
        .args(["systemd-install", "--unit", units, "--root"])
        .arg(root)
        .arg("--binary")
        .arg(&binary)
        .args(extra)
        .assert()
        .success();
}

fn unit_path(root: &Path, kind: &str) -> PathBuf {
    root.join(format!("etc/systemd/system/shiwa-{kind}.service"))
}

/// Every file under `root`, relative, with its permission bits.
fn tree(root: &Path) -> BTreeMap<String, u32> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, u32>) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.map(|e| e.expect("directory entry")) {
            let path = entry.path();
            let meta = entry.metadata().expect("metadata");
            if meta.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.insert(
                    rel.display().to_string(),
                    meta.permissions().mode() & 0o7777,
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Runs `systemd-analyze verify` and asserts success with an empty stderr (it exits 0 even
/// for unknown keys and bad values, and only reports those on stderr).
fn assert_verifies(unit: &Path) {
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(unit)
        .output()
        .expect("run systemd-analyze verify");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stderr.trim().is_empty(),
        "verify {}: {}\n{stderr}",
        unit.display(),
        out.status
    );
}

fn exposure(unit: &Path) -> f64 {
    let out = Command::new("systemd-analyze")
        .args(["security", "--offline=yes", "--threshold=30"])
        .arg(unit)
        .output()
        .expect("run systemd-analyze security");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("Overall exposure level"))
        .unwrap_or_else(|| panic!("no exposure line for {}:\n{stdout}", unit.display()));
    let score = line
        .split(':')
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("unparsable exposure line {line:?}"));
    assert!(
        out.status.success(),
        "{} is above the threshold 3.0: {line}",
        unit.display()
    );
    score
}

#[test]
fn every_unit_verifies_cleanly() {
    if !have_analyze() {
        return;
    }
    for kind in KINDS {
        let dir = tempfile::tempdir().expect("temp dir");
        stage(dir.path(), kind, &[]);
        assert_verifies(&unit_path(dir.path(), kind));
    }
}

#[test]
fn every_unit_has_low_exposure() {
    if !have_analyze() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    stage(dir.path(), &KINDS.join(","), &[]);
    for kind in KINDS {
        let score = exposure(&unit_path(dir.path(), kind));
        eprintln!("exposure shiwa-{kind}.service: {score}");
        assert!(score <= 3.0, "shiwa-{kind}.service exposure {score} > 3.0");
    }
}

#[test]
fn root_stages_exactly_the_units_and_sysusers_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    stage(dir.path(), "sync,hub", &[]);
    stage(
        dir.path(),
        "serve-api",
        &["--unit", "cli-ssh", "--unit", "ship-es"],
    );
    let mut want: BTreeMap<String, u32> = KINDS
        .iter()
        .map(|k| (format!("etc/systemd/system/shiwa-{k}.service"), 0o644))
        .collect();
    want.insert("etc/sysusers.d/shiwa.conf".into(), 0o644);
    assert_eq!(tree(dir.path()), want);
    let sysusers =
        fs::read_to_string(dir.path().join("etc/sysusers.d/shiwa.conf")).expect("sysusers file");
    assert!(sysusers.contains("u shiwa - "), "{sysusers}");
    let unit = fs::read_to_string(unit_path(dir.path(), "hub")).expect("hub unit");
    let exec = format!(
        "ExecStart={} hub --config /etc/shiwa/shiwa.yml",
        support::shiwa_path().display()
    );
    assert!(unit.lines().any(|l| l == exec), "{unit}");
}

#[test]
fn dry_run_prints_the_unit_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = support::shiwa()
        .args(["systemd-install", "--unit", "sync", "--dry-run", "--root"])
        .arg(dir.path())
        .args(["--binary", "/usr/bin/shiwa"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(stdout.contains("[Service]") && stdout.contains("Type=notify"));
    assert!(stdout.contains("ExecStart=/usr/bin/shiwa sync --config /etc/shiwa/shiwa.yml"));
    assert!(stdout.contains("planned"), "{stdout}");
    assert!(tree(dir.path()).is_empty(), "dry run wrote files");
    assert_eq!(fs::read_dir(dir.path()).expect("list").count(), 0);
}

#[test]
fn dry_run_of_a_live_install_needs_neither_root_nor_systemd() {
    let out = support::shiwa()
        .args([
            "systemd-install",
            "--unit",
            "serve-api",
            "--dry-run",
            "--json",
        ])
        .args(["--binary", "/usr/bin/shiwa"])
        .assert()
        .success();
    let report: serde_json::Value =
        serde_json::from_slice(&out.get_output().stdout).expect("JSON report");
    assert_eq!(report["dry_run"], true);
    let actions = report["actions"].as_array().expect("actions");
    assert!(actions.iter().all(|a| a["status"] != "done"), "{report}");
    let commands: Vec<String> = actions
        .iter()
        .filter(|a| a["action"] == "run")
        .map(|a| {
            let argv = a["command"].as_array().expect("argv");
            let argv: Vec<&str> = argv.iter().filter_map(|s| s.as_str()).collect();
            argv.join(" ")
        })
        .collect();
    assert_eq!(
        commands.last().map(String::as_str),
        Some("systemctl enable --now shiwa-serve-api.service")
    );
    let text = report["units"][0]["text"].as_str().expect("unit text");
    assert!(text.contains("ExecStart=/usr/bin/shiwa serve-api"));
}

#[test]
fn uninstall_with_root_removes_the_staged_unit() {
    let dir = tempfile::tempdir().expect("temp dir");
    stage(dir.path(), "sync,hub", &[]);
    stage(dir.path(), "hub", &["--uninstall"]);
    assert!(!unit_path(dir.path(), "hub").exists());
    assert!(unit_path(dir.path(), "sync").exists());
    // A second uninstall is a no-op that says so.
    let out = support::shiwa()
        .args(["systemd-install", "--unit", "hub", "--uninstall", "--root"])
        .arg(dir.path())
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("shiwa-hub.service is not installed"),
        "{stderr}"
    );
}

#[test]
fn json_report_of_a_staged_install() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = support::shiwa()
        .args(["systemd-install", "--unit", "ship-es", "--json", "--root"])
        .arg(dir.path())
        .args(["--binary", "/usr/bin/shiwa"])
        .assert()
        .success();
    let report: serde_json::Value =
        serde_json::from_slice(&out.get_output().stdout).expect("JSON report");
    assert_eq!(report["operation"], "install");
    assert_eq!(report["units"][0]["name"], "shiwa-ship-es.service");
    let actions = report["actions"].as_array().expect("actions");
    assert_eq!(actions.len(), 2, "{report}");
    for action in actions {
        assert_eq!(action["action"], "write_file");
        assert_eq!(action["mode"], "0644");
        assert_eq!(action["status"], "done");
    }
}

fn lines_with<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .collect()
}

#[test]
fn firewall_variants_open_and_close_ports_and_verify() {
    let analyze = have_analyze();
    let cases: [(&str, &str, &str); 3] = [
        (
            "firewalld",
            "-+/usr/bin/firewall-cmd --add-port=8088/tcp",
            "-+/usr/bin/firewall-cmd --remove-port=8088/tcp",
        ),
        (
            "ufw",
            "-+/usr/sbin/ufw allow 8088/tcp",
            "-+/usr/sbin/ufw delete allow 8088/tcp",
        ),
        (
            "nftables",
            "-+/usr/sbin/nft add element inet filter shiwa_ports \"{ tcp . 8088 }\"",
            "-+/usr/sbin/nft delete element inet filter shiwa_ports \"{ tcp . 8088 }\"",
        ),
    ];
    for (firewall, open, close) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        stage(
            dir.path(),
            "sync,serve-api,ship-es",
            &["--firewall", firewall],
        );
        let api = fs::read_to_string(unit_path(dir.path(), "serve-api")).expect("unit");
        assert!(lines_with(&api, "ExecStartPre").contains(&open), "{api}");
        assert_eq!(lines_with(&api, "ExecStopPost"), [close], "{firewall}");
        let sync = fs::read_to_string(unit_path(dir.path(), "sync")).expect("unit");
        for port in ["123", "319", "320"] {
            assert!(
                sync.contains(&format!("{port}/udp")) || sync.contains(&format!("udp . {port}"))
            );
        }
        let es = fs::read_to_string(unit_path(dir.path(), "ship-es")).expect("unit");
        assert!(
            lines_with(&es, "ExecStartPre").is_empty(),
            "ship-es has no ports"
        );
        if analyze {
            for kind in ["sync", "serve-api", "ship-es"] {
                assert_verifies(&unit_path(dir.path(), kind));
            }
        }
    }
}

#[test]
fn bad_options_are_usage_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (args, needle) in [
        (&["--user", "root"][..], "--user \"root\""),
        (&["--binary", "/home/me/shiwa"][..], "ProtectHome"),
        (&["--unit", "ntp"][..], "ntp"),
        (&["--firewall", "iptables"][..], "iptables"),
        (&["--nft-chain", "inet filter"][..], "FAMILY TABLE CHAIN"),
    ] {
        support::shiwa()
            .args(["systemd-install", "--root"])
            .arg(dir.path())
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(needle));
    }
    assert!(tree(dir.path()).is_empty());
}

#[test]
fn live_install_as_non_root_exits_77() {
    let mut cmd = if support::is_root() {
        if !support::require(support::have_tool("setpriv"), "setpriv (to drop root)") {
            return;
        }
        let mut cmd = assert_cmd::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(support::shiwa_path())
            .env_remove("SHIWA_CONFIG");
        cmd
    } else {
        support::shiwa()
    };
    cmd.args([
        "systemd-install",
        "--unit",
        "sync",
        "--binary",
        "/usr/bin/shiwa",
    ])
    .assert()
    .code(77)
    .stderr(predicates::str::contains("needs root"));
}

#[test]
fn live_install_without_systemd_says_so() {
    if Path::new("/run/systemd/system").is_dir() || !support::is_root() {
        eprintln!("live_install_without_systemd_says_so: needs root on a host without systemd");
        return;
    }
    support::shiwa()
        .args(["systemd-install", "--unit", "hub"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("systemd is not running"));
}

/// The nftables lines of a staged unit, run as systemd would (without the `-+` prefixes) in a
/// private network namespace with a default-drop ruleset: the port must be accepted after the
/// start lines (twice, as on a restart: one rule, no duplicates) and gone after the stop lines.
#[test]
fn nftables_lines_work_against_a_default_drop_ruleset() {
    let ready = support::is_root() && support::have_tool("nft") && support::have_tool("unshare");
    if !support::require(ready, "root, nft and unshare (a private network namespace)") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    stage(dir.path(), "serve-api", &["--firewall", "nftables"]);
    let unit = fs::read_to_string(unit_path(dir.path(), "serve-api")).expect("unit");
    let commands = |key: &str| -> String {
        let lines = lines_with(&unit, key);
        let lines: Vec<&str> = lines.iter().map(|l| l.trim_start_matches("-+")).collect();
        assert!(!lines.is_empty(), "no {key} lines");
        lines.join("\n")
    };
    let (start, stop) = (commands("ExecStartPre"), commands("ExecStopPost"));
    let script = format!(
        "set -e\nnft add table inet filter\n\
         nft add chain inet filter input '{{ type filter hook input priority filter; policy drop; }}'\n\
         {start}\n{start}\nnft list ruleset\necho ---\n{stop}\nnft list ruleset\n"
    );
    let out = Command::new("unshare")
        .args(["--net", "sh", "-c", &script])
        .output()
        .expect("run unshare");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (opened, closed) = stdout.split_once("---").expect("separator");
    assert!(opened.contains("tcp . 8088"), "{opened}");
    let rules = opened
        .lines()
        .filter(|l| l.contains("th dport @shiwa_ports accept"));
    assert_eq!(rules.count(), 1, "{opened}");
    assert!(!closed.contains("tcp . 8088"), "{closed}");
}
