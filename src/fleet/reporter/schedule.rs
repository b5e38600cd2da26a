//! The reporter's pure scheduler: when the next report is due, when to look for a backup,
//! whether a push may go out now, and how long to back off after a failure.
//!
//! Fed with `now` (a monotonic [`Timestamp`]), push results and random jitter; never reads a
//! clock, sleeps or touches the network. The driver applies the [`ReporterAction`]s it returns
//! and sleeps until [`Scheduler::next_wakeup`].

use crate::time::{Duration, Timestamp};

/// The first retry delay after a failed push.
pub const BACKOFF_MIN: Duration = Duration::from_secs(1);
/// The longest retry delay.
pub const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// The longest `Retry-After` honoured (a hub asking for more is asked again after this).
pub const RETRY_AFTER_MAX: Duration = Duration::from_secs(3600);
/// How often a refused API key is logged while pushes are held.
pub const AUTH_LOG_INTERVAL: Duration = Duration::from_secs(60);
/// How often the config and PKI files are hashed to notice a change.
pub const BACKUP_CHECK_INTERVAL: Duration = Duration::from_secs(60);
/// A backup is pushed at least this often, changed or not.
pub const BACKUP_MAX_AGE: Duration = Duration::from_secs(86_400);

/// What the hub made of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushResult {
    /// 201: stored.
    Stored,
    /// 200: already stored (a replay).
    Duplicate,
    /// 400 or 413: refused for good, with the hub's reason.
    Refused {
        /// The HTTP status.
        status: u16,
        /// Why (the hub's `error` and `field`).
        reason: String,
    },
    /// 401 or 403: the hub does not accept this node's API key.
    Unauthorized {
        /// The HTTP status.
        status: u16,
    },
    /// 429, 5xx, another status or no answer: try again later.
    Failed {
        /// What happened (`503`, `connection refused`).
        reason: String,
        /// The hub's `Retry-After`.
        retry_after: Option<Duration>,
    },
}

/// What the driver should do now.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReporterAction {
    /// Build a report of the latest snapshot and spool it.
    SpoolReport,
    /// Hash the config and PKI files; spool a backup if they changed since the last one, or
    /// in any case when `force`.
    CheckBackup {
        /// Back up even if nothing changed (at start, and daily).
        force: bool,
    },
    /// Push the next spooled record and report the result with [`Scheduler::on_push`].
    PushNext,
    /// Log (at error level) that the hub refuses the API key.
    LogAuthFailure,
}

/// What to do with the record that was pushed.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushVerdict {
    /// The hub has it: delete it from the spool (`duplicate`: it had it already).
    Acknowledge {
        /// The hub answered 200.
        duplicate: bool,
    },
    /// The hub will never take it: move it to the dead-letter table.
    DeadLetter {
        /// The HTTP status.
        status: u16,
        /// Why.
        reason: String,
    },
    /// Keep it and try again after the backoff (counted as a retry).
    Retry,
    /// Keep it; pushes are held until the API key is accepted (not counted as a retry).
    Hold,
}

/// Where the pushes stand, for the snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushState {
    /// Nothing waiting, or pushing.
    Ok,
    /// A push failed; the next one waits until `until`.
    BackingOff {
        /// When the next push may go out.
        until: Timestamp,
    },
    /// The hub refused the API key; pushes are held (one probe every [`BACKOFF_MAX`]).
    Unauthorized,
}

/// The scheduler's state.
#[derive(Debug, Clone)]
pub struct Scheduler {
    report_interval: Duration,
    next_report: Timestamp,
    next_backup_check: Timestamp,
    next_forced_backup: Timestamp,
    pending: bool,
    in_flight: bool,
    push_not_before: Timestamp,
    failures: u32,
    unauthorized: bool,
    next_auth_log: Timestamp,
}

impl Scheduler {
    /// A scheduler started at `now`: a report and a backup are due at once.
    pub fn new(report_interval: Duration, now: Timestamp) -> Self {
        Scheduler {
            report_interval: report_interval.max(Duration::from_secs(1)),
            next_report: now,
            next_backup_check: now,
            next_forced_backup: now,
            pending: true,
            in_flight: false,
            push_not_before: now,
            failures: 0,
            unauthorized: false,
            next_auth_log: now,
        }
    }

