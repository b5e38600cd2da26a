//! Pure watchers that turn what the daemon publishes into fleet events: new engine events in
//! snapshots ([`EventWatch`]), the offset crossing `hub.offset_alert_ns` ([`OffsetWatch`]) and
//! error-level log records ([`ErrorLogWatch`], rate-limited). No clock, no I/O.

use crate::observe::{EventKind, EventRecord, EventSeverity, LogLevel, LogRecord};
use crate::time::{Duration, Timestamp};
use std::collections::HashSet;

/// The default `hub.offset_alert_ns`: 100 µs, the MiFID II bound for most trading venues.
pub const DEFAULT_OFFSET_ALERT_NS: u64 = 100_000;

/// Finds the events of a snapshot not seen before, deduplicated by time, kind and message.
#[derive(Debug, Clone, Default)]
pub struct EventWatch {
    seen: HashSet<(Timestamp, EventKind, String)>,
}

impl EventWatch {
    /// The events in `events` (a snapshot's, oldest first) that are new.
    pub fn new_events(&mut self, events: &[EventRecord]) -> Vec<EventRecord> {
        let fresh: Vec<EventRecord> = events
            .iter()
            .filter(|e| !self.seen.contains(&(e.time, e.kind, e.message.clone())))
            .cloned()
            .collect();
        // Remember what the snapshot holds now: older keys fell out of its window and
        // cannot come back.
        self.seen = events
            .iter()
            .map(|e| (e.time, e.kind, e.message.clone()))
            .collect();
        fresh
    }
}

/// The offset crossed the alert bound (`exceeded`) or came back under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetCrossing {
    /// True when |offset| rose above the bound, false when it fell back.
    pub exceeded: bool,
    /// The offset that crossed.
    pub offset: Duration,
    /// The bound.
    pub bound: Duration,
}

/// Watches |offset| against a bound with hysteresis: raised above the bound, cleared only
/// below 80 % of it, so an offset hovering at the bound does not flap.
#[derive(Debug, Clone)]
pub struct OffsetWatch {
    bound: Duration,
    exceeded: bool,
}

impl OffsetWatch {
    /// A watch with `bound_ns` (0 turns it off).
    pub fn new(bound_ns: u64) -> Self {
        OffsetWatch {
            bound: Duration::from_nanos(i64::try_from(bound_ns).unwrap_or(i64::MAX)),
            exceeded: false,
        }
    }

    /// Feeds the latest offset (none: no source selected, nothing changes).
    pub fn observe(&mut self, offset: Option<Duration>) -> Option<OffsetCrossing> {
        let offset = offset?;
        if self.bound <= Duration::ZERO {
            return None;
        }
        let magnitude = offset.abs();
        let clear_below = Duration::from_nanos(self.bound.as_nanos() / 5 * 4);
        let crossed = if !self.exceeded && magnitude > self.bound {
            true
        } else if self.exceeded && magnitude < clear_below {
            false
        } else {
            return None;
        };
        self.exceeded = crossed;
        Some(OffsetCrossing {
            exceeded: crossed,
            offset,
            bound: self.bound,
        })
    }
}

/// How many error records become events per window before the rest are only counted.
pub const ERROR_EVENTS_PER_WINDOW: u32 = 5;
/// The window of [`ERROR_EVENTS_PER_WINDOW`].
pub const ERROR_EVENT_WINDOW: Duration = Duration::from_secs(600);

/// An error-level log record to send as `error_logged`, with how many were suppressed before it.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorLogged {
    /// The record.
    pub record: LogRecord,
    /// Error records not sent since the last one that was (rate limit).
    pub suppressed: u64,
}

/// Picks new error-level log records out of the log buffer, rate-limited. Records from
/// `skip_target` (the reporter's own module) are ignored: an unreachable hub must not feed
/// events about itself into the spool.
#[derive(Debug)]
pub struct ErrorLogWatch {
    skip_target: &'static str,
    /// The newest record time seen, and the messages seen at exactly that time.
    last_time: Timestamp,
    at_last_time: HashSet<String>,
    window_start: Timestamp,
    sent_in_window: u32,
    suppressed: u64,
}

impl ErrorLogWatch {
    /// A watch ignoring records whose target starts with `skip_target`; only records after
    /// `start` count.
    pub fn new(skip_target: &'static str, start: Timestamp) -> Self {
        ErrorLogWatch {
            skip_target,
            last_time: start,
            at_last_time: HashSet::new(),
            window_start: start,
            sent_in_window: 0,
            suppressed: 0,
        }
    }

    /// The records of `recent` (oldest first) to send now, at `now` (monotonic or wall, the
    /// same clock every call).
    pub fn new_errors(&mut self, recent: &[LogRecord], now: Timestamp) -> Vec<ErrorLogged> {
        if now - self.window_start >= ERROR_EVENT_WINDOW {
            self.window_start = now;
            self.sent_in_window = 0;
        }
        let mut out = Vec::new();
        for record in recent {
            if !self.first_sight(record) {
                continue;
            }
            if record.level != LogLevel::Error || record.target.starts_with(self.skip_target) {
                continue;
            }
            if self.sent_in_window >= ERROR_EVENTS_PER_WINDOW {
                self.suppressed += 1;
                continue;
            }
            self.sent_in_window += 1;
            out.push(ErrorLogged {
                record: record.clone(),
                suppressed: std::mem::take(&mut self.suppressed),
            });
        }
        out
    }

    /// Whether `record` is newer than every record seen (records arrive oldest first).
    fn first_sight(&mut self, record: &LogRecord) -> bool {
        if record.time < self.last_time {
            return false;
        }
        if record.time > self.last_time {
            self.last_time = record.time;
            self.at_last_time.clear();
        }
        self.at_last_time.insert(record.message.clone())
    }
}

/// The severity an offset crossing is sent with: the type's (warning) when exceeded, info
/// when back within the bound.
pub fn crossing_severity(crossing: &OffsetCrossing) -> EventSeverity {
    if crossing.exceeded {
        EventSeverity::Warning
    } else {
        EventSeverity::Info
    }
}

#[cfg(test)]
#[path = "watch_tests.rs"]
mod tests;
