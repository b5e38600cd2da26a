//! The reporter's tokio driver inside `shiwa sync`: feeds the [`Scheduler`] with time and
//! push results, turns snapshots and log records into events, and applies the scheduler's
//! actions (spool a report, check for a backup, push the next record).

#![expect(
    clippy::disallowed_methods,
    reason = "the driver stamps records with the wall clock; the scheduler gets time as an argument"
)]

use super::client::{ClientError, HubClient};
use super::records::RecordFactory;
use super::schedule::{PushResult, PushState, PushVerdict, ReporterAction, Scheduler};
use super::spool::{SPOOL_FILE, Spool, SpoolError, SpooledRecord};
use super::status::{HubPushState, HubSnapshot};
use crate::config::Config;
use crate::fleet::ids::{IdError, NodeId};
use crate::observe::{LogBuffer, SyncSnapshot};
use crate::time::{Duration, Timestamp};
use std::path::{Path, PathBuf};
use tokio::sync::watch;
use tokio::time::Instant;

/// How often the log buffer is scanned for error records.
const LOG_SCAN_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5);
/// How often, at most, the snapshot's `hub` section is refreshed while pushing.
const STATUS_INTERVAL: Duration = Duration::from_millis(500);

/// Why the reporter could not start.
#[derive(Debug, thiserror::Error)]
pub enum ReporterError {
    /// `hub.node_id` (or the host name standing in for it) is not a valid node id.
    #[error("hub.node_id {value:?}: {source} (set hub.node_id)")]
    NodeId {
        /// The id tried.
        value: String,
        /// Why it is refused.
        source: IdError,
    },
    /// The spool could not be opened.
    #[error(transparent)]
    Spool(#[from] SpoolError),
    /// The HTTP client could not be set up.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The retrieval password could not be read.
    #[error(transparent)]
    Backup(#[from] crate::fleet::backup::BackupError),
    /// The state directory for the spool could not be created.
    #[error("creating the state directory for the hub spool: {0}")]
    StateDir(#[from] crate::fsutil::WriteError),
}

impl crate::exit::HasExitStatus for ReporterError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        match self {
            ReporterError::NodeId { .. } => crate::exit::ExitStatus::Config,
            ReporterError::Spool(err) => err.exit_status(),
            ReporterError::Client(err) => err.exit_status(),
            ReporterError::Backup(err) => err.exit_status(),
            ReporterError::StateDir(err) => crate::exit::ExitStatus::for_io(&err.source),
        }
    }
}

/// The wall clock, for record times.
fn wall_now() -> Timestamp {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from_nanos(i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX))
}

/// A uniformly random number for backoff jitter.
fn jitter() -> u32 {
    let mut bytes = [0u8; 4];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    u32::from_le_bytes(bytes)
}

/// Resolves when `stop` turns true or its sender is gone.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// The node's id: `hub.node_id`, else the host name.
pub fn node_id(config: &Config, hostname: &str) -> Result<NodeId, ReporterError> {
    let value = config
        .hub
        .as_ref()
        .and_then(|hub| hub.node_id.clone())
        .unwrap_or_else(|| hostname.to_string());
    NodeId::new(value.clone()).map_err(|source| ReporterError::NodeId { value, source })
}

/// A started reporter, ready to [`Reporter::run`].
pub struct Reporter {
    scheduler: Scheduler,
    spool: Spool,
    client: HubClient,
    records: RecordFactory,
    url: String,
    started: Instant,
    last_ack: Option<Timestamp>,
    last_error: Option<String>,
    last_status: Option<Timestamp>,
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporter").field("url", &self.url).finish()
    }
}

