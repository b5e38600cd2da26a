//! Exec mode and logins: `ssh admin@host COMMAND` with key and password, exit statuses, wrong
//! credentials, rate limiting.

use super::*;

#[test]
fn key_login_runs_commands_and_passes_their_exit_status_back() {
    let Some(Standalone {
        lab,
        sync: _sync,
        port,
        cli,
    }) = Standalone::start()
    else {
        return;
    };

    let status = lab.ssh_key(port, "status");
    assert_eq!(
        status.status.code(),
        Some(3),
        "not synchronised: {status:?}"
    );
    let text = stdout(&status);
    assert!(
        text.contains("clock not synchronised, monitor only"),
        "{text}"
    );
    assert!(
        text.contains("State") && text.contains("Last sample"),
        "{text}"
    );
    assert!(!text.contains('\r'), "no pty, no CRLF: {text:?}");

    // The same sources `shiwa status --json` shows.
    let local = shiwa()
        .args(["status", "--json", "--socket"])
        .arg(&lab.socket)
        .output()
        .expect("shiwa status");
    let local: serde_json::Value = serde_json::from_slice(&local.stdout).expect("json");
    let remote = lab.ssh_key(port, "sources --json");
    assert_eq!(remote.status.code(), Some(0), "{remote:?}");
    let remote: serde_json::Value = serde_json::from_slice(&remote.stdout).expect("json");
    assert_eq!(remote[0]["name"], local["sources"][0]["name"]);

    let cases: [(&str, i32, &str); 7] = [
        ("version", 0, "shiwa sync"),
        ("protocols", 0, "Protocol"),
        ("frobnicate", 127, "unknown command: frobnicate"),
        ("logs many", 2, "logs takes a count"),
        ("logs 50", 0, "shiwa sync started"),
        ("enable 99", 1, "refused: no source named source #99"),
        ("reload", 0, "configuration reloaded"),
    ];
    for (command, code, needle) in cases {
        let output = lab.ssh_key(port, command);
        assert_eq!(output.status.code(), Some(code), "{command}: {output:?}");
        assert!(
            stdout(&output).contains(needle),
            "{command}: {}",
            stdout(&output)
        );
    }

    let name = local["sources"][0]["name"]
        .as_str()
        .expect("name")
        .to_string();
    let disabled = lab.ssh_key(port, &format!("disable {name}"));
    assert_eq!(stdout(&disabled), format!("disabled {name}\n"));
    // The standalone shell shows the snapshot it refreshes every 0.5 s.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let sources = lab.ssh_key(port, "sources --json");
        let sources: serde_json::Value = serde_json::from_slice(&sources.stdout).expect("json");
        if sources[0]["state"] == "disabled" {
            break;
        }
        assert!(Instant::now() < deadline, "never shown disabled: {sources}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        lab.ssh_key(port, &format!("enable {name}")).status.code(),
        Some(0)
    );

    let config = lab.ssh_key(port, "config");
    assert_eq!(config.status.code(), Some(0));
    let config = stdout(&config);
    assert!(config.contains("username: admin"), "{config}");
    assert!(config.contains("password_hash: <redacted>"), "{config}");
    assert!(
        !config.contains("argon2id"),
        "the hash is never shown: {config}"
    );
    drop(cli);
}

#[test]
fn password_login_works_and_wrong_credentials_get_255() {
    let Some(Standalone {
        lab,
        sync: _sync,
        port,
        cli,
    }) = Standalone::start()
    else {
        return;
    };

    let ok = ssh_password(port, PASSWORD, "version");
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(stdout(&ok).starts_with("shiwa "), "{}", stdout(&ok));

    let wrong = ssh_password(port, "not the password", "version");
    assert_eq!(wrong.status.code(), Some(255), "{wrong:?}");
    assert!(stdout(&wrong).is_empty());

    let stranger = lab.path("stranger");
    keygen(&stranger);
    let unknown = lab.ssh_key_with(port, &stranger, "version");
    assert_eq!(unknown.status.code(), Some(255), "{unknown:?}");
    assert!(
        stderr(&unknown).contains("Permission denied"),
        "{}",
        stderr(&unknown)
    );

    let logs = cli.logs();
    assert!(logs.contains("SSH login refused"), "{logs}");
    assert!(
        !logs.contains(PASSWORD) && !logs.contains("not the password"),
        "{logs}"
    );
}

#[test]
fn repeated_failures_from_one_address_shut_it_out() {
    let Some(Standalone {
        lab,
        sync: _sync,
        port,
        cli,
    }) = Standalone::start()
    else {
        return;
    };
    // The default policy: five failures within a minute block the address for a minute.
    for attempt in 1..=5 {
        let started = Instant::now();
        let wrong = ssh_password(port, "guess", "version");
        assert_eq!(
            wrong.status.code(),
            Some(255),
            "attempt {attempt}: {wrong:?}"
        );
        assert!(
            started.elapsed() >= Duration::from_millis(900),
            "a rejection is delayed (about 1 s), took {:?}",
            started.elapsed()
        );
    }
    let refused = ssh_password(port, PASSWORD, "version");
    assert_eq!(
        refused.status.code(),
        Some(255),
        "the right password is refused too"
    );
    let key = lab.ssh_key(port, "version");
    assert_eq!(key.status.code(), Some(255), "so is the key: {key:?}");
    let logs = cli.logs();
    assert!(logs.contains("refusing 127.0.0.1 for 60s"), "{logs}");
}

#[test]
fn twenty_concurrent_sessions_are_served() {
    let Some(Standalone {
        lab,
        sync: _sync,
        port,
        cli: _cli,
    }) = Standalone::start()
    else {
        return;
    };
    let mut sessions: Vec<Session> = (0..20).map(|_| Session::open(&lab, port)).collect();
    for session in &sessions {
        session.expect("shiwa> ");
    }
    // All twenty are open at once; each runs a command and leaves.
    for session in &mut sessions {
        session.send(b"version\r");
    }
    for session in &mut sessions {
        session.expect("shiwa sync 0.");
        session.send(b"exit\r");
    }
    for session in sessions {
        let (code, text) = session.wait();
        assert_eq!(code, Some(0), "{text}");
    }
}
