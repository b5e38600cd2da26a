//! What nodes push to the hub, as versioned JSON: [`Report`], [`Event`] and [`Backup`].
//!
//! Every record carries [`WIRE_VERSION`] and an id the node generated, so a push that is
//! retried after a lost acknowledgement is stored once. [`Report::validate`] and friends are
//! what the hub runs before storing anything: each error names the field.

use super::event_type::{EventOrigin, EventType};
use super::ids::{NodeId, RecordId};
use crate::observe::{ClockSnapshot, EventSeverity, SourceSnapshot, SyncSnapshot, rfc3339};
use crate::time::{Duration, Timestamp};
use serde::{Deserialize, Serialize};

/// The version of the wire schema this build writes and reads. Adding a field does not bump
/// it; renaming, removing or changing the meaning of one does, and the hub refuses versions
/// it does not know (400) rather than misread them.
pub const WIRE_VERSION: u32 = 1;
/// Longest event message, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 1024;
/// Largest event `details` object, serialised, in bytes.
pub const MAX_DETAILS_BYTES: usize = 16 * 1024;
/// Most sources a report may list.
pub const MAX_SOURCES: usize = 64;
/// Most ports a node may declare for active checks.
pub const MAX_PORTS: usize = 16;
/// Shortest report interval a node may declare.
pub const MIN_REPORT_INTERVAL: Duration = Duration::from_secs(10);
/// Longest report interval a node may declare (one day).
pub const MAX_REPORT_INTERVAL: Duration = Duration::from_secs(86_400);

/// A field of a pushed record that the hub refuses, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct WireError {
    /// The JSON field (`report_interval_s`, `details`, `sources[3].name`).
    pub field: String,
    /// What is wrong with it.
    pub reason: String,
}

impl WireError {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        WireError {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

fn check_version(version: u32) -> Result<(), WireError> {
    if version == WIRE_VERSION {
        Ok(())
    } else {
        Err(WireError::new(
            "wire_version",
            format!("version {version} is not supported (this hub reads {WIRE_VERSION})"),
        ))
    }
}

/// How the hub checks one port of a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    /// A TCP connect succeeds.
    Tcp,
    /// An HTTP GET of `path` answers below 500.
    Http,
}

/// A port the node asks the hub to watch (its API on 8088, its SSH shell on 65129, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredPort {
    /// A short name shown in events (`api`, `ssh`).
    pub name: String,
    /// The TCP port.
    pub port: u16,
    /// How to check it.
    pub kind: CheckKind,
    /// For [`CheckKind::Http`]: the path to GET (`/api/v1/health`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Facts about the node's host, sent with every report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostFacts {
    /// The host name.
    pub hostname: String,
    /// The OS (`Debian GNU/Linux 12 (bookworm)`, from os-release).
    pub os: String,
    /// The shiwa version that sent the report.
    pub shiwa_version: String,
    /// Where the node's HTTP API can be reached, if it runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// The address the hub should probe the declared ports on (default: the address the
    /// report came from).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// Ports for the hub's active checks.
    #[serde(default)]
    pub ports: Vec<DeclaredPort>,
}

/// A node's periodic report: its clock and sources at `sent_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`WIRE_VERSION`].
    pub wire_version: u32,
    /// The reporting node.
    pub node_id: NodeId,
    /// Unique per report; a replay with a known id is acknowledged and not stored again.
    pub report_id: RecordId,
    /// When the node built the report, by its own clock.
    #[serde(with = "rfc3339")]
    pub sent_at: Timestamp,
    /// How often the node reports: the dead-man's switch counts in multiples of it.
    pub report_interval_s: u64,
    /// The clock, as `shiwa status --json` shows it.
    pub clock: ClockSnapshot,
    /// Every configured source, as `shiwa status --json` shows them.
    pub sources: Vec<SourceSnapshot>,
    /// The host.
    pub host: HostFacts,
}

impl Report {
    /// A report of `snapshot`, made at `sent_at`.
    pub fn from_snapshot(
        snapshot: &SyncSnapshot,
        node_id: NodeId,
        report_id: RecordId,
        sent_at: Timestamp,
        report_interval: Duration,
        host: HostFacts,
    ) -> Self {
        Report {
            wire_version: WIRE_VERSION,
            node_id,
            report_id,
            sent_at,
            report_interval_s: u64::try_from(report_interval.as_secs()).unwrap_or(0),
            clock: snapshot.clock.clone(),
            sources: snapshot.sources.clone(),
            host,
        }
    }

    /// The report interval as a [`Duration`].
    pub fn report_interval(&self) -> Duration {
        Duration::from_secs(i64::try_from(self.report_interval_s).unwrap_or(i64::MAX))
    }

    /// The checks the hub makes before storing a report.
    pub fn validate(&self) -> Result<(), WireError> {
        check_version(self.wire_version)?;
        let interval = self.report_interval();
        if interval < MIN_REPORT_INTERVAL || interval > MAX_REPORT_INTERVAL {
            return Err(WireError::new(
                "report_interval_s",
                format!(
                    "{} s is outside {}..={} s",
                    self.report_interval_s,
                    MIN_REPORT_INTERVAL.as_secs(),
                    MAX_REPORT_INTERVAL.as_secs()
                ),
            ));
        }
        if self.sources.len() > MAX_SOURCES {
            return Err(WireError::new(
                "sources",
                format!("{} sources, at most {MAX_SOURCES}", self.sources.len()),
            ));
        }
        if self.host.ports.len() > MAX_PORTS {
            return Err(WireError::new(
                "host.ports",
                format!("{} ports, at most {MAX_PORTS}", self.host.ports.len()),
            ));
        }
        for (index, port) in self.host.ports.iter().enumerate() {
            if port.port == 0 {
                return Err(WireError::new(
                    format!("host.ports[{index}].port"),
                    "port 0",
                ));
            }
            if port.kind == CheckKind::Http
                && !port.path.as_deref().is_some_and(|p| p.starts_with('/'))
            {
                return Err(WireError::new(
                    format!("host.ports[{index}].path"),
                    "an http check needs a path starting with `/`",
                ));
            }
        }
        Ok(())
    }
}

