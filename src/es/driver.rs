//! The shipper's tokio side: a collect task feeding the [`Collector`] with what a
//! [`SnapshotSource`] publishes (snapshots as they change, the log buffer every second) and
//! writing its documents to the spool, and the [`Sender`] task shipping the spool. The same
//! code runs inside `shiwa sync` (in-process source) and as `shiwa ship-es` (the socket).

use super::collect::{Collected, Collector};
use super::sender::{BulkTransport, SendSettings, Sender};
use super::settings::ShipperSettings;
use super::spool::{EsSpool, EsSpoolError, NewDocument};
use super::status::EsSnapshot;
use crate::observe::SnapshotSource;
use crate::observe::logs::system_now;
use std::sync::Arc;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

/// How often the daemon's log buffer is read.
const LOG_POLL: std::time::Duration = std::time::Duration::from_secs(1);
/// How often a standalone shipper reports its state to the daemon.
const REPORT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);
/// How many of the newest log records are read each time.
const LOG_WINDOW: usize = 1000;

/// Why the shipper could not start.
#[derive(Debug, thiserror::Error)]
pub enum ShipperError {
    /// The spool could not be opened.
    #[error(transparent)]
    Spool(#[from] EsSpoolError),
    /// Its directory could not be created.
    #[error("creating the Elasticsearch spool directory: {0}")]
    SpoolDir(#[from] crate::fsutil::WriteError),
    /// The HTTP client could not be set up (a TLS file, a bad key).
    #[error(transparent)]
    Client(#[from] super::client::EsClientError),
}

impl crate::exit::HasExitStatus for ShipperError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        match self {
            ShipperError::Spool(err) => err.exit_status(),
            ShipperError::SpoolDir(err) => crate::exit::ExitStatus::for_io(&err.source),
            ShipperError::Client(err) => err.exit_status(),
        }
    }
}

/// A running shipper.
#[derive(Debug)]
pub struct Shipper {
    stop: watch::Sender<bool>,
    status: watch::Receiver<Option<EsSnapshot>>,
    tasks: Vec<JoinHandle<()>>,
    spool: EsSpool,
}

impl Shipper {
    /// Starts shipping what `source` publishes to the Elasticsearch `settings` name, the
    /// shipper's state published on `status`.
    pub async fn start(
        settings: &ShipperSettings,
        source: SnapshotSource,
        status: watch::Sender<Option<EsSnapshot>>,
    ) -> Result<Shipper, ShipperError> {
        let transport = super::transport::ClientTransport::new(settings)?;
        Self::start_with(settings, source, transport, status).await
    }

    /// Opens the spool and starts the collect and send tasks on the current runtime, sending
    /// through `transport`.
    pub async fn start_with<T: BulkTransport>(
        settings: &ShipperSettings,
        source: SnapshotSource,
        transport: T,
        status_tx: watch::Sender<Option<EsSnapshot>>,
    ) -> Result<Shipper, ShipperError> {
        if let Some(dir) = settings.spool_file.parent() {
            crate::fsutil::create_dir_all(dir, 0o700)?;
        }
        let spool = EsSpool::open(
            &settings.spool_file,
            settings.spool_max_bytes,
            settings.when_full,
        )
        .await?;
        let (stop, stop_rx) = watch::channel(false);
        let status = status_tx.subscribe();
        let wake = Arc::new(Notify::new());
        let sender = Sender::new(
            transport,
            spool.clone(),
            SendSettings::from(settings),
            status_tx,
        );
        let collect = CollectTask {
            source,
            spool: spool.clone(),
            collector: Collector::new(settings.indices.clone(), settings.snapshot_interval),
            wake: Arc::clone(&wake),
            full: false,
        };
        let tasks = vec![
            tokio::spawn(collect.run(stop_rx.clone())),
            tokio::spawn(sender.run(wake, stop_rx)),
        ];
        Ok(Shipper {
            stop,
            status,
            tasks,
            spool,
        })
    }

    /// Reports the shipper's state to the daemon behind `source` every 2 s (a standalone
    /// `ship-es`: the daemon shows it in `status` and `/metrics`), until the shipper stops.
    pub fn report_to(&mut self, source: SnapshotSource) {
        let mut status = self.status.clone();
        let mut stop = self.stop.subscribe();
        self.tasks.push(tokio::spawn(async move {
            let mut every = tokio::time::interval(REPORT_INTERVAL);
            loop {
                tokio::select! {
                    _ = stop.changed() => return,
                    _ = every.tick() => {}
                }
                let current = status.borrow_and_update().clone();
                if let Some(current) = current
                    && let Err(err) = source.report_elasticsearch(current).await
                {
                    tracing::debug!(error = %err, "reporting to shiwa sync");
                }
            }
        }));
    }

    /// The shipper's state for the snapshot's `elasticsearch` section.
    pub fn status(&self) -> watch::Receiver<Option<EsSnapshot>> {
        self.status.clone()
    }

    /// Stops both tasks (a request in flight finishes first; what it did not settle stays
    /// spooled) and closes the spool.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        self.spool.close().await;
    }
}

struct CollectTask {
    source: SnapshotSource,
    spool: EsSpool,
    collector: Collector,
    wake: Arc<Notify>,
    full: bool,
}

impl CollectTask {
    async fn run(mut self, mut stop: watch::Receiver<bool>) {
        let mut logs = tokio::time::interval(LOG_POLL);
        logs.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut changes = self.source.clone();
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                () = changes.changed() => {
                    if let Ok(snapshot) = self.source.snapshot() {
                        let collected = self.collector.snapshot(&snapshot);
                        self.take(collected).await;
                    }
                }
                _ = logs.tick() => self.collect_logs().await,
            }
        }
    }

    async fn collect_logs(&mut self) {
        let Ok(snapshot) = self.source.snapshot() else {
            return;
        };
        match self.source.logs(LOG_WINDOW).await {
            Ok(records) => {
                let collected = self.collector.logs(&snapshot.host, &records);
                self.take(collected).await;
            }
            Err(err) => tracing::debug!(error = %err, "reading the daemon's logs"),
        }
    }

    /// Spools `collected` and adopts the collector's new state, unless the spool is full
    /// (`block`) or the write failed: then the documents are offered again next time.
    async fn take(&mut self, collected: Collected) {
        if collected.documents.is_empty() {
            self.collector.commit(collected);
            return;
        }
        if !self.spool.has_room().await {
            if !self.full {
                tracing::warn!(
                    file = %self.spool.file().display(),
                    "the Elasticsearch spool is full (queue.disk.max_size): collection paused until shipping makes room"
                );
                self.full = true;
            }
            if let Err(err) = self.spool.count_blocked().await {
                tracing::error!(error = %err, "counting a blocked collection");
            }
            return;
        }
        if self.full {
            tracing::info!("the Elasticsearch spool has room again: collection resumed");
            self.full = false;
        }
        let documents: Vec<NewDocument> = collected
            .documents
            .iter()
            .map(|document| NewDocument {
                index: document.index.clone(),
                id: document.id.clone(),
                kind: document.kind,
                source: serde_json::to_vec(&document.body).unwrap_or_default(),
            })
            .collect();
        match self.spool.push(&documents, system_now()).await {
            Ok(_) => {
                self.collector.commit(collected);
                self.wake.notify_one();
            }
            Err(err) => tracing::error!(error = %err, "writing to the Elasticsearch spool"),
        }
    }
}
