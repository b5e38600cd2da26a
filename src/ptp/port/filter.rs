//! The path delay filter: a moving median of the last [`DELAY_FILTER_LENGTH`]
//! measurements, as ptp4l's default `delay_filter moving_median`, `delay_filter_length 10`.
//! One delayed or queued Delay_Req then moves the estimate by at most one rank.

use crate::time::Duration;
use std::collections::VecDeque;

/// Measurements the median is taken over.
pub const DELAY_FILTER_LENGTH: usize = 10;

/// A moving median of path delays.
#[derive(Debug, Clone, Default)]
pub(crate) struct DelayFilter {
    window: VecDeque<Duration>,
}

impl DelayFilter {
    /// Adds `delay` and returns the new median: the middle value, or the mean of the two
    /// middle values (rounded toward zero) for an even count, as ptp4l's `mmedian`.
    pub fn push(&mut self, delay: Duration) -> Duration {
        if self.window.len() == DELAY_FILTER_LENGTH {
            self.window.pop_front();
        }
        self.window.push_back(delay);
        let mut sorted: Vec<Duration> = self.window.iter().copied().collect();
        sorted.sort_unstable();
        let middle = sorted.len() / 2;
        if sorted.len() % 2 == 1 {
            sorted[middle]
        } else {
            let sum =
                i128::from(sorted[middle - 1].as_nanos()) + i128::from(sorted[middle].as_nanos());
            // The mean of two i64 values always fits back into an i64.
            Duration::from_nanos(i64::try_from(sum / 2).unwrap_or(i64::MAX))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(nanos: i64) -> Duration {
        Duration::from_nanos(nanos)
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        let mut filter = DelayFilter::default();
        assert_eq!(filter.push(ns(100)), ns(100));
        assert_eq!(filter.push(ns(300)), ns(200));
        assert_eq!(filter.push(ns(5_000)), ns(300));
        assert_eq!(filter.push(ns(101)), ns(200));
    }

    #[test]
    fn an_outlier_does_not_move_a_full_window() {
        let mut filter = DelayFilter::default();
        for _ in 0..DELAY_FILTER_LENGTH {
            filter.push(ns(1_000));
        }
        assert_eq!(filter.push(ns(900_000)), ns(1_000));
    }

    #[test]
    fn the_window_slides() {
        let mut filter = DelayFilter::default();
        for _ in 0..DELAY_FILTER_LENGTH {
            filter.push(ns(1_000));
        }
        for _ in 0..DELAY_FILTER_LENGTH {
            filter.push(ns(2_000));
        }
        assert_eq!(filter.push(ns(2_000)), ns(2_000));
    }
}
