use super::*;

const KEY_PEM: &str =
    "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIKEYMATERIAL\n-----END PRIVATE KEY-----\n";
const CERT_PEM: &str = "-----BEGIN CERTIFICATE-----\nMIIBCERTIFICATE\n-----END CERTIFICATE-----\n";

/// A config naming a CA, a client certificate and key, with an API key and a password.
fn node(dir: &Path) -> (PathBuf, Config) {
    let write = |name: &str, content: &str, mode: u32| {
        let path = dir.join(name);
        std::fs::write(&path, content).expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
        path
    };
    write("ca.pem", CERT_PEM, 0o644);
    write("node.pem", CERT_PEM, 0o644);
    write("node.key", KEY_PEM, 0o600);
    let yaml = format!(
        "hub:\n  url: https://hub.example.net\n  api_key: hub-api-key-SECRET\n  \
         retrieval_password: correct-horse-SECRET\n  ssl:\n    certificate_authorities: [{0}/ca.pem]\n    \
         certificate: {0}/node.pem\n    key: {0}/node.key\n",
        dir.display()
    );
    let config_path = write("shiwa.yml", &yaml, 0o600);
    let loaded = crate::config::load_file(&config_path).expect("config loads");
    (config_path, loaded.config)
}

fn node_id() -> NodeId {
    NodeId::new("node-1").expect("id")
}

fn make(set: &BackupSet, config: &Config, password: Option<&Secret>) -> Backup {
    let id = RecordId::random().expect("id");
    let now = Timestamp::from_secs_nanos(1_763_827_867, 0);
    set.to_backup(config, password, node_id(), id, now)
        .expect("backup")
}

#[test]
fn an_encrypted_backup_round_trips_every_file_byte_for_byte() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config_path, config) = node(dir.path());
    let set = BackupSet::gather(&config_path, &config).expect("gather");
    assert_eq!(set.files.len(), 4, "config + CA + cert + key");
    let password = retrieval_password(&config).expect("read").expect("set");
    let backup = make(&set, &config, Some(&password));
    let json = serde_json::to_string(&backup).expect("json");
    for secret in ["SECRET", "PRIVATE KEY", "node.key"] {
        assert!(
            !json.contains(secret),
            "{secret} visible in the sealed backup"
        );
    }
    let back: Backup = serde_json::from_str(&json).expect("read back");
    let files = decrypt(&back, Some(&password)).expect("decrypt");
    assert_eq!(files.len(), 4);
    for (file, original) in files.iter().zip(&set.files) {
        assert_eq!(file.path, original.path.display().to_string());
        assert_eq!(file.mode, original.mode);
        assert_eq!(
            BASE64.decode(&file.content_b64).expect("b64"),
            original.content
        );
    }
    let key = files
        .iter()
        .find(|f| f.path.ends_with("node.key"))
        .expect("key");
    assert_eq!(key.mode, 0o600);
}

#[test]
fn a_wrong_password_or_a_tampered_ciphertext_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config_path, config) = node(dir.path());
    let set = BackupSet::gather(&config_path, &config).expect("gather");
    let password = Secret::new("correct-horse-SECRET");
    let backup = make(&set, &config, Some(&password));

    let wrong = decrypt(&backup, Some(&Secret::new("wrong"))).expect_err("wrong password");
    assert!(matches!(wrong, BackupError::WrongPassword), "{wrong}");
    assert!(wrong.to_string().contains("wrong retrieval password"));
    assert!(matches!(
        decrypt(&backup, None),
        Err(BackupError::PasswordNeeded)
    ));

    // One flipped bit in the ciphertext, with the checksum recomputed so only the AEAD tag
    // can catch it.
    let mut tampered = backup.clone();
    if let BackupPayload::Encrypted { ciphertext_b64, .. } = &mut tampered.payload {
        let mut bytes = BASE64.decode(&*ciphertext_b64).expect("b64");
        bytes[3] ^= 1;
        *ciphertext_b64 = BASE64.encode(bytes);
    }
    tampered.sha256 = Backup::digest(&tampered.payload);
    assert!(matches!(
        decrypt(&tampered, Some(&password)),
        Err(BackupError::WrongPassword)
    ));

    // Without recomputing the checksum, verify catches it first.
    let mut corrupted = tampered.clone();
    corrupted.sha256 = backup.sha256.clone();
    let err = decrypt(&corrupted, Some(&password)).expect_err("corrupted");
    assert!(matches!(err, BackupError::Corrupted(_)), "{err}");

    // A hostile bundle asking for huge KDF memory is refused before deriving anything.
    let mut greedy = backup.clone();
    if let BackupPayload::Encrypted { kdf_memory_kib, .. } = &mut greedy.payload {
        *kdf_memory_kib = u32::MAX;
    }
    greedy.sha256 = Backup::digest(&greedy.payload);
    assert!(matches!(
        decrypt(&greedy, Some(&password)),
        Err(BackupError::Corrupted(_))
    ));
}

