//! A clock in virtual time, for simulations: frequency error, random-walk wander, seeded
//! timestamp noise.
//!
//! The clock keeps two times: the true (reference) time and its own. [`SimulatedClock::advance`]
//! moves true time on; the clock's own time moves by the same span scaled by
//! `(1 + error) · (1 + correction)`, as the kernel scales a clocksource by its frequency
//! correction. `error` is a constant part plus a random walk (wander) drawn from a seeded
//! [`StdRng`], so a run is reproduced exactly from its seed. Own time is kept as integer ns
//! plus a sub-ns remainder, so millions of small advances accumulate no rounding drift.

use super::{Clock, ClockError, SyncStatus};
use crate::sim::noise;
use crate::time::{Duration, Ppb, Timestamp};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Wander is integrated in steps no longer than this, however far one `advance` goes.
const WANDER_STEP: Duration = Duration::from_secs(1);

/// A clock in virtual time. Build it with [`SimulatedClock::new`] and the `with_*` methods.
#[derive(Debug)]
pub struct SimulatedClock {
    true_time: Timestamp,
    own_nanos: i64,
    /// Sub-ns part of the clock's own time, in [0, 1).
    own_fraction: f64,
    base_error: Ppb,
    wander: Ppb,
    /// Standard deviation of the wander's random walk after one second, in ppb.
    wander_per_sqrt_sec: f64,
    correction: Ppb,
    max_frequency: Ppb,
    timestamp_noise: Duration,
    steps: Vec<Duration>,
    sync_status: Option<SyncStatus>,
    rng: StdRng,
}

