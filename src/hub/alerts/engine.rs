//! The alert engine, pure: events and ticks in, [`Notification`]s to send out.
//!
//! - Problems (`node_stale`, `node_down`, `port_down`, `sync_lost`) open an alert keyed by
//!   node, type and port; `node_recovered`, `port_up` and `sync_recovered` close it with a
//!   resolved notice to every webhook the problem went to. `node_down` replaces an open
//!   `node_stale` of the same node (one alert per outage).
//! - Cooldown: at most one problem notification per key within `cooldown`; a problem that
//!   was held back and still persists when the cooldown ends is sent then ([`AlertEngine::tick`]).
//! - Repeat: while a notified problem persists, a reminder every `repeat_interval`.
//! - Other events (offset_exceeded, clock_stepped, ...) are one-off notifications under the
//!   same cooldown.
//! - Routing: each webhook takes events at or above its `min_severity`.

use super::settings::AlertSettings;
use crate::fleet::{Event, EventType, NodeId, RecordId};
use crate::hub::sweep::derived_id;
use crate::observe::EventSeverity;
use crate::time::{Duration, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;

/// Why a notification is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// A problem started.
    Firing,
    /// A problem still persists (`repeat_interval`).
    Repeat,
    /// A notified problem ended.
    Resolved,
    /// A one-off event (no problem/resolution pair).
    Event,
}

/// One message to one webhook.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    /// Unique per notification (derived from the event, kind, webhook and time).
    pub id: RecordId,
    /// The webhook's `name`.
    pub webhook: String,
    /// Why it is sent.
    pub kind: NotificationKind,
    /// The event it is about: the problem's latest event, or for [`NotificationKind::Resolved`]
    /// the event that resolved it.
    pub event: Event,
    /// For a resolved notice, the problem type it closes.
    pub resolves: Option<EventType>,
    /// When the problem (or the event) started.
    pub since: Timestamp,
    /// When the engine decided to send it.
    pub created_at: Timestamp,
}

/// What identifies an alert: node, problem type and (for ports) the port's name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct AlertKey {
    node_id: NodeId,
    event_type: EventType,
    subject: Option<String>,
}

#[derive(Debug, Clone)]
struct OpenProblem {
    event: Event,
    since: Timestamp,
    last_notified: Option<Timestamp>,
    notified_to: Vec<String>,
}

/// The alert engine's state: open problems and when each key was last notified.
#[derive(Debug, Clone)]
pub struct AlertEngine {
    cooldown: Duration,
    repeat_interval: Duration,
    send_resolved: bool,
    routes: Vec<(String, EventSeverity)>,
    open: BTreeMap<AlertKey, OpenProblem>,
    last_sent: BTreeMap<AlertKey, Timestamp>,
}

/// The problem types an event type resolves (empty for anything but a resolver).
pub fn resolved_by(event_type: EventType) -> &'static [EventType] {
    match event_type {
        EventType::NodeRecovered => &[EventType::NodeStale, EventType::NodeDown],
        EventType::PortUp => &[EventType::PortDown],
        EventType::SyncRecovered => &[EventType::SyncLost],
        _ => &[],
    }
}

/// Whether an event type opens a problem that a later event resolves.
pub fn is_problem(event_type: EventType) -> bool {
    matches!(
        event_type,
        EventType::NodeStale | EventType::NodeDown | EventType::PortDown | EventType::SyncLost
    )
}

fn key_of(event: &Event, event_type: EventType) -> AlertKey {
    AlertKey {
        node_id: event.node_id.clone(),
        event_type,
        subject: event
            .details
            .get("port_name")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string),
    }
}

impl AlertEngine {
    /// An engine with no open problems.
    pub fn new(settings: &AlertSettings) -> Self {
        AlertEngine {
            cooldown: Duration::from_std(settings.cooldown.0),
            repeat_interval: Duration::from_std(settings.repeat_interval.0),
            send_resolved: settings.send_resolved,
            routes: settings
                .webhooks
                .iter()
                .map(|webhook| (webhook.name.clone(), webhook.min_severity))
                .collect(),
            open: BTreeMap::new(),
            last_sent: BTreeMap::new(),
        }
    }

    /// An event was stored at `now`: the notifications it causes.
    pub fn on_event(&mut self, event: &Event, now: Timestamp) -> Vec<Notification> {
        let resolves = resolved_by(event.event_type);
        if !resolves.is_empty() {
            return self.resolve(event, resolves, now);
        }
        let key = key_of(event, event.event_type);
        if !is_problem(event.event_type) {
            if self.cooling(&key, now) {
                return Vec::new();
            }
            let out = self.notify(event, NotificationKind::Event, None, event.time, now);
            if !out.is_empty() {
                self.last_sent.insert(key, now);
            }
            return out;
        }
        if event.event_type == EventType::NodeDown {
            self.open.remove(&key_of(event, EventType::NodeStale));
        }
        if let Some(open) = self.open.get_mut(&key) {
            open.event = event.clone();
            return Vec::new();
        }
        self.open.insert(
            key.clone(),
            OpenProblem {
                event: event.clone(),
                since: event.time,
                last_notified: None,
                notified_to: Vec::new(),
            },
        );
        self.fire(&key, now)
    }

