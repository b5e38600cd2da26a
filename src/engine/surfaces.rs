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
        source: &SnapshotSource,
        stop: &watch::Receiver<bool>,
    ) -> Result<Self, EngineError> {
        let mut tasks = JoinSet::new();
        if config.timebeat.http.enable {
            let settings = ApiSettings::from_config(&config.timebeat.http);
            let server = ApiServer::bind(&settings, source.clone()).await?;
            tasks.spawn(server.run(stopped(stop.clone())));
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