impl Reporter {
    /// Opens the spool in `state_dir` and sets up the client, when `config` has a `hub:`
    /// section (`None` otherwise). Errors name the key or file at fault.
    pub async fn start(
        config: &Config,
        config_path: &Path,
        state_dir: &Path,
        hostname: &str,
    ) -> Result<Option<Self>, ReporterError> {
        let Some(hub) = &config.hub else {
            return Ok(None);
        };
        let node_id = node_id(config, hostname)?;
        crate::fsutil::create_dir_all(state_dir, 0o750)?;
        let spool = Spool::open(&state_dir.join(SPOOL_FILE), hub.spool.max_records).await?;
        let client = HubClient::new(hub)?;
        let records = RecordFactory::new(config, config_path.to_path_buf(), node_id, hostname)?
            .errors_since(wall_now());
        let started = Instant::now();
        let report_interval = Duration::from_std(hub.report_interval.0);
        tracing::info!(
            hub = %hub.url,
            node_id = %records.node_id(),
            spool = %spool.file().display(),
            "reporting to the fleet hub"
        );
        Ok(Some(Reporter {
            scheduler: Scheduler::new(report_interval, Timestamp::EPOCH),
            spool,
            client,
            records,
            url: hub.url.to_string(),
            started,
            last_ack: None,
            last_error: None,
            last_status: None,
        }))
    }

    /// The monotonic time the scheduler runs on: time since start.
    fn now(&self) -> Timestamp {
        let elapsed = self.started.elapsed();
        Timestamp::EPOCH + Duration::from_std(elapsed)
    }

