//! Source selection: which configured source the servo follows, if any. Pure (sans-IO): the
//! time of the update and every source's latest measurement come in as arguments.
//!
//! At each [`Selector::update`]:
//! 1. Every input is assessed ([`SourceInput`]): disabled and monitor-only sources are shown
//!    but skipped; a source is usable when it is reachable, has a measurement no older than
//!    `max_age_polls` poll intervals, is synchronised (leap indicator not 3, stratum below
//!    16), and its root distance, grown by RFC 5905's 15 ppm since the measurement, is at
//!    most `max_root_distance` (default 1.5 s).
//! 2. The active group is `primary_clocks` while any primary is usable, else
//!    `secondary_clocks` while any secondary is usable, else none. A secondary takeover and
//!    the give-back when a primary returns are [`SelectionEvent::GroupChanged`] events.
//!    Primaries that are usable but disagree do not hand over to the secondaries: nothing is
//!    steered until they agree again (the "1 good + 1 bad: nothing is steered").
//! 3. Marzullo's intersection ([`intersection`]) over the active group's usable sources keeps
//!    the truechimers, agreed on by a strict majority; the rest are falsetickers. With no
//!    majority nothing is selected. A single usable source is its own majority.
//! 4. Among truechimers, the protocol rank (PPS, PTP, NTP, PHC, NMEA) then the root distance
//!    choose, with hysteresis ([`protocol_rank`], and `choose` in `choice.rs`).
//!
//! When nothing is selected the outcome says why and the servo holds over on its last
//! frequency; selection itself keeps no frequency. Events are emitted on transitions only and
//! are logged here with `tracing` (info for a primary or a source being selected, warn for a
//! falseticker, a secondary takeover or a lost selection), so callers keep them without
//! logging them again.

mod choice;
mod input;
pub mod intersection;
mod state;
#[cfg(test)]
mod tests;

pub use choice::protocol_rank;
pub use input::{
    DEFAULT_MAX_AGE_POLLS, DEFAULT_MAX_ROOT_DISTANCE, DEFAULT_RESELECT_MARGIN, MAX_STRATUM,
    SelectorConfig, SourceInput,
};
pub use state::{
    GroupChangeReason, NoSelectionReason, SelectionEvent, SelectionOutcome, SourceState,
    UnusableReason,
};

use crate::source::{Group, SourceId};
use crate::time::Timestamp;
use input::Candidate;
use intersection::{CorrectnessInterval, intersect};
use std::collections::BTreeSet;

/// Chooses the source to steer to, remembering the previous choice for hysteresis and
/// transitions.
#[derive(Debug, Clone)]
pub struct Selector {
    config: SelectorConfig,
    selected: Option<SourceId>,
    group: Option<Group>,
    falsetickers: BTreeSet<SourceId>,
}

/// The verdict on the active group's usable sources.
#[derive(Debug, Default)]
struct Verdict {
    chosen: Option<Candidate>,
    falsetickers: BTreeSet<SourceId>,
    no_selection: Option<NoSelectionReason>,
}

impl Selector {
    /// A selector that has selected nothing yet.
    pub fn new(config: SelectorConfig) -> Self {
        Selector {
            config,
            selected: None,
            group: None,
            falsetickers: BTreeSet::new(),
        }
    }

    /// Its settings.
    pub fn config(&self) -> &SelectorConfig {
        &self.config
    }

    /// The source selected at the last update.
    pub fn selected(&self) -> Option<SourceId> {
        self.selected
    }

    /// The active group at the last update.
    pub fn group(&self) -> Option<Group> {
        self.group
    }

    /// Selects among `inputs` (every configured source, each once) at local time `now`.
    pub fn update(&mut self, now: Timestamp, inputs: &[SourceInput]) -> SelectionOutcome {
        let assessed: Vec<(&SourceInput, Result<Candidate, SourceState>)> = inputs
            .iter()
            .map(|source| (source, input::assess(source, now, &self.config)))
            .collect();
        let group = active_group(&assessed);
        let candidates: Vec<Candidate> = assessed
            .iter()
            .filter(|(source, _)| Some(source.group) == group)
            .filter_map(|(_, assessment)| assessment.ok())
            .collect();
        let verdict = self.judge(&candidates);
        let states = assessed
            .iter()
            .map(|(source, assessment)| (source.id, state_of(source, assessment, group, &verdict)))
            .collect();
        let events = self.transition(group, &verdict);
        for event in &events {
            log(event);
        }
        SelectionOutcome {
            selected: verdict.chosen.map(|chosen| chosen.id),
            group,
            offset: verdict.chosen.map(|chosen| chosen.offset),
            root_distance: verdict.chosen.map(|chosen| chosen.root_distance),
            no_selection: verdict.no_selection,
            states,
            events,
        }
    }

