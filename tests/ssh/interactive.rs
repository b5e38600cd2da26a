//! The interactive shell through a pty (`ssh -tt`), and a client that sends garbage.

use super::*;
use std::net::TcpStream;

#[test]
fn an_interactive_session_edits_lines_keeps_history_and_ends_cleanly() {
    let Some(Standalone {
        lab,
        sync: _sync,
        port,
        cli: _cli,
    }) = Standalone::start()
    else {
        return;
    };
    let mut session = Session::open(&lab, port);
    session.expect("management shell on ");
    session.expect("shiwa> ");

    // Backspace (DEL) and BS fix a typo; the command's output comes with CRLF line ends.
    session.send(b"versiom\x7fn\r");
    session.expect("shiwa sync 0.");
    assert!(
        session.text().contains("versiom\x08 \x08n\r\n"),
        "{:?}",
        session.text()
    );
    assert!(
        session.text().contains("\r\nshiwa sync 0."),
        "{:?}",
        session.text()
    );

    // The up arrow brings `version` back; running it prints the version again.
    session.send(b"clock\r");
    session.expect("Frequency");
    session.send(b"\x1b[A\x1b[A\r");
    session.expect_count("shiwa sync 0.", 2, Duration::from_secs(15));

    // Ctrl-C drops a half-typed line and gives a fresh prompt; nothing runs.
    let prompts = session.text().matches("shiwa> ").count();
    session.send(b"disable everything\x03");
    session.expect("^C\r\n");
    session.expect_count("shiwa> ", prompts + 1, Duration::from_secs(15));
    assert!(!session.text().contains("refused"), "{}", session.text());

    // An unknown command says so; UTF-8 input is echoed as typed.
    session.send("zeitstempel-µs\r".as_bytes());
    session.expect("unknown command: zeitstempel-\\u{b5}s; try help");
    assert!(session.text().contains("zeitstempel-µs\r\n"));

    // Ctrl-D on an empty line ends the session with status 0.
    session.send(b"\x04");
    let (code, text) = session.wait();
    assert_eq!(code, Some(0), "{text}");
}

#[test]
fn exit_ends_the_session_and_input_without_a_pty_runs_line_by_line() {
    let Some(Standalone {
        lab,
        sync: _sync,
        port,
        cli: _cli,
    }) = Standalone::start()
    else {
        return;
    };
    let mut session = Session::open(&lab, port);
    session.expect("shiwa> ");
    session.send(b"quit\r");
    let (code, _) = session.wait();
    assert_eq!(code, Some(0));

    // No pty (`ssh host < script`): no prompt, no echo; the last command's status is the
    // session's.
    let mut ssh = ssh_command(port);
    let output = ssh
        .args([
            "-T",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-i",
        ])
        .arg(&lab.key)
        .arg(format!("{USER}@127.0.0.1"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            let mut input = child.stdin.take().expect("stdin");
            input.write_all(b"version\nstatus --json\n")?;
            drop(input);
            child.wait_with_output()
        })
        .expect("ssh -T");
    let text = stdout(&output);
    assert!(
        !text.contains("shiwa> ") && !text.contains('\r'),
        "{text:?}"
    );
    assert!(text.contains("\"synchronized\": false"), "{text}");
    assert_eq!(
        output.status.code(),
        Some(3),
        "status of the last command: {text}"
    );
}

#[test]
fn a_client_sending_garbage_after_the_handshake_is_dropped_and_others_are_served() {
    let Some(Standalone {
        lab,
        sync: _sync,
        port,
        cli,
    }) = Standalone::start()
    else {
        return;
    };
    let garbage: [&[u8]; 4] = [
        // A valid identification, then a packet length far too large.
        b"SSH-2.0-OpenSSH_9.2\r\n\xff\xff\xff\xff\x00\x01\x02\x03",
        // A valid identification, then a plausible length and random bytes.
        b"SSH-2.0-OpenSSH_9.2\r\n\x00\x00\x00\x1c\x06\x14hello world, not a kexinit",
        // No identification at all.
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        // Binary noise.
        &[0u8, 159, 146, 150, 255, 0, 13, 10, 1, 2, 3, 4, 5, 6, 7, 8],
    ];
    for bytes in garbage {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut banner = [0u8; 64];
        let n = stream.read(&mut banner).expect("server identification");
        assert!(
            banner[..n].starts_with(b"SSH-2.0-shiwa_"),
            "{:?}",
            &banner[..n]
        );
        let _ = stream.write_all(bytes);
        // The server closes the connection (EOF or reset) instead of hanging or crashing.
        let mut rest = Vec::new();
        let closed = stream.read_to_end(&mut rest);
        assert!(
            closed.is_ok()
                || closed
                    .as_ref()
                    .is_err_and(|e| e.kind() != std::io::ErrorKind::WouldBlock),
            "connection not closed within 10 s: {closed:?}"
        );
    }
    let after = lab.ssh_key(port, "version");
    assert_eq!(
        after.status.code(),
        Some(0),
        "still serving: {after:?}\n{}",
        cli.logs()
    );
}
