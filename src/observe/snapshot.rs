//! The state of `shiwa sync` at one instant: [`SyncSnapshot`] and its parts.
//!
//! These types are the contract between the engine (which builds a snapshot after every update
//! and publishes it on a `tokio::sync::watch` channel) and every surface that shows it: the
//! observation socket, `shiwa status`, the HTTP API and the SSH shell. The JSON form is described
//! field by field in the [module docs](super); its field names are stable within a
//! [`SCHEMA_VERSION`].

use super::rfc3339;
use crate::config::Protocol;
use crate::source::{Group, SourceId};
use crate::time::{Duration, Ppb, Timestamp};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The version of the snapshot schema, carried in [`SyncSnapshot::version`]. Bumped when a field
/// is renamed or removed, or changes meaning; adding a field does not bump it.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything `shiwa sync` knows about the clock and its sources at [`Self::generated_at`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncSnapshot {
    /// The schema version ([`SCHEMA_VERSION`] when written by this build).
    pub version: u32,
    /// When the engine built this snapshot, by the local clock.
    #[serde(with = "rfc3339")]
    pub generated_at: Timestamp,
    /// The host name of the machine.
    pub host: String,
    /// The version of the shiwa that wrote it (`0.1.0`).
    pub shiwa_version: String,
    /// The disciplined clock.
    pub clock: ClockSnapshot,
    /// Every configured source, primary ones first, in config order.
    pub sources: Vec<SourceSnapshot>,
    /// Recent engine events, oldest first, at most [`SyncSnapshot::MAX_EVENTS`].
    #[serde(default)]
    pub events: Vec<EventRecord>,
    /// The fleet reporter's spool and push counters, when `hub:` is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<crate::fleet::reporter::HubSnapshot>,
    /// The Elasticsearch shipper's spool and delivery counters, when `output.elasticsearch`
    /// is shipped by this process.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elasticsearch: Option<crate::es::status::EsSnapshot>,
}

impl SyncSnapshot {
    /// How many events a snapshot keeps; [`Self::record_event`] drops the oldest beyond it.
    pub const MAX_EVENTS: usize = 50;

    /// The snapshot of an engine that has just started: unsynchronised, no sources yet.
    pub fn starting(generated_at: Timestamp, host: impl Into<String>) -> Self {
        SyncSnapshot {
            version: SCHEMA_VERSION,
            generated_at,
            host: host.into(),
            shiwa_version: crate::version::VERSION.to_string(),
            clock: ClockSnapshot::unsynchronized(generated_at),
            sources: Vec::new(),
            events: Vec::new(),
            hub: None,
            elasticsearch: None,
        }
    }

    /// Appends `event`, dropping the oldest ones so at most [`Self::MAX_EVENTS`] remain.
    pub fn record_event(&mut self, event: EventRecord) {
        self.events.push(event);
        let excess = self.events.len().saturating_sub(Self::MAX_EVENTS);
        self.events.drain(..excess);
    }
}

/// The state of the clock discipline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// No usable source has been measured yet (or ever).
    Unsynchronized,
    /// The offset was too large to slew; the clock is being stepped.
    Stepping,
    /// Slewing towards the source; not yet within the lock threshold.
    Locking,
    /// Locked to the selected source.
    Locked,
    /// Every source was lost; the last frequency is being kept.
    Holdover,
    /// `adjust_clock: false`: sources are measured but the clock is never changed.
    Monitoring,
    /// The offset exceeds `step_limit`: the clock is not stepped and an alert is raised.
    StepLimitExceeded,
    /// Another program is adjusting the clock; shiwa backs off until it stops.
    InterferenceBackoff,
}

impl ClockState {
    /// The name used in JSON and tables (`locked`, `step_limit_exceeded`).
    pub fn name(self) -> &'static str {
        match self {
            ClockState::Unsynchronized => "unsynchronized",
            ClockState::Stepping => "stepping",
            ClockState::Locking => "locking",
            ClockState::Locked => "locked",
            ClockState::Holdover => "holdover",
            ClockState::Monitoring => "monitoring",
            ClockState::StepLimitExceeded => "step_limit_exceeded",
            ClockState::InterferenceBackoff => "interference_backoff",
        }
    }
}

