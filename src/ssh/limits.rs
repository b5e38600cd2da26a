//! Pure bookkeeping for the SSH server: failed logins per address ([`FailureLimiter`]) and the
//! open sessions with their idle times ([`SessionTable`]). Time is an argument; the server
//! (`server.rs`) reads the clock and acts on the answers.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// How many failed logins an address may make before it is shut out, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailurePolicy {
    /// Failures within [`FailurePolicy::window`] that block the address.
    pub max_failures: u32,
    /// The window failures are counted in, from the first one.
    pub window: Duration,
    /// How long a blocked address is refused.
    pub block_for: Duration,
    /// Addresses tracked at once; beyond this the stalest entries are forgotten.
    pub max_tracked: usize,
}

impl Default for FailurePolicy {
    fn default() -> Self {
        FailurePolicy {
            max_failures: 5,
            window: Duration::from_secs(60),
            block_for: Duration::from_secs(60),
            max_tracked: 4096,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct FailureEntry {
    first: Instant,
    failures: u32,
    blocked_until: Option<Instant>,
}

/// Counts failed logins per client address; an address with too many is refused for a while.
#[derive(Debug, Clone)]
pub struct FailureLimiter {
    policy: FailurePolicy,
    entries: HashMap<IpAddr, FailureEntry>,
}

impl FailureLimiter {
    /// An empty limiter.
    pub fn new(policy: FailurePolicy) -> Self {
        FailureLimiter {
            policy,
            entries: HashMap::new(),
        }
    }

    /// `Some(remaining)` while `addr` is blocked at `now`.
    #[must_use]
    pub fn blocked(&self, addr: IpAddr, now: Instant) -> Option<Duration> {
        let until = self.entries.get(&addr)?.blocked_until?;
        until.checked_duration_since(now).filter(|d| !d.is_zero())
    }

    /// Records a failed login; returns true when this failure blocks the address.
    pub fn record_failure(&mut self, addr: IpAddr, now: Instant) -> bool {
        self.forget_stale(now);
        let policy = self.policy;
        let entry = self.entries.entry(addr).or_insert(FailureEntry {
            first: now,
            failures: 0,
            blocked_until: None,
        });
        let window_over = now.saturating_duration_since(entry.first) >= policy.window;
        let block_over = entry.blocked_until.is_some_and(|until| now >= until);
        if window_over || block_over {
            *entry = FailureEntry {
                first: now,
                failures: 0,
                blocked_until: None,
            };
        }
        entry.failures = entry.failures.saturating_add(1);
        if entry.failures >= policy.max_failures && entry.blocked_until.is_none() {
            entry.blocked_until = Some(now + policy.block_for);
            return true;
        }
        false
    }

    /// A successful login clears the address's record (unless it is blocked).
    pub fn record_success(&mut self, addr: IpAddr, now: Instant) {
        if self.blocked(addr, now).is_none() {
            self.entries.remove(&addr);
        }
    }

    /// Addresses tracked now.
    pub fn tracked(&self) -> usize {
        self.entries.len()
    }

    /// Drops entries that no longer matter; when the table is still full, the oldest go.
    fn forget_stale(&mut self, now: Instant) {
        if self.entries.len() < self.policy.max_tracked {
            return;
        }
        let window = self.policy.window;
        self.entries.retain(|_, entry| match entry.blocked_until {
            Some(until) => until > now,
            None => now.saturating_duration_since(entry.first) < window,
        });
        while self.entries.len() >= self.policy.max_tracked {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.first)
                .map(|(addr, _)| *addr);
            match oldest {
                Some(addr) => self.entries.remove(&addr),
                None => break,
            };
        }
    }
}

/// Identifies an open session in a [`SessionTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId(pub u64);

/// Why a new session was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many SSH sessions (limit {limit})")]
pub struct SessionsFull {
    /// The limit.
    pub limit: usize,
}

/// The open sessions and when each last saw its client.
#[derive(Debug, Clone)]
pub struct SessionTable {
    max_sessions: usize,
    idle_timeout: Duration,
    next_id: u64,
    last_seen: HashMap<SessionId, Instant>,
}

impl SessionTable {
    /// An empty table allowing `max_sessions` at once, each idle at most `idle_timeout`.
    pub fn new(max_sessions: usize, idle_timeout: Duration) -> Self {
        SessionTable {
            max_sessions,
            idle_timeout,
            next_id: 0,
            last_seen: HashMap::new(),
        }
    }

    /// Opens a session, or refuses when the table is full.
    pub fn open(&mut self, now: Instant) -> Result<SessionId, SessionsFull> {
        if self.last_seen.len() >= self.max_sessions {
            return Err(SessionsFull {
                limit: self.max_sessions,
            });
        }
        let id = SessionId(self.next_id);
        self.next_id += 1;
        self.last_seen.insert(id, now);
        Ok(id)
    }

    /// The client of `id` did something at `now`.
    pub fn touch(&mut self, id: SessionId, now: Instant) {
        if let Some(seen) = self.last_seen.get_mut(&id) {
            *seen = (*seen).max(now);
        }
    }

    /// Forgets a closed session.
    pub fn close(&mut self, id: SessionId) {
        self.last_seen.remove(&id);
    }

    /// Sessions idle longer than the timeout at `now`, oldest id first. They stay in the table
    /// until [`SessionTable::close`].
    #[must_use]
    pub fn idle(&self, now: Instant) -> Vec<SessionId> {
        let mut idle: Vec<_> = self
            .last_seen
            .iter()
            .filter(|(_, seen)| now.saturating_duration_since(**seen) >= self.idle_timeout)
            .map(|(id, _)| *id)
            .collect();
        idle.sort();
        idle
    }

    /// Sessions open now.
    pub fn open_count(&self) -> usize {
        self.last_seen.len()
    }

    /// The idle timeout.
    pub fn idle_timeout(&self) -> Duration {
        self.idle_timeout
    }
}

#[cfg(test)]
#[path = "limits_tests.rs"]
mod tests;
