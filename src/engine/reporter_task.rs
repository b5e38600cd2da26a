//! The fleet reporter inside `shiwa sync`, restartable: a reload (SIGHUP, `reload` on the
//! socket or the SSH shell) that changes the `hub:` section stops the running reporter (its
//! spool closed cleanly) and starts one with the new URL, key, TLS files and interval;
//! removing the section stops reporting, adding it starts. Records already spooled stay in
//! the spool and go to the new hub.

use crate::config::{Config, HubConfig};
use crate::fleet::reporter::{HubSnapshot, Reporter, ReporterError};
use crate::observe::{LogBuffer, SyncSnapshot};
use std::path::{Path, PathBuf};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// What every reporter of this daemon shares.
#[derive(Debug, Clone)]
pub(super) struct ReporterContext {
    /// The config file (backups read it).
    pub config_path: PathBuf,
    /// Where the spool lives.
    pub state_dir: PathBuf,
    /// This host's name (the default node id).
    pub host: String,
    /// The daemon's snapshots.
    pub snapshots: watch::Receiver<SyncSnapshot>,
    /// The daemon's log records (errors become events).
    pub logs: LogBuffer,
    /// The reporter's counters for the snapshot's `hub` section.
    pub status: watch::Sender<Option<HubSnapshot>>,
}

/// The running reporter, if `hub:` is configured.
#[derive(Debug)]
pub(super) struct ReporterTask {
    context: ReporterContext,
    hub: Option<HubConfig>,
    running: Option<(JoinHandle<()>, watch::Sender<bool>)>,
}

impl ReporterTask {
    /// Starts a reporter when `config` has a `hub:` section.
    pub(super) async fn start(
        config: &Config,
        context: ReporterContext,
    ) -> Result<Self, ReporterError> {
        let mut task = ReporterTask {
            context,
            hub: None,
            running: None,
        };
        task.spawn(config).await?;
        Ok(task)
    }

    /// After a reload: restarts the reporter when `hub:` changed. A new section that cannot
    /// start (a missing CA file, a bad node id) is logged and the old one started again.
    pub(super) async fn reconcile(&mut self, config: &Config, previous: &Config) {
        if config.hub == self.hub {
            return;
        }
        self.stop().await;
        match self.spawn(config).await {
            Ok(()) if config.hub.is_some() => tracing::info!("fleet reporter restarted"),
            Ok(()) => {
                self.context.status.send_replace(None);
                tracing::info!("fleet reporting stopped: no hub section");
            }
            Err(err) => {
                tracing::error!(error = %err, "the new hub section cannot start; keeping the old one");
                if let Err(err) = self.spawn(previous).await {
                    tracing::error!(error = %err, "fleet reporter stopped");
                }
            }
        }
    }

    /// Stops the reporter and waits for its spool to close.
    pub(super) async fn stop(&mut self) {
        if let Some((handle, stop)) = self.running.take() {
            let _ = stop.send(true);
            let _ = handle.await;
        }
        self.hub = None;
    }

    async fn spawn(&mut self, config: &Config) -> Result<(), ReporterError> {
        let context = &self.context;
        let reporter = Reporter::start(
            config,
            Path::new(&context.config_path),
            &context.state_dir,
            &context.host,
        )
        .await?;
        if let Some(reporter) = reporter {
            let (stop, stop_rx) = watch::channel(false);
            let run = reporter.run(
                context.snapshots.clone(),
                context.logs.clone(),
                context.status.clone(),
                stop_rx,
            );
            self.running = Some((tokio::spawn(run), stop));
        }
        self.hub = config.hub.clone();
        Ok(())
    }
}