impl fmt::Display for ClockState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The disciplined clock (normally `CLOCK_REALTIME`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClockSnapshot {
    /// The discipline's state.
    pub state: ClockState,
    /// Whether the clock is synchronised to a source (what the kernel's `STA_UNSYNC` says, and
    /// what `shiwa status` exits 0 for).
    pub synchronized: bool,
    /// The config's `adjust_clock`: false means monitor only, the clock is never written.
    pub adjust_clock: bool,
    /// Name of the source the clock follows, as in [`SourceSnapshot::name`].
    #[serde(default)]
    pub selected_source: Option<String>,
    /// The group of the selected source.
    #[serde(default)]
    pub group: Option<Group>,
    /// Last measured offset of the local clock from the selected source (local − reference).
    #[serde(rename = "offset_ns", default)]
    pub offset: Option<Duration>,
    /// The frequency correction currently applied to the clock.
    #[serde(rename = "frequency_ppb")]
    pub frequency: Ppb,
    /// Path delay to the selected source (NTP round-trip delay, PTP mean path delay).
    #[serde(rename = "path_delay_ns", default)]
    pub path_delay: Option<Duration>,
    /// Bound on the clock's error: root distance of the selected source (RFC 5905).
    #[serde(rename = "root_distance_ns", default)]
    pub root_distance: Option<Duration>,
    /// When the servo last took a measurement.
    #[serde(with = "rfc3339::option", default)]
    pub last_update: Option<Timestamp>,
    /// How many times the clock was stepped since the engine started.
    pub steps: u64,
    /// When [`Self::state`] was entered.
    #[serde(with = "rfc3339")]
    pub state_since: Timestamp,
}

impl ClockSnapshot {
    /// An unsynchronised clock with nothing measured, in that state since `since`.
    pub fn unsynchronized(since: Timestamp) -> Self {
        ClockSnapshot {
            state: ClockState::Unsynchronized,
            synchronized: false,
            adjust_clock: true,
            selected_source: None,
            group: None,
            offset: None,
            frequency: Ppb::ZERO,
            path_delay: None,
            root_distance: None,
            last_update: None,
            steps: 0,
            state_since: since,
        }
    }
}

/// What selection made of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceState {
    /// The clock follows this source.
    Selected,
    /// Usable and agreeing with the majority; could be selected.
    Candidate,
    /// Disagrees with the majority of the sources (rejected by intersection).
    Falseticker,
    /// No answer: the reach register is empty or the source timed out.
    Unreachable,
    /// Answers but cannot be used (unsynchronised, stratum too high, distance too large, ...).
    Unusable,
    /// Switched off (`disable: true` or a `disable` control request).
    Disabled,
    /// `monitor_only: true`: measured and shown, never selected.
    MonitorOnly,
    /// The server refused us (NTP kiss-o'-death `DENY`/`RSTR`, PTP unicast grant denied).
    Denied,
}

impl SourceState {
    /// The name used in JSON and tables (`selected`, `monitor_only`).
    pub fn name(self) -> &'static str {
        match self {
            SourceState::Selected => "selected",
            SourceState::Candidate => "candidate",
            SourceState::Falseticker => "falseticker",
            SourceState::Unreachable => "unreachable",
            SourceState::Unusable => "unusable",
            SourceState::Disabled => "disabled",
            SourceState::MonitorOnly => "monitor_only",
            SourceState::Denied => "denied",
        }
    }
}

impl fmt::Display for SourceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One configured source as selection sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceSnapshot {
    /// The source's index in the config (primary sources first).
    pub id: SourceId,
    /// A name unique among the sources: protocol and address (`ntp 10.99.1.1`,
    /// `ptp enp0s3 domain 0`).
    pub name: String,
    /// The protocol of the config entry.
    pub protocol: Protocol,
    /// The config group.
    pub group: Group,
    /// The peer's address or the device, when it has one.
    #[serde(default)]
    pub address: Option<String>,
    /// What selection made of it.
    pub state: SourceState,
    /// Why it is in that state, when that is not obvious (`stratum 16`, `kiss code RATE`).
    #[serde(default)]
    pub reason: Option<String>,
    /// The source's stratum, once it has answered.
    #[serde(default)]
    pub stratum: Option<u8>,
    /// The source's reference id (NTP refid as text, PTP grandmaster identity).
    #[serde(default)]
    pub refid: Option<String>,
    /// PTP: the master port followed (parent port identity, `001122.fffe.334455-1`); null
    /// for other protocols and while no master is followed.
    #[serde(default)]
    pub parent: Option<String>,
    /// The reach register: one bit per poll, 1 = answered; the newest poll is bit 0.
    pub reach: u8,
    /// The current poll or sync interval.
    #[serde(rename = "poll_ns", default)]
    pub poll: Option<Duration>,
    /// Filtered offset of the local clock from this source (local − reference).
    #[serde(rename = "offset_ns", default)]
    pub offset: Option<Duration>,
    /// Filtered round-trip (NTP) or path (PTP) delay.
    #[serde(rename = "delay_ns", default)]
    pub delay: Option<Duration>,
    /// Jitter of the offsets in the filter.
    #[serde(rename = "jitter_ns", default)]
    pub jitter: Option<Duration>,
    /// When the last measurement was taken, by the local clock.
    #[serde(with = "rfc3339::option", default)]
    pub last_sample: Option<Timestamp>,
    /// Exchange counters since the engine started.
    #[serde(default)]
    pub counters: SourceCounters,
}

