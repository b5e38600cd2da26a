//! Creating the observation socket file: stale-socket cleanup, parent directory, mode and group.

use super::ObserveError;
use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tokio::net::UnixListener;

/// Mode of a parent directory [`bind_socket`] creates: traversable by the socket's group (the
/// socket's own mode keeps others out).
const PARENT_DIR_MODE: u32 = 0o755;

/// A bound listener and the socket file it owns.
#[derive(Debug)]
pub struct BoundSocket {
    /// The listener to pass to [`super::serve`].
    pub listener: UnixListener,
    /// Removes the socket file when dropped; keep it alive while serving.
    pub file: SocketFile,
}

/// The socket file of a [`BoundSocket`]. Dropping it removes the file, but only if it is still
/// the one this process created (a successor may have replaced it).
#[derive(Debug)]
pub struct SocketFile {
    path: PathBuf,
    device: u64,
    inode: u64,
}

impl SocketFile {
    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let ours = fs::symlink_metadata(&self.path)
            .is_ok_and(|meta| meta.dev() == self.device && meta.ino() == self.inode);
        if ours {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Binds a Unix stream socket at `path` with `mode` (normally 0o660) and, when given, group
/// `group`. Must be called within a tokio runtime.
///
/// A socket file already at `path` is removed only when nothing answers on it (a daemon that
/// died without cleaning up); when a live process answers, this fails with
/// [`ObserveError::AlreadyRunning`]. Anything that is not a socket is never removed. A missing
/// parent directory is created with mode 0755. The mode is set explicitly, so a restrictive
/// umask (the unit's `UMask=0077`) does not lock the group out.
pub fn bind_socket(
    path: &Path,
    mode: u32,
    group: Option<u32>,
) -> Result<BoundSocket, ObserveError> {
    ensure_parent(path)?;
    remove_stale(path)?;
    let io_error = |action: &'static str| {
        move |source: io::Error| ObserveError::Io {
            action,
            path: path.to_path_buf(),
            error: source,
        }
    };
    let std_listener = std::os::unix::net::UnixListener::bind(path).map_err(io_error("binding"))?;
    let meta = fs::symlink_metadata(path).map_err(io_error("inspecting"))?;
    let file = SocketFile {
        path: path.to_path_buf(),
        device: meta.dev(),
        inode: meta.ino(),
    };
    if let Some(gid) = group {
        nix::unistd::chown(path, None, Some(nix::unistd::Gid::from_raw(gid)))
            .map_err(|errno| io_error("changing the group of")(io::Error::from(errno)))?;
    }
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(io_error("changing the mode of"))?;
    std_listener
        .set_nonblocking(true)
        .map_err(io_error("configuring"))?;
    let listener = UnixListener::from_std(std_listener).map_err(io_error("registering"))?;
    Ok(BoundSocket { listener, file })
}

/// The id of group `name`, or `None` when no such group exists.
pub fn group_id(name: &str) -> Result<Option<u32>, ObserveError> {
    match nix::unistd::Group::from_name(name) {
        Ok(group) => Ok(group.map(|group| group.gid.as_raw())),
        Err(errno) => Err(ObserveError::GroupLookup {
            name: name.to_string(),
            error: io::Error::from(errno),
        }),
    }
}

fn ensure_parent(path: &Path) -> Result<(), ObserveError> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(());
    };
    if parent.exists() {
        return Ok(());
    }
    let io_error = |source: io::Error| ObserveError::Io {
        action: "creating the directory",
        path: parent.to_path_buf(),
        error: source,
    };
    crate::fsutil::create_dir_all(parent, PARENT_DIR_MODE).map_err(|err| io_error(err.source))?;
    fs::set_permissions(parent, fs::Permissions::from_mode(PARENT_DIR_MODE)).map_err(io_error)
}

