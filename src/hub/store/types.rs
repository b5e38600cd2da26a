//! What [`super::HubStore`] takes and returns.

use crate::fleet::{DeclaredPort, Event, HostFacts, NodeId};
use crate::observe::{ClockState, EventSeverity};
use crate::time::{Duration, Ppb, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether a push was new or a replay of a known id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// Stored now.
    New,
    /// Already stored: nothing changed.
    Duplicate,
}

/// A node's state in the dead-man's switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeState {
    /// Added, never reported.
    New,
    /// Reporting on time.
    Ok,
    /// Silent for longer than its stale threshold.
    Stale,
    /// Silent for longer than its down threshold.
    Down,
}

impl NodeState {
    /// Every state, for metrics.
    pub const ALL: [NodeState; 4] = [
        NodeState::New,
        NodeState::Ok,
        NodeState::Stale,
        NodeState::Down,
    ];

    /// The name stored and shown (`ok`, `stale`).
    pub fn as_str(self) -> &'static str {
        match self {
            NodeState::New => "new",
            NodeState::Ok => "ok",
            NodeState::Stale => "stale",
            NodeState::Down => "down",
        }
    }

    /// The state named `name`.
    pub fn parse(name: &str) -> Option<NodeState> {
        NodeState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for NodeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A node to add. The API key and retrieval password themselves are never stored.
#[derive(Debug, Clone)]
pub struct NewNode {
    /// Its id.
    pub node_id: NodeId,
    /// SHA-256 of its API key.
    pub api_key_sha256: [u8; 32],
    /// argon2 PHC string of its retrieval password.
    pub retrieval_hash: String,
    /// The report interval the operator declared (reports update it).
    pub report_interval_s: u64,
    /// Ports to check, declared by the operator (reports may declare more).
    pub ports: Vec<DeclaredPort>,
    /// When it was added.
    pub created_at: Timestamp,
}

/// What authenticating a node needs.
#[derive(Debug, Clone)]
pub struct NodeCredentials {
    /// SHA-256 of its API key.
    pub api_key_sha256: [u8; 32],
    /// argon2 PHC string of its retrieval password.
    pub retrieval_hash: String,
    /// Pushes are refused.
    pub blocked: bool,
}

/// The summary of a node's newest report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastReport {
    /// When the node sent it.
    #[serde(with = "crate::observe::rfc3339")]
    pub sent_at: Timestamp,
    /// Its clock state.
    pub clock_state: ClockState,
    /// Whether it was synchronised.
    pub synchronized: bool,
    /// Its offset, ns.
    pub offset_ns: Option<i64>,
    /// Its frequency correction, ppb.
    pub frequency_ppb: f64,
    /// Path delay to its source, ns.
    pub path_delay_ns: Option<i64>,
    /// The selected source.
    pub selected_source: Option<String>,
}

/// A node as the hub knows it (no secrets).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRecord {
    /// Its id.
    pub node_id: NodeId,
    /// When it was added.
    #[serde(with = "crate::observe::rfc3339")]
    pub created_at: Timestamp,
    /// Its declared report interval, seconds.
    pub report_interval_s: u64,
    /// Ports declared by the operator.
    pub ports: Vec<DeclaredPort>,
    /// Pushes refused.
    pub blocked: bool,
    /// Sweep and checks skip it.
    pub maintenance: bool,
    /// Dead-man's switch state.
    pub state: NodeState,
    /// Since when.
    #[serde(with = "crate::observe::rfc3339")]
    pub state_since: Timestamp,
    /// When the hub last received a report from it.
    #[serde(with = "crate::observe::rfc3339::option")]
    pub last_seen: Option<Timestamp>,
    /// Its newest report.
    pub last_report: Option<LastReport>,
    /// Host facts from its newest report.
    pub host: Option<HostFacts>,
    /// How many backups it has pushed (the newest version).
    pub backup_version: u64,
}

/// One point of a node's history (one report).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryPoint {
    /// When the node sent the report.
    #[serde(with = "crate::observe::rfc3339")]
    pub time: Timestamp,
    /// Clock state.
    pub state: ClockState,
    /// Offset, ns.
    pub offset_ns: Option<i64>,
    /// Frequency correction, ppb.
    pub frequency_ppb: f64,
    /// Path delay, ns.
    pub path_delay_ns: Option<i64>,
}

impl HistoryPoint {
    /// The offset as a [`Duration`].
    pub fn offset(&self) -> Option<Duration> {
        self.offset_ns.map(Duration::from_nanos)
    }

    /// The frequency as [`Ppb`].
    pub fn frequency(&self) -> Ppb {
        Ppb(self.frequency_ppb)
    }
}

/// Which events to read.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFilter {
    /// At or after this time.
    pub since: Option<Timestamp>,
    /// At least this severe.
    pub min_severity: Option<EventSeverity>,
    /// Only this node's.
    pub node: Option<NodeId>,
    /// At most this many (the newest).
    pub limit: u32,
}

/// An event with the time the hub received it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    /// The event.
    #[serde(flatten)]
    pub event: Event,
    /// When the hub stored it.
    #[serde(with = "crate::observe::rfc3339")]
    pub received_at: Timestamp,
}

/// The result of one check of one declared port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortCheck {
    /// The node.
    pub node_id: NodeId,
    /// The port's name (`api`, `ssh`).
    pub name: String,
    /// The port.
    pub port: u16,
    /// When it was checked.
    #[serde(with = "crate::observe::rfc3339")]
    pub checked_at: Timestamp,
    /// Whether it answered.
    pub up: bool,
    /// How long it took to answer, µs.
    pub latency_us: Option<u64>,
    /// Why it did not answer.
    pub error: Option<String>,
}

/// One entry of the notification log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// The log's id (0 before it is logged).
    pub id: i64,
    /// When the delivery was attempted.
    #[serde(with = "crate::observe::rfc3339")]
    pub time: Timestamp,
    /// The node it was about.
    pub node_id: Option<NodeId>,
    /// The event it was about.
    pub event_id: Option<String>,
    /// The channel (webhook name).
    pub channel: String,
    /// `delivered`, `failed`, `suppressed`, ...
    pub outcome: String,
    /// Details (HTTP status, error).
    pub detail: String,
}

/// What [`super::HubStore::prune`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PruneCounts {
    /// Reports.
    pub reports: u64,
    /// Events.
    pub events: u64,
    /// Notification log entries.
    pub notifications: u64,
    /// Old backup versions.
    pub backups: u64,
}

/// Nodes by dead-man's switch state, plus blocked and maintenance counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NodeCounts {
    /// `(state, count)` for every state, including zeros.
    pub by_state: Vec<(NodeState, u64)>,
    /// Blocked nodes.
    pub blocked: u64,
    /// Nodes in maintenance.
    pub maintenance: u64,
}

/// The integer stored for a severity, ordered so `>=` means "at least as severe".
pub fn severity_rank(severity: EventSeverity) -> i64 {
    match severity {
        EventSeverity::Info => 0,
        EventSeverity::Warning => 1,
        EventSeverity::Error => 2,
    }
}
