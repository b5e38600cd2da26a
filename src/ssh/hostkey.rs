//! The server's host key: an ed25519 key in OpenSSH format, created on first start (0600,
//! written atomically) and reused afterwards so clients see the same fingerprint.

use super::SshError;
use crate::fsutil;
use russh::keys::PrivateKey;
use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::Ed25519Keypair;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Where the standalone `cli-ssh` and the in-process shell keep state by default.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/shiwa";

/// The host key's file name inside the state directory.
pub const HOST_KEY_FILE: &str = "ssh_host_ed25519_key";

/// The host key path: `cli.server_key` when set, else `HOST_KEY_FILE` in `state_dir`.
pub fn host_key_path(server_key: Option<&Path>, state_dir: &Path) -> PathBuf {
    match server_key {
        Some(path) => path.to_path_buf(),
        None => state_dir.join(HOST_KEY_FILE),
    }
}

/// Reads the host key at `path`, or creates an ed25519 key there when the file does not exist.
/// A key readable by group or others, or a file that is not an OpenSSH private key, is an
/// error naming the file.
pub fn load_or_create(path: &Path) -> Result<PrivateKey, SshError> {
    match std::fs::metadata(path) {
        Ok(metadata) => {
            let mode = metadata.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Err(SshError::HostKeyPermissions {
                    path: path.to_path_buf(),
                    mode,
                });
            }
            read(path)
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(error) => Err(SshError::ReadFile {
            what: "host key",
            path: path.to_path_buf(),
            error,
        }),
    }
}

fn read(path: &Path) -> Result<PrivateKey, SshError> {
    let text = std::fs::read(path).map_err(|error| SshError::ReadFile {
        what: "host key",
        path: path.to_path_buf(),
        error,
    })?;
    let key = PrivateKey::from_openssh(&text).map_err(|err| SshError::HostKeyInvalid {
        path: path.to_path_buf(),
        reason: format!("not an OpenSSH private key ({err})"),
    })?;
    if key.is_encrypted() {
        return Err(SshError::HostKeyInvalid {
            path: path.to_path_buf(),
            reason: "the key is encrypted with a passphrase".into(),
        });
    }
    Ok(key)
}

fn create(path: &Path) -> Result<PrivateKey, SshError> {
    let invalid = |reason: String| SshError::HostKeyInvalid {
        path: path.to_path_buf(),
        reason,
    };
    let mut seed = [0u8; 32];
    aws_lc_rs::rand::fill(&mut seed)
        .map_err(|_| invalid("the system random generator failed".into()))?;
    let mut key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    key.set_comment("shiwa host key");
    let text = key
        .to_openssh(LineEnding::LF)
        .map_err(|err| invalid(format!("encoding the new key: {err}")))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fsutil::create_dir_all(dir, 0o755)?;
    }
    fsutil::write_atomic(path, text.as_bytes(), 0o600)?;
    tracing::info!(
        path = %path.display(),
        fingerprint = %key.public_key().fingerprint(Default::default()),
        "created the SSH host key"
    );
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_new_key_is_written_0600_and_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state/ssh_host_ed25519_key");
        let created = load_or_create(&path).expect("create");
        let mode = std::fs::metadata(&path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(created.algorithm(), russh::keys::Algorithm::Ed25519);
        let again = load_or_create(&path).expect("reuse");
        assert_eq!(
            again.public_key().key_data(),
            created.public_key().key_data()
        );
        let text = std::fs::read_to_string(&path).expect("read");
        assert!(text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    }

    #[test]
    fn open_permissions_and_garbage_are_refused_naming_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("key");
        load_or_create(&path).expect("create");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = load_or_create(&path).expect_err("0644 refused");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        assert!(err.to_string().contains("0644"), "{err}");

        std::fs::write(&path, b"not a key\xff").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let err = load_or_create(&path).expect_err("garbage refused");
        assert!(
            err.to_string().contains(&path.display().to_string()),
            "{err}"
        );
        assert!(
            err.to_string().contains("not an OpenSSH private key"),
            "{err}"
        );
        assert_eq!(
            crate::exit::HasExitStatus::exit_status(&err),
            crate::exit::ExitStatus::Config
        );
    }

    #[test]
    fn server_key_overrides_the_state_directory() {
        let state = Path::new("/var/lib/shiwa");
        assert_eq!(
            host_key_path(None, state),
            Path::new("/var/lib/shiwa/ssh_host_ed25519_key")
        );
        assert_eq!(
            host_key_path(Some(Path::new("/etc/shiwa/key")), state),
            Path::new("/etc/shiwa/key")
        );
    }
}
