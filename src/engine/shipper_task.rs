//! The Elasticsearch shipper inside `shiwa sync`, restartable: it runs while the config has an
//! enabled `output.elasticsearch`, and a reload that changes that section, `setup.template` or
//! `queue.disk` stops it (the request in flight finishes, the spool is closed) and starts one
//! with the new settings. Documents already spooled stay and go out with the new settings.

use crate::config::{Config, ElasticsearchConfig, QueueConfig, SetupConfig};
use crate::es::driver::{Shipper, ShipperError};
use crate::es::settings::{SettingsError, ShipperSettings};
use crate::es::status::EsSnapshot;
use crate::observe::SnapshotSource;
use std::path::PathBuf;
use tokio::sync::watch;

/// The keys the shipper runs with; a reload that changes none of them leaves it running.
type Section = (Option<ElasticsearchConfig>, SetupConfig, QueueConfig);

fn section(config: &Config) -> Section {
    (
        config.output.elasticsearch.clone(),
        config.setup.clone(),
        config.queue.clone(),
    )
}

/// Whether `config` asks for shipping.
fn wants_shipping(config: &Config) -> bool {
    config
        .output
        .elasticsearch
        .as_ref()
        .is_some_and(|es| es.enabled)
}

/// Why the shipper could not start.
#[derive(Debug, thiserror::Error)]
pub enum ShipperStartError {
    /// The settings cannot be used.
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// The spool or the client could not be set up.
    #[error(transparent)]
    Shipper(#[from] ShipperError),
}

impl crate::exit::HasExitStatus for ShipperStartError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        match self {
            ShipperStartError::Settings(err) => err.exit_status(),
            ShipperStartError::Shipper(err) => err.exit_status(),
        }
    }
}

/// The running shipper, if `output.elasticsearch` is enabled.
#[derive(Debug)]
pub(super) struct ShipperTask {
    state_dir: PathBuf,
    source: SnapshotSource,
    status: watch::Sender<Option<EsSnapshot>>,
    section: Section,
    running: Option<Shipper>,
}

impl ShipperTask {
    /// Starts a shipper when `config` has an enabled `output.elasticsearch`. One that cannot
    /// start (a missing CA file, a bad key) is logged and left off: shipping never stops the
    /// clock from being disciplined. The next reload tries again.
    pub(super) async fn start(
        config: &Config,
        state_dir: PathBuf,
        source: SnapshotSource,
        status: watch::Sender<Option<EsSnapshot>>,
    ) -> Self {
        let mut task = ShipperTask {
            state_dir,
            source,
            status,
            section: section(config),
            running: None,
        };
        if let Err(err) = task.spawn(config).await {
            tracing::error!(error = %err, "Elasticsearch shipping not started (fix the settings and reload)");
        }
        task
    }

    /// After a reload: restarts the shipper when its settings changed. New settings that
    /// cannot start are logged and the old ones started again.
    pub(super) async fn reconcile(&mut self, config: &Config, previous: &Config) {
        let failed_to_start = self.running.is_none() && wants_shipping(config);
        if section(config) == self.section && !failed_to_start {
            return;
        }
        self.stop().await;
        self.section = section(config);
        match self.spawn(config).await {
            Ok(true) => tracing::info!("Elasticsearch shipper restarted"),
            Ok(false) => {
                self.status.send_replace(None);
                tracing::info!("Elasticsearch shipping stopped: output.elasticsearch is off");
            }
            Err(err) => {
                tracing::error!(error = %err, "the new Elasticsearch settings cannot start; keeping the old ones");
                self.section = section(previous);
                if let Err(err) = self.spawn(previous).await {
                    tracing::error!(error = %err, "Elasticsearch shipper stopped");
                }
            }
        }
    }

    /// Stops the shipper and waits for its spool to close.
    pub(super) async fn stop(&mut self) {
        if let Some(shipper) = self.running.take() {
            shipper.stop().await;
        }
    }

    /// Starts a shipper for `config`; false when it ships nowhere.
    async fn spawn(&mut self, config: &Config) -> Result<bool, ShipperStartError> {
        let settings = match ShipperSettings::from_config(config, &self.state_dir) {
            Ok(settings) => settings,
            Err(SettingsError::NotConfigured) => return Ok(false),
            Err(err) => return Err(err.into()),
        };
        let shipper = Shipper::start(&settings, self.source.clone(), self.status.clone()).await?;
        tracing::info!(
            spool = %settings.spool_file.display(),
            hosts = settings.hosts.len(),
            "shipping to Elasticsearch"
        );
        self.running = Some(shipper);
        Ok(true)
    }
}
