//! Atomic file writes: temp file in the same directory, fsync, rename, fsync the directory.
//!
//! Every file shiwa writes for an operator (configs, keys, certificates, units) goes through
//! here, so a crash or a full disk never leaves a half-written file behind.

use std::fs::{self, File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A failed write, naming the file.
#[derive(Debug, thiserror::Error)]
#[error("writing {path}: {source}")]
pub struct WriteError {
    /// The file that was being written.
    pub path: PathBuf,
    /// What went wrong.
    #[source]
    pub source: io::Error,
}

impl crate::exit::HasExitStatus for WriteError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::for_io(&self.source)
    }
}

/// Writes `contents` to `path` atomically with permission bits `mode` (e.g. `0o600`).
///
/// The data is written to a temporary file in the same directory, flushed to disk, given its
/// mode, renamed over `path`, and the directory is synced. Readers see the old file or the new
/// one, never a mix. The parent directory must exist.
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> Result<(), WriteError> {
    write_atomic_owned(path, contents, mode, None)
}

/// As [`write_atomic`], and the new file gets owner `uid:gid` before it appears under `path`
/// (used to replace a file without changing who may read it, e.g. `root:shiwa 0640`).
pub fn write_atomic_owned(
    path: &Path,
    contents: &[u8],
    mode: u32,
    owner: Option<(u32, u32)>,
) -> Result<(), WriteError> {
    let wrap = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = parent_dir(path);
    let mut temp = tempfile::Builder::new()
        .prefix(".shiwa-tmp-")
        .tempfile_in(dir)
        .map_err(wrap)?;
    temp.as_file()
        .set_permissions(Permissions::from_mode(mode))
        .map_err(wrap)?;
    if let Some((uid, gid)) = owner {
        std::os::unix::fs::fchown(temp.as_file(), Some(uid), Some(gid)).map_err(wrap)?;
    }
    temp.write_all(contents).map_err(wrap)?;
    temp.as_file().sync_all().map_err(wrap)?;
    temp.persist(path).map_err(|err| wrap(err.error))?;
    sync_dir(dir).map_err(wrap)
}

/// Copies `path` to `backup` atomically, keeping its permission bits.
pub fn backup_file(path: &Path, backup: &Path) -> Result<(), WriteError> {
    let wrap = |source| WriteError {
        path: backup.to_path_buf(),
        source,
    };
    let contents = fs::read(path).map_err(|source| WriteError {
        path: path.to_path_buf(),
        source,
    })?;
    let mode = fs::metadata(path).map_err(wrap)?.permissions().mode() & 0o7777;
    write_atomic(backup, &contents, mode)
}

/// Creates `dir` and its parents when missing, with `mode` for the directories it creates.
pub fn create_dir_all(dir: &Path, mode: u32) -> Result<(), WriteError> {
    use std::os::unix::fs::DirBuilderExt;
    fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(dir)
        .map_err(|source| WriteError {
            path: dir.to_path_buf(),
            source,
        })
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_with_mode_and_replaces() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("key.pem");
        write_atomic(&path, b"one", 0o600).expect("first write");
        write_atomic(&path, b"two", 0o600).expect("second write");
        assert_eq!(fs::read(&path).expect("read back"), b"two");
        let mode = fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let leftovers: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".shiwa-tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "temp files left behind");
    }

    #[test]
    fn missing_directory_names_the_file() {
        let err = write_atomic(Path::new("/nonexistent-shiwa-dir/x.yml"), b"x", 0o600)
            .expect_err("must fail");
        assert!(err.to_string().contains("/nonexistent-shiwa-dir/x.yml"));
    }
}
