//! Errors from PKI work. Every message names the file, user or option involved.

use crate::exit::{ExitStatus, HasExitStatus};
use std::fmt;
use std::path::PathBuf;

/// Something wrong with an existing file, and the option that fixes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong, starting with the file name (`timebeat.crt: expired on ...`).
    pub message: String,
    /// True when only a new CA fixes it (`--force`); false when `--renew` is enough.
    pub needs_force: bool,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Errors from [`super::setup`] and [`super::check`].
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// A name given on the command line cannot be used as a file name or CN.
    #[error("{option} {value:?}: {reason}")]
    InvalidName {
        /// The option (`--client-name`).
        option: &'static str,
        /// The value given.
        value: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A SAN is neither an IP address nor a DNS name.
    #[error("--san {0:?}: not an IP address or a DNS name (letters, digits, '-', '.', '*')")]
    InvalidSan(String),
    /// Validity options that do not fit together.
    #[error("{0}")]
    InvalidValidity(String),
    /// `--owner` names a user that does not exist.
    #[error("--owner {0:?}: no such user on this system; nothing was written")]
    UnknownOwner(String),
    /// Looking the owner up failed.
    #[error("--owner {user:?}: looking up the user: {source}")]
    OwnerLookup {
        /// The user name.
        user: String,
        /// The lookup error.
        source: nix::Error,
    },
    /// `--owner` needs privileges this process does not have.
    #[error(
        "--owner {user:?}: giving files to another user needs root; run as root or drop --owner; \
         nothing was written"
    )]
    OwnerNeedsRoot {
        /// The user name.
        user: String,
    },
    /// Changing a file's owner failed.
    #[error("changing the owner of {path} to {user}: {source}")]
    Chown {
        /// The file.
        path: PathBuf,
        /// The user name.
        user: String,
        /// The error.
        source: nix::Error,
    },
    /// Reading a file or the directory failed.
    #[error("reading {path}: {source}")]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Writing failed.
    #[error(transparent)]
    Write(#[from] crate::fsutil::WriteError),
    /// Key generation or signing failed in the crypto library.
    #[error("{what} for {path}: {source}")]
    Crypto {
        /// What was being done (`generating the key`, `signing the certificate`).
        what: &'static str,
        /// The file it was for.
        path: PathBuf,
        /// The library's error.
        source: rcgen::Error,
    },
    /// The existing files are not a consistent set; nothing was written.
    #[error("{}", render_inconsistent(.dir, .problems))]
    Inconsistent {
        /// The PKI directory.
        dir: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

fn render_inconsistent(dir: &std::path::Path, problems: &[Problem]) -> String {
    let mut out = format!(
        "{} holds certificates that cannot be kept; nothing was written:",
        dir.display()
    );
    for problem in problems {
        out.push_str("\n  ");
        out.push_str(&problem.message);
    }
    if problems.iter().any(|p| p.needs_force) {
        out.push_str(
            "\nRun again with --force to create a new CA and re-issue every certificate \
             (peers must then trust the new ca.crt).",
        );
    } else {
        out.push_str(
            "\nRun again with --renew to issue new leaf certificates and keys from the existing CA, \
             or --force to start over with a new CA.",
        );
    }
    out
}

impl HasExitStatus for PkiError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            PkiError::InvalidName { .. }
            | PkiError::InvalidSan(_)
            | PkiError::InvalidValidity(_)
            | PkiError::UnknownOwner(_) => ExitStatus::Usage,
            PkiError::OwnerNeedsRoot { .. } => ExitStatus::Permission,
            PkiError::Chown {
                source: nix::Error::EPERM | nix::Error::EACCES,
                ..
            } => ExitStatus::Permission,
            PkiError::Read { source, .. } => ExitStatus::for_io(source),
            PkiError::Write(err) => err.exit_status(),
            PkiError::OwnerLookup { .. }
            | PkiError::Chown { .. }
            | PkiError::Crypto { .. }
            | PkiError::Inconsistent { .. } => ExitStatus::Failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inconsistent_names_files_and_the_fix() {
        let err = PkiError::Inconsistent {
            dir: PathBuf::from("/etc/shiwa/pki"),
            problems: vec![Problem {
                message: "timebeat.crt: expired on 2020-01-01T00:00:00Z".into(),
                needs_force: false,
            }],
        };
        let text = err.to_string();
        assert!(text.contains("/etc/shiwa/pki"), "{text}");
        assert!(text.contains("timebeat.crt: expired"), "{text}");
        assert!(text.contains("--renew"), "{text}");
        assert_eq!(err.exit_status(), ExitStatus::Failure);
    }

    #[test]
    fn ca_problems_ask_for_force() {
        let err = PkiError::Inconsistent {
            dir: PathBuf::from("d"),
            problems: vec![Problem {
                message: "ca.key: missing".into(),
                needs_force: true,
            }],
        };
        assert!(err.to_string().contains("--force"));
    }

    #[test]
    fn unknown_owner_is_a_usage_error() {
        let err = PkiError::UnknownOwner("nobody-here".into());
        assert!(err.to_string().contains("nobody-here"));
        assert_eq!(err.exit_status(), ExitStatus::Usage);
    }
}