impl SimulatedClock {
    /// A perfect clock at true time `start`, with its randomness seeded by `seed`. Its
    /// frequency correction limit is 500 ppm, as `CLOCK_REALTIME`'s.
    pub fn new(seed: u64, start: Timestamp) -> Self {
        SimulatedClock {
            true_time: start,
            own_nanos: start.as_nanos(),
            own_fraction: 0.0,
            base_error: Ppb::ZERO,
            wander: Ppb::ZERO,
            wander_per_sqrt_sec: 0.0,
            correction: Ppb::ZERO,
            max_frequency: Ppb(500_000.0),
            timestamp_noise: Duration::ZERO,
            steps: Vec::new(),
            sync_status: None,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// Starts `offset` away from true time (positive: ahead).
    pub fn with_offset(mut self, offset: Duration) -> Self {
        self.own_nanos = (self.true_time + offset).as_nanos();
        self
    }

    /// Runs `error` fast (positive) or slow before any correction.
    pub fn with_frequency_error(mut self, error: Ppb) -> Self {
        self.base_error = error;
        self
    }

    /// Adds random-walk wander: after `t` seconds the frequency error has moved by a normal
    /// amount with standard deviation `per_sqrt_second · √t`.
    pub fn with_wander(mut self, per_sqrt_second: Ppb) -> Self {
        self.wander_per_sqrt_sec = per_sqrt_second.0.abs();
        self
    }

    /// Adds normal noise with this standard deviation to [`SimulatedClock::read_timestamp`]
    /// (software timestamping noise). [`Clock::now`] stays exact.
    pub fn with_timestamp_noise(mut self, sigma: Duration) -> Self {
        self.timestamp_noise = sigma;
        self
    }

    /// Sets the largest frequency correction [`Clock::adjust_frequency`] accepts.
    pub fn with_max_frequency(mut self, max: Ppb) -> Self {
        self.max_frequency = max.abs();
        self
    }

    /// Moves true time on by `true_elapsed` (non-positive spans do nothing).
    pub fn advance(&mut self, true_elapsed: Duration) {
        let mut remaining = true_elapsed;
        while remaining > Duration::ZERO {
            let chunk = remaining.min(WANDER_STEP);
            self.advance_chunk(chunk);
            remaining -= chunk;
        }
    }

    fn advance_chunk(&mut self, span: Duration) {
        self.true_time += span;
        let extra = self.own_fraction + span.as_nanos() as f64 * self.rate_error();
        let whole = extra.floor();
        self.own_nanos = self
            .own_nanos
            .saturating_add(span.as_nanos())
            .saturating_add(whole as i64);
        self.own_fraction = extra - whole;
        if self.wander_per_sqrt_sec > 0.0 {
            let sigma = self.wander_per_sqrt_sec * span.as_secs_f64().sqrt();
            self.wander = Ppb(self.wander.0 + sigma * noise::standard_normal(&mut self.rng));
        }
    }

    /// The true (reference) time.
    pub fn true_time(&self) -> Timestamp {
        self.true_time
    }

    /// The clock's own time minus true time (positive: ahead).
    pub fn true_offset(&self) -> Duration {
        Timestamp::from_nanos(self.own_nanos).since(self.true_time)
    }

    /// The clock's own frequency error now: the constant part plus wander.
    pub fn frequency_error(&self) -> Ppb {
        self.base_error + self.wander
    }

    /// How fast the clock runs against true time with its current correction, in ppb.
    pub fn net_frequency_error(&self) -> Ppb {
        Ppb(self.rate_error() * 1e9)
    }

    /// How fast the clock would run against true time with this correction, in ppb: the error
    /// left by a servo's frequency estimate.
    pub fn residual_frequency_error(&self, correction: Ppb) -> Ppb {
        let error = self.frequency_error().0 * 1e-9;
        let correction = correction.0 * 1e-9;
        Ppb((error + correction + error * correction) * 1e9)
    }

    fn rate_error(&self) -> f64 {
        self.residual_frequency_error(self.correction).0 * 1e-9
    }

    /// The clock's time `after` (true time) from now at its current rate, without advancing.
    /// Used to timestamp the end of a network exchange.
    pub fn predict(&self, after: Duration) -> Timestamp {
        let extra = self.own_fraction + after.as_nanos() as f64 * self.rate_error();
        let nanos = self
            .own_nanos
            .saturating_add(after.as_nanos())
            .saturating_add(extra.floor() as i64);
        Timestamp::from_nanos(nanos)
    }

    /// A timestamp taken `after` (true time) from now, with the clock's timestamp noise.
    pub fn read_timestamp_after(&mut self, after: Duration) -> Timestamp {
        let noise = noise::gaussian(&mut self.rng, self.timestamp_noise);
        self.predict(after) + noise
    }

    /// A timestamp taken now, with the clock's timestamp noise.
    pub fn read_timestamp(&mut self) -> Timestamp {
        self.read_timestamp_after(Duration::ZERO)
    }

    /// Every step applied so far, in order.
    pub fn steps(&self) -> &[Duration] {
        &self.steps
    }

    /// The status last set with [`Clock::set_sync_status`].
    pub fn sync_status(&self) -> Option<SyncStatus> {
        self.sync_status
    }
}

impl Clock for SimulatedClock {
    fn name(&self) -> &str {
        "simulated"
    }

    fn now(&self) -> Result<Timestamp, ClockError> {
        Ok(Timestamp::from_nanos(self.own_nanos))
    }

    fn frequency(&self) -> Result<Ppb, ClockError> {
        Ok(self.correction)
    }

    fn step(&mut self, delta: Duration) -> Result<(), ClockError> {
        self.own_nanos = self.own_nanos.saturating_add(delta.as_nanos());
        self.steps.push(delta);
        Ok(())
    }

    fn adjust_frequency(&mut self, frequency: Ppb) -> Result<(), ClockError> {
        if frequency.0.is_nan() || frequency.0.abs() > self.max_frequency.0 {
            return Err(ClockError::FrequencyOutOfRange {
                clock: self.name().to_owned(),
                requested: frequency,
                max: self.max_frequency,
            });
        }
        self.correction = frequency;
        Ok(())
    }

    fn max_frequency(&self) -> Ppb {
        self.max_frequency
    }

    fn set_sync_status(&mut self, status: SyncStatus) -> Result<(), ClockError> {
        self.sync_status = Some(status);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: Timestamp = Timestamp::from_secs_nanos(1_700_000_000, 0);

    #[test]
    fn frequency_error_accumulates_without_rounding_drift() {
        // 0.3 ppb over 1 ms steps is 0.3 ps per step: only the sub-ns remainder keeps it.
        let mut clock = SimulatedClock::new(1, START).with_frequency_error(Ppb(0.3));
        for _ in 0..100_000 {
            clock.advance(Duration::from_millis(1));
        }
        assert_eq!(clock.true_time(), START + Duration::from_secs(100));
        // 30 ns, less at most the sub-ns remainder (rounding each step would give 0).
        let offset = clock.true_offset().as_nanos();
        assert!((29..=30).contains(&offset), "{offset} ns");
    }

    #[test]
    fn correction_scales_the_rate_multiplicatively() {
        let mut clock = SimulatedClock::new(1, START)
            .with_offset(Duration::from_millis(5))
            .with_frequency_error(Ppb::from_ppm(100.0));
        assert_eq!(clock.true_offset(), Duration::from_millis(5));
        clock.advance(Duration::from_secs(10));
        assert_eq!(
            clock.true_offset(),
            Duration::from_millis(5) + Duration::from_micros(1_000)
        );
        // −100 ppm leaves (1 + 1e-4)(1 − 1e-4) − 1 = −1e-8, i.e. −10 ppb.
        clock.adjust_frequency(Ppb::from_ppm(-100.0)).unwrap();
        assert!((clock.net_frequency_error().0 + 10.0).abs() < 1e-6);
        let before = clock.true_offset();
        clock.advance(Duration::from_secs(100));
        let change = (clock.true_offset() - before).as_nanos();
        assert!((change + 1_000).abs() <= 1, "changed by {change} ns");
    }

    #[test]
    fn steps_and_limits() {
        let mut clock = SimulatedClock::new(1, START).with_max_frequency(Ppb::from_ppm(100.0));
        clock.step(Duration::from_millis(-3)).unwrap();
        assert_eq!(clock.now().unwrap(), START - Duration::from_millis(3));
        assert_eq!(clock.steps(), &[Duration::from_millis(-3)]);
        assert!(matches!(
            clock.adjust_frequency(Ppb::from_ppm(101.0)),
            Err(ClockError::FrequencyOutOfRange { .. })
        ));
        assert!(clock.adjust_frequency(Ppb(f64::NAN)).is_err());
        assert_eq!(clock.frequency().unwrap(), Ppb::ZERO);
        clock.adjust_frequency(Ppb::from_ppm(-100.0)).unwrap();
        assert_eq!(clock.frequency().unwrap(), Ppb::from_ppm(-100.0));
    }

    #[test]
    fn predict_matches_advance() {
        let mut clock = SimulatedClock::new(1, START).with_frequency_error(Ppb::from_ppm(-37.0));
        let predicted = clock.predict(Duration::from_millis(750));
        clock.advance(Duration::from_millis(750));
        assert_eq!(clock.now().unwrap(), predicted);
    }

    #[test]
    fn wander_is_a_seeded_random_walk() {
        let run = |seed: u64| {
            let mut clock = SimulatedClock::new(seed, START).with_wander(Ppb(1.0));
            clock.advance(Duration::from_secs(400));
            (clock.frequency_error(), clock.true_offset())
        };
        assert_eq!(run(5), run(5), "same seed, same run");
        // After 400 s the wander is normal with σ = 1 ppb · √400 = 20 ppb: over 200 seeds
        // the sample σ is within 20 % of that.
        let finals: Vec<f64> = (0..200).map(|seed| run(seed).0.0).collect();
        let sigma = (finals.iter().map(|x| x * x).sum::<f64>() / finals.len() as f64).sqrt();
        assert!((16.0..24.0).contains(&sigma), "wander σ {sigma} ppb");
    }

    #[test]
    fn timestamp_noise_only_touches_read_timestamp() {
        let mut clock =
            SimulatedClock::new(3, START).with_timestamp_noise(Duration::from_micros(1));
        let deviations: Vec<i64> = (0..2_000)
            .map(|_| clock.read_timestamp().since(START).as_nanos())
            .collect();
        assert_eq!(clock.now().unwrap(), START);
        let rms = (deviations.iter().map(|d| (d * d) as f64).sum::<f64>() / 2_000.0).sqrt();
        assert!(
            (900.0..1_100.0).contains(&rms),
            "timestamp noise RMS {rms} ns"
        );
    }
}