    /// Runs until `stop` turns true: reports, events, backups, pushes. The snapshot's `hub`
    /// section is published on `status`.
    pub async fn run(
        mut self,
        mut snapshots: watch::Receiver<SyncSnapshot>,
        logs: LogBuffer,
        status: watch::Sender<Option<HubSnapshot>>,
        mut stop: watch::Receiver<bool>,
    ) {
        let mut log_scan = tokio::time::interval(LOG_SCAN_INTERVAL);
        loop {
            let now = self.now();
            for action in self.scheduler.poll(now) {
                let snapshot = snapshots.borrow().clone();
                if !self.apply(action, &snapshot, &mut stop).await {
                    self.spool.close().await;
                    return;
                }
            }
            self.publish(&status, false).await;
            let wake = self.scheduler.next_wakeup() - Timestamp::EPOCH;
            let deadline = self.started + wake.to_std();
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {}
                changed = snapshots.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let snapshot = snapshots.borrow_and_update().clone();
                    let events = self.records.events_of(&snapshot, wall_now());
                    self.spool_all(events).await;
                }
                _ = log_scan.tick() => {
                    let events = self.records.errors_of(&logs.recent(200), wall_now());
                    self.spool_all(events).await;
                }
                () = stopped(&mut stop) => break,
            }
        }
        self.publish(&status, true).await;
        self.spool.close().await;
    }

    /// Applies one action; false when `stop` turned true in the middle of a push.
    async fn apply(
        &mut self,
        action: ReporterAction,
        snapshot: &SyncSnapshot,
        stop: &mut watch::Receiver<bool>,
    ) -> bool {
        match action {
            ReporterAction::SpoolReport => {
                let report = self.records.report(snapshot, wall_now());
                self.spool_all(report.into_iter().collect()).await;
            }
            ReporterAction::CheckBackup { force } => {
                let backup = self.records.backup_if_due(force, wall_now()).await;
                self.spool_all(backup.into_iter().collect()).await;
            }
            ReporterAction::LogAuthFailure => {
                let queued = self.spool.counters().await.map(|c| c.queued).unwrap_or(0);
                tracing::error!(
                    hub = %self.url,
                    queued,
                    "the hub refuses this node's API key (hub.api_key): pushes are held, the spool is kept"
                );
            }
            ReporterAction::PushNext => return self.push_next(stop).await,
        }
        true
    }

    /// Spools records, counting what the bound dropped.
    async fn spool_all(&mut self, records: Vec<super::records::Outgoing>) {
        for record in records {
            match self
                .spool
                .push(record.kind, &record.id, &record.body, wall_now())
                .await
            {
                Ok(dropped) => {
                    if dropped > 0 {
                        tracing::warn!(dropped, "hub spool full: dropped the oldest reports");
                    }
                    self.scheduler.spooled();
                }
                Err(err) => tracing::error!("{err}: record {} lost", record.id),
            }
        }
    }

    /// Pushes the next spooled record and applies the verdict.
    async fn push_next(&mut self, stop: &mut watch::Receiver<bool>) -> bool {
        let record = match self.spool.next().await {
            Ok(Some(record)) => record,
            Ok(None) => {
                self.scheduler.drained();
                return true;
            }
            Err(err) => {
                tracing::error!("{err}");
                let _ = self.scheduler.on_push(
                    self.now(),
                    PushResult::Failed {
                        reason: err.to_string(),
                        retry_after: None,
                    },
                    jitter(),
                );
                return true;
            }
        };
        let result = tokio::select! {
            result = self.client.push(record.kind, record.body.clone()) => result,
            () = stopped(stop) => return false,
        };
        self.note(&record, &result);
        let verdict = self.scheduler.on_push(self.now(), result, jitter());
        let applied = match verdict {
            PushVerdict::Acknowledge { duplicate } => {
                self.last_ack = Some(wall_now());
                self.spool.acknowledge(record.seq, duplicate).await
            }
            PushVerdict::DeadLetter { status, reason } => {
                tracing::warn!(
                    kind = record.kind.name(),
                    id = %record.record_id,
                    status,
                    "the hub refused a record for good, moved to the dead-letter table: {reason}"
                );
                self.spool
                    .dead_letter(record.seq, status, &reason, wall_now())
                    .await
            }
            PushVerdict::Retry => self.spool.retried(record.seq).await,
            PushVerdict::Hold => Ok(()),
        };
        if let Err(err) = applied {
            tracing::error!("{err}");
        }
        true
    }

    /// Logs the hub going away and coming back (once each, not per retry).
    fn note(&mut self, record: &SpooledRecord, result: &PushResult) {
        match result {
            PushResult::Failed { reason, .. } => {
                if self.last_error.is_none() {
                    tracing::warn!(
                        hub = %self.url,
                        kind = record.kind.name(),
                        "pushing to the hub failed, spooling and retrying: {reason}"
                    );
                }
                self.last_error = Some(reason.clone());
            }
            PushResult::Unauthorized { status } => {
                self.last_error = Some(format!("HTTP {status}: API key refused"));
            }
            PushResult::Stored | PushResult::Duplicate | PushResult::Refused { .. } => {
                if self.last_error.take().is_some() {
                    tracing::info!(hub = %self.url, "the hub answers again");
                }
            }
        }
    }

    /// Refreshes the snapshot's `hub` section (at most every [`STATUS_INTERVAL`] unless
    /// `force`).
    async fn publish(&mut self, status: &watch::Sender<Option<HubSnapshot>>, force: bool) {
        let now = self.now();
        if !force
            && self
                .last_status
                .is_some_and(|last| now - last < STATUS_INTERVAL)
        {
            return;
        }
        self.last_status = Some(now);
        let counters = match self.spool.counters().await {
            Ok(counters) => counters,
            Err(err) => {
                tracing::warn!("{err}");
                return;
            }
        };
        let wall = wall_now();
        let state = match self.scheduler.state(now) {
            PushState::Ok => HubPushState::Ok,
            PushState::BackingOff { .. } => HubPushState::BackingOff,
            PushState::Unauthorized => HubPushState::Unauthorized,
        };
        status.send_replace(Some(HubSnapshot {
            url: self.url.clone(),
            node_id: self.records.node_id().to_string(),
            state,
            queued: counters.queued,
            sent: counters.sent,
            duplicates: counters.duplicates,
            dead_lettered: counters.dead_lettered,
            dropped: counters.dropped,
            retries: counters.retries,
            oldest_age_s: counters
                .oldest
                .map(|oldest| u64::try_from((wall - oldest).as_secs()).unwrap_or(0)),
            last_ack: self.last_ack,
            last_error: self.last_error.clone(),
        }));
    }
}

/// The spool file for `state_dir`.
pub fn spool_path(state_dir: &Path) -> PathBuf {
    state_dir.join(SPOOL_FILE)
}
