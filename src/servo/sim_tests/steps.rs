//! Step policy in simulation: `step_limit`, `step_threshold`, `first_step_threshold`.

use super::{HOUR, Run, SECOND, SEEDS, START, max_abs_offset, settled_from};
use crate::clock::{Clock, SimulatedClock};
use crate::servo::{ServoAlert, ServoConfig, ServoState, StepPolicy, Timestamping};
use crate::sim::OffsetSensor;
use crate::time::{Duration, Ppb};

const NOISE: Duration = Duration::from_micros(1);

fn software_with(policy: StepPolicy) -> ServoConfig {
    ServoConfig {
        step_policy: policy,
        ..ServoConfig::new(Timestamping::Software)
    }
}

/// 20 minutes off with the default 15 minute `step_limit`: an hour of samples makes no step
/// and no frequency change, one alert. Once the operator brings the clock within the limit
/// (here: 2 s off), the servo starts over, steps once and locks.
#[test]
fn above_step_limit_the_clock_is_only_monitored() {
    for seed in SEEDS {
        let clock = SimulatedClock::new(seed, START)
            .with_offset(Duration::from_secs(20 * 60))
            .with_frequency_error(Ppb::from_ppm(30.0));
        let mut run = Run::new(seed, clock, software_with(StepPolicy::default()));
        let points = run.run_sensor(OffsetSensor::new(NOISE), SECOND, Duration::from_secs(HOUR));
        assert!(run.clock.steps().is_empty(), "seed {seed}: stepped");
        assert!(
            run.frequencies.is_empty(),
            "seed {seed}: set {:?}",
            run.frequencies
        );
        assert_eq!(run.clock.frequency().unwrap(), Ppb::ZERO, "seed {seed}");
        assert_eq!(run.alerts.len(), 1, "seed {seed}: {:?}", run.alerts);
        let ServoAlert::StepLimitExceeded { offset, limit } = run.alerts[0];
        assert_eq!(limit, Duration::from_secs(15 * 60), "seed {seed}");
        assert!((offset - Duration::from_secs(20 * 60)).abs() < Duration::from_micros(10));
        assert!(
            points
                .iter()
                .all(|p| p.state == ServoState::StepLimitExceeded),
            "seed {seed}"
        );

        let operator_fix = Duration::from_secs(2) - run.clock.true_offset();
        run.clock.step(operator_fix).unwrap();
        let recovery = run.run_sensor(OffsetSensor::new(NOISE), SECOND, Duration::from_secs(HOUR));
        assert_eq!(run.servo.steps(), 1, "seed {seed}: steps after the fix");
        assert_eq!(run.alerts.len(), 1, "seed {seed}: no new alert");
        let worst = max_abs_offset(&recovery, HOUR as f64 + 30.0);
        assert!(
            worst < 10_000.0,
            "seed {seed}: {worst} ns 30 s after the fix"
        );
    }
}

/// Locked for 10 minutes, then the clock jumps 50 ms (something else stepped it). With
/// `step_threshold` off the servo never steps: it slews at the 500 ppm clamp (net 400 ppm
/// against the clock's own +100 ppm, so ~125 s), then settles within 10 µs in under 600 s
/// (observed 464–472 s; the proportional term's tail and the 90 s integral time constant).
#[test]
fn without_step_threshold_a_50ms_jump_is_slewed_at_the_clamp() {
    for seed in SEEDS {
        let config = software_with(StepPolicy::default());
        let mut run = Run::off_by_100ms_and_100ppm(seed, config, Ppb(0.01));
        let sensor = OffsetSensor::new(NOISE);
        let _ = run.run_sensor(sensor, SECOND, Duration::from_secs(600));
        let set_before = run.frequencies.len();
        run.clock.step(Duration::from_millis(50)).unwrap();
        let points = run.run_sensor(sensor, SECOND, Duration::from_secs(HOUR));
        assert_eq!(run.servo.steps(), 1, "seed {seed}: only the start-up step");
        let after_jump = &run.frequencies[set_before..];
        let max = ServoConfig::DEFAULT_MAX_FREQUENCY.0;
        assert!(after_jump.iter().all(|f| f.0.abs() <= max), "seed {seed}");
        let clamped = after_jump.iter().filter(|f| f.0 == -max).count();
        assert!(
            (100..140).contains(&clamped),
            "seed {seed}: {clamped} s at the clamp"
        );
        let settled = settled_from(&points, 10_000.0) - 600.0;
        assert!(
            settled < 600.0,
            "seed {seed}: within 10 µs {settled} s after the jump"
        );
    }
}

/// The same jump with `step_threshold: 1ms`: stepped at once, back within 10 µs in seconds.
#[test]
fn above_step_threshold_a_jump_is_stepped_at_once() {
    for seed in SEEDS {
        let policy = StepPolicy {
            step_threshold: Some(Duration::from_millis(1)),
            ..StepPolicy::default()
        };
        let mut run = Run::off_by_100ms_and_100ppm(seed, software_with(policy), Ppb(0.01));
        let sensor = OffsetSensor::new(NOISE);
        let _ = run.run_sensor(sensor, SECOND, Duration::from_secs(600));
        run.clock.step(Duration::from_millis(50)).unwrap();
        let points = run.run_sensor(sensor, SECOND, Duration::from_secs(HOUR));
        assert_eq!(
            run.servo.steps(),
            2,
            "seed {seed}: start-up step and the jump"
        );
        assert_eq!(points[0].state, ServoState::Stepping, "seed {seed}");
        let worst = max_abs_offset(&points, 601.0);
        assert!(worst < 10_000.0, "seed {seed}: {worst} ns after the step");
    }
}

/// `first_step_threshold: 0s` never steps at start: 100 ms is slewed away at the clamp
/// (~250 s at net −400 ppm), then the loop settles within 10 µs before 800 s (observed
/// 610–616 s).
#[test]
fn first_step_threshold_zero_slews_from_the_start() {
    for seed in SEEDS {
        let policy = StepPolicy {
            first_step_threshold: Duration::ZERO,
            ..StepPolicy::default()
        };
        let mut run = Run::off_by_100ms_and_100ppm(seed, software_with(policy), Ppb(0.01));
        let points = run.run_sensor(OffsetSensor::new(NOISE), SECOND, Duration::from_secs(HOUR));
        assert!(run.clock.steps().is_empty(), "seed {seed}: stepped");
        let settled = settled_from(&points, 10_000.0);
        assert!(
            settled < 800.0,
            "seed {seed}: within 10 µs from {settled} s"
        );
    }
}
