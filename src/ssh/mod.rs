//! The SSH management shell (`shiwa cli-ssh`, or `timebeat.cli.enable` inside `shiwa sync`).
//!
//! A russh server (aws-lc-rs, no `rsa` crate) offering only the password and public-key
//! methods, with an ed25519 host key created on first start ([`hostkey`]). Logins come from
//! `timebeat.cli` ([`auth`]); rejections are delayed, repeated failures from one address shut
//! it out for a while, and sessions are capped in number and idle time ([`limits`], pure).
//!
//! A session is an interactive shell (prompt `shiwa> `, [`editor::LineEditor`], history) or one
//! exec command (`ssh -p 65129 admin@host status`) whose exit status goes back to `ssh`. The
//! commands ([`commands`]) read the daemon through a [`SnapshotSource`](crate::observe::SnapshotSource),
//! so the same code serves in process and standalone; when the daemon goes away the shell says
//! so on a line of its own and carries on when it is back.

pub mod auth;
pub mod commands;
mod connection;
pub mod editor;
pub mod hostkey;
pub mod limits;
mod quickack;
pub mod server;
mod shell;

pub use auth::{Credentials, hash_password};
pub use hostkey::{DEFAULT_STATE_DIR, host_key_path};
pub use server::{SshLimits, SshSettings, bind, reload_credentials, serve, serve_reloading};

use crate::exit::{ExitStatus, HasExitStatus};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Errors of the SSH shell: its files, its credentials and its listening socket.
#[derive(Debug, thiserror::Error)]
pub enum SshError {
    /// `timebeat.cli` has nothing to log in with.
    #[error(
        "the SSH shell has no credentials ({reason}): {}",
        auth::CREDENTIALS_HINT
    )]
    NoCredentials {
        /// What is missing.
        reason: String,
    },
    /// A file could not be read.
    #[error("reading the {what} {}: {error}", path.display())]
    ReadFile {
        /// Which file (`host key`, `authorised keys file`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// A line of the authorised keys file is not a usable key.
    #[error("{}:{line}: {reason}", path.display())]
    AuthorisedKeys {
        /// The file.
        path: PathBuf,
        /// The line (1-based).
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The host key file can be read by others.
    #[error(
        "the SSH host key {} has mode {mode:04o}: it must not be readable by group or others \
         (chmod 600 it)",
        path.display()
    )]
    HostKeyPermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The host key file is not a usable key.
    #[error("the SSH host key {}: {reason}", path.display())]
    HostKeyInvalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Writing the new host key failed.
    #[error(transparent)]
    Write(#[from] crate::fsutil::WriteError),
    /// The listening address could not be bound.
    #[error("cannot listen for SSH on {address}: {error}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        error: std::io::Error,
    },
    /// `bind_host`/`bind_port` do not form an address.
    #[error("timebeat.cli.bind_host {host:?} is not an IP address")]
    BadAddress {
        /// The configured host.
        host: String,
    },
    /// The configuration could not be re-read.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// Hashing a password failed.
    #[error("cannot hash the password: {reason}")]
    HashPassword {
        /// Why.
        reason: String,
    },
}

impl HasExitStatus for SshError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            SshError::NoCredentials { .. }
            | SshError::AuthorisedKeys { .. }
            | SshError::HostKeyPermissions { .. }
            | SshError::HostKeyInvalid { .. }
            | SshError::BadAddress { .. } => ExitStatus::Config,
            SshError::ReadFile { error, .. } => match ExitStatus::for_io(error) {
                ExitStatus::Permission => ExitStatus::Permission,
                _ => ExitStatus::Config,
            },
            SshError::Write(err) => err.exit_status(),
            SshError::Bind { error, .. } => ExitStatus::for_io(error),
            SshError::HashPassword { .. } => ExitStatus::Failure,
            SshError::Config(err) => err.exit_status(),
        }
    }
}
