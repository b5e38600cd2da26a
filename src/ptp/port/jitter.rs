//! The port's only randomness: timer jitter from a seed in the configuration (SplitMix64),
//! so runs are reproducible and nothing ambient is drawn.

use crate::time::Duration;

/// A SplitMix64 generator.
#[derive(Debug, Clone)]
pub(crate) struct Jitter {
    state: u64,
}

impl Jitter {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Jitter { state: seed }
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A uniformly drawn span in `[0, span)` (zero for an empty span).
    pub fn below(&mut self, span: Duration) -> Duration {
        let Ok(span) = u64::try_from(span.as_nanos()) else {
            return Duration::ZERO;
        };
        if span == 0 {
            return Duration::ZERO;
        }
        let drawn = self.next_u64() % span;
        Duration::from_nanos(i64::try_from(drawn).unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_stay_in_range_and_repeat_with_the_seed() {
        let span = Duration::from_secs(2);
        let mut first = Jitter::new(7);
        let mut second = Jitter::new(7);
        let draws: Vec<Duration> = (0..100).map(|_| first.below(span)).collect();
        assert!(draws.iter().all(|d| *d >= Duration::ZERO && *d < span));
        assert!(draws.iter().any(|d| *d != draws[0]), "not constant");
        let again: Vec<Duration> = (0..100).map(|_| second.below(span)).collect();
        assert_eq!(draws, again);
        assert_eq!(first.below(Duration::ZERO), Duration::ZERO);
        assert_eq!(first.below(Duration::from_nanos(-5)), Duration::ZERO);
    }
}