/// Removes a socket file nobody answers on; refuses to touch a live socket or a non-socket.
fn remove_stale(path: &Path) -> Result<(), ObserveError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(ObserveError::Io {
                action: "inspecting",
                path: path.to_path_buf(),
                error: source,
            });
        }
    };
    if !meta.file_type().is_socket() {
        return Err(ObserveError::NotASocket {
            path: path.to_path_buf(),
        });
    }
    match std::os::unix::net::UnixStream::connect(path) {
        Ok(_) => Err(ObserveError::AlreadyRunning {
            path: path.to_path_buf(),
        }),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::ConnectionRefused => {
            tracing::info!(path = %path.display(), "removing a stale socket");
            match fs::remove_file(path) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => Err(ObserveError::Io {
                    action: "removing the stale socket",
                    path: path.to_path_buf(),
                    error: err,
                }),
                _ => Ok(()),
            }
        }
        Err(source) => Err(ObserveError::Io {
            action: "checking the existing socket",
            path: path.to_path_buf(),
            error: source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .expect("runtime")
    }

    fn mode_of(path: &Path) -> u32 {
        fs::metadata(path).expect("metadata").permissions().mode() & 0o7777
    }

    #[test]
    fn creates_the_parent_and_sets_mode_and_group_explicitly() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("run/shiwa/shiwa.sock");
        let gid = nix::unistd::getegid().as_raw();
        let runtime = runtime();
        let _context = runtime.enter();
        let bound = bind_socket(&path, 0o660, Some(gid)).expect("bind");
        let meta = fs::symlink_metadata(&path).expect("socket exists");
        assert!(meta.file_type().is_socket());
        assert_eq!(mode_of(&path), 0o660);
        assert_eq!(meta.gid(), gid);
        assert_eq!(mode_of(path.parent().expect("parent")), PARENT_DIR_MODE);
        assert_eq!(bound.file.path(), path);
    }

    #[test]
    fn replaces_a_stale_socket() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("shiwa.sock");
        drop(std::os::unix::net::UnixListener::bind(&path).expect("first bind"));
        assert!(path.exists(), "a dead daemon's socket file is left behind");
        let runtime = runtime();
        let _context = runtime.enter();
        let bound = bind_socket(&path, 0o600, None).expect("stale socket replaced");
        assert_eq!(mode_of(&path), 0o600);
        drop(bound);
    }

    #[test]
    fn never_steals_a_live_socket() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("shiwa.sock");
        let live = std::os::unix::net::UnixListener::bind(&path).expect("live daemon");
        let runtime = runtime();
        let _context = runtime.enter();
        let err = bind_socket(&path, 0o660, None).expect_err("must refuse");
        assert_eq!(
            err.to_string(),
            format!("another shiwa sync is running on {}", path.display())
        );
        assert!(
            std::os::unix::net::UnixStream::connect(&path).is_ok(),
            "still served"
        );
        drop(live);
    }

    #[test]
    fn never_removes_something_that_is_not_a_socket() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("shiwa.sock");
        fs::write(&path, "precious").expect("write");
        let runtime = runtime();
        let _context = runtime.enter();
        let err = bind_socket(&path, 0o660, None).expect_err("must refuse");
        assert!(matches!(err, ObserveError::NotASocket { .. }), "{err}");
        assert_eq!(fs::read_to_string(&path).expect("kept"), "precious");
    }

    #[test]
    fn dropping_removes_only_our_own_socket_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("shiwa.sock");
        let runtime = runtime();
        let _context = runtime.enter();
        drop(bind_socket(&path, 0o660, None).expect("bind"));
        assert!(!path.exists(), "removed on drop");

        let ours = bind_socket(&path, 0o660, None).expect("bind again");
        fs::remove_file(&path).expect("a successor removes it");
        let successor = std::os::unix::net::UnixListener::bind(&path).expect("and binds anew");
        drop(ours);
        assert!(path.exists(), "the successor's socket is left alone");
        drop(successor);
    }

    #[test]
    fn group_lookup() {
        assert_eq!(group_id("root").expect("lookup"), Some(0));
        assert_eq!(group_id("no-such-group-shiwa-test").expect("lookup"), None);
    }
}
