//! The fixed registry of fleet event types, with their default severities and who raises
//! them. Nodes send the node and clock events; the hub raises the `node_*`, `port_*` and
//! `backup_missed` ones itself and refuses them from a node (400).

use crate::observe::{EventKind, EventSeverity};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who may raise an event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOrigin {
    /// Sent by a node (`POST /api/v1/event`).
    Node,
    /// Raised by the hub's dead-man's switch, active checks or backup watch.
    Hub,
}

/// Every event type the fleet knows. Unknown names are refused when a push is read (the hub
/// answers 400 naming the type), so the registry is the contract between node and hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// The node lost every usable source.
    SyncLost,
    /// The node is synchronised again.
    SyncRecovered,
    /// A source stopped answering or refused service.
    SourceUnreachable,
    /// Selection moved between primary and secondary sources.
    SourceGroupChanged,
    /// A different source was selected.
    SourceSelected,
    /// A source disagrees with the majority.
    Falseticker,
    /// The clock was stepped.
    ClockStepped,
    /// An offset beyond `step_limit` was seen; the clock was not stepped.
    StepLimitExceeded,
    /// Another program stepped or slewed the clock.
    InterferenceDetected,
    /// The node's configuration changed.
    ConfigChanged,
    /// |offset| went above the configured bound (default 100 µs, the MiFID II limit).
    OffsetExceeded,
    /// The node logged an error.
    ErrorLogged,
    /// The hub has not heard from the node for longer than its stale threshold.
    NodeStale,
    /// ... nor for longer than its down threshold.
    NodeDown,
    /// A stale or down node reported again.
    NodeRecovered,
    /// A declared port of the node stopped answering the hub's check.
    PortDown,
    /// It answers again.
    PortUp,
    /// No backup arrived from the node within its expected interval.
    BackupMissed,
}

impl EventType {
    /// Every type, node ones first.
    pub const ALL: [EventType; 18] = [
        EventType::SyncLost,
        EventType::SyncRecovered,
        EventType::SourceUnreachable,
        EventType::SourceGroupChanged,
        EventType::SourceSelected,
        EventType::Falseticker,
        EventType::ClockStepped,
        EventType::StepLimitExceeded,
        EventType::InterferenceDetected,
        EventType::ConfigChanged,
        EventType::OffsetExceeded,
        EventType::ErrorLogged,
        EventType::NodeStale,
        EventType::NodeDown,
        EventType::NodeRecovered,
        EventType::PortDown,
        EventType::PortUp,
        EventType::BackupMissed,
    ];

    /// The name on the wire (`sync_lost`).
    pub fn name(self) -> &'static str {
        match self {
            EventType::SyncLost => "sync_lost",
            EventType::SyncRecovered => "sync_recovered",
            EventType::SourceUnreachable => "source_unreachable",
            EventType::SourceGroupChanged => "source_group_changed",
            EventType::SourceSelected => "source_selected",
            EventType::Falseticker => "falseticker",
            EventType::ClockStepped => "clock_stepped",
            EventType::StepLimitExceeded => "step_limit_exceeded",
            EventType::InterferenceDetected => "interference_detected",
            EventType::ConfigChanged => "config_changed",
            EventType::OffsetExceeded => "offset_exceeded",
            EventType::ErrorLogged => "error_logged",
            EventType::NodeStale => "node_stale",
            EventType::NodeDown => "node_down",
            EventType::NodeRecovered => "node_recovered",
            EventType::PortDown => "port_down",
            EventType::PortUp => "port_up",
            EventType::BackupMissed => "backup_missed",
        }
    }

    /// The type named `name`, if the registry has it.
    pub fn from_name(name: &str) -> Option<Self> {
        EventType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// How much an operator should care, unless the event says otherwise.
    pub fn default_severity(self) -> EventSeverity {
        match self {
            EventType::SyncLost
            | EventType::StepLimitExceeded
            | EventType::ErrorLogged
            | EventType::NodeDown
            | EventType::PortDown => EventSeverity::Error,
            EventType::SourceUnreachable
            | EventType::SourceGroupChanged
            | EventType::Falseticker
            | EventType::ClockStepped
            | EventType::InterferenceDetected
            | EventType::OffsetExceeded
            | EventType::NodeStale
            | EventType::BackupMissed => EventSeverity::Warning,
            EventType::SyncRecovered
            | EventType::SourceSelected
            | EventType::ConfigChanged
            | EventType::NodeRecovered
            | EventType::PortUp => EventSeverity::Info,
        }
    }

    /// Who raises it.
    pub fn origin(self) -> EventOrigin {
        match self {
            EventType::NodeStale
            | EventType::NodeDown
            | EventType::NodeRecovered
            | EventType::PortDown
            | EventType::PortUp
            | EventType::BackupMissed => EventOrigin::Hub,
            _ => EventOrigin::Node,
        }
    }

    /// The fleet type of an engine event (`None` for kinds this build does not know).
    pub fn from_engine(kind: EventKind) -> Option<Self> {
        Some(match kind {
            EventKind::SyncLost => EventType::SyncLost,
            EventKind::SyncRecovered => EventType::SyncRecovered,
            EventKind::SourceUnreachable => EventType::SourceUnreachable,
            EventKind::SourceGroupChanged => EventType::SourceGroupChanged,
            EventKind::SourceSelected => EventType::SourceSelected,
            EventKind::Falseticker => EventType::Falseticker,
            EventKind::ClockStepped => EventType::ClockStepped,
            EventKind::StepLimitExceeded => EventType::StepLimitExceeded,
            EventKind::InterferenceDetected => EventType::InterferenceDetected,
            EventKind::ConfigChanged => EventType::ConfigChanged,
            EventKind::Other => return None,
        })
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_json_and_the_registry() {
        for event_type in EventType::ALL {
            let json = serde_json::to_string(&event_type).expect("json");
            assert_eq!(json, format!("\"{}\"", event_type.name()));
            let back: EventType = serde_json::from_str(&json).expect("read back");
            assert_eq!(back, event_type);
            assert_eq!(EventType::from_name(event_type.name()), Some(event_type));
        }
        assert!(serde_json::from_str::<EventType>("\"made_up\"").is_err());
        assert_eq!(EventType::from_name("made_up"), None);
    }

    #[test]
    fn every_engine_kind_maps_to_a_node_event_of_the_same_name_and_severity() {
        for kind in EventKind::ALL {
            let fleet = EventType::from_engine(kind).expect("known kind");
            assert_eq!(fleet.name(), kind.name());
            assert_eq!(fleet.origin(), EventOrigin::Node);
            assert_eq!(fleet.default_severity(), kind.default_severity());
        }
        assert_eq!(EventType::from_engine(EventKind::Other), None);
    }

    #[test]
    fn hub_events_are_the_node_port_and_backup_ones() {
        let hub: Vec<&str> = EventType::ALL
            .into_iter()
            .filter(|t| t.origin() == EventOrigin::Hub)
            .map(EventType::name)
            .collect();
        assert_eq!(
            hub,
            [
                "node_stale",
                "node_down",
                "node_recovered",
                "port_down",
                "port_up",
                "backup_missed"
            ]
        );
    }
}
