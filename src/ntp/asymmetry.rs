//! Delay–offset correlation of one server's samples (chrony's sourcestats estimates the same
//! "asymmetry of network jitter").
//!
//! When the extra round-trip delay of a sample falls on one side of the exchange more than
//! the other, its offset moves with its delay. The common case: a server in basic mode reads
//! its transmit timestamp before its answer leaves, so every microsecond its kernel spends
//! sending adds one to the measured delay and half of one to the offset. Fitting
//! `offset = a + c·t + b·(delay − minimum delay)` over the recent samples of one server and
//! removing `b·(delay − minimum delay)` from an offset moves it to the lowest delay seen. The
//! time term keeps a drifting clock (monitor mode, a servo still pulling in) from passing as
//! correlation. `b` is clamped to ±0.5: all of the extra delay on one side.

use crate::time::{Duration, Timestamp};
use std::collections::VecDeque;

/// Samples the fit looks back over.
pub const ASYMMETRY_WINDOW: usize = 64;
/// Samples needed before any correction is made.
pub const MIN_ASYMMETRY_SAMPLES: usize = 16;
/// Largest slope: every nanosecond of extra delay on one side.
pub const MAX_ASYMMETRY: f64 = 0.5;

#[derive(Debug, Clone, Copy)]
struct Point {
    time: Timestamp,
    delay: Duration,
    offset: Duration,
}

/// The recent (time, delay, offset) samples of one server and the slope fitted through them.
#[derive(Debug, Clone, Default)]
pub struct DelayCorrelation {
    points: VecDeque<Point>,
}

impl DelayCorrelation {
    /// Adds one sample, dropping the oldest beyond [`ASYMMETRY_WINDOW`].
    pub fn add(&mut self, time: Timestamp, delay: Duration, offset: Duration) {
        if self.points.len() == ASYMMETRY_WINDOW {
            self.points.pop_front();
        }
        self.points.push_back(Point {
            time,
            delay,
            offset,
        });
    }

    /// Forgets every sample (after a clock step).
    pub fn clear(&mut self) {
        self.points.clear();
    }

    /// The lowest delay in the window.
    pub fn min_delay(&self) -> Option<Duration> {
        self.points.iter().map(|p| p.delay).min()
    }

    /// The fitted slope of offset over delay, clamped to ±[`MAX_ASYMMETRY`]; `None` with
    /// fewer than [`MIN_ASYMMETRY_SAMPLES`] samples or when the delays do not vary.
    pub fn slope(&self) -> Option<f64> {
        if self.points.len() < MIN_ASYMMETRY_SAMPLES {
            return None;
        }
        let min_delay = self.min_delay()?;
        let newest = self.points.back()?.time;
        let columns: Vec<(f64, f64, f64)> = self
            .points
            .iter()
            .map(|p| {
                (
                    p.time.since(newest).as_secs_f64(),
                    (p.delay - min_delay).as_nanos() as f64,
                    p.offset.as_nanos() as f64,
                )
            })
            .collect();
        fit_delay_slope(&columns).map(|b| b.clamp(-MAX_ASYMMETRY, MAX_ASYMMETRY))
    }

    /// `offset` moved to the lowest delay in the window (unchanged while there is no slope).
    pub fn correct(&self, offset: Duration, delay: Duration) -> Duration {
        let (Some(slope), Some(min_delay)) = (self.slope(), self.min_delay()) else {
            return offset;
        };
        let excess = (delay - min_delay).as_nanos().max(0) as f64;
        offset - Duration::from_nanos((slope * excess).round() as i64)
    }
}

