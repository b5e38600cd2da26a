//! The engine's recent events (steps, group changes, sync lost and recovered, alerts), kept
//! in a bounded log for snapshots; the fleet reporter ships them later.

use super::core::SourceRuntime;
use crate::observe::{EventKind, EventRecord, EventSeverity};
use crate::selection::SelectionEvent;
use crate::time::Timestamp;
use std::collections::VecDeque;

/// How many events a snapshot carries.
pub const EVENT_CAPACITY: usize = 200;

/// A bounded log of events, oldest first.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    events: VecDeque<EventRecord>,
    total: u64,
}

impl EventLog {
    /// Records an event, dropping the oldest beyond [`EVENT_CAPACITY`], and logs it.
    pub fn push(&mut self, at: Timestamp, kind: EventKind, message: String) {
        match kind.default_severity() {
            EventSeverity::Error => tracing::error!(event = kind.name(), "{message}"),
            EventSeverity::Warning => tracing::warn!(event = kind.name(), "{message}"),
            EventSeverity::Info => tracing::info!(event = kind.name(), "{message}"),
        }
        self.record(at, kind, message);
    }

    /// Records an event that was already logged where it happened (selection logs its own).
    pub fn record(&mut self, at: Timestamp, kind: EventKind, message: String) {
        let severity = kind.default_severity();
        if self.events.len() == EVENT_CAPACITY {
            self.events.pop_front();
        }
        self.events.push_back(EventRecord {
            time: at,
            kind,
            severity,
            message,
        });
        self.total += 1;
    }

    /// Records a selection event, naming sources by their labels.
    pub fn push_selection(
        &mut self,
        at: Timestamp,
        event: &SelectionEvent,
        sources: &[SourceRuntime],
    ) {
        let name = |id| {
            sources
                .iter()
                .find(|s| s.spec.id == id)
                .map(|s| s.spec.name.clone())
                .unwrap_or_else(|| format!("source {id:?}"))
        };
        let (kind, message) = match event {
            SelectionEvent::GroupChanged { from, to, reason } => (
                EventKind::SourceGroupChanged,
                format!("source group changed from {from:?} to {to:?}: {reason:?}"),
            ),
            SelectionEvent::SourceSelected { id, .. } => {
                (EventKind::SourceSelected, format!("selected {}", name(*id)))
            }
            SelectionEvent::Falseticker { id } => (
                EventKind::Falseticker,
                format!(
                    "{} disagrees with the other sources: falseticker",
                    name(*id)
                ),
            ),
            SelectionEvent::SelectionLost { reason, .. } => (
                EventKind::SyncLost,
                format!("no source selected: {reason:?}"),
            ),
        };
        self.record(at, kind, message);
    }

    /// The events, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &EventRecord> {
        self.events.iter()
    }

    /// Events recorded since start (including dropped ones).
    pub fn total(&self) -> u64 {
        self.total
    }
}
