//! Planning rules of `setup`, driven through the public API on temporary directories.

use super::*;
use time::Duration;

fn at(days: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("valid time") + Duration::days(days)
}

fn run(opts: &PkiOptions) -> Result<SetupReport, PkiError> {
    setup(opts, &mut |_, _| {})
}

fn action_of(report: &SetupReport, file: &str) -> Action {
    report
        .files
        .iter()
        .find(|f| f.file == file)
        .map(|f| f.action)
        .unwrap_or_else(|| panic!("{file} not reported"))
}

fn problems(err: PkiError) -> Vec<Problem> {
    match err {
        PkiError::Inconsistent { problems, .. } => problems,
        other => panic!("expected Inconsistent, got {other}"),
    }
}

fn server(cn: &str, sans: &[&str]) -> Option<ServerRequest> {
    Some(ServerRequest {
        cn: cn.into(),
        sans: sans.iter().map(|s| s.to_string()).collect(),
    })
}

#[test]
fn other_sans_are_refused_and_renew_applies_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut opts = PkiOptions::new(dir.path(), at(0));
    opts.server = server("ntp1", &["10.0.0.1"]);
    run(&opts).expect("first run");
    opts.server = server("ntp1", &["10.0.0.2"]);
    let found = problems(run(&opts).expect_err("SANs differ"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]
            .message
            .starts_with("ntp1.crt: SANs are [ntp1, 10.0.0.1]")
    );
    assert!(!found[0].needs_force);
    opts.mode = SetupMode::Renew;
    let report = run(&opts).expect("renew");
    assert_eq!(action_of(&report, "ntp1.crt"), Action::Renewed);
    opts.mode = SetupMode::Normal;
    let report = run(&opts).expect("now it matches");
    assert_eq!(action_of(&report, "ntp1.crt"), Action::Kept);
}

#[test]
fn a_leaf_without_its_ca_needs_force() {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = PkiOptions::new(dir.path(), at(0));
    run(&opts).expect("first run");
    std::fs::remove_file(dir.path().join("ca.key")).expect("remove");
    std::fs::remove_file(dir.path().join("ca.crt")).expect("remove");
    let found = problems(run(&opts).expect_err("orphaned leaf"));
    assert!(found.iter().all(|p| p.needs_force), "{found:?}");
    assert!(
        found[0]
            .message
            .starts_with("timebeat.crt: exists but the CA does not")
    );
}

#[test]
fn a_ca_without_its_key_is_reported_not_replaced() {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = PkiOptions::new(dir.path(), at(0));
    run(&opts).expect("first run");
    let ca = std::fs::read(dir.path().join("ca.crt")).expect("read");
    std::fs::remove_file(dir.path().join("ca.key")).expect("remove");
    let found = problems(run(&opts).expect_err("no CA key"));
    assert_eq!(found[0].message, "ca.key: missing");
    assert!(found[0].needs_force);
    assert_eq!(std::fs::read(dir.path().join("ca.crt")).expect("read"), ca);
}

#[test]
fn renew_with_another_key_type_keeps_the_ca() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut opts = PkiOptions::new(dir.path(), at(0));
    run(&opts).expect("first run");
    opts.key_type = Some(KeyType::Ed25519);
    let found = problems(run(&opts).expect_err("type differs"));
    assert!(
        found
            .iter()
            .any(|p| p.message.contains("ed25519 was asked for"))
    );
    opts.mode = SetupMode::Renew;
    let report = run(&opts).expect("renew");
    let key_type = |file: &str| {
        let row = report.files.iter().find(|f| f.file == file).expect("row");
        row.key_type.clone()
    };
    assert_eq!(key_type("ca.crt"), "ecdsa-p256");
    assert_eq!(key_type("timebeat.crt"), "ed25519");
}

#[test]
fn leaves_follow_the_ca_key_type_unless_told() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut opts = PkiOptions::new(dir.path(), at(0));
    opts.key_type = Some(KeyType::Ed25519);
    run(&opts).expect("first run");
    opts.key_type = None;
    opts.server = server("ntp2", &[]);
    let report = run(&opts).expect("add a server");
    let row = report
        .files
        .iter()
        .find(|f| f.file == "ntp2.key")
        .expect("row");
    assert_eq!(
        (row.action, row.key_type.as_str()),
        (Action::Created, "ed25519")
    );
}

#[test]
fn leaves_may_not_outlive_the_ca() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut opts = PkiOptions::new(dir.path(), at(0));
    opts.ca_days = 100;
    opts.leaf_days = 50;
    run(&opts).expect("first run");
    opts.now = at(80);
    opts.mode = SetupMode::Renew;
    let err = run(&opts).expect_err("would outlive the CA");
    assert!(matches!(err, PkiError::InvalidValidity(_)), "{err}");
    assert!(err.to_string().contains("use --days 20 or less"), "{err}");
}

#[test]
fn check_reports_a_missing_server_and_tolerates_a_missing_ca_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    run(&PkiOptions::new(dir.path(), at(0))).expect("first run");
    std::fs::remove_file(dir.path().join("ca.key")).expect("remove");
    let mut opts = CheckOptions {
        dir: dir.path().to_path_buf(),
        now: at(1),
        client_name: DEFAULT_CLIENT_NAME.into(),
        servers: Vec::new(),
        warn_days: 30,
    };
    assert!(
        check(&opts).expect("check").ok,
        "a node without ca.key is fine"
    );
    opts.servers = vec!["ntp9".into()];
    let report = check(&opts).expect("check");
    assert!(!report.ok);
    let problems: Vec<&str> = report.problems().collect();
    assert_eq!(problems, vec!["ntp9.crt: missing", "ntp9.key: missing"]);
}
