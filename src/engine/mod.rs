//! The sync engine: wires sources → selection → servo → clock and publishes snapshots.
//!
//! - [`plan`]: what runs, derived from the config (pure).
//! - [`core`]: the pure engine: source updates in, clock actions and state out.
//! - [`events`]: the bounded log of engine events carried in snapshots.
//! - [`snapshot`]: the published [`crate::observe::SyncSnapshot`] and the NTP server's state.
//! - [`settings`]: the clock (read-only in monitor mode) and the core, built from the config.
//! - [`sources`]: the running source and NTP server tasks.
//! - `surfaces`: the HTTP API and SSH shell when the config runs them inside the daemon.
//! - [`driver`]: the `shiwa sync` daemon loop (signals, socket, systemd, reload).

pub mod core;
pub mod driver;
pub mod events;
pub mod plan;
mod reporter_task;
pub mod settings;
mod shipper_task;
pub mod snapshot;
pub mod sources;
mod surfaces;

use crate::exit::{ExitStatus, HasExitStatus};

/// Why the daemon could not start or had to stop.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// Reading or writing the clock failed.
    #[error(transparent)]
    Clock(#[from] crate::clock::ClockError),
    /// The observation socket could not be set up.
    #[error(transparent)]
    Observe(#[from] crate::observe::ObserveError),
    /// A socket could not be opened (e.g. the NTP server port is taken).
    #[error(transparent)]
    Net(#[from] crate::net::NetError),
    /// Signal handlers could not be installed.
    #[error("installing signal handlers: {0}")]
    Signal(std::io::Error),
    /// The config describes something that cannot run.
    #[error("{0}")]
    Plan(String),
    /// The in-process HTTP API could not start (port taken, bad TLS files).
    #[error(transparent)]
    Api(#[from] crate::api::ApiStartError),
    /// The in-process SSH shell could not start (credentials, host key, port).
    #[error(transparent)]
    Ssh(#[from] crate::ssh::SshError),
    /// The fleet reporter could not start (spool, TLS files, node id).
    #[error(transparent)]
    Reporter(#[from] crate::fleet::reporter::ReporterError),
}

impl HasExitStatus for EngineError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            EngineError::Clock(err) => err.exit_status(),
            EngineError::Observe(err) => err.exit_status(),
            EngineError::Net(crate::net::NetError::Setup { source, .. }) => {
                ExitStatus::for_io(source)
            }
            EngineError::Net(_) | EngineError::Signal(_) => ExitStatus::Failure,
            EngineError::Plan(_) => ExitStatus::Config,
            EngineError::Api(err) => err.exit_status(),
            EngineError::Ssh(err) => err.exit_status(),
            EngineError::Reporter(err) => err.exit_status(),
        }
    }
}
