//! Starting, stopping and restarting: the daemon restarting under a standalone shell, the
//! in-process shell, the host key kept across restarts, and refusals to start.

use super::*;

#[test]
fn standalone_shell_keeps_working_across_a_restart_of_sync() {
    if !have_clients() {
        return;
    }
    let lab = Lab::new("");
    let mut sync = lab.sync();
    let port = free_tcp_port();
    let cli = lab.cli_ssh(port);
    assert_eq!(lab.ssh_key(port, "status").status.code(), Some(3));
    let mut session = Session::open(&lab, port);
    session.expect("shiwa> ");

    sync.stop();
    session.expect("*** shiwa sync is not reachable since ");
    let down = lab.ssh_key(port, "status");
    assert_eq!(down.status.code(), Some(1), "{down:?}");
    let text = stdout(&down);
    assert!(text.starts_with("shiwa sync is not reachable: "), "{text}");
    assert!(
        text.contains(&lab.socket.display().to_string()),
        "names the socket: {text}"
    );

    let _sync = lab.sync();
    session.expect("*** shiwa sync is reachable again");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let again = lab.ssh_key(port, "status");
        if again.status.code() == Some(3) {
            assert!(stdout(&again).contains("not synchronised"));
            break;
        }
        assert!(Instant::now() < deadline, "status not back: {again:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The same session goes on working.
    session.send(b"version\r");
    session.expect("shiwa sync 0.");
    session.send(b"exit\r");
    assert_eq!(session.wait().0, Some(0));
    assert!(cli.logs().contains("reachable again"), "{}", cli.logs());
}

#[test]
fn the_shell_runs_inside_sync_when_cli_enable_is_set() {
    if !have_clients() {
        return;
    }
    let port = free_tcp_port();
    let lab = Lab::new(&format!(
        "    enable: true\n    bind_port: {port}\n    server_key: KEYDIR/host_key\n"
    ));
    let text = std::fs::read_to_string(&lab.config).expect("config");
    let key_dir = lab.path("keys");
    write_private(
        &lab.config,
        &text.replace("KEYDIR", &key_dir.display().to_string()),
    );
    let mut sync = lab.sync();
    sync.wait_until("the SSH port", || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let status = lab.ssh_key(port, "status");
    assert_eq!(status.status.code(), Some(3), "{status:?}");
    let config = stdout(&lab.ssh_key(port, "config --json"));
    let config: serde_json::Value = serde_json::from_str(&config).expect("json");
    assert_eq!(config["timebeat"]["cli"]["enable"], true);
    assert!(
        key_dir.join("host_key").exists(),
        "server_key is where the host key goes"
    );
    let ok = ssh_password(port, PASSWORD, "disable 0");
    assert_eq!(ok.status.code(), Some(0), "{ok:?}");
    assert!(
        stdout(&ok).starts_with("disabled ntp 127.0.0.1:"),
        "{}",
        stdout(&ok)
    );
    assert!(
        !sync.logs().contains("not part of this build"),
        "{}",
        sync.logs()
    );
}

fn keyscan_fingerprint(port: u16) -> String {
    let scan = Command::new("ssh-keyscan")
        .args(["-t", "ed25519", "-p", &port.to_string(), "127.0.0.1"])
        .output()
        .expect("ssh-keyscan");
    let line = stdout(&scan);
    assert!(line.contains("ssh-ed25519 "), "{scan:?}");
    let fingerprint = Command::new("ssh-keygen")
        .args(["-l", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(line.as_bytes())?;
            child.wait_with_output()
        })
        .expect("ssh-keygen -lf -");
    let text = stdout(&fingerprint);
    text.split_whitespace()
        .nth(1)
        .expect("fingerprint")
        .to_string()
}

#[test]
fn the_host_key_is_created_once_and_reused_across_restarts() {
    if !have_clients() {
        return;
    }
    let lab = Lab::new("");
    let port = free_tcp_port();
    let mut first = lab.cli_ssh(port);
    let before = keyscan_fingerprint(port);
    first.stop();
    let key = lab.path("state/ssh_host_ed25519_key");
    let mode = std::fs::metadata(&key)
        .expect("host key")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // ssh-keygen reads the key file and agrees on the fingerprint.
    let local = Command::new("ssh-keygen")
        .arg("-lf")
        .arg(&key)
        .output()
        .expect("ssh-keygen");
    assert!(
        stdout(&local).contains(&before),
        "{} vs {before}",
        stdout(&local)
    );

    let _second = lab.cli_ssh(port);
    assert_eq!(keyscan_fingerprint(port), before);
}

#[test]
fn refusals_to_start_name_what_to_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bare = dir.path().join("bare.yml");
    write_private(&bare, "timebeat:\n  cli:\n    enable: false\n");
    shiwa()
        .args(["cli-ssh", "--config"])
        .arg(&bare)
        .args(["--bind", "127.0.0.1:1", "--state-dir"])
        .arg(dir.path())
        .assert()
        .code(78)
        .stderr(predicates::str::contains("timebeat.cli.password_hash"));

    let lab = Lab::new("");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = taken.local_addr().expect("address").to_string();
    shiwa()
        .args(["cli-ssh", "--config"])
        .arg(&lab.config)
        .args(["--bind", &address, "--state-dir"])
        .arg(lab.path("state"))
        .assert()
        .code(1)
        .stderr(predicates::str::contains(format!(
            "cannot listen for SSH on {address}"
        )));

    let key = lab.path("state/ssh_host_ed25519_key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    shiwa()
        .args(["cli-ssh", "--config"])
        .arg(&lab.config)
        .args(["--bind", "127.0.0.1:1", "--host-key"])
        .arg(&key)
        .assert()
        .code(78)
        .stderr(predicates::str::contains(key.display().to_string()))
        .stderr(predicates::str::contains("mode 0644"));

    let bad_hash = lab.path("bad.yml");
    write_private(
        &bad_hash,
        "timebeat.cli:\n  username: a\n  password_hash: 'plain'\n",
    );
    shiwa()
        .args(["cli-ssh", "--config"])
        .arg(&bad_hash)
        .assert()
        .code(78)
        .stderr(predicates::str::contains("timebeat.cli.password_hash"));
}

#[test]
fn sighup_reloads_the_credentials_and_a_bad_file_keeps_the_old_ones() {
    if !have_clients() {
        return;
    }
    let lab = Lab::new("");
    let port = free_tcp_port();
    let cli = lab.cli_ssh(port);
    assert_eq!(
        ssh_password(port, PASSWORD, "version").status.code(),
        Some(0)
    );
    let original = std::fs::read_to_string(&lab.config).expect("config");
    let hup = || {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(cli.child.id()).expect("pid"));
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).expect("SIGHUP");
    };

    // A broken file is refused; the running credentials stay.
    write_private(&lab.config, "timebeat:\n  cli: [nonsense\n");
    hup();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cli.logs().contains("reload refused") {
        assert!(
            Instant::now() < deadline,
            "no refusal logged:\n{}",
            cli.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        ssh_password(port, PASSWORD, "version").status.code(),
        Some(0)
    );

    // A new password hash takes over.
    let new_hash = hash_password("a new password");
    let start = original.find("password_hash: '").expect("hash line") + "password_hash: '".len();
    let end = start + original[start..].find('\'').expect("quote");
    write_private(
        &lab.config,
        &format!("{}{new_hash}{}", &original[..start], &original[end..]),
    );
    hup();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cli.logs().contains("SSH credentials reloaded") {
        assert!(
            Instant::now() < deadline,
            "no reload logged:\n{}",
            cli.logs()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        ssh_password(port, "a new password", "version")
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        ssh_password(port, PASSWORD, "version").status.code(),
        Some(255)
    );
}
