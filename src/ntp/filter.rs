//! The RFC 5905 clock filter (§10): the last eight samples of one server, the one with the
//! lowest round-trip delay chosen, its dispersion aged at 15 ppm, and the jitter of the rest.
//!
//! The chosen offset is moved to the lowest delay of the last minute or so of samples when
//! offset and delay are correlated ([`DelayCorrelation`]): in basic mode a server's transmit
//! timestamp is read before its answer leaves, which biases every offset by half of that time.
//!
//! Two deliberate differences from the reference implementation, both as chrony behaves:
//! empty stages do not count as the maximum dispersion (16 s), so an association is usable
//! from its first sample; and no "popcorn" spike suppressor (the selection and servo above
//! reject outliers with their own statistics).

use crate::ntp::asymmetry::DelayCorrelation;
use crate::source::{Leap, Measurement};
use crate::time::{Duration, Timestamp};
use std::collections::VecDeque;

/// Number of samples the filter keeps.
pub const FILTER_STAGES: usize = 8;
/// Frequency tolerance φ: how fast an old sample's error bound grows (15 ppm, RFC 5905).
pub const PHI_PPM: i64 = 15;

/// Dispersion grown by [`PHI_PPM`] over `elapsed` (negative elapsed time adds nothing).
pub fn grown_dispersion(dispersion: Duration, elapsed: Duration) -> Duration {
    let growth = elapsed.as_nanos().max(0) / 1_000_000 * PHI_PPM
        + elapsed.as_nanos().max(0) % 1_000_000 * PHI_PPM / 1_000_000;
    dispersion + Duration::from_nanos(growth)
}

/// 2^`log2` seconds as a span (precision fields), clamped to sensible exponents.
pub fn log2_duration(log2: i8) -> Duration {
    Duration::from_log2_secs(log2.clamp(-30, 30))
}

/// One sample offered to the filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FilterSample {
    /// Local − reference.
    pub offset: Duration,
    /// Round-trip delay.
    pub delay: Duration,
    /// Dispersion when taken (precisions + φ · delay).
    pub dispersion: Duration,
    /// When it was taken, by the local clock.
    pub time: Timestamp,
    /// The server's root delay.
    pub root_delay: Duration,
    /// The server's root dispersion.
    pub root_dispersion: Duration,
    /// The server's stratum.
    pub stratum: u8,
    /// The server's leap indicator.
    pub leap: Leap,
}

/// The shift register of the last [`FILTER_STAGES`] samples.
#[derive(Debug, Clone, Default)]
pub struct ClockFilter {
    samples: VecDeque<FilterSample>,
    /// Time and delay of the sample last returned.
    last_output: Option<(Timestamp, Duration)>,
    /// Offset against delay over a longer window than the eight stages.
    correlation: DelayCorrelation,
}

impl ClockFilter {
    /// An empty filter.
    pub fn new() -> Self {
        ClockFilter::default()
    }

    /// Number of samples held.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// True when no sample is held.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Forgets every sample (after a clock step, the old offsets mean nothing).
    pub fn clear(&mut self) {
        self.samples.clear();
        self.last_output = None;
        self.correlation.clear();
    }

    /// Adds `sample` (dropping the oldest beyond eight) and returns the filtered measurement
    /// when the chosen sample is newer than the last one returned, as RFC 5905 requires so
    /// the same sample never drives the clock twice. A better measurement of the same
    /// exchange (an interleaved sample after the basic one, same time, lower delay) counts as
    /// new.
    pub fn add(&mut self, sample: FilterSample) -> Option<Measurement> {
        if self.samples.len() == FILTER_STAGES {
            self.samples.pop_front();
        }
        self.samples.push_back(sample);
        self.correlation
            .add(sample.time, sample.delay, sample.offset);
        let best = self.best(sample.time)?;
        let seen = self.last_output.is_some_and(|(time, delay)| {
            best.local_time < time || (best.local_time == time && best.delay == delay)
        });
        if seen {
            return None;
        }
        self.last_output = Some((best.local_time, best.delay));
        Some(best)
    }

