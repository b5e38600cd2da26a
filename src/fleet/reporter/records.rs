//! Builds the records the reporter spools: reports of snapshots, events from the engine, the
//! offset watch and the error log, and backups when the files changed.

use super::driver::ReporterError;
use super::spool::RecordKind;
use super::watch::{ErrorLogWatch, EventWatch, OffsetCrossing, OffsetWatch, crossing_severity};
use crate::config::Config;
use crate::fleet::backup::{self, BackupSet};
use crate::fleet::event_type::EventType;
use crate::fleet::ids::{NodeId, RecordId};
use crate::fleet::wire::{Event, HostFacts, MAX_MESSAGE_BYTES, Report};
use crate::observe::{EventSeverity, LogRecord, SyncSnapshot};
use crate::time::{Duration, Timestamp};
use serde_json::{Map, Value, json};
use std::path::PathBuf;

/// Log records from here are never sent as `error_logged` (no feedback loop).
const OWN_TARGET: &str = "shiwa::fleet";

/// A record ready for the spool.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// What it is.
    pub kind: RecordKind,
    /// Its id.
    pub id: String,
    /// Its JSON.
    pub body: Vec<u8>,
}

impl Outgoing {
    fn of<T: serde::Serialize>(kind: RecordKind, id: &RecordId, record: &T) -> Option<Self> {
        match serde_json::to_vec(record) {
            Ok(body) => Some(Outgoing {
                kind,
                id: id.to_string(),
                body,
            }),
            Err(err) => {
                tracing::error!("serialising a {}: {err}", kind.name());
                None
            }
        }
    }
}

/// Makes reports, events and backups for one node.
#[derive(Debug)]
pub struct RecordFactory {
    node_id: NodeId,
    host: HostFacts,
    hostname: String,
    report_interval: Duration,
    config_path: PathBuf,
    events: EventWatch,
    offset: OffsetWatch,
    errors: ErrorLogWatch,
    last_backup: Option<String>,
    said_non_secret: bool,
}

fn new_id() -> Option<RecordId> {
    RecordId::random()
        .inspect_err(|err| tracing::error!("making a record id: {err}"))
        .ok()
}