#[test]
fn a_non_secret_backup_has_no_key_file_and_no_secret_value() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config_path, config) = node(dir.path());
    let set = BackupSet::gather(&config_path, &config).expect("gather");
    let backup = make(&set, &config, None);
    verify(&backup).expect("valid");
    let json = serde_json::to_string(&backup).expect("json");
    let files = decrypt(&backup, None).expect("plain files");
    let mut text = json.clone();
    for file in &files {
        text.push_str(&String::from_utf8_lossy(
            &BASE64.decode(&file.content_b64).expect("b64"),
        ));
    }
    for secret in [
        "hub-api-key-SECRET",
        "correct-horse-SECRET",
        "PRIVATE KEY",
        "KEYMATERIAL",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the non-secret backup"
        );
    }
    let paths: Vec<_> = files.iter().map(|f| f.path.clone()).collect();
    assert_eq!(paths.len(), 3, "{paths:?}");
    assert!(!paths.iter().any(|p| p.ends_with("node.key")), "{paths:?}");
    let config_text =
        String::from_utf8(BASE64.decode(&files[0].content_b64).expect("b64")).expect("utf8");
    assert!(config_text.contains("hub.example.net"), "{config_text}");
    assert!(
        config_text.contains("node.key"),
        "the key's path stays, its content does not"
    );
}

#[test]
fn the_content_hash_changes_with_any_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (config_path, config) = node(dir.path());
    let before = BackupSet::gather(&config_path, &config).expect("gather");
    assert_eq!(
        before.content_hash(),
        BackupSet::gather(&config_path, &config)
            .expect("gather")
            .content_hash()
    );
    std::fs::write(dir.path().join("node.pem"), "renewed").expect("write");
    let after = BackupSet::gather(&config_path, &config).expect("gather");
    assert_ne!(before.content_hash(), after.content_hash());
}

#[test]
fn hostile_paths_in_a_backup_are_refused() {
    let files = vec![BackupFile {
        path: "/etc/shiwa/../../root/.ssh/authorized_keys".into(),
        mode: 0o600,
        content_b64: BASE64.encode("x"),
    }];
    let payload = BackupPayload::NonSecret { files };
    let backup = Backup {
        wire_version: WIRE_VERSION,
        node_id: node_id(),
        backup_id: RecordId::random().expect("id"),
        version: None,
        created_at: Timestamp::from_secs_nanos(1_763_827_867, 0),
        sha256: Backup::digest(&payload),
        payload,
    };
    assert!(matches!(verify(&backup), Err(BackupError::Corrupted(_))));
}

#[test]
fn the_password_file_gives_its_first_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("password");
    std::fs::write(&file, "from-the-file\nsecond line\n").expect("write");
    let mut config = Config::default();
    assert!(retrieval_password(&config).expect("no hub").is_none());
    let yaml = format!(
        "hub:\n  url: https://hub.example.net\n  retrieval_password_file: {}\n",
        file.display()
    );
    config = crate::config::load_str(&yaml, "test")
        .expect("loads")
        .config;
    let password = retrieval_password(&config).expect("read").expect("set");
    assert_eq!(password.expose(), "from-the-file");
    std::fs::write(&file, "\n").expect("write");
    let err = retrieval_password(&config).expect_err("empty");
    assert!(err.to_string().contains("retrieval_password_file"), "{err}");
}