    /// Everything due at `now`, in order. A [`ReporterAction::PushNext`] must be answered
    /// with [`Self::on_push`] or [`Self::drained`] before the next one is handed out.
    pub fn poll(&mut self, now: Timestamp) -> Vec<ReporterAction> {
        let mut actions = Vec::new();
        if now >= self.next_report {
            actions.push(ReporterAction::SpoolReport);
            self.pending = true;
            self.next_report = advance(self.next_report, self.report_interval, now);
        }
        if now >= self.next_backup_check {
            let force = now >= self.next_forced_backup;
            if force {
                self.next_forced_backup = now + BACKUP_MAX_AGE;
            }
            actions.push(ReporterAction::CheckBackup { force });
            self.next_backup_check = now + BACKUP_CHECK_INTERVAL;
        }
        if self.unauthorized && now >= self.next_auth_log {
            actions.push(ReporterAction::LogAuthFailure);
            self.next_auth_log = now + AUTH_LOG_INTERVAL;
        }
        if self.pending && !self.in_flight && now >= self.push_not_before {
            actions.push(ReporterAction::PushNext);
            self.in_flight = true;
        }
        actions
    }

    /// When [`Self::poll`] next has something to do.
    pub fn next_wakeup(&self) -> Timestamp {
        let mut wake = self.next_report.min(self.next_backup_check);
        if self.unauthorized {
            wake = wake.min(self.next_auth_log);
        }
        if self.pending && !self.in_flight {
            wake = wake.min(self.push_not_before);
        }
        wake
    }

    /// A record was spooled (an event, a backup): push when allowed.
    pub fn spooled(&mut self) {
        self.pending = true;
    }

    /// The spool turned out empty when a push was due.
    pub fn drained(&mut self) {
        self.in_flight = false;
        self.pending = false;
    }

    /// The push handed out by [`Self::poll`] ended with `result`; `jitter` is a uniformly
    /// random number that spreads retries of many nodes apart.
    pub fn on_push(&mut self, now: Timestamp, result: PushResult, jitter: u32) -> PushVerdict {
        self.in_flight = false;
        match result {
            PushResult::Stored | PushResult::Duplicate => {
                self.hub_answered(now);
                PushVerdict::Acknowledge {
                    duplicate: result == PushResult::Duplicate,
                }
            }
            PushResult::Refused { status, reason } => {
                self.hub_answered(now);
                PushVerdict::DeadLetter { status, reason }
            }
            PushResult::Unauthorized { .. } => {
                if !self.unauthorized {
                    self.next_auth_log = now;
                }
                self.unauthorized = true;
                self.failures = 0;
                self.push_not_before = now + BACKOFF_MAX;
                PushVerdict::Hold
            }
            PushResult::Failed { retry_after, .. } => {
                self.failures = self.failures.saturating_add(1);
                let mut delay = jittered(backoff(self.failures), jitter);
                if let Some(asked) = retry_after {
                    delay = delay.max(asked.min(RETRY_AFTER_MAX));
                }
                self.push_not_before = now + delay;
                PushVerdict::Retry
            }
        }
    }

    /// The hub answered a push (it is up and takes the key): pushes resume at full speed.
    fn hub_answered(&mut self, now: Timestamp) {
        self.failures = 0;
        self.unauthorized = false;
        self.push_not_before = now;
    }

    /// Where the pushes stand at `now`.
    pub fn state(&self, now: Timestamp) -> PushState {
        if self.unauthorized {
            PushState::Unauthorized
        } else if self.pending && now < self.push_not_before {
            PushState::BackingOff {
                until: self.push_not_before,
            }
        } else {
            PushState::Ok
        }
    }
}

/// The next due time after `due`, skipping periods missed while the driver was busy.
fn advance(due: Timestamp, interval: Duration, now: Timestamp) -> Timestamp {
    let next = due + interval;
    if next > now { next } else { now + interval }
}

/// The un-jittered delay after `failures` failed pushes in a row: 1 s, 2 s, 4 s ... 300 s.
pub fn backoff(failures: u32) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    let delay = BACKOFF_MIN * (1i64 << exponent);
    delay.min(BACKOFF_MAX)
}

/// "Equal jitter": half the delay fixed, the other half scaled by `jitter / u32::MAX`.
fn jittered(delay: Duration, jitter: u32) -> Duration {
    let half = delay.as_nanos() / 2;
    let spread = i128::from(half) * i128::from(jitter) / i128::from(u32::MAX);
    Duration::from_nanos(half + i64::try_from(spread).unwrap_or(half))
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
