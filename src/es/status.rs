//! The shipper's state as the snapshot shows it (`elasticsearch` in `status --json`), and as
//! `/metrics` exports it.

use super::spool::EsSpoolCounters;
use crate::observe::rfc3339;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

/// Where shipping stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShipState {
    /// Not connected yet (installing the template, or nothing sent yet).
    Connecting,
    /// Up to date, or sending.
    Ok,
    /// The last request (or some items) failed; retrying with backoff.
    BackingOff,
}

/// The `elasticsearch` section of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EsSnapshot {
    /// The host the last request went to (scheme, host, port; never credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Where shipping stands.
    pub state: ShipState,
    /// Documents Elasticsearch stored, since the spool was created.
    pub acked: u64,
    /// Documents it already had (409), counted as delivered.
    pub duplicates: u64,
    /// Documents refused for good, written to the dead-letter file.
    pub dead_lettered: u64,
    /// Bulk requests that failed as a whole.
    pub failed_requests: u64,
    /// 429 answers, of requests and of items.
    pub too_many_requests: u64,
    /// Documents sent again after a retryable failure.
    pub retries: u64,
    /// Documents dropped from a full spool (`when_full: drop_oldest`).
    pub dropped: u64,
    /// Collections skipped while the spool was full (`when_full: block`).
    pub blocked: u64,
    /// Documents waiting in the spool.
    pub queued: u64,
    /// Their JSON bytes.
    pub queued_bytes: u64,
    /// Age of the oldest waiting document, seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oldest_age_s: Option<u64>,
    /// When Elasticsearch last acknowledged a document.
    #[serde(
        with = "rfc3339::option",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub last_ack: Option<Timestamp>,
    /// The last failure, while failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl EsSnapshot {
    /// The section for `counters` read at `now`.
    pub fn new(counters: &EsSpoolCounters, state: ShipState, now: Timestamp) -> Self {
        EsSnapshot {
            host: None,
            state,
            acked: counters.acked,
            duplicates: counters.duplicates,
            dead_lettered: counters.dead_lettered,
            failed_requests: counters.failed_requests,
            too_many_requests: counters.too_many_requests,
            retries: counters.retries,
            dropped: counters.dropped,
            blocked: counters.blocked,
            queued: counters.queued,
            queued_bytes: counters.queued_bytes,
            oldest_age_s: counters
                .oldest
                .map(|oldest| u64::try_from(now.since(oldest).as_secs()).unwrap_or(0)),
            last_ack: None,
            last_error: None,
        }
    }
}