fn truncate(mut text: String) -> String {
    if text.len() > MAX_MESSAGE_BYTES {
        let mut cut = MAX_MESSAGE_BYTES;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

impl RecordFactory {
    /// A factory for the node `config` describes (`hub:` must be present).
    pub fn new(
        config: &Config,
        config_path: PathBuf,
        node_id: NodeId,
        hostname: &str,
    ) -> Result<Self, ReporterError> {
        // Read now so a missing password file stops the start, naming the key.
        backup::retrieval_password(config)?;
        let hub = config.hub.as_ref();
        Ok(RecordFactory {
            node_id,
            host: crate::fleet::host::host_facts(config, hostname),
            hostname: hostname.to_string(),
            report_interval: hub.map_or(Duration::from_secs(900), |hub| {
                Duration::from_std(hub.report_interval.0)
            }),
            config_path,
            events: EventWatch::default(),
            offset: OffsetWatch::new(hub.map_or(0, |hub| hub.offset_alert_ns)),
            errors: ErrorLogWatch::new(OWN_TARGET, Timestamp::EPOCH),
            last_backup: None,
            said_non_secret: false,
        })
    }

    /// The node's id.
    pub fn node_id(&self) -> &NodeId {
        &self.node_id
    }

    /// Only log records after `start` count as new (the daemon's start).
    pub fn errors_since(mut self, start: Timestamp) -> Self {
        self.errors = ErrorLogWatch::new(OWN_TARGET, start);
        self
    }

    /// A report of `snapshot`.
    pub fn report(&self, snapshot: &SyncSnapshot, now: Timestamp) -> Option<Outgoing> {
        let id = new_id()?;
        let report = Report::from_snapshot(
            snapshot,
            self.node_id.clone(),
            id.clone(),
            now,
            self.report_interval,
            self.host.clone(),
        );
        Outgoing::of(RecordKind::Report, &id, &report)
    }

    fn event(
        &self,
        time: Timestamp,
        event_type: EventType,
        severity: EventSeverity,
        message: String,
        details: Map<String, Value>,
    ) -> Option<Outgoing> {
        let id = new_id()?;
        let mut event = Event::new(
            self.node_id.clone(),
            id.clone(),
            time,
            event_type,
            truncate(message),
        );
        event.severity = severity;
        event.details = details;
        Outgoing::of(RecordKind::Event, &id, &event)
    }

    /// Events for what is new in `snapshot`: engine events and offset-bound crossings.
    pub fn events_of(&mut self, snapshot: &SyncSnapshot, now: Timestamp) -> Vec<Outgoing> {
        let mut out = Vec::new();
        for record in self.events.new_events(&snapshot.events) {
            let Some(event_type) = EventType::from_engine(record.kind) else {
                continue;
            };
            out.extend(self.event(
                record.time,
                event_type,
                record.severity,
                record.message,
                Map::new(),
            ));
        }
        if let Some(crossing) = self.offset.observe(snapshot.clock.offset) {
            out.extend(self.offset_event(&crossing, snapshot, now));
        }
        out
    }

    fn offset_event(
        &self,
        crossing: &OffsetCrossing,
        snapshot: &SyncSnapshot,
        now: Timestamp,
    ) -> Option<Outgoing> {
        let source = snapshot.clock.selected_source.clone();
        let message = if crossing.exceeded {
            format!(
                "|offset| {} exceeds the bound of {}",
                crossing.offset, crossing.bound
            )
        } else {
            format!(
                "offset {} is back within the bound of {}",
                crossing.offset, crossing.bound
            )
        };
        let details = json!({
            "offset_ns": crossing.offset.as_nanos(),
            "bound_ns": crossing.bound.as_nanos(),
            "state": if crossing.exceeded { "exceeded" } else { "resolved" },
            "source": source,
        });
        let details = details.as_object().cloned().unwrap_or_default();
        self.event(
            now,
            EventType::OffsetExceeded,
            crossing_severity(crossing),
            message,
            details,
        )
    }

    /// `error_logged` events for new error records in `recent` (rate-limited).
    pub fn errors_of(&mut self, recent: &[LogRecord], now: Timestamp) -> Vec<Outgoing> {
        let mut out = Vec::new();
        for logged in self.errors.new_errors(recent, now) {
            let details = json!({
                "target": logged.record.target,
                "suppressed": logged.suppressed,
                "host": self.hostname,
            });
            let details = details.as_object().cloned().unwrap_or_default();
            out.extend(self.event(
                logged.record.time,
                EventType::ErrorLogged,
                EventSeverity::Error,
                logged.record.message,
                details,
            ));
        }
        out
    }

    /// A backup when `force` or when the config or a PKI file changed since the last one.
    /// Reads the config file afresh (a reload may have changed it); the sealing runs off the
    /// async threads (argon2 takes 19 MiB and tens of milliseconds).
    pub async fn backup_if_due(&mut self, force: bool, now: Timestamp) -> Option<Outgoing> {
        let path = self.config_path.clone();
        let node_id = self.node_id.clone();
        let last = if force {
            None
        } else {
            self.last_backup.clone()
        };
        let made =
            tokio::task::spawn_blocking(move || make_backup(&path, node_id, last, now)).await;
        let made = match made {
            Ok(Ok(made)) => made?,
            Ok(Err(reason)) => {
                tracing::warn!("backup skipped: {reason}");
                return None;
            }
            Err(err) => {
                tracing::warn!("backup task failed: {err}");
                return None;
            }
        };
        if !made.sealed && !self.said_non_secret {
            tracing::warn!(
                "backups leave secrets out (API keys, passwords, private keys): no \
                 hub.retrieval_password to seal them with"
            );
            self.said_non_secret = true;
        }
        self.last_backup = Some(made.hash);
        Some(made.record)
    }
}

struct MadeBackup {
    record: Outgoing,
    hash: String,
    sealed: bool,
}

/// Loads the config at `path`, gathers its files and builds a backup unless their hash is
/// `last`.
fn make_backup(
    path: &std::path::Path,
    node_id: NodeId,
    last: Option<String>,
    now: Timestamp,
) -> Result<Option<MadeBackup>, String> {
    let config = crate::config::load_file(path)
        .map_err(|err| err.to_string())?
        .config;
    let set = BackupSet::gather(path, &config).map_err(|err| err.to_string())?;
    let hash = set.content_hash();
    if last.as_deref() == Some(hash.as_str()) {
        return Ok(None);
    }
    let password = backup::retrieval_password(&config).map_err(|err| err.to_string())?;
    let id = RecordId::random().map_err(|err| err.to_string())?;
    let backup = set
        .to_backup(&config, password.as_ref(), node_id, id.clone(), now)
        .map_err(|err| err.to_string())?;
    let record = Outgoing::of(RecordKind::Backup, &id, &backup)
        .ok_or_else(|| "serialising the backup failed".to_string())?;
    Ok(Some(MadeBackup {
        record,
        hash,
        sealed: password.is_some(),
    }))
}