    /// Runs the intersection and the choice over the active group's usable sources.
    fn judge(&self, candidates: &[Candidate]) -> Verdict {
        let refuse = |reason| Verdict {
            no_selection: Some(reason),
            ..Verdict::default()
        };
        if candidates.is_empty() {
            return refuse(NoSelectionReason::NoUsableSource);
        }
        if candidates.len() < self.config.min_sources {
            return refuse(NoSelectionReason::TooFewSources);
        }
        let intervals: Vec<CorrectnessInterval> = candidates
            .iter()
            .map(|candidate| CorrectnessInterval::around(candidate.offset, candidate.root_distance))
            .collect();
        let Some(agreed) = intersect(&intervals) else {
            return refuse(NoSelectionReason::NoMajority);
        };
        let (survivors, falsetickers): (Vec<(Candidate, CorrectnessInterval)>, Vec<_>) = candidates
            .iter()
            .copied()
            .zip(intervals)
            .partition(|(_, interval)| interval.overlaps(&agreed));
        let survivors: Vec<Candidate> = survivors
            .into_iter()
            .map(|(candidate, _)| candidate)
            .collect();
        Verdict {
            chosen: choice::choose(&survivors, self.selected, self.config.reselect_margin),
            falsetickers: falsetickers
                .iter()
                .map(|(candidate, _)| candidate.id)
                .collect(),
            no_selection: None,
        }
    }

    /// Records the new group, falsetickers and selection; returns the transitions.
    fn transition(&mut self, group: Option<Group>, verdict: &Verdict) -> Vec<SelectionEvent> {
        let mut events = Vec::new();
        if group != self.group {
            let reason = match group {
                Some(Group::Primary) => GroupChangeReason::PrimaryUsable,
                Some(Group::Secondary) => GroupChangeReason::NoPrimaryUsable,
                None => GroupChangeReason::NoSourceUsable,
            };
            events.push(SelectionEvent::GroupChanged {
                from: self.group,
                to: group,
                reason,
            });
        }
        events.extend(
            verdict
                .falsetickers
                .difference(&self.falsetickers)
                .map(|&id| SelectionEvent::Falseticker { id }),
        );
        let selected = verdict.chosen.map(|chosen| chosen.id);
        match (self.selected, selected, verdict.no_selection) {
            (previous, Some(id), _) if previous != Some(id) => {
                events.push(SelectionEvent::SourceSelected { id, previous });
            }
            (Some(previous), None, Some(reason)) => {
                events.push(SelectionEvent::SelectionLost { previous, reason });
            }
            _ => {}
        }
        self.group = group;
        self.falsetickers.clone_from(&verdict.falsetickers);
        self.selected = selected;
        events
    }
}

/// Primary while any primary is usable, else secondary while any secondary is, else none.
fn active_group(assessed: &[(&SourceInput, Result<Candidate, SourceState>)]) -> Option<Group> {
    let usable = |group| {
        assessed
            .iter()
            .any(|(source, assessment)| source.group == group && assessment.is_ok())
    };
    [Group::Primary, Group::Secondary]
        .into_iter()
        .find(|&group| usable(group))
}

/// The state shown for one input after the verdict.
fn state_of(
    source: &SourceInput,
    assessment: &Result<Candidate, SourceState>,
    group: Option<Group>,
    verdict: &Verdict,
) -> SourceState {
    match assessment {
        Err(state) => *state,
        Ok(_) if Some(source.group) != group => SourceState::Standby,
        Ok(candidate) if verdict.chosen.map(|chosen| chosen.id) == Some(candidate.id) => {
            SourceState::Selected
        }
        Ok(candidate) if verdict.falsetickers.contains(&candidate.id) => SourceState::Falseticker,
        Ok(_) if verdict.no_selection == Some(NoSelectionReason::NoMajority) => {
            SourceState::NoMajority
        }
        Ok(_) => SourceState::Candidate,
    }
}

/// Logs one event at the level its meaning calls for.
fn log(event: &SelectionEvent) {
    match *event {
        SelectionEvent::GroupChanged { from, to, reason } => match to {
            Some(Group::Primary) => {
                tracing::info!(?from, ?reason, "selection: using primary_clocks");
            }
            Some(Group::Secondary) => {
                tracing::warn!(?from, ?reason, "selection: secondary_clocks take over");
            }
            None => tracing::warn!(?from, ?reason, "selection: no usable source in any group"),
        },
        SelectionEvent::SourceSelected { id, previous } => {
            tracing::info!(
                source = id.0,
                previous = previous.map(|p| p.0),
                "selection: source selected"
            );
        }
        SelectionEvent::SelectionLost { previous, reason } => {
            tracing::warn!(
                previous = previous.0,
                ?reason,
                "selection: nothing selected, holding over"
            );
        }
        SelectionEvent::Falseticker { id } => {
            tracing::warn!(source = id.0, "selection: falseticker rejected");
        }
    }
}