    /// The measurement the filter gives at `now`: the minimum-delay sample (its offset moved to
    /// the lowest delay of the longer window when offset follows delay), the dispersion of
    /// the samples sorted by delay (Σ εᵢ / 2ⁱ⁺¹, each aged to `now`) and the RMS of the other
    /// samples' offsets from the chosen one.
    pub fn best(&self, now: Timestamp) -> Option<Measurement> {
        let mut sorted: Vec<&FilterSample> = self.samples.iter().collect();
        // Equal delays: the newer sample wins.
        sorted.sort_by(|a, b| a.delay.cmp(&b.delay).then(b.time.cmp(&a.time)));
        let chosen = **sorted.first()?;
        let dispersion = sorted
            .iter()
            .enumerate()
            .map(|(stage, s)| grown_dispersion(s.dispersion, now.since(s.time)) / (2_i64 << stage))
            .fold(Duration::ZERO, |sum, d| sum + d);
        Some(Measurement {
            offset: self.correlation.correct(chosen.offset, chosen.delay),
            delay: chosen.delay,
            dispersion,
            jitter: jitter(chosen.offset, &sorted[1..]),
            root_delay: chosen.root_delay,
            root_dispersion: chosen.root_dispersion,
            stratum: chosen.stratum,
            leap: chosen.leap,
            local_time: chosen.time,
        })
    }
}

fn jitter(chosen_offset: Duration, others: &[&FilterSample]) -> Duration {
    if others.is_empty() {
        return Duration::ZERO;
    }
    let sum_squares: f64 = others
        .iter()
        .map(|s| (s.offset - chosen_offset).as_secs_f64().powi(2))
        .sum();
    Duration::from_secs_f64((sum_squares / others.len() as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(seconds: i64, offset_us: i64, delay_us: i64) -> FilterSample {
        FilterSample {
            offset: Duration::from_micros(offset_us),
            delay: Duration::from_micros(delay_us),
            dispersion: Duration::from_micros(10),
            time: Timestamp::from_secs_nanos(1_700_000_000 + seconds, 0),
            root_delay: Duration::ZERO,
            root_dispersion: Duration::ZERO,
            stratum: 1,
            leap: Leap::None,
        }
    }

    #[test]
    fn picks_the_minimum_delay_sample() {
        let mut filter = ClockFilter::new();
        let _ = filter.add(sample(0, 100, 500));
        let _ = filter.add(sample(16, 20, 200));
        let out = filter.add(sample(32, 300, 900));
        // The new sample has a larger delay; the chosen one was already returned.
        assert_eq!(out, None);
        let best = filter
            .best(Timestamp::from_secs_nanos(1_700_000_032, 0))
            .unwrap();
        assert_eq!(best.offset, Duration::from_micros(20));
        assert_eq!(best.delay, Duration::from_micros(200));
    }

    #[test]
    fn returns_a_new_minimum_once() {
        let mut filter = ClockFilter::new();
        let first = filter.add(sample(0, 100, 500)).unwrap();
        assert_eq!(first.offset, Duration::from_micros(100));
        let better = filter.add(sample(16, -40, 100)).unwrap();
        assert_eq!(better.offset, Duration::from_micros(-40));
        assert_eq!(better.jitter, Duration::from_micros(140));
    }

    #[test]
    fn a_better_sample_of_the_same_exchange_is_returned() {
        let mut filter = ClockFilter::new();
        assert!(filter.add(sample(0, 15, 230)).is_some());
        let precise = filter.add(sample(0, 0, 200)).unwrap();
        assert_eq!(precise.offset, Duration::ZERO);
        assert_eq!(
            filter.add(sample(0, 15, 230)),
            None,
            "the same choice again"
        );
    }

    #[test]
    fn keeps_only_eight_samples() {
        let mut filter = ClockFilter::new();
        let _ = filter.add(sample(0, 1, 10));
        for i in 1..=8 {
            let _ = filter.add(sample(i * 16, 50, 1_000 + i));
        }
        assert_eq!(filter.len(), FILTER_STAGES);
        let best = filter
            .best(Timestamp::from_secs_nanos(1_700_000_200, 0))
            .unwrap();
        assert_eq!(
            best.delay,
            Duration::from_micros(1_001),
            "the 10 µs sample left the register"
        );
    }

    #[test]
    fn dispersion_grows_at_15_ppm() {
        assert_eq!(
            grown_dispersion(Duration::ZERO, Duration::from_secs(1_000)),
            Duration::from_millis(15)
        );
        assert_eq!(
            grown_dispersion(Duration::from_micros(5), Duration::from_secs(-5)),
            Duration::from_micros(5)
        );
        let mut filter = ClockFilter::new();
        let _ = filter.add(sample(0, 0, 100));
        let now = Timestamp::from_secs_nanos(1_700_000_000 + 1_000, 0);
        // One sample: ε = (10 µs + 15 ms) / 2.
        assert_eq!(
            filter.best(now).unwrap().dispersion,
            Duration::from_micros(7_505)
        );
    }

    #[test]
    fn clear_forgets_everything() {
        let mut filter = ClockFilter::new();
        let _ = filter.add(sample(0, 0, 100));
        filter.clear();
        assert!(filter.is_empty());
        assert!(filter.add(sample(1, 0, 100)).is_some());
    }
}
