//! What the selector is given: one [`SourceInput`] per configured source, the
//! [`SelectorConfig`], and the usability check that turns an input into a [`Candidate`].

use super::state::{SourceState, UnusableReason};
use crate::config::Protocol;
use crate::source::{Group, Leap, Measurement, SourceId};
use crate::time::{Duration, Timestamp};

/// Default [`SelectorConfig::max_root_distance`]: 1.5 s, ntpd's `tos maxdist` default.
/// RFC 5905's `MAXDIST` constant is 1 s; ntpd raised its default to 1.5 s so that sources
/// behind slow or long paths are not thrown out, and chrony's `maxdistance` is 3 s.
pub const DEFAULT_MAX_ROOT_DISTANCE: Duration = Duration::from_millis(1_500);

/// Default [`SelectorConfig::max_age_polls`]: a measurement older than 8 poll intervals is
/// stale, the span of NTP's 8-bit reachability register.
pub const DEFAULT_MAX_AGE_POLLS: u32 = 8;

/// Default [`SelectorConfig::reselect_margin`]: 1 µs (see [`SelectorConfig::reselect_margin`]).
pub const DEFAULT_RESELECT_MARGIN: Duration = Duration::from_micros(1);

/// Sources at or above this stratum are unsynchronised (RFC 5905 `MAXSTRAT`).
pub const MAX_STRATUM: u8 = 16;

/// Rate at which a measurement's error bound grows with its age, in ns per s:
/// RFC 5905's `PHI`, 15 ppm.
const DISPERSION_RATE_NANOS_PER_SEC: i128 = 15_000;

/// One source as the selector sees it at one update.
///
/// Each configured source appears once per update; the selector keys its memory (the selected
/// source, falseticker transitions) by [`SourceInput::id`].
#[derive(Debug, Clone, PartialEq)]
pub struct SourceInput {
    /// The source's index in the config.
    pub id: SourceId,
    /// `primary_clocks` or `secondary_clocks`.
    pub group: Group,
    /// The protocol, which ranks sources within a group (see [`super::protocol_rank`]).
    pub protocol: Protocol,
    /// `disable: true` in the config: skipped entirely.
    pub disabled: bool,
    /// `monitor_only: true`: measured and shown, never selected and never voting.
    pub monitor_only: bool,
    /// Whether the source answered recently (the driver's reachability).
    pub reachable: bool,
    /// How often the source is measured; staleness is judged in multiples of it.
    pub poll_interval: Duration,
    /// The latest filtered measurement, if any.
    pub measurement: Option<Measurement>,
    /// When the source last delivered a measurement, by the local clock; staleness counts
    /// from here (from the measurement's own time when `None`). The measurement itself may
    /// be older than that: NTP's clock filter keeps the minimum-delay sample of the last 8,
    /// and an interleaved sample describes the previous exchange, so a healthy source's
    /// measurement can be 8 polls old.
    pub sampled_at: Option<Timestamp>,
}

/// Settings of the [`super::Selector`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectorConfig {
    /// Fewest usable sources the active group needs before anything is selected (chrony's
    /// `minsources`). Default 1: a lone source is followed, as chrony does with one server.
    pub min_sources: usize,
    /// Sources whose root distance (aged to `now`) exceeds this are unusable.
    pub max_root_distance: Duration,
    /// A measurement older than this many of its source's poll intervals is stale.
    pub max_age_polls: u32,
    /// Hysteresis: a survivor of the same protocol rank replaces the selected source only when
    /// its root distance is below half the selected one's *and* at least this much lower.
    pub reselect_margin: Duration,
}

impl Default for SelectorConfig {
    fn default() -> Self {
        SelectorConfig {
            min_sources: 1,
            max_root_distance: DEFAULT_MAX_ROOT_DISTANCE,
            max_age_polls: DEFAULT_MAX_AGE_POLLS,
            reselect_margin: DEFAULT_RESELECT_MARGIN,
        }
    }
}

/// A usable source, ready for the intersection and the choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Candidate {
    pub(super) id: SourceId,
    pub(super) protocol: Protocol,
    pub(super) offset: Duration,
    /// The measurement's root distance plus `PHI × age`, as RFC 5905's `root_dist()`.
    pub(super) root_distance: Duration,
}

/// Whether `input` can take part in selection at `now`; if not, the state to show for it.
///
/// Checked in this order: disabled, monitor-only, unreachable, no measurement, stale (no new
/// measurement for `max_age_polls` polls),
/// unsynchronised (leap indicator or stratum), root distance too large. A measurement taken
/// after `now` (possible just after the clock was stepped back) counts as fresh with age zero.
pub(super) fn assess(
    input: &SourceInput,
    now: Timestamp,
    config: &SelectorConfig,
) -> Result<Candidate, SourceState> {
    if input.disabled {
        return Err(SourceState::Disabled);
    }
    if input.monitor_only {
        return Err(SourceState::MonitorOnly);
    }
    let unusable = |reason| Err(SourceState::Unusable(reason));
    if !input.reachable {
        return unusable(UnusableReason::Unreachable);
    }
    let Some(measurement) = input.measurement else {
        return unusable(UnusableReason::NoMeasurement);
    };
    let age = now.since(measurement.local_time).max(Duration::ZERO);
    let silence = input
        .sampled_at
        .map_or(age, |sampled_at| now.since(sampled_at).max(Duration::ZERO));
    let max_age = input.poll_interval * i64::from(config.max_age_polls);
    if silence > max_age {
        return unusable(UnusableReason::Stale);
    }
    if measurement.leap == Leap::Unsynchronized || measurement.stratum >= MAX_STRATUM {
        return unusable(UnusableReason::Unsynchronized);
    }
    let root_distance = measurement.root_distance() + aging(age);
    if root_distance > config.max_root_distance {
        return unusable(UnusableReason::RootDistanceTooLarge);
    }
    Ok(Candidate {
        id: input.id,
        protocol: input.protocol,
        offset: measurement.offset,
        root_distance,
    })
}

/// The dispersion a measurement gains over `age` at RFC 5905's 15 ppm.
fn aging(age: Duration) -> Duration {
    let nanos = i128::from(age.as_nanos()) * DISPERSION_RATE_NANOS_PER_SEC / 1_000_000_000;
    Duration::from_nanos(i64::try_from(nanos).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::{Duration, aging};

    #[test]
    fn aging_is_15_ppm() {
        assert_eq!(aging(Duration::from_secs(64)), Duration::from_micros(960));
        assert_eq!(aging(Duration::ZERO), Duration::ZERO);
        // No overflow at the end of the range.
        assert_eq!(
            aging(Duration::MAX),
            Duration::from_nanos(138_350_580_552_821)
        );
    }
}
