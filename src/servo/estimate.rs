//! The start-up estimate of offset and frequency: a least-squares line through every sample of
//! the estimation window.
//!
//! linuxptp draws its line through the first and the last sample only. With software gains at
//! 1 s the window is 16 s and holds 17 samples; fitting all of them cuts the frequency error
//! from `√2 · σ / 16 s` (88 ppb for σ = 1 µs) to `σ / √Σ(t − t̄)²` (50 ppb), and the error of
//! the offset that is stepped away from σ to about 0.46 σ. With hardware gains the window holds
//! two samples and the fit is linuxptp's line exactly.

use crate::time::{Duration, Timestamp};

/// Running sums for a least-squares line `offset = a + slope · t` through the window's samples.
/// Times are kept relative to the first sample and offsets relative to its offset, so the sums
/// stay small enough for `f64` over a 1000 s window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OffsetFit {
    first_time: Timestamp,
    first_offset: Duration,
    last_time: Timestamp,
    count: f64,
    sum_t: f64,
    sum_x: f64,
    sum_tt: f64,
    sum_tx: f64,
}

/// What the fit says at the window's last sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitResult {
    /// The fitted offset at the last sample's time.
    pub offset: Duration,
    /// How fast the offset grew: ns per ns of local time.
    pub slope: f64,
}

impl OffsetFit {
    /// A fit holding one sample.
    pub fn new(offset: Duration, local_time: Timestamp) -> Self {
        OffsetFit {
            first_time: local_time,
            first_offset: offset,
            last_time: local_time,
            count: 1.0,
            sum_t: 0.0,
            sum_x: 0.0,
            sum_tt: 0.0,
            sum_tx: 0.0,
        }
    }

    /// When the last sample was taken.
    pub fn last_time(&self) -> Timestamp {
        self.last_time
    }

    /// Local time from the first sample to the last.
    pub fn span(&self) -> Duration {
        self.last_time.since(self.first_time)
    }

    /// Adds a sample taken after every sample already in the fit.
    pub fn add(&mut self, offset: Duration, local_time: Timestamp) {
        let t = local_time.since(self.first_time).as_secs_f64();
        let x = (offset - self.first_offset).as_nanos() as f64;
        self.last_time = local_time;
        self.count += 1.0;
        self.sum_t += t;
        self.sum_x += x;
        self.sum_tt += t * t;
        self.sum_tx += t * x;
    }

    /// The fitted line at the last sample, or `None` until two samples at different times.
    pub fn result(&self) -> Option<FitResult> {
        let mean_t = self.sum_t / self.count;
        let mean_x = self.sum_x / self.count;
        let spread = self.sum_tt - self.count * mean_t * mean_t;
        if spread <= 0.0 || !spread.is_finite() {
            return None;
        }
        let slope_per_sec = (self.sum_tx - self.count * mean_t * mean_x) / spread;
        let at_last = mean_x + slope_per_sec * (self.span().as_secs_f64() - mean_t);
        Some(FitResult {
            offset: self.first_offset + Duration::from_nanos(at_last.round() as i64),
            slope: slope_per_sec / 1e9,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: Timestamp = Timestamp::from_secs_nanos(1_700_000_000, 0);

    #[test]
    fn two_samples_give_the_line_through_them() {
        let mut fit = OffsetFit::new(Duration::from_micros(100), START);
        assert_eq!(fit.result(), None);
        fit.add(Duration::from_micros(300), START + Duration::from_secs(2));
        let result = fit.result().unwrap();
        assert_eq!(result.offset, Duration::from_micros(300));
        assert!((result.slope - 1e-4).abs() < 1e-15, "{}", result.slope);
        assert_eq!(fit.span(), Duration::from_secs(2));
    }

    #[test]
    fn noise_symmetric_about_the_window_cancels_out_of_the_fit() {
        // A 50 ppm line from 1 ms, with ±400 ns noise symmetric about the middle sample.
        let mut fit = OffsetFit::new(Duration::from_nanos(1_000_400), START);
        for (second, noise) in [(1, -400), (2, 0), (3, -400), (4, 400)] {
            let offset = 1_000_000 + 50_000 * second + noise;
            fit.add(
                Duration::from_nanos(offset),
                START + Duration::from_secs(second),
            );
        }
        let result = fit.result().unwrap();
        assert!((result.slope - 50e-6).abs() < 1e-12, "{}", result.slope);
        // The last sample read 1.2004 ms; the line says 1.2 ms.
        assert_eq!(result.offset, Duration::from_nanos(1_200_000));
    }

    #[test]
    fn samples_at_one_instant_fit_nothing() {
        let mut fit = OffsetFit::new(Duration::ZERO, START);
        fit.add(Duration::from_micros(1), START);
        assert_eq!(fit.result(), None);
    }
}
