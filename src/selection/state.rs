//! What the selector reports: per-source [`SourceState`]s, the [`SelectionOutcome`] of one
//! update, and the [`SelectionEvent`]s emitted on transitions.

use crate::source::{Group, SourceId};
use crate::time::Duration;
use serde::Serialize;
use std::fmt;

/// Where one source stands after an update, as the status table shows it.
///
/// JSON: `{"state": "selected"}`, `{"state": "unusable", "reason": "stale"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "reason", rename_all = "snake_case")]
pub enum SourceState {
    /// The source the clock is steered to.
    Selected,
    /// A truechimer of the active group that was not chosen.
    Candidate,
    /// Its correctness interval misses the interval a majority agrees on.
    Falseticker,
    /// Usable, but no majority of the active group agrees on any interval, so nothing is
    /// steered and no source can be called a falseticker.
    NoMajority,
    /// Usable, but its group is not the active one (a secondary while a primary is usable).
    Standby,
    /// Not usable now, for the given reason.
    Unusable(UnusableReason),
    /// `disable: true` in the config.
    Disabled,
    /// `monitor_only: true`: measured and shown, never selected.
    MonitorOnly,
}

/// Why a source cannot take part in selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnusableReason {
    /// The driver has not heard from it recently.
    Unreachable,
    /// No filtered measurement yet.
    NoMeasurement,
    /// The latest measurement is older than the allowed number of poll intervals.
    Stale,
    /// The source says it is not synchronised (leap indicator 3, or stratum 16 or more).
    Unsynchronized,
    /// Its root distance exceeds the configured maximum.
    RootDistanceTooLarge,
}

/// Why nothing is selected (the servo then holds its last frequency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoSelectionReason {
    /// No source of either group is usable.
    NoUsableSource,
    /// The active group has fewer usable sources than `min_sources`.
    TooFewSources,
    /// No interval is agreed on by more than half of the active group's usable sources.
    NoMajority,
}

/// Why the active group changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupChangeReason {
    /// A primary source is usable (at start, or back after a secondary took over).
    PrimaryUsable,
    /// No primary source is usable but a secondary is.
    NoPrimaryUsable,
    /// No source of either group is usable.
    NoSourceUsable,
}

/// A transition worth logging and keeping; emitted once, on the update where it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SelectionEvent {
    /// The group selection draws from changed (`None`: no group has a usable source).
    GroupChanged {
        /// The group before this update.
        from: Option<Group>,
        /// The group after it.
        to: Option<Group>,
        /// Why.
        reason: GroupChangeReason,
    },
    /// A source became the selected one.
    SourceSelected {
        /// The newly selected source.
        id: SourceId,
        /// The one it replaces, if any.
        previous: Option<SourceId>,
    },
    /// The selected source was lost and nothing replaced it: the servo holds over.
    SelectionLost {
        /// The source that was selected.
        previous: SourceId,
        /// Why nothing is selected now.
        reason: NoSelectionReason,
    },
    /// A source became a falseticker.
    Falseticker {
        /// The source.
        id: SourceId,
    },
}

/// The result of one [`super::Selector::update`].
#[must_use = "the outcome says which source to steer to, or that the servo must hold over"]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SelectionOutcome {
    /// The source to steer to; `None` means hold over (keep the last frequency).
    pub selected: Option<SourceId>,
    /// The active group: primary while any primary is usable, else secondary, else none.
    pub group: Option<Group>,
    /// The selected source's offset (local − reference). Not a combination of survivors: the
    /// servo follows one source, as ntpd's system peer, so the offset and its error bound
    /// come from a single, consistent measurement.
    pub offset: Option<Duration>,
    /// The selected source's root distance, aged to the update's time.
    pub root_distance: Option<Duration>,
    /// Why nothing is selected, when nothing is.
    pub no_selection: Option<NoSelectionReason>,
    /// Every input's state, in input order.
    pub states: Vec<(SourceId, SourceState)>,
    /// Transitions that happened at this update.
    pub events: Vec<SelectionEvent>,
}

impl SelectionOutcome {
    /// The state of `id`, if it was among the inputs.
    pub fn state_of(&self, id: SourceId) -> Option<SourceState> {
        self.states
            .iter()
            .find(|(source, _)| *source == id)
            .map(|(_, state)| *state)
    }
}

impl UnusableReason {
    /// The snake_case name, as in JSON.
    pub fn name(self) -> &'static str {
        match self {
            UnusableReason::Unreachable => "unreachable",
            UnusableReason::NoMeasurement => "no_measurement",
            UnusableReason::Stale => "stale",
            UnusableReason::Unsynchronized => "unsynchronized",
            UnusableReason::RootDistanceTooLarge => "root_distance_too_large",
        }
    }
}

impl fmt::Display for SourceState {
    /// The JSON name; unusable states add the reason: `unusable (stale)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            SourceState::Selected => "selected",
            SourceState::Candidate => "candidate",
            SourceState::Falseticker => "falseticker",
            SourceState::NoMajority => "no_majority",
            SourceState::Standby => "standby",
            SourceState::Unusable(reason) => return write!(f, "unusable ({})", reason.name()),
            SourceState::Disabled => "disabled",
            SourceState::MonitorOnly => "monitor_only",
        };
        f.write_str(name)
    }
}

#[cfg(test)]
mod tests {
    use super::{Group, GroupChangeReason, SelectionEvent, SourceState, UnusableReason};

    #[test]
    fn states_serialize_as_tagged_snake_case() {
        let json = |state: SourceState| serde_json::to_string(&state).unwrap_or_default();
        assert_eq!(json(SourceState::Selected), r#"{"state":"selected"}"#);
        assert_eq!(
            json(SourceState::MonitorOnly),
            r#"{"state":"monitor_only"}"#
        );
        assert_eq!(
            json(SourceState::Unusable(UnusableReason::RootDistanceTooLarge)),
            r#"{"state":"unusable","reason":"root_distance_too_large"}"#
        );
    }

    #[test]
    fn display_matches_json_names() {
        assert_eq!(SourceState::NoMajority.to_string(), "no_majority");
        assert_eq!(
            SourceState::Unusable(UnusableReason::Stale).to_string(),
            "unusable (stale)"
        );
    }

    #[test]
    fn events_serialize_with_their_kind() {
        let event = SelectionEvent::GroupChanged {
            from: Some(Group::Primary),
            to: Some(Group::Secondary),
            reason: GroupChangeReason::NoPrimaryUsable,
        };
        assert_eq!(
            serde_json::to_string(&event).unwrap_or_default(),
            r#"{"event":"group_changed","from":"primary","to":"secondary","reason":"no_primary_usable"}"#
        );
    }
}