/// Something that happened on a node (or, for hub types, to it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// [`WIRE_VERSION`].
    pub wire_version: u32,
    /// The node it is about.
    pub node_id: NodeId,
    /// Unique per event; a replay with a known id is acknowledged and not stored again.
    pub event_id: RecordId,
    /// When it happened, by the node's clock (the hub's for hub events).
    #[serde(with = "rfc3339")]
    pub time: Timestamp,
    /// What happened, from the registry.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// How much an operator should care (the type's default unless the sender knows better).
    pub severity: EventSeverity,
    /// One line for humans.
    pub message: String,
    /// Structured details (offset, source, port, ...): a JSON object.
    #[serde(default)]
    pub details: serde_json::Map<String, serde_json::Value>,
}

impl Event {
    /// A node event of `event_type` with its default severity.
    pub fn new(
        node_id: NodeId,
        event_id: RecordId,
        time: Timestamp,
        event_type: EventType,
        message: impl Into<String>,
    ) -> Self {
        Event {
            wire_version: WIRE_VERSION,
            node_id,
            event_id,
            time,
            event_type,
            severity: event_type.default_severity(),
            message: message.into(),
            details: serde_json::Map::new(),
        }
    }

    /// The checks the hub makes before storing an event pushed by a node: hub-only types
    /// are refused.
    pub fn validate_from_node(&self) -> Result<(), WireError> {
        check_version(self.wire_version)?;
        if self.event_type.origin() == EventOrigin::Hub {
            return Err(WireError::new(
                "type",
                format!(
                    "`{}` is raised by the hub, not sent by nodes",
                    self.event_type
                ),
            ));
        }
        if self.message.len() > MAX_MESSAGE_BYTES {
            return Err(WireError::new(
                "message",
                format!("{} bytes, at most {MAX_MESSAGE_BYTES}", self.message.len()),
            ));
        }
        let details = serde_json::to_vec(&self.details).map_or(usize::MAX, |bytes| bytes.len());
        if details > MAX_DETAILS_BYTES {
            return Err(WireError::new(
                "details",
                format!("{details} bytes serialised, at most {MAX_DETAILS_BYTES}"),
            ));
        }
        Ok(())
    }
}

/// One file in a backup: where it lives, its mode, its bytes (base64 in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupFile {
    /// Absolute path on the node (`/etc/shiwa/shiwa.yml`, `/etc/shiwa/pki/node.key`).
    pub path: String,
    /// Unix permission bits (`0o600` for keys).
    pub mode: u32,
    /// The content, base64 (standard alphabet, padded).
    pub content_b64: String,
}

/// How a backup's files travel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BackupPayload {
    /// Nothing secret inside (the config redacted, no private keys): stored as is.
    NonSecret {
        /// The files.
        files: Vec<BackupFile>,
    },
    /// The files as JSON, sealed with AES-256-GCM under a key derived by argon2id from the
    /// node's retrieval password; the hub never sees the key.
    Encrypted {
        /// argon2id memory cost, KiB.
        kdf_memory_kib: u32,
        /// argon2id passes.
        kdf_passes: u32,
        /// argon2id salt, base64.
        kdf_salt_b64: String,
        /// AES-GCM nonce (12 bytes), base64.
        nonce_b64: String,
        /// The sealed `Vec<BackupFile>` JSON with its tag, base64.
        ciphertext_b64: String,
    },
}

/// A node's config and PKI files at one point in time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    /// [`WIRE_VERSION`].
    pub wire_version: u32,
    /// The node it belongs to.
    pub node_id: NodeId,
    /// Unique per backup; a replay with a known id is acknowledged and not stored again.
    pub backup_id: RecordId,
    /// The hub's sequence number for this node's backups (1, 2, ...): set by the hub on the
    /// way out (recovery), ignored on the way in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u64>,
    /// When the node made it.
    #[serde(with = "rfc3339")]
    pub created_at: Timestamp,
    /// Lowercase hex SHA-256 of the payload's canonical JSON (`serde_json::to_vec` of
    /// [`Self::payload`]): checked by the hub on upload and by `recover` before writing.
    pub sha256: String,
    /// The files.
    pub payload: BackupPayload,
}

impl Backup {
    /// The SHA-256 [`Self::sha256`] must hold for `payload`.
    pub fn digest(payload: &BackupPayload) -> String {
        use sha2::Digest;
        let bytes = serde_json::to_vec(payload).unwrap_or_default();
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// The checks the hub makes before storing a backup (and `recover` before using one).
    pub fn validate(&self) -> Result<(), WireError> {
        check_version(self.wire_version)?;
        let expected = Backup::digest(&self.payload);
        if expected != self.sha256 {
            return Err(WireError::new(
                "sha256",
                "does not match the payload: the backup is corrupted",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
