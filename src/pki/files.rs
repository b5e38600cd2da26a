//! The PKI directory on disk: pair paths, reading, discovery, atomic writes, ownership.

use super::{CA_NAME, PkiError};
use crate::fsutil;
use crate::secret::Secret;
use nix::unistd::{Gid, Uid, User};
use std::io::ErrorKind;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Mode of private keys.
pub(crate) const KEY_MODE: u32 = 0o600;
/// Mode of certificates.
pub(crate) const CERT_MODE: u32 = 0o644;
/// Mode of a PKI directory created here: certificates are public, keys are 0600 themselves.
pub(crate) const DIR_MODE: u32 = 0o755;

/// `<stem>.crt` and `<stem>.key` in the PKI directory.
#[derive(Debug, Clone)]
pub(crate) struct PairPaths {
    /// The file stem (`ca`, `timebeat`, `ntp1.example.com`).
    pub stem: String,
    /// The certificate path.
    pub cert: PathBuf,
    /// The key path.
    pub key: PathBuf,
}

impl PairPaths {
    pub fn new(dir: &Path, stem: &str) -> Self {
        PairPaths {
            stem: stem.to_string(),
            cert: dir.join(format!("{stem}.crt")),
            key: dir.join(format!("{stem}.key")),
        }
    }

    /// `<stem>.crt`.
    pub fn cert_file(&self) -> String {
        format!("{}.crt", self.stem)
    }

    /// `<stem>.key`.
    pub fn key_file(&self) -> String {
        format!("{}.key", self.stem)
    }
}

/// A pair as found on disk; either file may be missing.
pub(crate) struct PairOnDisk {
    pub paths: PairPaths,
    pub cert: Option<Vec<u8>>,
    pub key: Option<Secret>,
    /// Permission bits of the key file.
    pub key_mode: Option<u32>,
}

impl PairOnDisk {
    /// Neither file exists.
    pub fn is_absent(&self) -> bool {
        self.cert.is_none() && self.key.is_none()
    }
}

/// Reads `<stem>.crt` and `<stem>.key` from `dir`; a missing file is `None`, not an error.
pub(crate) fn read_pair(dir: &Path, stem: &str) -> Result<PairOnDisk, PkiError> {
    let paths = PairPaths::new(dir, stem);
    let cert = read_optional(&paths.cert)?;
    let key = read_optional(&paths.key)?
        .map(|bytes| Secret::new(String::from_utf8_lossy(&bytes).into_owned()));
    let key_mode = match std::fs::metadata(&paths.key) {
        Ok(meta) => Some(meta.permissions().mode() & 0o7777),
        Err(_) => None,
    };
    Ok(PairOnDisk {
        paths,
        cert,
        key,
        key_mode,
    })
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, PkiError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(None),
        Err(source) => Err(PkiError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Stems of the leaf pairs in `dir` (a `.crt` with a `.key` next to it), except the CA and
/// `known`, sorted. A missing directory has none.
pub(crate) fn discover_leaves(dir: &Path, known: &[&str]) -> Result<Vec<String>, PkiError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(PkiError::Read {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut stems = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| PkiError::Read {
            path: dir.to_path_buf(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".crt") else {
            continue;
        };
        let taken = stem == CA_NAME || known.contains(&stem) || stem.starts_with('.');
        if !taken && dir.join(format!("{stem}.key")).is_file() {
            stems.push(stem.to_string());
        }
    }
    stems.sort();
    Ok(stems)
}

/// Writes a key (0600) then its certificate (0644), each atomically.
pub(crate) fn write_pair(
    paths: &PairPaths,
    cert_pem: &str,
    key_pem: &Secret,
) -> Result<(), PkiError> {
    fsutil::write_atomic(&paths.key, key_pem.expose().as_bytes(), KEY_MODE)?;
    fsutil::write_atomic(&paths.cert, cert_pem.as_bytes(), CERT_MODE)?;
    Ok(())
}

/// Creates `dir` (0755) when missing; returns whether it was created.
pub(crate) fn ensure_dir(dir: &Path) -> Result<bool, PkiError> {
    if dir.is_dir() {
        return Ok(false);
    }
    fsutil::create_dir_all(dir, DIR_MODE)?;
    Ok(true)
}

/// The user (and its primary group) that `--owner` names.
#[derive(Debug, Clone)]
pub(crate) struct Owner {
    pub name: String,
    pub uid: Uid,
    pub gid: Gid,
}

/// Looks `name` up and checks that this process may give files to it.
pub(crate) fn resolve_owner(name: &str) -> Result<Owner, PkiError> {
    let user = User::from_name(name)
        .map_err(|source| PkiError::OwnerLookup {
            user: name.to_string(),
            source,
        })?
        .ok_or_else(|| PkiError::UnknownOwner(name.to_string()))?;
    let euid = nix::unistd::geteuid();
    let own_group = user.gid == nix::unistd::getegid();
    let may_chown = euid.is_root() || (user.uid == euid && own_group);
    if !may_chown {
        return Err(PkiError::OwnerNeedsRoot {
            user: name.to_string(),
        });
    }
    Ok(Owner {
        name: name.to_string(),
        uid: user.uid,
        gid: user.gid,
    })
}

/// Gives `path` to `owner` and its primary group.
pub(crate) fn chown(path: &Path, owner: &Owner) -> Result<(), PkiError> {
    nix::unistd::chown(path, Some(owner.uid), Some(owner.gid)).map_err(|source| PkiError::Chown {
        path: path.to_path_buf(),
        user: owner.name.clone(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovery_needs_both_files_and_skips_known() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in [
            "ca.crt",
            "ca.key",
            "timebeat.crt",
            "timebeat.key",
            "a.crt",
            "a.key",
        ] {
            std::fs::write(dir.path().join(name), "x").expect("write");
        }
        std::fs::write(dir.path().join("lonely.crt"), "x").expect("write");
        let found = discover_leaves(dir.path(), &["timebeat"]).expect("discover");
        assert_eq!(found, vec!["a".to_string()]);
    }

    #[test]
    fn missing_directory_discovers_nothing() {
        let found = discover_leaves(Path::new("/nonexistent-shiwa-pki"), &[]).expect("ok");
        assert!(found.is_empty());
    }

    #[test]
    fn unknown_owner_is_reported_by_name() {
        let err = resolve_owner("shiwa-no-such-user-x").expect_err("must fail");
        assert!(matches!(err, PkiError::UnknownOwner(_)), "{err}");
    }
}