/// Exchange counters of one source since the engine started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SourceCounters {
    /// Measurements accepted into the source's filter.
    pub samples: u64,
    /// Replies rejected (bad origin timestamp, failed authentication, unsynchronised, ...).
    pub rejected: u64,
    /// Requests that got no reply in time.
    pub timeouts: u64,
}

/// Something the engine did or noticed, kept in [`SyncSnapshot::events`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// When it happened, by the local clock.
    #[serde(with = "rfc3339")]
    pub time: Timestamp,
    /// What kind of event it is.
    pub kind: EventKind,
    /// How much an operator should care.
    pub severity: EventSeverity,
    /// One line for humans (`stepped the clock by -1.234s`).
    pub message: String,
}

/// The kinds of [`EventRecord`], named as the fleet event registry names them. Readers must
/// accept kinds they do not know (they read as [`EventKind::Other`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// No usable source any more.
    SyncLost,
    /// Synchronised (again).
    SyncRecovered,
    /// A source stopped answering or refused service.
    SourceUnreachable,
    /// Selection moved between primary and secondary sources.
    SourceGroupChanged,
    /// A different source was selected.
    SourceSelected,
    /// A source disagrees with the majority and is not used.
    Falseticker,
    /// The clock was stepped.
    ClockStepped,
    /// An offset beyond `step_limit` was seen; the clock was not stepped.
    StepLimitExceeded,
    /// Another program stepped or slewed the clock.
    InterferenceDetected,
    /// The configuration was reloaded, or a source enabled/disabled.
    ConfigChanged,
    /// A kind this build does not know.
    #[serde(other)]
    Other,
}

impl EventKind {
    /// Every known kind.
    pub const ALL: [EventKind; 10] = [
        EventKind::SyncLost,
        EventKind::SyncRecovered,
        EventKind::SourceUnreachable,
        EventKind::SourceGroupChanged,
        EventKind::SourceSelected,
        EventKind::Falseticker,
        EventKind::ClockStepped,
        EventKind::StepLimitExceeded,
        EventKind::InterferenceDetected,
        EventKind::ConfigChanged,
    ];

    /// The name used in JSON (`clock_stepped`, `source_group_changed`).
    pub fn name(self) -> &'static str {
        match self {
            EventKind::SyncLost => "sync_lost",
            EventKind::SyncRecovered => "sync_recovered",
            EventKind::SourceUnreachable => "source_unreachable",
            EventKind::SourceGroupChanged => "source_group_changed",
            EventKind::SourceSelected => "source_selected",
            EventKind::Falseticker => "falseticker",
            EventKind::ClockStepped => "clock_stepped",
            EventKind::StepLimitExceeded => "step_limit_exceeded",
            EventKind::InterferenceDetected => "interference_detected",
            EventKind::ConfigChanged => "config_changed",
            EventKind::Other => "other",
        }
    }

    /// How much an operator should care, by default.
    pub fn default_severity(self) -> EventSeverity {
        match self {
            EventKind::SyncLost | EventKind::StepLimitExceeded => EventSeverity::Error,
            EventKind::SourceUnreachable
            | EventKind::SourceGroupChanged
            | EventKind::Falseticker
            | EventKind::ClockStepped
            | EventKind::InterferenceDetected => EventSeverity::Warning,
            EventKind::SyncRecovered
            | EventKind::SourceSelected
            | EventKind::ConfigChanged
            | EventKind::Other => EventSeverity::Info,
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Severity of an [`EventRecord`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventSeverity {
    /// A normal state change.
    Info,
    /// Degraded: worth a look.
    Warning,
    /// An operator must act.
    Error,
}

impl fmt::Display for EventSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EventSeverity::Info => "info",
            EventSeverity::Warning => "warning",
            EventSeverity::Error => "error",
        })
    }
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
pub(crate) mod tests;
