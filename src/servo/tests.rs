//! Unit tests of the servo's arithmetic and state machine, sample by sample.

use super::{
    PiGains, PiServo, ServoAction, ServoAlert, ServoConfig, ServoState, StepPolicy, Timestamping,
};
use crate::config::{ClockSyncConfig, ConfigDuration, StepLimit};
use crate::time::{Duration, Ppb, Timestamp};

const START: Timestamp = Timestamp::from_secs_nanos(1_700_000_000, 0);
const SECOND: Duration = Duration::from_secs(1);

fn at(seconds: i64) -> Timestamp {
    START + Duration::from_secs(seconds)
}

fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
    (actual - expected).abs() <= tolerance
}

/// A hardware-gain servo that locked at t = 1 s with frequency `frequency` and no step.
fn locked_servo(policy: StepPolicy) -> PiServo {
    let config = ServoConfig {
        step_policy: policy,
        ..ServoConfig::new(Timestamping::Hardware)
    };
    let mut servo = PiServo::new(config, Ppb(-1_000.0));
    let _ = servo.sample(Duration::ZERO, at(0), SECOND);
    let update = servo.sample(Duration::from_nanos(1), at(1), SECOND);
    assert_eq!(update.state, ServoState::Locked);
    servo
}

#[test]
fn gains_follow_linuxptp_scaling() {
    let software = PiGains::SOFTWARE.at_interval(SECOND);
    assert!(close(software.kp, 0.1, 1e-12) && close(software.ki, 0.001, 1e-12));
    let hardware = PiGains::HARDWARE.at_interval(SECOND);
    assert!(close(hardware.kp, 0.7, 1e-12) && close(hardware.ki, 0.3, 1e-12));
    // NTP poll 4: 0.1 · 16^−0.3 and 0.001 · 16^0.4, both under their norm maxima.
    let poll16 = PiGains::SOFTWARE.at_interval(Duration::from_secs(16));
    assert!(close(poll16.kp, 0.043_528, 1e-6), "{poll16:?}");
    assert!(close(poll16.ki, 0.003_031, 1e-6), "{poll16:?}");
    // PTP at 8 Hz: 0.7 · 0.125^−0.3 and 0.3 · 0.125^0.4.
    let fast = PiGains::HARDWARE.at_interval(Duration::from_millis(125));
    assert!(
        close(fast.kp, 1.306_2, 1e-4) && close(fast.ki, 0.130_6, 1e-4),
        "{fast:?}"
    );
    // Hardware at 4 s hits the norm maxima 0.7 / T and 0.3 / T.
    let slow = PiGains::HARDWARE.at_interval(Duration::from_secs(4));
    assert!(
        close(slow.kp, 0.175, 1e-12) && close(slow.ki, 0.075, 1e-12),
        "{slow:?}"
    );
    let nonsense = PiGains::SOFTWARE.at_interval(Duration::from_secs(-3));
    assert_eq!(nonsense, software, "a non-positive interval counts as 1 s");
    let fixed = PiGains::fixed(0.5, 0.05).at_interval(Duration::from_secs(4));
    assert!(
        close(fixed.kp, 0.25, 1e-12) && close(fixed.ki, 0.05, 1e-12),
        "{fixed:?}"
    );
}

#[test]
fn frequency_estimation_waits_0_016_over_ki() {
    let software = PiGains::SOFTWARE.at_interval(SECOND);
    assert!(!software.can_estimate_frequency(Duration::from_secs(15)));
    assert!(software.can_estimate_frequency(Duration::from_secs(16)));
    let hardware = PiGains::HARDWARE.at_interval(SECOND);
    assert!(hardware.can_estimate_frequency(Duration::from_millis(100)));
}

