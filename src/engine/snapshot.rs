//! Builds the published [`SyncSnapshot`] from the engine core.

use super::core::{EngineCore, SourceRuntime, is_synchronized};
use super::sources::CLOCK_PRECISION;
use crate::ntp::{RefId, ServerState};
use crate::observe::{ClockSnapshot, SourceCounters, SourceSnapshot, SourceState, SyncSnapshot};
use crate::selection::{SourceState as Selection, UnusableReason};
use crate::time::Timestamp;
use std::net::SocketAddr;

/// The snapshot of `core` at `now`.
pub fn build(core: &EngineCore, now: Timestamp, host: &str, adjust_clock: bool) -> SyncSnapshot {
    let mut snapshot = SyncSnapshot::starting(now, host);
    let (state, since) = core.phase();
    let selected = core.selected_measurement();
    snapshot.clock = ClockSnapshot {
        state,
        synchronized: is_synchronized(state),
        adjust_clock,
        selected_source: selected.map(|(source, _)| source.spec.name.clone()),
        group: selected.map(|(source, _)| source.spec.group),
        offset: selected.map(|(_, m)| m.offset),
        frequency: core.frequency(),
        path_delay: selected.map(|(_, m)| m.delay),
        root_distance: selected.map(|(_, m)| m.root_distance()),
        last_update: core.last_update(),
        steps: core.steps(),
        state_since: since,
    };
    snapshot.sources = core.sources().iter().map(source_snapshot).collect();
    for event in core.events().iter() {
        snapshot.record_event(event.clone());
    }
    snapshot
}

fn source_snapshot(source: &SourceRuntime) -> SourceSnapshot {
    let (state, reason) = source_state(source);
    let latest = source.latest;
    SourceSnapshot {
        id: source.spec.id,
        name: source.spec.name.clone(),
        protocol: source.spec.protocol(),
        group: source.spec.group,
        address: source
            .status
            .address
            .clone()
            .or_else(|| source.spec.config.ip.clone()),
        state,
        reason,
        stratum: source.status.stratum,
        refid: source.status.refid.clone(),
        parent: source.status.parent.clone(),
        reach: source.status.reach,
        poll: source.status.poll,
        offset: latest.map(|m| m.offset),
        delay: latest.map(|m| m.delay),
        jitter: latest.map(|m| m.jitter),
        last_sample: latest.map(|m| m.local_time),
        counters: SourceCounters {
            samples: source.samples,
            rejected: source.status.rejected,
            timeouts: source.status.timeouts,
        },
    }
}

/// The state shown for a source, and why when it is not obvious.
fn source_state(source: &SourceRuntime) -> (SourceState, Option<String>) {
    if source.spec.config.disable || !source.enabled {
        return (SourceState::Disabled, None);
    }
    if let Some(problem) = &source.status.problem {
        let state = if source.status.denied {
            SourceState::Denied
        } else {
            SourceState::Unreachable
        };
        return (state, Some(problem.clone()));
    }
    match &source.state {
        Some(Selection::Selected) => (SourceState::Selected, None),
        Some(Selection::Candidate) => (SourceState::Candidate, None),
        Some(Selection::Falseticker) => (SourceState::Falseticker, None),
        Some(Selection::MonitorOnly) => (SourceState::MonitorOnly, None),
        Some(Selection::Disabled) => (SourceState::Disabled, None),
        Some(Selection::NoMajority) => (
            SourceState::Candidate,
            Some("no majority of sources agrees: nothing is steered".into()),
        ),
        Some(Selection::Standby) => (
            SourceState::Candidate,
            Some("standby: the other group is in use".into()),
        ),
        Some(Selection::Unusable(UnusableReason::Unreachable)) | None => {
            (SourceState::Unreachable, None)
        }
        Some(Selection::Unusable(reason)) => (
            SourceState::Unusable,
            Some(format!("{reason:?}").to_lowercase()),
        ),
    }
}

/// What the NTP server answers with: the selected source's view when synchronised, the free-
/// running clock at `local_stratum` when configured, otherwise "unsynchronised" (leap 3).
pub fn server_state(core: &EngineCore, now: Timestamp) -> ServerState {
    let (state, _) = core.phase();
    if is_synchronized(state)
        && let Some((source, measurement)) = core.selected_measurement()
    {
        let reference_id = source
            .status
            .address
            .as_deref()
            .and_then(|address| address.parse::<SocketAddr>().ok())
            .map(|address| RefId::from_ip(address.ip()))
            .unwrap_or(RefId::ZERO);
        let updated = core.last_update().unwrap_or(now);
        return ServerState::synchronized_to(&measurement, reference_id, CLOCK_PRECISION, updated);
    }
    match core.local_stratum() {
        Some(stratum) => ServerState::free_running(stratum, CLOCK_PRECISION, now),
        None => ServerState::unsynchronized(CLOCK_PRECISION),
    }
}
