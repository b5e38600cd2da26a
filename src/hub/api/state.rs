//! [`HubState`]: what the handlers share — the store, the admin key digest, the ingest
//! counters, the node credentials cache, the recovery rate limiter and the clock.

use super::credential_cache::CredentialCache;
use super::error::HubApiError;
use crate::hub::nodes::key_matches;
use crate::hub::policy::PolicyLink;
use crate::hub::store::HubStore;
use crate::time::{Duration, Timestamp};
use axum::http::{HeaderMap, header};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Failed recovery attempts an address may make per [`RECOVERY_WINDOW`].
pub const RECOVERY_ATTEMPTS: u32 = 5;
/// The window of [`RECOVERY_ATTEMPTS`].
pub const RECOVERY_WINDOW: Duration = Duration::from_secs(60);
/// Retrieval-password checks (argon2) running at once.
pub const CONCURRENT_HASHES: usize = 2;

/// What was pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `POST /api/v1/report`.
    Report,
    /// `POST /api/v1/event`.
    Event,
    /// `POST /api/v1/backup`.
    Backup,
}

impl Kind {
    /// Every kind, in metrics order.
    pub const ALL: [Kind; 3] = [Kind::Report, Kind::Event, Kind::Backup];

    /// The label value.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Report => "report",
            Kind::Event => "event",
            Kind::Backup => "backup",
        }
    }
}

/// How a push ended, as counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Stored (201).
    New,
    /// A replay (200).
    Duplicate,
    /// Refused: bad JSON or field (400), too large (413).
    Invalid,
    /// Refused: credentials (401/403).
    Denied,
    /// The store failed (500).
    Error,
}

impl Outcome {
    /// Every outcome, in metrics order.
    pub const ALL: [Outcome; 5] = [
        Outcome::New,
        Outcome::Duplicate,
        Outcome::Invalid,
        Outcome::Denied,
        Outcome::Error,
    ];

    /// The label value.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::New => "new",
            Outcome::Duplicate => "duplicate",
            Outcome::Invalid => "invalid",
            Outcome::Denied => "denied",
            Outcome::Error => "error",
        }
    }

    /// The outcome of a failed push.
    pub fn of(error: &HubApiError) -> Outcome {
        match error {
            HubApiError::Unauthorized(_) | HubApiError::Forbidden(_) => Outcome::Denied,
            HubApiError::Internal(_) => Outcome::Error,
            _ => Outcome::Invalid,
        }
    }
}

/// Ingest counters by kind and outcome, and the last sweep time.
#[derive(Debug, Default)]
pub struct Counters {
    ingest: [[AtomicU64; 5]; 3],
    last_sweep_s: AtomicI64,
}

impl Counters {
    /// Counts one push.
    pub fn count(&self, kind: Kind, outcome: Outcome) {
        let k = Kind::ALL.iter().position(|x| *x == kind).unwrap_or(0);
        let o = Outcome::ALL.iter().position(|x| *x == outcome).unwrap_or(0);
        self.ingest[k][o].fetch_add(1, Ordering::Relaxed);
    }

    /// The count so far.
    pub fn get(&self, kind: Kind, outcome: Outcome) -> u64 {
        let k = Kind::ALL.iter().position(|x| *x == kind).unwrap_or(0);
        let o = Outcome::ALL.iter().position(|x| *x == outcome).unwrap_or(0);
        self.ingest[k][o].load(Ordering::Relaxed)
    }

    /// Records the time of the dead-man's switch's last sweep (set by the sweep task).
    pub fn set_last_sweep(&self, at: Timestamp) {
        self.last_sweep_s
            .store(at.as_nanos() / 1_000_000_000, Ordering::Relaxed);
    }

    /// The last sweep, Unix seconds (0: none yet).
    pub fn last_sweep_s(&self) -> i64 {
        self.last_sweep_s.load(Ordering::Relaxed)
    }
}

/// Failed recovery attempts per address.
#[derive(Debug, Default)]
pub struct RecoveryLimiter {
    failures: HashMap<IpAddr, (Timestamp, u32)>,
}

impl RecoveryLimiter {
    /// `Err(seconds to wait)` when `address` used up its attempts.
    pub fn check(&mut self, address: IpAddr, now: Timestamp) -> Result<(), u64> {
        self.failures
            .retain(|_, (start, _)| now.since(*start) < RECOVERY_WINDOW);
        match self.failures.get(&address) {
            Some((start, count)) if *count >= RECOVERY_ATTEMPTS => {
                let left = RECOVERY_WINDOW.as_secs() - now.since(*start).as_secs();
                Err(u64::try_from(left.max(1)).unwrap_or(1))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed attempt.
    pub fn fail(&mut self, address: IpAddr, now: Timestamp) {
        self.failures.entry(address).or_insert((now, 0)).1 += 1;
    }
}

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct HubState<S> {
    /// The store.
    pub store: S,
    admin_key_sha256: Option<[u8; 32]>,
    /// Ingest counters and the last sweep.
    pub counters: Arc<Counters>,
    /// Node credentials read recently (trusted for 1 s, see [`CredentialCache`]).
    pub credentials: Arc<CredentialCache>,
    /// Failed recovery attempts.
    pub limiter: Arc<Mutex<RecoveryLimiter>>,
    /// Bounds argon2 checks.
    pub hashing: Arc<Semaphore>,
    /// `limits.max_body_bytes`.
    pub max_body_bytes: usize,
    /// The wall clock (received_at, periods, rate limits).
    pub clock: fn() -> Timestamp,
    /// Where ingest tells the dead-man's switch, checks and alerts what arrived.
    pub policy: PolicyLink,
}

impl<S: HubStore> HubState<S> {
    /// State over `store`.
    pub fn new(
        store: S,
        admin_key_sha256: Option<[u8; 32]>,
        max_body_bytes: usize,
        clock: fn() -> Timestamp,
    ) -> Self {
        HubState {
            store,
            admin_key_sha256,
            counters: Arc::new(Counters::default()),
            credentials: Arc::new(CredentialCache::default()),
            limiter: Arc::new(Mutex::new(RecoveryLimiter::default())),
            hashing: Arc::new(Semaphore::new(CONCURRENT_HASHES)),
            max_body_bytes,
            clock,
            policy: PolicyLink::disconnected(),
        }
    }

    /// The same state, telling `policy` what arrives.
    pub fn with_policy(mut self, policy: PolicyLink) -> Self {
        self.policy = policy;
        self
    }

    /// Now, by the state's clock.
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Accepts a request bearing the admin key.
    pub fn require_admin(&self, headers: &HeaderMap) -> Result<(), HubApiError> {
        let presented = bearer(headers)?;
        match &self.admin_key_sha256 {
            Some(digest) if key_matches(digest, presented) => Ok(()),
            Some(_) => Err(HubApiError::Forbidden("not the admin key".into())),
            None => Err(HubApiError::Forbidden(
                "no admin key is configured (admin_key_file in hub.yaml)".into(),
            )),
        }
    }
}

/// The token of an `Authorization: Bearer TOKEN` header.
pub fn bearer(headers: &HeaderMap) -> Result<&str, HubApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(HubApiError::Unauthorized("send Authorization: Bearer KEY"))?;
    let text = value
        .to_str()
        .map_err(|_| HubApiError::Unauthorized("the Authorization header is not text"))?;
    let (scheme, token) = text.split_once(' ').ok_or(HubApiError::Unauthorized(
        "expected Authorization: Bearer KEY",
    ))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(HubApiError::Unauthorized(
            "expected Authorization: Bearer KEY",
        ));
    }
    Ok(token.trim())
}
