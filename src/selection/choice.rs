//! Choosing one source among the truechimers: protocol rank first, then root distance, with
//! hysteresis so that two equally good sources do not take turns.

use super::input::Candidate;
use crate::config::Protocol;
use crate::source::SourceId;
use crate::time::Duration;

/// Rank of a protocol within a group, lower is preferred: Timebeat's order PPS, PTP, NTP,
/// PHC, NMEA.
pub fn protocol_rank(protocol: Protocol) -> u8 {
    match protocol {
        Protocol::Pps => 0,
        Protocol::Ptp => 1,
        Protocol::Ntp => 2,
        Protocol::Phc => 3,
        Protocol::Nmea => 4,
    }
}

/// The survivor to steer to, given the one selected before (`current`).
///
/// The best survivor is the one with the lowest protocol rank, then the lowest root distance
/// (then the lowest id, so that the choice is deterministic). The current source stays
/// selected while it survives, unless the best one is clearly better:
/// - it has a better protocol rank (a PPS survivor always wins over PTP), or
/// - it has the same rank, a root distance below half the current one's, and at least
///   `reselect_margin` lower (the margin keeps nanosecond-level noise between hardware
///   sources from counting as "half").
pub(super) fn choose(
    survivors: &[Candidate],
    current: Option<SourceId>,
    reselect_margin: Duration,
) -> Option<Candidate> {
    let best = survivors
        .iter()
        .min_by_key(|candidate| {
            (
                protocol_rank(candidate.protocol),
                candidate.root_distance,
                candidate.id,
            )
        })
        .copied()?;
    let kept = current.and_then(|id| survivors.iter().find(|candidate| candidate.id == id));
    match kept {
        Some(kept) if !clearly_better(&best, kept, reselect_margin) => Some(*kept),
        _ => Some(best),
    }
}

/// Whether `challenger` should replace `current` (see [`choose`]).
fn clearly_better(challenger: &Candidate, current: &Candidate, reselect_margin: Duration) -> bool {
    let (challenger_rank, current_rank) = (
        protocol_rank(challenger.protocol),
        protocol_rank(current.protocol),
    );
    if challenger_rank != current_rank {
        return challenger_rank < current_rank;
    }
    challenger.root_distance * 2 < current.root_distance
        && current.root_distance - challenger.root_distance >= reselect_margin
}

#[cfg(test)]
mod tests {
    use super::{Candidate, Duration, Protocol, SourceId, choose, protocol_rank};

    fn candidate(id: usize, protocol: Protocol, distance_us: i64) -> Candidate {
        Candidate {
            id: SourceId(id),
            protocol,
            offset: Duration::ZERO,
            root_distance: Duration::from_micros(distance_us),
        }
    }

    const MARGIN: Duration = Duration::from_micros(1);

    #[test]
    fn timebeat_order() {
        let order = [
            Protocol::Pps,
            Protocol::Ptp,
            Protocol::Ntp,
            Protocol::Phc,
            Protocol::Nmea,
        ];
        assert!(
            order
                .windows(2)
                .all(|pair| protocol_rank(pair[0]) < protocol_rank(pair[1]))
        );
    }

    #[test]
    fn rank_beats_distance() {
        let survivors = [
            candidate(0, Protocol::Ntp, 10),
            candidate(1, Protocol::Ptp, 900),
        ];
        assert_eq!(
            choose(&survivors, None, MARGIN).map(|c| c.id),
            Some(SourceId(1))
        );
        // Even against a selected NTP source.
        assert_eq!(
            choose(&survivors, Some(SourceId(0)), MARGIN).map(|c| c.id),
            Some(SourceId(1))
        );
    }

    #[test]
    fn lowest_distance_then_lowest_id_without_history() {
        let survivors = [
            candidate(2, Protocol::Ntp, 500),
            candidate(1, Protocol::Ntp, 400),
            candidate(0, Protocol::Ntp, 400),
        ];
        assert_eq!(
            choose(&survivors, None, MARGIN).map(|c| c.id),
            Some(SourceId(0))
        );
    }

    #[test]
    fn the_current_source_stays_unless_clearly_beaten() {
        let survivors = [
            candidate(0, Protocol::Ntp, 1_000),
            candidate(1, Protocol::Ntp, 501),
        ];
        assert_eq!(
            choose(&survivors, Some(SourceId(0)), MARGIN).map(|c| c.id),
            Some(SourceId(0))
        );
        let survivors = [
            candidate(0, Protocol::Ntp, 1_000),
            candidate(1, Protocol::Ntp, 499),
        ];
        assert_eq!(
            choose(&survivors, Some(SourceId(0)), MARGIN).map(|c| c.id),
            Some(SourceId(1))
        );
    }

    #[test]
    fn tiny_distances_need_the_margin_too() {
        let tiny = |id, nanos| Candidate {
            root_distance: Duration::from_nanos(nanos),
            ..candidate(id, Protocol::Ptp, 0)
        };
        let survivors = [tiny(0, 300), tiny(1, 40)];
        assert_eq!(
            choose(&survivors, Some(SourceId(0)), MARGIN).map(|c| c.id),
            Some(SourceId(0))
        );
    }

    #[test]
    fn a_current_source_that_no_longer_survives_is_replaced() {
        let survivors = [candidate(1, Protocol::Ntp, 900)];
        assert_eq!(
            choose(&survivors, Some(SourceId(0)), MARGIN).map(|c| c.id),
            Some(SourceId(1))
        );
        assert_eq!(choose(&[], Some(SourceId(0)), MARGIN), None);
    }
}
