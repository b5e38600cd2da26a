//! Node backups: the config file and the PKI files it names ([`Config::pki_files`]), for
//! `shiwa recover` to rebuild a node after its disk died.
//!
//! - With a retrieval password (`hub.retrieval_password[_file]`), every file goes in as is,
//!   sealed: argon2id (19 MiB, 2 passes) derives a key from the password and a random salt,
//!   AES-256-GCM (aws-lc-rs) seals the files' JSON under a random nonce
//!   ([`BackupPayload::Encrypted`]). The hub never sees the password or the key.
//! - Without one, the backup is [`BackupPayload::NonSecret`]: the config redacted (as YAML)
//!   and the PKI files minus private keys, so nothing secret leaves the node.
//!
//! [`decrypt`] and [`verify`] are what `recover` uses.

use super::ids::{NodeId, RecordId};
use super::wire::{Backup, BackupFile, BackupPayload, WIRE_VERSION};
use crate::config::Config;
use crate::secret::Secret;
use crate::time::Timestamp;
use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// argon2id memory cost, KiB (the OWASP minimum, 19 MiB).
pub const KDF_MEMORY_KIB: u32 = 19 * 1024;
/// argon2id passes.
pub const KDF_PASSES: u32 = 2;
/// Salt length, bytes.
pub const SALT_LEN: usize = 16;
/// The largest file backed up; a bigger one is refused (a config or a certificate is a few KiB).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Bound into every seal: a ciphertext from another purpose does not open as a backup.
const AAD: &[u8] = b"shiwa-backup-v1";
/// The longest retrieval password file read.
const MAX_PASSWORD_FILE: u64 = 4096;

/// Why a backup could not be made, verified or opened.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A file to back up could not be read.
    #[error("reading {file} for the backup: {source}")]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file is larger than [`MAX_FILE_BYTES`].
    #[error("{file} is larger than {MAX_FILE_BYTES} bytes: not backed up")]
    TooLarge {
        /// The file.
        file: PathBuf,
    },
    /// The retrieval password file is unusable.
    #[error("hub.retrieval_password_file {file}: {reason}")]
    PasswordFile {
        /// The file.
        file: PathBuf,
        /// Why.
        reason: String,
    },
    /// The config could not be rendered for a non-secret backup.
    #[error("rendering the redacted config: {0}")]
    Render(String),
    /// Key derivation, randomness or sealing failed.
    #[error("sealing the backup: {0}")]
    Seal(String),
    /// The backup is damaged (checksum, encoding, parameters).
    #[error("the backup is corrupted: {0}")]
    Corrupted(String),
    /// The password does not open the backup (or the ciphertext was altered).
    #[error("wrong retrieval password, or the encrypted backup was altered")]
    WrongPassword,
    /// The backup is encrypted and no password was given.
    #[error("the backup is encrypted: a retrieval password is needed")]
    PasswordNeeded,
}

impl crate::exit::HasExitStatus for BackupError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        match self {
            BackupError::Read { source, .. } => crate::exit::ExitStatus::for_io(source),
            BackupError::PasswordFile { .. } => crate::exit::ExitStatus::Config,
            BackupError::WrongPassword => crate::exit::ExitStatus::Permission,
            _ => crate::exit::ExitStatus::Failure,
        }
    }
}

/// A file read from disk for a backup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// Where it lives.
    pub path: PathBuf,
    /// Permission bits.
    pub mode: u32,
    /// The content.
    pub content: Vec<u8>,
}

impl LocalFile {
    fn read(path: &Path) -> Result<Self, BackupError> {
        let read_error = |source| BackupError::Read {
            file: path.to_path_buf(),
            source,
        };
        let metadata = std::fs::metadata(path).map_err(read_error)?;
        if metadata.len() > MAX_FILE_BYTES {
            return Err(BackupError::TooLarge {
                file: path.to_path_buf(),
            });
        }
        let content = std::fs::read(path).map_err(read_error)?;
        Ok(LocalFile {
            path: path.to_path_buf(),
            mode: metadata.permissions().mode() & 0o7777,
            content,
        })
    }

    /// Whether it holds a private key (PEM).
    pub fn is_private_key(&self) -> bool {
        String::from_utf8_lossy(&self.content).contains("PRIVATE KEY-----")
    }

    fn to_wire(&self, content: &[u8]) -> BackupFile {
        BackupFile {
            path: self.path.display().to_string(),
            mode: self.mode,
            content_b64: BASE64.encode(content),
        }
    }
}

/// The config file and the PKI files as they are on disk now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSet {
    /// The config file first, then the PKI files in path order.
    pub files: Vec<LocalFile>,
}