/// Least squares of `y = a + c·t + b·x` over `(t, x, y)` rows; returns `b`, or `None` when
/// `x` has no spread independent of `t`.
fn fit_delay_slope(rows: &[(f64, f64, f64)]) -> Option<f64> {
    let n = rows.len() as f64;
    let mean = |pick: fn(&(f64, f64, f64)) -> f64| rows.iter().map(pick).sum::<f64>() / n;
    let (mt, mx, my) = (mean(|r| r.0), mean(|r| r.1), mean(|r| r.2));
    let (mut stt, mut stx, mut sxx, mut sty, mut sxy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for &(t, x, y) in rows {
        let (t, x, y) = (t - mt, x - mx, y - my);
        stt += t * t;
        stx += t * x;
        sxx += x * x;
        sty += t * y;
        sxy += x * y;
    }
    if sxx <= f64::EPSILON {
        return None;
    }
    if stt <= f64::EPSILON {
        return Some(sxy / sxx);
    }
    let determinant = stt * sxx - stx * stx;
    if determinant <= 1e-9 * stt * sxx {
        return None;
    }
    Some((stt * sxy - stx * sty) / determinant)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_nanos(1_700_000_000_000_000_000 + seconds * 1_000_000_000)
    }

    /// Basic-mode samples against a server that reads its transmit timestamp `early_ns` before
    /// the answer leaves: delay grows by it, offset by half of it.
    fn early_server(
        correlation: &mut DelayCorrelation,
        seconds: i64,
        early_ns: i64,
        drift_ns: i64,
    ) {
        let true_offset = 1_000 + drift_ns * seconds;
        correlation.add(
            at(seconds),
            Duration::from_nanos(30_000 + early_ns),
            Duration::from_nanos(true_offset + early_ns / 2),
        );
    }

    #[test]
    fn needs_enough_samples_and_some_spread() {
        let mut correlation = DelayCorrelation::default();
        for second in 0..MIN_ASYMMETRY_SAMPLES as i64 - 1 {
            early_server(&mut correlation, second, (second * 7_919) % 9_000, 0);
        }
        assert_eq!(correlation.slope(), None, "one sample short");
        let same_delay = Duration::from_nanos(30_000);
        let mut flat = DelayCorrelation::default();
        for second in 0..32 {
            flat.add(at(second), same_delay, Duration::from_nanos(second * 10));
        }
        assert_eq!(flat.slope(), None, "no delay spread, nothing to fit");
        assert_eq!(
            flat.correct(Duration::from_nanos(5), same_delay),
            Duration::from_nanos(5)
        );
    }

    #[test]
    fn an_early_server_timestamp_is_removed_even_with_the_clock_drifting() {
        for drift_ns in [0, 250, -4_000] {
            let mut correlation = DelayCorrelation::default();
            for second in 0..64 {
                // 1 µs .. 10 µs early (even, so half of it is exact), in a scrambled order.
                let early = 1_000 + 2 * ((second * 7_919) % 4_500);
                early_server(&mut correlation, second, early, drift_ns);
            }
            let slope = correlation.slope().expect("64 samples with spread");
            assert!(
                (slope - 0.5).abs() < 1e-6,
                "drift {drift_ns}: slope {slope}"
            );
            // The newest sample (second 63) moved to the lowest delay (1 µs early).
            let newest_early = 1_000 + 2 * ((63 * 7_919) % 4_500);
            let corrected = correlation.correct(
                Duration::from_nanos(1_000 + drift_ns * 63 + newest_early / 2),
                Duration::from_nanos(30_000 + newest_early),
            );
            let expected = 1_000 + drift_ns * 63 + 500;
            assert!(
                (corrected.as_nanos() - expected).abs() <= 1,
                "drift {drift_ns}: {corrected:?} vs {expected}"
            );
        }
    }

    #[test]
    fn symmetric_jitter_gives_a_slope_near_zero_and_a_one_sided_queue_is_clamped() {
        let mut symmetric = DelayCorrelation::default();
        let mut one_sided = DelayCorrelation::default();
        for second in 0..64 {
            let extra = (second * 7_919) % 9_000;
            // Extra delay split evenly across the two directions: the offset does not move.
            let wobble = if second % 2 == 0 { 7 } else { -7 };
            symmetric.add(
                at(second),
                Duration::from_nanos(30_000 + extra),
                Duration::from_nanos(wobble),
            );
            // A nonsense dependence steeper than any asymmetry can make.
            one_sided.add(
                at(second),
                Duration::from_nanos(30_000 + extra),
                Duration::from_nanos(-2 * extra),
            );
        }
        let slope = symmetric.slope().expect("spread");
        assert!(slope.abs() < 0.01, "symmetric: {slope}");
        assert_eq!(one_sided.slope(), Some(-MAX_ASYMMETRY));
    }

    #[test]
    fn the_window_keeps_the_newest_samples_and_clear_empties_it() {
        let mut correlation = DelayCorrelation::default();
        for second in 0..100 {
            correlation.add(
                at(second),
                Duration::from_nanos(50_000 - second),
                Duration::ZERO,
            );
        }
        assert_eq!(
            correlation.min_delay(),
            Some(Duration::from_nanos(50_000 - 99))
        );
        assert_eq!(correlation.points.len(), ASYMMETRY_WINDOW);
        correlation.clear();
        assert_eq!(correlation.min_delay(), None);
        assert_eq!(correlation.slope(), None);
    }
}
