//! Marzullo's intersection algorithm as RFC 5905 §11.2.1 uses it to tell truechimers from
//! falsetickers.
//!
//! Each source gives a correctness interval, its offset ± its root distance: if the source
//! tells the truth, the true offset lies inside. The intersection interval is the span from
//! the lowest to the highest point covered by at least `n − f` intervals, for the smallest
//! number of falsetickers `f` with `f < n/2` for which such a point exists. So the agreeing
//! sources are always a strict majority; with no majority (two sources that disagree, or one
//! good and one bad) there is no intersection and nothing may be steered.
//!
//! Truechimers are the intervals that overlap the intersection interval, as in ntpd's
//! `clock_select()`; the others are falsetickers. RFC 5905's extra midpoint test is left out,
//! as ntpd did: it rejects two honest sources whose intervals overlap but whose offsets sit
//! outside each other's overlap.

use crate::time::Duration;

/// The interval a source claims holds the true offset (`low ≤ high`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrectnessInterval {
    /// Offset − root distance.
    pub low: Duration,
    /// Offset + root distance.
    pub high: Duration,
}

impl CorrectnessInterval {
    /// `offset ± root_distance` (a negative distance is taken as its magnitude).
    pub fn around(offset: Duration, root_distance: Duration) -> Self {
        let radius = root_distance.abs();
        CorrectnessInterval {
            low: offset - radius,
            high: offset + radius,
        }
    }

    /// Whether this interval shares at least one point with `other` (closed intervals).
    pub fn overlaps(&self, other: &CorrectnessInterval) -> bool {
        self.low <= other.high && other.low <= self.high
    }
}

/// Order of edges at the same value: lower edges first, so touching closed intervals count
/// as overlapping at the shared point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Edge {
    Lower,
    Upper,
}

/// The interval agreed on by a majority of `intervals`, or `None` when no majority agrees.
pub fn intersect(intervals: &[CorrectnessInterval]) -> Option<CorrectnessInterval> {
    let count = intervals.len();
    let mut edges: Vec<(Duration, Edge)> = intervals
        .iter()
        .flat_map(|interval| [(interval.low, Edge::Lower), (interval.high, Edge::Upper)])
        .collect();
    edges.sort_unstable();
    let mut falsetickers = 0;
    while 2 * falsetickers < count {
        let needed = count - falsetickers;
        let low = first_point_covered(edges.iter().copied(), needed, Edge::Lower);
        let high = first_point_covered(edges.iter().rev().copied(), needed, Edge::Upper);
        if let (Some(low), Some(high)) = (low, high)
            && low <= high
        {
            return Some(CorrectnessInterval { low, high });
        }
        falsetickers += 1;
    }
    None
}

/// Walks `edges` in order and returns the first value where at least `needed` intervals are
/// open; `opening` is the edge kind that opens an interval in this direction.
fn first_point_covered(
    edges: impl Iterator<Item = (Duration, Edge)>,
    needed: usize,
    opening: Edge,
) -> Option<Duration> {
    let mut open = 0usize;
    for (value, edge) in edges {
        if edge == opening {
            open += 1;
            if open >= needed {
                return Some(value);
            }
        } else {
            open = open.saturating_sub(1);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{CorrectnessInterval, Duration, intersect};
    use proptest::prelude::{any, prop_assert, proptest};

    fn interval(offset_us: i64, distance_us: i64) -> CorrectnessInterval {
        CorrectnessInterval::around(
            Duration::from_micros(offset_us),
            Duration::from_micros(distance_us),
        )
    }

    fn truechimers(intervals: &[CorrectnessInterval]) -> Option<Vec<usize>> {
        let agreed = intersect(intervals)?;
        Some(
            (0..intervals.len())
                .filter(|&index| intervals[index].overlaps(&agreed))
                .collect(),
        )
    }

    #[test]
    fn one_interval_is_its_own_intersection() {
        let only = interval(300, 1_000);
        assert_eq!(intersect(&[only]), Some(only));
        let point = interval(5, 0);
        assert_eq!(intersect(&[point]), Some(point));
    }

    #[test]
    fn nothing_agrees_on_no_intervals() {
        assert_eq!(intersect(&[]), None);
    }

    #[test]
    fn two_disagreeing_sources_have_no_majority() {
        assert_eq!(
            intersect(&[interval(0, 1_000), interval(50_000, 1_000)]),
            None
        );
    }

    #[test]
    fn two_agreeing_sources_intersect_where_they_overlap() {
        let agreed = intersect(&[interval(0, 1_000), interval(1_500, 1_000)]);
        assert_eq!(
            agreed,
            Some(CorrectnessInterval {
                low: Duration::from_micros(500),
                high: Duration::from_micros(1_000),
            })
        );
    }

    #[test]
    fn touching_closed_intervals_agree_on_the_shared_point() {
        let agreed = intersect(&[interval(0, 1_000), interval(2_000, 1_000)]);
        assert_eq!(
            agreed.map(|agreed| agreed.low),
            Some(Duration::from_micros(1_000))
        );
    }

    #[test]
    fn the_one_far_off_source_of_three_is_a_falseticker() {
        let sources = [
            interval(3, 1_000),
            interval(50_000, 1_000),
            interval(-4, 1_000),
        ];
        assert_eq!(truechimers(&sources), Some(vec![0, 2]));
    }

    #[test]
    fn two_against_two_has_no_majority() {
        let sources = [
            interval(0, 1_000),
            interval(10, 1_000),
            interval(50_000, 1_000),
            interval(50_010, 1_000),
        ];
        assert_eq!(intersect(&sources), None);
    }

    #[test]
    fn three_honest_sources_outvote_two_colluding_ones() {
        let sources = [
            interval(50_000, 1_000),
            interval(0, 1_000),
            interval(50_010, 1_000),
            interval(20, 1_000),
            interval(-20, 1_000),
        ];
        assert_eq!(truechimers(&sources), Some(vec![1, 3, 4]));
    }

    #[test]
    fn a_wide_interval_spanning_the_agreement_is_a_truechimer() {
        let sources = [interval(0, 100), interval(10, 100), interval(900, 1_000)];
        assert_eq!(truechimers(&sources), Some(vec![0, 1, 2]));
    }

    proptest! {
        #[test]
        fn any_intersection_is_backed_by_a_strict_majority(
            raw in proptest::collection::vec((any::<i32>(), 0..1_000_000i64), 0..12)
        ) {
            let intervals: Vec<CorrectnessInterval> = raw
                .iter()
                .map(|&(offset, distance)| {
                    CorrectnessInterval::around(
                        Duration::from_nanos(i64::from(offset)),
                        Duration::from_nanos(distance),
                    )
                })
                .collect();
            if let Some(agreed) = intersect(&intervals) {
                prop_assert!(agreed.low <= agreed.high);
                let covering_low = intervals
                    .iter()
                    .filter(|interval| interval.low <= agreed.low && agreed.low <= interval.high)
                    .count();
                prop_assert!(2 * covering_low > intervals.len());
            }
        }
    }
}