impl BackupSet {
    /// Reads `config_path` and every file `config` names under `ssl.*`.
    pub fn gather(config_path: &Path, config: &Config) -> Result<Self, BackupError> {
        let config_path = std::path::absolute(config_path).map_err(|source| BackupError::Read {
            file: config_path.to_path_buf(),
            source,
        })?;
        let mut files = vec![LocalFile::read(&config_path)?];
        for file in config.pki_files() {
            files.push(LocalFile::read(&file)?);
        }
        Ok(BackupSet { files })
    }

    /// A hash of every path, mode and content: a backup is due when it changes.
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        for file in &self.files {
            let path = file.path.display().to_string();
            hasher.update((path.len() as u64).to_be_bytes());
            hasher.update(path.as_bytes());
            hasher.update(file.mode.to_be_bytes());
            hasher.update((file.content.len() as u64).to_be_bytes());
            hasher.update(&file.content);
        }
        hex(&hasher.finalize())
    }

    /// The backup record: sealed with `password`, or non-secret without one (`config` is
    /// the loaded config, redacted into the file's place).
    pub fn to_backup(
        &self,
        config: &Config,
        password: Option<&Secret>,
        node_id: NodeId,
        backup_id: RecordId,
        now: Timestamp,
    ) -> Result<Backup, BackupError> {
        let payload = match password {
            Some(password) => {
                let files: Vec<BackupFile> =
                    self.files.iter().map(|f| f.to_wire(&f.content)).collect();
                seal(&files, password)?
            }
            None => BackupPayload::NonSecret {
                files: self.non_secret_files(config)?,
            },
        };
        Ok(Backup {
            wire_version: WIRE_VERSION,
            node_id,
            backup_id,
            version: None,
            created_at: now,
            sha256: Backup::digest(&payload),
            payload,
        })
    }

    /// The config redacted and the PKI files minus private keys.
    fn non_secret_files(&self, config: &Config) -> Result<Vec<BackupFile>, BackupError> {
        let redacted = crate::config::to_yaml(&config.redacted())
            .map_err(|err| BackupError::Render(err.to_string()))?;
        let key_paths = private_key_paths(config);
        let mut files = Vec::new();
        for (index, file) in self.files.iter().enumerate() {
            if index == 0 {
                files.push(file.to_wire(redacted.as_bytes()));
            } else if !file.is_private_key() && !key_paths.contains(&file.path) {
                files.push(file.to_wire(&file.content));
            }
        }
        Ok(files)
    }
}

/// The files `ssl.key` names anywhere in the config.
fn private_key_paths(config: &Config) -> Vec<PathBuf> {
    let sections = [
        config
            .output
            .elasticsearch
            .as_ref()
            .and_then(|es| es.ssl.as_ref()),
        config
            .monitoring
            .elasticsearch
            .as_ref()
            .and_then(|es| es.ssl.as_ref()),
        config.hub.as_ref().and_then(|hub| hub.ssl.as_ref()),
    ];
    sections
        .into_iter()
        .flatten()
        .filter_map(|ssl| {
            ssl.key
                .as_ref()
                .and_then(|key| key.path())
                .map(PathBuf::from)
        })
        .collect()
}

/// The retrieval password: `hub.retrieval_password`, else the first line of
/// `hub.retrieval_password_file`, else none.
pub fn retrieval_password(config: &Config) -> Result<Option<Secret>, BackupError> {
    let Some(hub) = &config.hub else {
        return Ok(None);
    };
    if let Some(password) = &hub.retrieval_password {
        return Ok(Some(password.clone()));
    }
    let Some(file) = &hub.retrieval_password_file else {
        return Ok(None);
    };
    let fail = |reason: String| BackupError::PasswordFile {
        file: file.clone(),
        reason,
    };
    let metadata = std::fs::metadata(file).map_err(|err| fail(err.to_string()))?;
    if metadata.len() > MAX_PASSWORD_FILE {
        return Err(fail(format!("larger than {MAX_PASSWORD_FILE} bytes")));
    }
    let text = std::fs::read_to_string(file).map_err(|err| fail(err.to_string()))?;
    let line = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if line.is_empty() {
        return Err(fail("the first line is empty".into()));
    }
    Ok(Some(Secret::new(line)))
}

/// Derives the AES-256 key from `password` and `salt` (argon2id, [`KDF_MEMORY_KIB`],
/// [`KDF_PASSES`]), then hands the KDF's memory back to the kernel.
fn derive_key(
    password: &Secret,
    salt: &[u8],
    memory_kib: u32,
    passes: u32,
) -> Result<[u8; 32], String> {
    let params = argon2::Params::new(memory_kib, passes, 1, Some(32)).map_err(|e| e.to_string())?;
    let kdf = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = [0u8; 32];
    let derived = kdf
        .hash_password_into(password.expose().as_bytes(), salt, &mut key)
        .map_err(|e| e.to_string());
    crate::heap::release_free_memory();
    derived.map(|()| key)
}

