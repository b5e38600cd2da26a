//! The reporter's state as the snapshot shows it (`hub` in `status --json`).

use crate::observe::rfc3339;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Where pushes stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HubPushState {
    /// Up to date, or pushing.
    Ok,
    /// The last push failed; retrying with backoff.
    BackingOff,
    /// The hub refuses the API key (401/403): pushes are held, the spool kept.
    Unauthorized,
}

/// The `hub` section of a snapshot: the reporter's spool and push counters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubSnapshot {
    /// The hub's base URL.
    pub url: String,
    /// This node's id at the hub.
    pub node_id: String,
    /// Where pushes stand.
    pub state: HubPushState,
    /// Records waiting in the spool.
    pub queued: u64,
    /// Records the hub stored (201), since the spool was created.
    pub sent: u64,
    /// Records the hub already had (200).
    pub duplicates: u64,
    /// Records the hub refused for good (400, 413), kept in the dead-letter table.
    pub dead_lettered: u64,
    /// Records dropped because the spool was full.
    pub dropped: u64,
    /// Failed pushes that were retried.
    pub retries: u64,
    /// Age of the oldest waiting record, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_age_s: Option<u64>,
    /// When the hub last acknowledged a record.
    #[serde(
        with = "rfc3339::option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_ack: Option<Timestamp>,
    /// The last push failure, while failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}