#[test]
fn config_maps_thresholds_and_limit() {
    let defaults = ServoConfig::from_config(&ClockSyncConfig::default(), Timestamping::Software);
    assert_eq!(defaults, ServoConfig::new(Timestamping::Software));
    assert_eq!(defaults.step_policy, StepPolicy::default());
    let zero = ConfigDuration(std::time::Duration::ZERO);
    let config = ClockSyncConfig {
        step_limit: StepLimit::Unlimited,
        first_step_threshold: zero,
        step_threshold: Some(zero),
        ..ClockSyncConfig::default()
    };
    let servo = ServoConfig::from_config(&config, Timestamping::Hardware);
    assert_eq!(servo.gains, PiGains::HARDWARE);
    assert_eq!(servo.step_policy.step_limit, None);
    assert_eq!(servo.step_policy.step_threshold, None, "0s means never");
    assert_eq!(servo.step_policy.first_step_threshold, Duration::ZERO);
    let config = ClockSyncConfig {
        step_threshold: Some(ConfigDuration(std::time::Duration::from_millis(128))),
        ..ClockSyncConfig::default()
    };
    let servo = ServoConfig::from_config(&config, Timestamping::Software);
    assert_eq!(
        servo.step_policy.step_threshold,
        Some(Duration::from_millis(128))
    );
}

#[test]
fn step_policy_thresholds_are_strict_and_limit_wins() {
    let policy = StepPolicy {
        first_step_threshold: Duration::from_micros(20),
        step_threshold: Some(Duration::from_millis(1)),
        step_limit: Some(Duration::from_secs(60)),
    };
    assert!(!policy.steps_at_start(Duration::from_micros(-20)));
    assert!(policy.steps_at_start(Duration::from_nanos(-20_001)));
    assert!(!policy.steps_later(Duration::from_micros(999)));
    assert!(policy.steps_later(Duration::from_millis(-2)));
    assert_eq!(policy.exceeded_limit(Duration::from_secs(60)), None);
    assert_eq!(
        policy.exceeded_limit(Duration::from_secs(-61)),
        Some(Duration::from_secs(60))
    );
    let never = StepPolicy {
        first_step_threshold: Duration::ZERO,
        step_threshold: None,
        step_limit: None,
    };
    assert!(!never.steps_at_start(Duration::from_secs(3_600)));
    assert!(!never.steps_later(Duration::from_secs(3_600)));
    assert_eq!(never.exceeded_limit(Duration::MAX), None);
}

#[test]
fn two_samples_estimate_the_frequency_and_step_once() {
    let mut servo = PiServo::new(ServoConfig::new(Timestamping::Hardware), Ppb::ZERO);
    let first = servo.sample(Duration::ZERO, at(0), SECOND);
    assert_eq!(
        (first.state, first.actions.len()),
        (ServoState::Unlocked, 0)
    );
    // 100 µs gained in one second: the clock runs 100 ppm fast.
    let second = servo.sample(Duration::from_micros(100), at(1), SECOND);
    assert_eq!(second.state, ServoState::Stepping);
    assert_eq!(second.step(), Some(Duration::from_micros(-100)));
    let frequency = second.frequency().unwrap();
    assert!(close(frequency.0, -100_000.0, 1e-6), "{frequency}");
    assert_eq!(servo.steps(), 1);
    assert_eq!(servo.last_offset(), Some(Duration::from_micros(100)));
    let third = servo.sample(Duration::ZERO, at(2), SECOND);
    assert_eq!(third.state, ServoState::Locked);
    assert_eq!(third.step(), None);
    assert_eq!(servo.steps(), 1);
}

#[test]
fn estimate_composes_with_the_correction_already_set() {
    // The clock already runs at +50 ppm and still gains 10 ppm: (1 + 5e-5)(1 − 1e-5) − 1.
    let mut servo = PiServo::new(
        ServoConfig::new(Timestamping::Hardware),
        Ppb::from_ppm(50.0),
    );
    let _ = servo.sample(Duration::ZERO, at(0), SECOND);
    let update = servo.sample(Duration::from_micros(10), at(1), SECOND);
    let expected = ((1.0 + 5e-5) * (1.0 - 1e-5) - 1.0) * 1e9;
    assert!(close(servo.frequency_estimate().0, expected, 1e-6));
    assert_eq!(update.frequency(), Some(servo.frequency_estimate()));
}

#[test]
fn software_gains_wait_sixteen_seconds_before_locking() {
    let mut servo = PiServo::new(ServoConfig::new(Timestamping::Software), Ppb::ZERO);
    for second in 0..16 {
        let update = servo.sample(Duration::from_millis(1), at(second), SECOND);
        assert_eq!(update.state, ServoState::Unlocked, "at {second} s");
        assert!(update.actions.is_empty(), "at {second} s");
    }
    let update = servo.sample(Duration::from_millis(1), at(16), SECOND);
    assert_eq!(update.state, ServoState::Stepping);
}

