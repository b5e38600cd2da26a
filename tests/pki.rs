//! `shiwa setup-pki` through the real binary, judged by openssl and by a rustls mTLS handshake.

use crate::support;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

const SERVER: &str = "ntp1.example.com";
const SERVER_IP: &str = "192.0.2.10";

/// Runs `shiwa setup-pki --dir DIR ARGS` and returns (exit code, stdout, stderr).
fn setup_pki(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = support::shiwa()
        .arg("setup-pki")
        .arg("--dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("running shiwa");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Like [`setup_pki`] but the run must succeed; returns stdout.
fn setup_ok(dir: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = setup_pki(dir, args);
    assert_eq!(code, 0, "setup-pki {args:?} failed:\n{stdout}\n{stderr}");
    stdout
}

/// `--json` rows as (file, action) pairs.
fn actions(json: &str) -> Vec<(String, String)> {
    let value: serde_json::Value = serde_json::from_str(json).expect("setup-pki --json is JSON");
    let files = value["files"].as_array().expect("files array");
    files
        .iter()
        .map(|f| {
            let get = |k: &str| f[k].as_str().expect("string field").to_string();
            (get("file"), get("action"))
        })
        .collect()
}

fn openssl(args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("running openssl");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn path_str(dir: &Path, file: &str) -> String {
    dir.join(file).to_string_lossy().into_owned()
}

fn have_openssl() -> bool {
    support::require(support::have_tool("openssl"), "openssl on PATH")
}

/// openssl verifies the chain and shows the expected names, SANs and usages.
fn openssl_accepts(key_type: &str, key_text: &str) {
    if !have_openssl() {
        return;
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("pki");
    let san_args = ["--san", SERVER_IP, "--san", "ntp1"];
    let mut args = vec!["--key-type", key_type, "--server-cn", SERVER];
    args.extend(san_args);
    setup_ok(&dir, &args);
    let ca = path_str(&dir, "ca.crt");
    for leaf in ["timebeat.crt", "ntp1.example.com.crt"] {
        let (ok, text) = openssl(&["verify", "-CAfile", &ca, &path_str(&dir, leaf)]);
        assert!(ok && text.contains(": OK"), "openssl verify {leaf}: {text}");
    }
    let text_of =
        |file: &str| openssl(&["x509", "-text", "-noout", "-in", &path_str(&dir, file)]).1;
    let client = text_of("timebeat.crt");
    assert!(client.contains("Subject: CN = timebeat"), "{client}");
    assert!(client.contains("TLS Web Client Authentication"), "{client}");
    assert!(
        !client.contains("TLS Web Server Authentication"),
        "{client}"
    );
    assert!(client.contains(key_text), "{key_type}: {client}");
    let server = text_of("ntp1.example.com.crt");
    assert!(
        server.contains("Subject: CN = ntp1.example.com"),
        "{server}"
    );
    assert!(server.contains("TLS Web Server Authentication"), "{server}");
    assert!(server.contains("DNS:ntp1.example.com"), "{server}");
    assert!(server.contains("DNS:ntp1"), "{server}");
    assert!(
        server.contains(&format!("IP Address:{SERVER_IP}")),
        "{server}"
    );
    let ca_text = text_of("ca.crt");
    assert!(ca_text.contains("CA:TRUE"), "{ca_text}");
    assert!(ca_text.contains("Certificate Sign, CRL Sign"), "{ca_text}");
    // Each key is the private half of its certificate.
    for stem in ["ca", "timebeat", "ntp1.example.com"] {
        let from_cert = openssl(&[
            "x509",
            "-pubkey",
            "-noout",
            "-in",
            &path_str(&dir, &format!("{stem}.crt")),
        ]);
        let from_key = openssl(&[
            "pkey",
            "-pubout",
            "-in",
            &path_str(&dir, &format!("{stem}.key")),
        ]);
        assert!(from_cert.0 && from_key.0, "{}{}", from_cert.1, from_key.1);
        assert_eq!(
            from_cert.1, from_key.1,
            "{stem}.key does not match {stem}.crt"
        );
    }
}

#[test]
fn openssl_accepts_ecdsa_p256() {
    openssl_accepts("ecdsa-p256", "id-ecPublicKey");
}

#[test]
fn openssl_accepts_ed25519() {
    openssl_accepts("ed25519", "ED25519");
}

#[test]
fn openssl_accepts_rsa_4096() {
    openssl_accepts("rsa-4096", "Public-Key: (4096 bit)");
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("list dir")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            (
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                fs::read(&p).expect("read"),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn modes_and_idempotence() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("new").join("pki");
    let first = setup_ok(&dir, &["--server-cn", SERVER, "--json"]);
    assert!(
        actions(&first).iter().all(|(_, a)| a == "created"),
        "{first}"
    );
    assert_eq!(mode_of(&dir), 0o755);
    for stem in ["ca", "timebeat", SERVER] {
        assert_eq!(
            mode_of(&dir.join(format!("{stem}.key"))),
            0o600,
            "{stem}.key"
        );
        assert_eq!(
            mode_of(&dir.join(format!("{stem}.crt"))),
            0o644,
            "{stem}.crt"
        );
    }
    let before = snapshot(&dir);
    assert_eq!(before.len(), 6, "exactly the six files, no temp files left");
    let table = setup_ok(&dir, &["--server-cn", SERVER]);
    assert!(
        table.contains("kept") && !table.contains("created"),
        "{table}"
    );
    let again = setup_ok(&dir, &["--json"]);
    let rows = actions(&again);
    assert_eq!(
        rows.len(),
        6,
        "the server found in the directory is reported: {again}"
    );
    assert!(rows.iter().all(|(_, a)| a == "kept"), "{again}");
    assert_eq!(
        snapshot(&dir),
        before,
        "a second run must not change a byte"
    );
}

#[test]
fn renew_replaces_leaves_and_keeps_the_ca() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("pki");
    setup_ok(&dir, &["--server-cn", SERVER, "--san", SERVER_IP]);
    let read = |f: &str| fs::read(dir.join(f)).expect("read");
    let (ca, ca_key, client, server) = (
        read("ca.crt"),
        read("ca.key"),
        read("timebeat.crt"),
        read("ntp1.example.com.crt"),
    );
    // The server is not named: it is found in the directory and re-issued with its SANs.
    let out = setup_ok(&dir, &["--renew", "--json"]);
    for (file, action) in actions(&out) {
        let expected = if file.starts_with("ca.") {
            "kept"
        } else {
            "renewed"
        };
        assert_eq!(action, expected, "{file}");
    }
    assert_eq!(read("ca.crt"), ca);
    assert_eq!(read("ca.key"), ca_key);
    assert_ne!(read("timebeat.crt"), client);
    assert_ne!(read("ntp1.example.com.crt"), server);
    if have_openssl() {
        let text = openssl(&[
            "x509",
            "-text",
            "-noout",
            "-in",
            &path_str(&dir, "ntp1.example.com.crt"),
        ])
        .1;
        assert!(
            text.contains(&format!("IP Address:{SERVER_IP}")),
            "SANs kept on renew: {text}"
        );
    }
    assert_eq!(setup_pki(&dir, &["--check"]).0, 0);
}

#[test]
fn force_replaces_everything() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("pki");
    setup_ok(&dir, &[]);
    let before = snapshot(&dir);
    let out = setup_ok(&dir, &["--force", "--json"]);
    assert!(actions(&out).iter().all(|(_, a)| a == "renewed"), "{out}");
    let after = snapshot(&dir);
    for ((name, old), (_, new)) in before.iter().zip(&after) {
        assert_ne!(old, new, "{name} unchanged by --force");
    }
}

#[test]
fn check_passes_on_a_fresh_set_and_fails_within_warn_days() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let fresh = tmp.path().join("fresh");
    setup_ok(&fresh, &["--server-cn", SERVER]);
    let (code, stdout, stderr) = setup_pki(&fresh, &["--check"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("all certificates valid"), "{stdout}");
    let json = support::shiwa()
        .args(["setup-pki", "--check", "--json", "--dir"])
        .arg(&fresh)
        .output()
        .expect("run");
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(report["ok"], true);
    assert_eq!(report["certificates"].as_array().map(Vec::len), Some(3));
    assert_eq!(report["certificates"][2]["sans"][0], "DNS:ntp1.example.com");

    let short = tmp.path().join("short");
    setup_ok(&short, &["--days", "5"]);
    let (code, stdout, _) = setup_pki(&short, &["--check", "--warn-days", "30"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("timebeat.crt: expires in 4 days"),
        "{stdout}"
    );
    assert_eq!(setup_pki(&short, &["--check", "--warn-days", "3"]).0, 0);
}

#[test]
fn a_leaf_from_another_ca_is_caught_and_not_overwritten() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (ours, theirs) = (tmp.path().join("ours"), tmp.path().join("theirs"));
    setup_ok(&ours, &[]);
    setup_ok(&theirs, &[]);
    for file in ["timebeat.crt", "timebeat.key"] {
        fs::copy(theirs.join(file), ours.join(file)).expect("swap in");
    }
    let (code, stdout, _) = setup_pki(&ours, &["--check"]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("timebeat.crt: not signed by ca.crt"),
        "{stdout}"
    );
    let swapped = fs::read(ours.join("timebeat.crt")).expect("read");
    let (code, _, stderr) = setup_pki(&ours, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("timebeat.crt: not signed by ca.crt"),
        "{stderr}"
    );
    assert!(stderr.contains("--renew"), "{stderr}");
    assert_eq!(
        fs::read(ours.join("timebeat.crt")).expect("read"),
        swapped,
        "left alone"
    );
    setup_ok(&ours, &["--renew"]);
    assert_eq!(setup_pki(&ours, &["--check"]).0, 0);
}

#[test]
fn a_key_that_does_not_match_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (ours, theirs) = (tmp.path().join("ours"), tmp.path().join("theirs"));
    setup_ok(&ours, &[]);
    setup_ok(&theirs, &[]);
    fs::copy(theirs.join("timebeat.key"), ours.join("timebeat.key")).expect("swap key");
    let (code, _, stderr) = setup_pki(&ours, &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("timebeat.key: does not match the public key in timebeat.crt"),
        "{stderr}"
    );
    let (code, stdout, _) = setup_pki(&ours, &["--check", "--json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["certificates"][1]["key_matches"], false);
    assert_eq!(report["certificates"][1]["chain_valid"], true);
}

#[test]
fn an_expired_leaf_is_refused_and_renewed() {
    use shiwa::pki::{CheckOptions, PkiError, PkiOptions, SetupMode};
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("pki");
    let then = time::OffsetDateTime::now_utc() - time::Duration::days(400);
    let mut opts = PkiOptions::new(&dir, then);
    shiwa::pki::setup(&opts, &mut |_, _| {}).expect("setup 400 days ago");
    opts.now = time::OffsetDateTime::now_utc();
    match shiwa::pki::setup(&opts, &mut |_, _| {}) {
        Err(err @ PkiError::Inconsistent { .. }) => {
            let text = err.to_string();
            assert!(text.contains("timebeat.crt: expired on"), "{text}");
            assert!(text.contains("--renew"), "{text}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let check = CheckOptions {
        dir: dir.clone(),
        now: opts.now,
        client_name: "timebeat".into(),
        servers: Vec::new(),
        warn_days: 30,
    };
    assert!(!shiwa::pki::check(&check).expect("check").ok);
    opts.mode = SetupMode::Renew;
    shiwa::pki::setup(&opts, &mut |_, _| {}).expect("renew");
    assert!(shiwa::pki::check(&check).expect("check").ok);
}

#[test]
fn unknown_owner_fails_clearly_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("pki");
    let (code, _, stderr) = setup_pki(&dir, &["--owner", "nonexistentuser"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--owner \"nonexistentuser\": no such user"),
        "{stderr}"
    );
    assert!(!dir.exists(), "nothing may be written");
}

#[test]
fn owner_gets_the_files() {
    let uid = nix::unistd::geteuid();
    let Some(user) = nix::unistd::User::from_uid(uid).ok().flatten() else {
        assert!(support::require(
            false,
            "a passwd entry for the current user"
        ));
        return;
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("pki");
    setup_ok(&dir, &["--owner", &user.name]);
    for file in ["ca.key", "ca.crt", "timebeat.key", "timebeat.crt"] {
        let meta = fs::metadata(dir.join(file)).expect("metadata");
        assert_eq!(
            (meta.uid(), meta.gid()),
            (user.uid.as_raw(), user.gid.as_raw()),
            "{file}"
        );
    }
}

#[test]
fn bad_arguments_are_usage_errors() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("pki");
    let cases: [&[&str]; 5] = [
        &["--san", "10.0.0.1"],
        &["--client-name", "../escape"],
        &["--server-cn", "x", "--san", "not a name"],
        &["--days", "400", "--ca-days", "100"],
        &["--check", "--force"],
    ];
    for args in cases {
        let (code, _, stderr) = setup_pki(&dir, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
    }
    assert!(!dir.exists());
}

fn pki_dir(root: &Path, name: &str) -> PathBuf {
    let dir = root.join(name);
    setup_ok(&dir, &["--server-cn", SERVER, "--san", SERVER_IP]);
    dir
}

#[test]
fn rustls_mutual_tls_needs_a_client_cert_from_the_same_ca() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let ours = pki_dir(tmp.path(), "ours");
    let theirs = pki_dir(tmp.path(), "theirs");
    mtls::handshake(&ours, &ours, SERVER).expect("same CA, by DNS name");
    mtls::handshake(&ours, &ours, SERVER_IP).expect("same CA, by IP SAN");
    let err = mtls::handshake(&ours, &theirs, SERVER).expect_err("client from another CA");
    assert!(
        err.starts_with("server: ") && err.contains("UnknownIssuer"),
        "the server must reject the client certificate: {err}"
    );
}

mod mtls {
    //! An in-memory rustls handshake: no sockets.
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use rustls::server::WebPkiClientVerifier;
    use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};
    use std::path::Path;
    use std::sync::Arc;

    fn cert(path: &Path) -> CertificateDer<'static> {
        CertificateDer::from_pem_file(path).expect("PEM certificate")
    }

    fn key(path: &Path) -> PrivateKeyDer<'static> {
        PrivateKeyDer::from_pem_file(path).expect("PEM key")
    }

    fn roots(dir: &Path) -> Arc<RootCertStore> {
        let mut roots = RootCertStore::empty();
        roots
            .add(cert(&dir.join("ca.crt")))
            .expect("CA accepted as root");
        Arc::new(roots)
    }

    /// Server from `server_dir` (its CA as client-auth root), client from `client_dir`
    /// (trusting the server's CA). Returns the first TLS error, as text.
    pub fn handshake(server_dir: &Path, client_dir: &Path, name: &str) -> Result<(), String> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let verifier =
            WebPkiClientVerifier::builder_with_provider(roots(server_dir), provider.clone())
                .build()
                .expect("client verifier");
        let server_cfg = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_client_cert_verifier(verifier)
            .with_single_cert(
                vec![cert(&server_dir.join("ntp1.example.com.crt"))],
                key(&server_dir.join("ntp1.example.com.key")),
            )
            .expect("server cert");
        let client_cfg = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots(server_dir))
            .with_client_auth_cert(
                vec![cert(&client_dir.join("timebeat.crt"))],
                key(&client_dir.join("timebeat.key")),
            )
            .expect("client cert");
        let server_name = ServerName::try_from(name.to_string()).expect("server name");
        let mut client = ClientConnection::new(Arc::new(client_cfg), server_name).expect("client");
        let mut server = ServerConnection::new(Arc::new(server_cfg)).expect("server");
        for _ in 0..10 {
            pump(&mut client, &mut server)?;
            if !client.is_handshaking() && !server.is_handshaking() {
                // TLS 1.3 checks the client certificate after the client thinks it is done:
                // one more round trip so the server's verdict reaches us.
                pump(&mut client, &mut server)?;
                let presented = server.peer_certificates().map(<[_]>::len);
                return match presented {
                    Some(1) => Ok(()),
                    other => Err(format!("server saw {other:?} client certificates")),
                };
            }
        }
        Err("handshake did not finish in 10 rounds".into())
    }

    fn pump(client: &mut ClientConnection, server: &mut ServerConnection) -> Result<(), String> {
        let mut buf = Vec::new();
        while client.wants_write() {
            client.write_tls(&mut buf).map_err(|e| e.to_string())?;
        }
        let mut rd = buf.as_slice();
        while !rd.is_empty() {
            server.read_tls(&mut rd).map_err(|e| e.to_string())?;
            server
                .process_new_packets()
                .map_err(|e| format!("server: {e}"))?;
        }
        let mut buf = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut buf).map_err(|e| e.to_string())?;
        }
        let mut rd = buf.as_slice();
        while !rd.is_empty() {
            client.read_tls(&mut rd).map_err(|e| e.to_string())?;
            client
                .process_new_packets()
                .map_err(|e| format!("client: {e}"))?;
        }
        Ok(())
    }
}
