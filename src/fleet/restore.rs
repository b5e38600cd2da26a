//! Putting a backup's files back on disk (`shiwa recover`): a plan checked in full before
//! anything is written, then one atomic write per file.
//!
//! The plan refuses paths that are not absolute or that climb (`..`), refuses undecodable
//! content, and caps modes to permission bits, naming the file each time; so a corrupted or
//! hostile bundle writes nothing. Files land under `root` (`/` on the node itself, a mounted
//! image or a temp dir otherwise) with the mode they had on the node.

use super::wire::BackupFile;
use crate::fsutil::{self, WriteError};
use crate::systemd::{InstallRequest, Operation, Target, UnitKind, UnitSettings};
use base64::Engine as _;
use serde::Serialize;
use std::path::{Component, Path, PathBuf};

/// Mode of directories the restore has to create (`/etc/shiwa/pki`).
pub const CREATED_DIR_MODE: u32 = 0o750;

/// Why a restore could not be planned or applied.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// A path in the bundle is not a plain absolute path.
    #[error("backup file {path:?}: {reason}")]
    BadPath {
        /// The path as the bundle gives it.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A file's content is not valid base64.
    #[error("backup file {path}: content is not valid base64 ({reason})")]
    BadContent {
        /// The file.
        path: String,
        /// The decoder's message.
        reason: String,
    },
    /// The bundle has no files (so no config to install a unit for).
    #[error("the backup holds no files")]
    Empty,
    /// The same path appears twice.
    #[error("backup file {0} appears twice in the bundle")]
    Duplicate(String),
    /// Writing failed (names the file).
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl crate::exit::HasExitStatus for RestoreError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        match self {
            RestoreError::Write(err) => err.exit_status(),
            _ => crate::exit::ExitStatus::Failure,
        }
    }
}

/// What restoring one file does to the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// No file there yet.
    Create,
    /// A different file is replaced.
    Replace,
    /// The file is already there with this content and mode.
    Unchanged,
}

/// One file of a [`RestorePlan`]. `Debug` leaves the contents out (they may be keys).
#[derive(Clone, Serialize)]
pub struct RestoreEntry {
    /// The path on the node (`/etc/shiwa/shiwa.yml`).
    pub path: String,
    /// Where it is written: `path` under the restore root.
    pub target: PathBuf,
    /// Permission bits.
    pub mode: u32,
    /// Size in bytes.
    pub bytes: usize,
    /// What writing it changes.
    pub change: Change,
    #[serde(skip)]
    contents: Vec<u8>,
}

/// Every file of a backup, checked and ready to write.
#[derive(Debug, Clone, Serialize)]
pub struct RestorePlan {
    /// The restore root.
    pub root: PathBuf,
    /// The files, in bundle order.
    pub entries: Vec<RestoreEntry>,
}

impl RestorePlan {
    /// The `systemd-install` request for the restored node: the sync unit running `binary`
    /// on the restored config (the bundle's first file, as backups put it), live when the
    /// root is `/`, staged under the root otherwise.
    pub fn sync_unit(&self, binary: PathBuf) -> Result<InstallRequest, RestoreError> {
        let config = self.entries.first().ok_or(RestoreError::Empty)?;
        let target = if self.root == Path::new("/") {
            Target::Live
        } else {
            Target::Root(self.root.clone())
        };
        Ok(InstallRequest {
            kinds: vec![UnitKind::Sync],
            settings: UnitSettings::with_defaults(binary, PathBuf::from(&config.path)),
            target,
            operation: Operation::Install { start: true },
        })
    }
}

/// Checks every file of the bundle and works out what writing it under `root` would change.
/// Reads the disk (to compare), writes nothing.
pub fn plan_restore(files: &[BackupFile], root: &Path) -> Result<RestorePlan, RestoreError> {
    let mut entries: Vec<RestoreEntry> = Vec::with_capacity(files.len());
    for file in files {
        let relative = relative_path(&file.path)?;
        if entries.iter().any(|entry| entry.path == file.path) {
            return Err(RestoreError::Duplicate(file.path.clone()));
        }
        let contents = base64::engine::general_purpose::STANDARD
            .decode(&file.content_b64)
            .map_err(|err| RestoreError::BadContent {
                path: file.path.clone(),
                reason: err.to_string(),
            })?;
        let target = root.join(relative);
        let mode = file.mode & 0o7777;
        entries.push(RestoreEntry {
            path: file.path.clone(),
            change: change_for(&target, &contents, mode),
            target,
            mode,
            bytes: contents.len(),
            contents,
        });
    }
    Ok(RestorePlan {
        root: root.to_path_buf(),
        entries,
    })
}

/// Writes every entry that changes something, atomically and with its mode, creating missing
/// directories with [`CREATED_DIR_MODE`]. Calls `progress` after each entry.
pub fn apply_restore(
    plan: &RestorePlan,
    mut progress: impl FnMut(&RestoreEntry),
) -> Result<(), RestoreError> {
    for entry in &plan.entries {
        if entry.change != Change::Unchanged {
            if let Some(parent) = entry.target.parent() {
                fsutil::create_dir_all(parent, CREATED_DIR_MODE)?;
            }
            fsutil::write_atomic(&entry.target, &entry.contents, entry.mode)?;
        }
        progress(entry);
    }
    Ok(())
}

/// `path` without its leading `/`, when it is absolute and has no `.`/`..` components.
fn relative_path(path: &str) -> Result<PathBuf, RestoreError> {
    let bad = |reason| RestoreError::BadPath {
        path: path.to_string(),
        reason,
    };
    if path.contains('\0') {
        return Err(bad("contains a NUL byte"));
    }
    let parsed = Path::new(path);
    if !parsed.is_absolute() {
        return Err(bad("not an absolute path"));
    }
    // `Path::components` drops inner `.` silently: look at the text too.
    if path.split('/').any(|part| part == "." || part == "..") {
        return Err(bad("contains `.` or `..`"));
    }
    let mut relative = PathBuf::new();
    for component in parsed.components() {
        match component {
            Component::RootDir => {}
            Component::Normal(part) => relative.push(part),
            Component::ParentDir | Component::CurDir | Component::Prefix(_) => {
                return Err(bad("contains `.` or `..`"));
            }
        }
    }
    if relative.as_os_str().is_empty() {
        return Err(bad("names the root directory, not a file"));
    }
    Ok(relative)
}

impl std::fmt::Debug for RestoreEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestoreEntry")
            .field("path", &self.path)
            .field("target", &self.target)
            .field("mode", &format_args!("{:o}", self.mode))
            .field("bytes", &self.bytes)
            .field("change", &self.change)
            .finish_non_exhaustive()
    }
}

fn change_for(target: &Path, contents: &[u8], mode: u32) -> Change {
    use std::os::unix::fs::PermissionsExt;
    match (std::fs::read(target), std::fs::metadata(target)) {
        (Ok(existing), Ok(meta))
            if existing == contents && meta.permissions().mode() & 0o7777 == mode =>
        {
            Change::Unchanged
        }
        (Err(err), _) if err.kind() == std::io::ErrorKind::NotFound => Change::Create,
        _ => Change::Replace,
    }
}

#[cfg(test)]
#[path = "restore_tests.rs"]
mod tests;
