//! The operator surfaces that run inside `shiwa sync` when their config section enables them
//! (`timebeat.http.enable`, `timebeat.cli.enable`). Each gets a [`SnapshotSource`] over the
//! engine's own channels — the same code the standalone `serve-api`/`cli-ssh` run over the
//! socket — and stops with the daemon.
//!
//! A surface binds its listener in [`Surfaces::start`], so a taken port or a bad key file stops
//! the daemon's start with an error naming it, rather than failing later in the background.

use super::EngineError;
use crate::api::{ApiServer, ApiSettings};
use crate::config::Config;
use crate::observe::SnapshotSource;
use std::path::Path;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// The running in-process surfaces.
#[derive(Debug)]
pub(super) struct Surfaces {
    tasks: JoinSet<()>,
}

impl Surfaces {
    /// Starts every surface the config enables; `stop` turns true when the daemon stops.
    pub(super) async fn start(
        config: &Config,
        state_dir: &Path,
        source: &SnapshotSource,
        stop: &watch::Receiver<bool>,
    ) -> Result<Self, EngineError> {
        let mut tasks = JoinSet::new();
        if config.timebeat.http.enable {
            let settings = ApiSettings::from_config(&config.timebeat.http);
            let server = ApiServer::bind(&settings, source.clone()).await?;
            tasks.spawn(server.run(stopped(stop.clone())));
        }
        if config.timebeat.cli.enable {
            start_ssh(config, state_dir, source, stop, &mut tasks).await?;
        }
        Ok(Surfaces { tasks })
    }

    /// Waits for every surface to finish after `stop` turned true.
    pub(super) async fn join(mut self) {
        while let Some(done) = self.tasks.join_next().await {
            if let Err(err) = done {
                tracing::warn!(error = %err, "a surface task failed");
            }
        }
    }
}

/// Resolves when `stop` turns true (or its sender is gone).
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// The SSH shell on `timebeat.cli.bind_host`/`bind_port`, host key from `cli.server_key` or
/// the state directory.
async fn start_ssh(
    config: &Config,
    state_dir: &Path,
    source: &SnapshotSource,
    stop: &watch::Receiver<bool>,
    tasks: &mut JoinSet<()>,
) -> Result<(), EngineError> {
    let cli = &config.timebeat.cli;
    let address = crate::ssh::server::config_address(cli)?;
    let host_key = crate::ssh::host_key_path(cli.server_key.as_deref(), state_dir);
    let settings = crate::ssh::SshSettings::from_config(cli, &host_key)?;
    let listener = crate::ssh::bind(address).await?;
    tracing::info!(%address, host_key = %host_key.display(), "SSH shell listening");
    tasks.spawn(crate::ssh::serve(
        listener,
        settings,
        source.clone(),
        stopped(stop.clone()),
    ));
    Ok(())
}