#[test]
fn time_going_backwards_restarts_the_estimate() {
    let mut servo = PiServo::new(ServoConfig::new(Timestamping::Hardware), Ppb::ZERO);
    let _ = servo.sample(Duration::ZERO, at(5), SECOND);
    let update = servo.sample(Duration::from_micros(100), at(4), SECOND);
    assert_eq!(
        (update.state, update.actions.len()),
        (ServoState::Unlocked, 0)
    );
    let update = servo.sample(Duration::from_micros(100), at(5), SECOND);
    assert!(
        close(update.frequency().unwrap().0, 0.0, 1e-9),
        "offset did not change"
    );
}

#[test]
fn first_step_threshold_zero_never_steps_at_start() {
    let policy = StepPolicy {
        first_step_threshold: Duration::ZERO,
        ..StepPolicy::default()
    };
    let config = ServoConfig {
        step_policy: policy,
        ..ServoConfig::new(Timestamping::Hardware)
    };
    let mut servo = PiServo::new(config, Ppb::ZERO);
    let _ = servo.sample(Duration::from_millis(100), at(0), SECOND);
    let update = servo.sample(Duration::from_millis(100), at(1), SECOND);
    assert_eq!((update.state, update.step()), (ServoState::Locked, None));
}

#[test]
fn locked_pi_iteration_and_anti_windup_clamp() {
    let mut servo = locked_servo(StepPolicy::default());
    let drift = servo.frequency_estimate().0;
    // kp 0.7, ki 0.3: 100 ns ahead → frequency drift − 100 ppb, drift − 30 ppb.
    let update = servo.sample(Duration::from_nanos(100), at(2), SECOND);
    assert!(close(update.frequency().unwrap().0, drift - 100.0, 1e-9));
    assert!(close(servo.frequency_estimate().0, drift - 30.0, 1e-9));
    // 50 ms ahead without a step threshold: slew at the clamp, integral untouched.
    let before = servo.frequency_estimate();
    let update = servo.sample(Duration::from_millis(50), at(3), SECOND);
    assert_eq!(update.state, ServoState::Locked);
    assert_eq!(
        update.actions,
        vec![ServoAction::SetFrequency(Ppb(-500_000.0))]
    );
    assert_eq!(servo.frequency_estimate(), before);
}

#[test]
fn step_threshold_steps_at_once_and_keeps_the_frequency() {
    let policy = StepPolicy {
        step_threshold: Some(Duration::from_millis(1)),
        ..StepPolicy::default()
    };
    let mut servo = locked_servo(policy);
    let small = servo.sample(Duration::from_nanos(500), at(2), SECOND);
    assert_eq!((small.state, small.step()), (ServoState::Locked, None));
    let drift = servo.frequency_estimate().0;
    let update = servo.sample(Duration::from_millis(-5), at(3), SECOND);
    assert_eq!(update.state, ServoState::Stepping);
    assert_eq!(update.step(), Some(Duration::from_millis(5)));
    assert!(close(update.frequency().unwrap().0, drift, 1e-9));
    assert_eq!(servo.steps(), 1);
}

#[test]
fn step_limit_alerts_once_and_never_touches_the_clock() {
    let mut servo = locked_servo(StepPolicy::default());
    let frequency = servo.frequency();
    let twenty_minutes = Duration::from_secs(20 * 60);
    let update = servo.sample(twenty_minutes, at(2), SECOND);
    assert_eq!(update.state, ServoState::StepLimitExceeded);
    let alert = ServoAlert::StepLimitExceeded {
        offset: twenty_minutes,
        limit: Duration::from_secs(15 * 60),
    };
    assert_eq!(update.actions, vec![ServoAction::Alert(alert)]);
    for second in 3..100 {
        let update = servo.sample(-twenty_minutes, at(second), SECOND);
        assert_eq!(update.state, ServoState::StepLimitExceeded);
        assert!(update.actions.is_empty(), "at {second} s: {update:?}");
    }
    let holdover = servo.enter_holdover();
    assert!(holdover.actions.is_empty(), "monitor-only holds nothing");
    assert_eq!((servo.frequency(), servo.steps()), (frequency, 0));
}

