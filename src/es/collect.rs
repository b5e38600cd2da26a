//! What to ship from what the daemon publishes, pure: clock and source documents once per
//! `snapshot_interval` (by the snapshots' own time), each engine event once, each log record at
//! info and above once. Collecting is two-phase — [`Collector::snapshot`] and
//! [`Collector::logs`] return the documents with the collector's next state, and
//! [`Collector::commit`] adopts it only after the spool has taken them — so a failed or
//! refused spool write loses nothing that the daemon still holds.

use super::document::{Document, IndexPatterns, event_document, log_document, snapshot_documents};
use crate::fleet::reporter::EventWatch;
use crate::observe::{LogRecord, SyncSnapshot};
use crate::time::{Duration, Timestamp};
use std::collections::HashSet;

/// How early a snapshot may come and still count as the next interval's (snapshots arrive
/// about once a second; without it a 10 s interval would drift to 11 s).
const INTERVAL_SLACK: Duration = Duration::from_millis(500);

/// The newest log records already collected: their time, and which records at exactly that
/// time (several records can share a timestamp).
#[derive(Debug, Clone, Default, PartialEq)]
struct LogMark {
    time: Option<Timestamp>,
    at_time: HashSet<(String, String)>,
}

/// The collector's state.
#[derive(Debug)]
pub struct Collector {
    indices: IndexPatterns,
    interval: Duration,
    last_snapshot: Option<Timestamp>,
    events: EventWatch,
    logs: LogMark,
}

/// Documents collected, with the state to adopt once they are spooled.
#[derive(Debug)]
pub struct Collected {
    /// The new documents.
    pub documents: Vec<Document>,
    next: Next,
}

#[derive(Debug)]
enum Next {
    Snapshot {
        taken_at: Option<Timestamp>,
        events: EventWatch,
    },
    Logs(LogMark),
}

impl Collector {
    /// A collector routing documents with `indices`, taking clock and source documents every
    /// `interval`.
    pub fn new(indices: IndexPatterns, interval: Duration) -> Self {
        Collector {
            indices,
            interval,
            last_snapshot: None,
            events: EventWatch::default(),
            logs: LogMark::default(),
        }
    }

    /// The documents of a new snapshot: clock and sources when the interval has passed since
    /// the last ones taken, and the events not collected before.
    pub fn snapshot(&self, snapshot: &SyncSnapshot) -> Collected {
        let time = snapshot.generated_at;
        let due = self
            .last_snapshot
            .is_none_or(|last| time - last >= self.interval - INTERVAL_SLACK || time < last);
        let mut documents = if due {
            snapshot_documents(snapshot, &self.indices)
        } else {
            Vec::new()
        };
        let mut events = self.events.clone();
        documents.extend(
            events
                .new_events(&snapshot.events)
                .iter()
                .map(|event| event_document(event, &snapshot.host, &self.indices)),
        );
        Collected {
            documents,
            next: Next::Snapshot {
                taken_at: if due { Some(time) } else { self.last_snapshot },
                events,
            },
        }
    }

    /// The documents of the log records (oldest first, as the daemon's buffer gives them) not
    /// collected before, at info and above.
    pub fn logs(&self, host: &str, records: &[LogRecord]) -> Collected {
        let mut mark = self.logs.clone();
        let mut documents = Vec::new();
        for record in records {
            let key = (record.target.clone(), record.message.clone());
            let new = match mark.time {
                None => true,
                Some(time) => {
                    record.time > time || (record.time == time && !mark.at_time.contains(&key))
                }
            };
            if !new {
                continue;
            }
            if mark.time != Some(record.time) {
                mark.time = Some(record.time);
                mark.at_time.clear();
            }
            mark.at_time.insert(key);
            documents.extend(log_document(record, host, &self.indices));
        }
        Collected {
            documents,
            next: Next::Logs(mark),
        }
    }

    /// Adopts the state of `collected` once its documents are spooled.
    pub fn commit(&mut self, collected: Collected) {
        match collected.next {
            Next::Snapshot { taken_at, events } => {
                self.last_snapshot = taken_at;
                self.events = events;
            }
            Next::Logs(mark) => self.logs = mark,
        }
    }
}

#[cfg(test)]
#[path = "collect_tests.rs"]
mod tests;
