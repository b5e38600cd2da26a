use super::*;
use crate::exit::{ExitStatus, HasExitStatus};

const KEY_A: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGbzb4ZSNXq4Z5aYcz8YCKwB3vSIO9QJwM5MZ5bJ2OpK alice@example";

fn cli(username: Option<&str>) -> CliConfig {
    CliConfig {
        username: username.map(String::from),
        ..CliConfig::default()
    }
}

#[test]
fn a_hashed_password_is_checked_with_argon2() {
    let hash = hash_password("s3cret pass").expect("hash");
    assert!(hash.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{hash}");
    let mut config = cli(Some("admin"));
    config.password_hash = Some(Secret::new(hash));
    let credentials = Credentials::from_config(&config).expect("credentials");
    assert!(!credentials.uses_plaintext_password());
    assert!(credentials.check_password("admin", "s3cret pass"));
    assert!(!credentials.check_password("admin", "s3cret pas"));
    assert!(!credentials.check_password("root", "s3cret pass"));
    assert!(hash_password("").is_err());
}

#[test]
fn a_plaintext_password_works_and_is_flagged() {
    let mut config = cli(Some("admin"));
    config.password = Some(Secret::new("changeme"));
    let credentials = Credentials::from_config(&config).expect("credentials");
    assert!(credentials.uses_plaintext_password());
    assert!(credentials.check_password("admin", "changeme"));
    assert!(!credentials.check_password("admin", "changeme "));
    assert!(!credentials.check_password("admi", "changeme"));
}

#[test]
fn keys_come_from_the_authorised_keys_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("keys");
    std::fs::write(&path, format!("# operators\n\n{KEY_A}\n")).expect("write");
    let mut config = cli(Some("admin"));
    config.authorised_keys = Some(path.clone());
    let credentials = Credentials::from_config(&config).expect("credentials");
    assert_eq!(credentials.key_count(), 1);
    assert!(!credentials.has_password());
    let key = PublicKey::from_openssh(KEY_A).expect("key");
    assert!(credentials.accepts_key("admin", &key));
    assert!(!credentials.accepts_key("other", &key));
    assert!(
        !credentials.check_password("admin", ""),
        "no password configured"
    );

    std::fs::write(&path, format!("{KEY_A}\nssh-ed25519 AAAA-garbage\n")).expect("write");
    let err = Credentials::from_config(&config).expect_err("bad line");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:2: ", path.display())),
        "{err}"
    );
    assert_eq!(err.exit_status(), ExitStatus::Config);

    std::fs::write(&path, format!("from=\"10.0.0.1\" {KEY_A}\n")).expect("write");
    let err = Credentials::from_config(&config).expect_err("options");
    assert!(err.to_string().contains("key options"), "{err}");

    config.authorised_keys = Some(dir.path().join("missing"));
    let err = Credentials::from_config(&config).expect_err("missing file");
    assert!(err.to_string().contains("missing"), "{err}");
}

#[test]
fn nothing_to_log_in_with_is_a_config_error_saying_what_to_set() {
    for config in [cli(None), cli(Some("admin")), cli(Some(""))] {
        let err = Credentials::from_config(&config).expect_err("no credentials");
        assert_eq!(err.exit_status(), ExitStatus::Config);
        assert!(
            err.to_string().contains("timebeat.cli.password_hash"),
            "{err}"
        );
    }
    let mut no_user = cli(None);
    no_user.password = Some(Secret::new("x"));
    let err = Credentials::from_config(&no_user).expect_err("no user");
    assert!(err.to_string().contains("username is not set"), "{err}");
}

#[test]
fn a_prepared_hash_agrees_with_argon2s_own_verification() {
    let hash = hash_password("s3cret pass").expect("hash");
    let prepared = PreparedHash::new(&hash).expect("prepared");
    for _ in 0..2 {
        assert!(prepared.matches("s3cret pass"));
        assert!(!prepared.matches("s3cret pasS"));
        assert!(!prepared.matches(""));
    }
    assert!(
        PreparedHash::new("$argon2id$v=19$m=19456,t=2,p=1").is_none(),
        "no salt or hash"
    );
    assert!(PreparedHash::new("plain").is_none());
}

#[tokio::test]
async fn the_checker_thread_answers_for_hashes_and_plaintext() {
    let mut config = cli(Some("admin"));
    config.password_hash = Some(Secret::new(hash_password("pw").expect("hash")));
    let checker =
        PasswordChecker::start(Credentials::from_config(&config).expect("creds")).expect("thread");
    assert!(checker.check("admin", "pw").await);
    assert!(!checker.check("admin", "pW").await);
    assert!(!checker.check("root", "pw").await);
    let mut plain = cli(Some("admin"));
    plain.password = Some(Secret::new("pw"));
    let checker =
        PasswordChecker::start(Credentials::from_config(&plain).expect("creds")).expect("thread");
    assert!(checker.check("admin", "pw").await);
    assert!(!checker.check("admin", "p").await);
}