    /// Rebuilds the open problems after a restart from stored events, oldest first, without
    /// notifying: a problem still open at the end counts as notified when its latest event
    /// happened, to every webhook its severity routes to (so the next notice about it is a
    /// reminder or a resolved notice, never a second "firing"). Returns the latest event of
    /// each problem left open.
    pub fn restore(&mut self, events: &[Event]) -> Vec<Event> {
        for event in events {
            let resolves = resolved_by(event.event_type);
            for problem_type in resolves {
                self.open.remove(&key_of(event, *problem_type));
            }
            if !is_problem(event.event_type) {
                continue;
            }
            if event.event_type == EventType::NodeDown {
                self.open.remove(&key_of(event, EventType::NodeStale));
            }
            let notified_to: Vec<String> = self
                .routes
                .iter()
                .filter(|(_, min)| event.severity >= *min)
                .map(|(webhook, _)| webhook.clone())
                .collect();
            let key = key_of(event, event.event_type);
            let since = self.open.get(&key).map_or(event.time, |open| open.since);
            self.last_sent.insert(key.clone(), event.time);
            self.open.insert(
                key,
                OpenProblem {
                    event: event.clone(),
                    since,
                    last_notified: Some(event.time),
                    notified_to,
                },
            );
        }
        self.open.values().map(|open| open.event.clone()).collect()
    }

    /// Time passed: problems held back by the cooldown, and reminders that are due.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Notification> {
        let keys: Vec<AlertKey> = self.open.keys().cloned().collect();
        keys.iter().flat_map(|key| self.fire(key, now)).collect()
    }

    /// When [`Self::tick`] next has something to do, if ever.
    pub fn next_due(&self) -> Option<Timestamp> {
        self.open
            .iter()
            .filter_map(|(key, open)| match open.last_notified {
                None => Some(
                    self.last_sent
                        .get(key)
                        .map_or(open.since, |sent| *sent + self.cooldown),
                ),
                Some(sent) if self.repeat_interval > Duration::ZERO => {
                    Some(sent + self.repeat_interval)
                }
                Some(_) => None,
            })
            .min()
    }

    /// How many problems are open.
    pub fn open_problems(&self) -> usize {
        self.open.len()
    }

    fn cooling(&self, key: &AlertKey, now: Timestamp) -> bool {
        self.last_sent
            .get(key)
            .is_some_and(|sent| now < *sent + self.cooldown)
    }

    /// The first notification of an open problem, or its reminder, if due.
    fn fire(&mut self, key: &AlertKey, now: Timestamp) -> Vec<Notification> {
        let cooling = self.cooling(key, now);
        let Some(open) = self.open.get(key) else {
            return Vec::new();
        };
        let kind = match open.last_notified {
            None if !cooling => NotificationKind::Firing,
            Some(sent)
                if self.repeat_interval > Duration::ZERO && now >= sent + self.repeat_interval =>
            {
                NotificationKind::Repeat
            }
            _ => return Vec::new(),
        };
        let (event, since) = (open.event.clone(), open.since);
        let out = self.notify(&event, kind, None, since, now);
        if let Some(open) = self.open.get_mut(key) {
            open.last_notified = Some(now);
            if kind == NotificationKind::Firing {
                open.notified_to = out.iter().map(|n| n.webhook.clone()).collect();
            }
        }
        self.last_sent.insert(key.clone(), now);
        out
    }

    fn resolve(
        &mut self,
        event: &Event,
        resolves: &[EventType],
        now: Timestamp,
    ) -> Vec<Notification> {
        let mut out = Vec::new();
        for problem_type in resolves {
            let Some(open) = self.open.remove(&key_of(event, *problem_type)) else {
                continue;
            };
            if !self.send_resolved || open.last_notified.is_none() {
                continue;
            }
            for webhook in &open.notified_to {
                out.push(self.notification(
                    webhook,
                    event,
                    NotificationKind::Resolved,
                    Some(*problem_type),
                    open.since,
                    now,
                ));
            }
        }
        out
    }

    fn notify(
        &self,
        event: &Event,
        kind: NotificationKind,
        resolves: Option<EventType>,
        since: Timestamp,
        now: Timestamp,
    ) -> Vec<Notification> {
        self.routes
            .iter()
            .filter(|(_, min)| event.severity >= *min)
            .map(|(webhook, _)| self.notification(webhook, event, kind, resolves, since, now))
            .collect()
    }

    fn notification(
        &self,
        webhook: &str,
        event: &Event,
        kind: NotificationKind,
        resolves: Option<EventType>,
        since: Timestamp,
        now: Timestamp,
    ) -> Notification {
        let kind_name = format!("{kind:?}");
        Notification {
            id: derived_id(&[
                event.event_id.as_str(),
                &kind_name,
                webhook,
                &now.as_nanos().to_string(),
            ]),
            webhook: webhook.to_string(),
            kind,
            event: event.clone(),
            resolves,
            since,
            created_at: now,
        }
    }
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