fn aead_key(key: &[u8; 32]) -> Result<LessSafeKey, BackupError> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| BackupError::Seal("AES-256-GCM key setup failed".into()))
}

/// Seals `files` under `password` with a fresh salt and nonce.
pub fn seal(files: &[BackupFile], password: &Secret) -> Result<BackupPayload, BackupError> {
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    aws_lc_rs::rand::fill(&mut salt)
        .and_then(|()| aws_lc_rs::rand::fill(&mut nonce))
        .map_err(|_| BackupError::Seal("the system random number generator failed".into()))?;
    let key = derive_key(password, &salt, KDF_MEMORY_KIB, KDF_PASSES).map_err(BackupError::Seal)?;
    let mut sealed = serde_json::to_vec(files).map_err(|e| BackupError::Seal(e.to_string()))?;
    aead_key(&key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(AAD),
            &mut sealed,
        )
        .map_err(|_| BackupError::Seal("AES-256-GCM sealing failed".into()))?;
    Ok(BackupPayload::Encrypted {
        kdf_memory_kib: KDF_MEMORY_KIB,
        kdf_passes: KDF_PASSES,
        kdf_salt_b64: BASE64.encode(salt),
        nonce_b64: BASE64.encode(nonce),
        ciphertext_b64: BASE64.encode(&sealed),
    })
}

/// Checks a backup before it is used: wire version, checksum, and that every file path is
/// absolute without `..` and every content is valid base64 (for non-secret backups).
pub fn verify(backup: &Backup) -> Result<(), BackupError> {
    backup
        .validate()
        .map_err(|err| BackupError::Corrupted(err.to_string()))?;
    if let BackupPayload::NonSecret { files } = &backup.payload {
        check_files(files)?;
    }
    Ok(())
}

fn check_files(files: &[BackupFile]) -> Result<(), BackupError> {
    for file in files {
        let path = Path::new(&file.path);
        let escapes = path
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir));
        if !path.is_absolute() || escapes {
            return Err(BackupError::Corrupted(format!(
                "file path {:?} is not a plain absolute path",
                file.path
            )));
        }
        BASE64
            .decode(&file.content_b64)
            .map_err(|_| BackupError::Corrupted(format!("{}: content is not base64", file.path)))?;
    }
    Ok(())
}

/// The files of `backup` after [`verify`]: opened with `password` if it is encrypted.
pub fn decrypt(backup: &Backup, password: Option<&Secret>) -> Result<Vec<BackupFile>, BackupError> {
    verify(backup)?;
    let (memory_kib, passes, salt, nonce, ciphertext) = match &backup.payload {
        BackupPayload::NonSecret { files } => return Ok(files.clone()),
        BackupPayload::Encrypted {
            kdf_memory_kib,
            kdf_passes,
            kdf_salt_b64,
            nonce_b64,
            ciphertext_b64,
        } => (
            *kdf_memory_kib,
            *kdf_passes,
            kdf_salt_b64,
            nonce_b64,
            ciphertext_b64,
        ),
    };
    let password = password.ok_or(BackupError::PasswordNeeded)?;
    // Bounds keep a hostile bundle from asking for gigabytes of KDF memory.
    if !(8..=1024 * 1024).contains(&memory_kib) || !(1..=16).contains(&passes) {
        return Err(BackupError::Corrupted(format!(
            "argon2 parameters out of range: {memory_kib} KiB, {passes} passes"
        )));
    }
    let decode = |field: &str, value: &str| {
        BASE64
            .decode(value)
            .map_err(|_| BackupError::Corrupted(format!("{field} is not base64")))
    };
    let salt = decode("kdf_salt_b64", salt)?;
    let nonce: [u8; NONCE_LEN] = decode("nonce_b64", nonce)?
        .try_into()
        .map_err(|_| BackupError::Corrupted(format!("nonce is not {NONCE_LEN} bytes")))?;
    let mut sealed = decode("ciphertext_b64", ciphertext)?;
    let key = derive_key(password, &salt, memory_kib, passes).map_err(BackupError::Corrupted)?;
    let plain = aead_key(&key)?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(AAD),
            &mut sealed,
        )
        .map_err(|_| BackupError::WrongPassword)?;
    let files: Vec<BackupFile> = serde_json::from_slice(plain)
        .map_err(|err| BackupError::Corrupted(format!("sealed files: {err}")))?;
    check_files(&files)?;
    Ok(files)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[path = "backup_tests.rs"]
mod tests;
