//! From 100 ms and 100 ppm off to locked: the issue's figures, noise floor, hardware gains.

use super::{HOUR, Point, Run, SECOND, SEEDS, after, max_abs_offset, max_abs_residual, rms};
use crate::servo::{ServoConfig, ServoState, Timestamping};
use crate::sim::OffsetSensor;
use crate::time::{Duration, Ppb};

/// Slow oscillator wander for the start-up runs: 0.01 ppb/√s, ~0.6 ppb after an hour.
const GENTLE_WANDER: Ppb = Ppb(0.01);

/// Three hours at 1 Hz with software gains and 1 µs white measurement noise.
fn software_run(seed: u64) -> (Run, Vec<Point>) {
    let config = ServoConfig::new(Timestamping::Software);
    let mut run = Run::off_by_100ms_and_100ppm(seed, config, GENTLE_WANDER);
    let sensor = OffsetSensor::new(Duration::from_micros(1));
    let points = run.run_sensor(sensor, SECOND, Duration::from_secs(3 * HOUR));
    (run, points)
}

/// The issue's figures: at most one step; within 10 µs by 30 s; within 1 µs by 120 s;
/// frequency within 0.1 ppm by 300 s.
///
/// "Within 1 µs by 120 s" is checked as: every sample from 120 s to 600 s is within 1 µs, and
/// over the following hours at most 0.1 % of samples leave it (never past 1.5 µs). Past the
/// transient the true offset is 1 µs white noise through the loop, σ ≈ 0.24 µs (see the RMS
/// test), so over 10 000 samples a single 4σ excursion above 1 µs is expected now and then.
#[test]
fn software_gains_meet_the_issue_figures() {
    for seed in SEEDS {
        let (run, points) = software_run(seed);
        assert_eq!(run.clock.steps().len(), 1, "seed {seed}: steps");
        assert_eq!(run.servo.steps(), 1, "seed {seed}: servo steps");
        let stepping: Vec<f64> = points
            .iter()
            .filter(|point| point.state == ServoState::Stepping)
            .map(|point| point.seconds)
            .collect();
        assert_eq!(
            stepping,
            [16.0],
            "seed {seed}: steps once, after the 16 s window"
        );
        assert!(
            after(&points, 17.0).all(|point| point.state == ServoState::Locked),
            "seed {seed}: locked after the step"
        );
        let by_30s = max_abs_offset(&points, 30.0);
        assert!(by_30s < 10_000.0, "seed {seed}: {by_30s} ns after 30 s");
        let window: Vec<Point> = after(&points, 120.0)
            .filter(|point| point.seconds <= 600.0)
            .copied()
            .collect();
        let by_120s = max_abs_offset(&window, 0.0);
        assert!(by_120s < 1_000.0, "seed {seed}: {by_120s} ns in 120-600 s");
        let outside = after(&points, 120.0)
            .filter(|point| point.true_offset_ns.abs() >= 1_000.0)
            .count();
        assert!(outside <= 10, "seed {seed}: {outside} samples past 1 µs");
        let worst = max_abs_offset(&points, 120.0);
        assert!(worst < 1_500.0, "seed {seed}: {worst} ns after 120 s");
        let frequency = max_abs_residual(&points, 300.0);
        assert!(
            frequency < 100.0,
            "seed {seed}: {frequency} ppb after 300 s"
        );
    }
}

/// Steady state (after 10 min): the true offset's RMS is about a quarter of the measurement
/// noise, and what the servo measures is barely more than the noise itself.
///
/// Derivation: with kp = 0.1 per 1 s sample the loop is nearly `x' = (1 − kp)·x − kp·n`, whose
/// stationary variance is `kp / (2 − kp) · σ²`, i.e. RMS 0.23 σ (the integral term adds a few
/// per cent). The measurement is `x + n` with `x` independent of the current `n`, so its RMS is
/// `√(1 + 0.053) σ ≈ 1.03 σ`. Asserted: true RMS in 0.18–0.30 σ, measured RMS in 1.00–1.06 σ.
#[test]
fn steady_state_rms_sits_at_the_noise_floor() {
    for seed in SEEDS {
        let (_, points) = software_run(seed);
        let steady = || after(&points, 600.0);
        let true_rms = rms(steady().map(|point| point.true_offset_ns)) / 1_000.0;
        let measured_rms = rms(steady().filter_map(|point| point.measured_ns)) / 1_000.0;
        assert!(
            (0.18..0.30).contains(&true_rms),
            "seed {seed}: true offset RMS {true_rms} σ"
        );
        assert!(
            (1.00..1.06).contains(&measured_rms),
            "seed {seed}: measured RMS {measured_rms} σ"
        );
    }
}

/// Hardware gains (kp 0.7, ki 0.3 at 1 s; 1.31 and 0.13 at 8 Hz) with 20 ns hardware
/// timestamp noise: one step at the second sample, then within 150 ns (7σ) from 10 s on.
/// These gains trade noise rejection for speed: at 1 Hz the true offset's RMS is about the
/// noise itself (observed 1.04–1.08 σ; asserted < 1.2 σ), at 8 Hz the loop averages eight
/// samples a second (observed 0.38–0.40 σ; asserted < 0.5 σ). The integral term then holds
/// the frequency within 40 ppb (observed ≤ 29 ppb).
#[test]
fn hardware_gains_converge_at_1_hz_and_8_hz() {
    let noise = Duration::from_nanos(20);
    for seed in SEEDS {
        for (interval, rms_limit) in [(SECOND, 1.2), (Duration::from_millis(125), 0.5)] {
            let config = ServoConfig::new(Timestamping::Hardware);
            let mut run = Run::off_by_100ms_and_100ppm(seed, config, GENTLE_WANDER);
            let points = run.run_sensor(
                OffsetSensor::new(noise),
                interval,
                Duration::from_secs(HOUR),
            );
            let context = format!("seed {seed}, interval {interval}");
            assert_eq!(run.clock.steps().len(), 1, "{context}: steps");
            let by_10s = max_abs_offset(&points, 10.0);
            assert!(by_10s < 150.0, "{context}: {by_10s} ns after 10 s");
            let frequency = max_abs_residual(&points, 60.0);
            assert!(frequency < 40.0, "{context}: {frequency} ppb after 60 s");
            let steady = rms(after(&points, 600.0).map(|point| point.true_offset_ns)) / 20.0;
            assert!(steady < rms_limit, "{context}: steady RMS {steady} σ");
        }
    }
}