#[test]
fn back_under_the_step_limit_the_servo_starts_over_and_may_step() {
    let mut servo = locked_servo(StepPolicy::default());
    let _ = servo.sample(Duration::from_secs(1_000), at(2), SECOND);
    let update = servo.sample(Duration::from_secs(2), at(3), SECOND);
    assert_eq!(
        (update.state, update.actions.len()),
        (ServoState::Unlocked, 0)
    );
    let update = servo.sample(Duration::from_secs(2), at(4), SECOND);
    assert_eq!(update.state, ServoState::Stepping);
    assert_eq!(update.step(), Some(Duration::from_secs(-2)));
    // Exactly at the limit is still allowed.
    let update = servo.sample(Duration::from_secs(900), at(5), SECOND);
    assert_ne!(update.state, ServoState::StepLimitExceeded);
}

#[test]
fn holdover_holds_the_mean_of_recent_integral_terms() {
    let mut servo = locked_servo(StepPolicy::default());
    let mut integrals = Vec::new();
    for (second, offset) in [(2, 40), (3, -40), (4, 10), (5, -10)] {
        let update = servo.sample(Duration::from_nanos(offset), at(second), SECOND);
        assert_ne!(update.frequency(), Some(servo.frequency_estimate()));
        integrals.push(servo.frequency_estimate().0);
    }
    let mean = integrals.iter().sum::<f64>() / integrals.len() as f64;
    let update = servo.enter_holdover();
    assert_eq!(update.state, ServoState::Holdover);
    let held = update.frequency().unwrap();
    assert!(close(held.0, mean, 1e-9), "held {held}, mean {mean}");
    assert_eq!(servo.frequency(), held);
    let again = servo.enter_holdover();
    assert!(again.actions.is_empty());
    let back = servo.sample(Duration::ZERO, at(100), SECOND);
    assert_eq!(back.state, ServoState::Locked);
    assert!(close(back.frequency().unwrap().0, held.0, 1e-9));
}

#[test]
fn holdover_before_locking_leaves_the_clock_alone() {
    let mut servo = PiServo::new(ServoConfig::new(Timestamping::Software), Ppb(7.0));
    let _ = servo.sample(Duration::from_millis(3), at(0), SECOND);
    let update = servo.enter_holdover();
    assert_eq!(
        (update.state, update.actions.len()),
        (ServoState::Holdover, 0)
    );
    let update = servo.sample(Duration::from_millis(3), at(30), SECOND);
    assert_eq!(
        update.state,
        ServoState::Unlocked,
        "starts the estimate over"
    );
}

#[test]
fn reset_keeps_the_frequency_and_does_not_rearm_the_first_step() {
    let mut servo = locked_servo(StepPolicy::default());
    let estimate = servo.frequency_estimate();
    servo.reset();
    assert_eq!(servo.state(), ServoState::Unlocked);
    let _ = servo.sample(Duration::from_millis(1), at(10), SECOND);
    let update = servo.sample(Duration::from_millis(1), at(11), SECOND);
    assert_eq!((update.state, update.step()), (ServoState::Locked, None));
    assert!(close(servo.frequency_estimate().0, estimate.0, 1e-9));
}

#[test]
fn initial_frequency_is_clamped_and_states_serialize_in_snake_case() {
    let servo = PiServo::new(
        ServoConfig::new(Timestamping::Software),
        Ppb::from_ppm(900.0),
    );
    assert_eq!(servo.frequency(), Ppb::from_ppm(500.0));
    let names: Vec<String> = [
        ServoState::Unlocked,
        ServoState::Stepping,
        ServoState::Locked,
        ServoState::Holdover,
        ServoState::StepLimitExceeded,
    ]
    .iter()
    .map(|state| serde_json::to_string(state).unwrap())
    .collect();
    assert_eq!(
        names,
        [
            "\"unlocked\"",
            "\"stepping\"",
            "\"locked\"",
            "\"holdover\"",
            "\"step_limit_exceeded\""
        ]
    );
}
