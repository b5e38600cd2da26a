use super::*;
use crate::clock::sys;

const TICK: Duration = Duration::from_millis(10);

fn reading(frequency: f64, clock_minus_reference: Duration) -> ClockReading {
    ClockReading {
        frequency: Ppb(frequency),
        tick: TICK,
        leap_armed: Leap::None,
        clock_minus_reference,
    }
}

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs_nanos(secs, 0)
}

/// A detector that has seen the clock once: frequency 0, clock − reference = 1000 s.
fn watching() -> InterferenceDetector {
    let mut detector = InterferenceDetector::default();
    assert_eq!(detector.observe(reading(0.0, base()), at(0)), None);
    detector
}

fn base() -> Duration {
    Duration::from_secs(1_000)
}

fn detected(event: Option<InterferenceEvent>) -> InterferenceAlert {
    match event {
        Some(InterferenceEvent::Detected(alert)) => alert,
        other => panic!("expected a detection, got {other:?}"),
    }
}

#[test]
fn defaults_are_one_ppb_one_millisecond_and_a_minute() {
    let config = InterferenceConfig::default();
    assert_eq!(config.frequency_tolerance, Ppb(1.0));
    assert_eq!(config.step_tolerance, Duration::from_millis(1));
    assert_eq!(config.back_off, Duration::from_secs(60));
}

#[test]
fn no_alert_when_only_shiwa_writes() {
    let mut detector = watching();
    detector.frequency_set(Ppb(12_345.0));
    // The kernel keeps whole 2⁻¹⁶ ppm: 12 345 ppb reads back as 12 345.0122… ppb.
    let kernel = sys::scaled_ppm_to_ppb(sys::ppb_to_scaled_ppm(Ppb(12_345.0))).0;
    assert_ne!(kernel, 12_345.0);
    assert_eq!(detector.observe(reading(kernel, base()), at(1)), None);
    detector.stepped(Duration::from_millis(-250));
    let stepped = base() - Duration::from_millis(250) + Duration::from_micros(40);
    assert_eq!(detector.observe(reading(kernel, stepped), at(2)), None);
    detector.stepped(Duration::from_secs(3));
    detector.frequency_set(Ppb(-80.0));
    let stepped = stepped + Duration::from_secs(3);
    assert_eq!(detector.observe(reading(-80.0, stepped), at(3)), None);
    assert!(!detector.is_backing_off());
}

#[test]
fn a_foreign_frequency_change_is_detected_and_backs_off() {
    let mut detector = watching();
    detector.frequency_set(Ppb(100.0));
    assert_eq!(detector.observe(reading(100.0, base()), at(5)), None);
    let alert = detected(detector.observe(reading(2_600.0, base()), at(10)));
    let change = alert.frequency.expect("frequency changed");
    assert_eq!((change.expected, change.found), (Ppb(100.0), Ppb(2_600.0)));
    assert_eq!((alert.step, alert.tick), (None, None));
    assert_eq!(alert.back_off_until, at(70));
    assert!(detector.is_backing_off());
    assert_eq!(
        alert.to_string(),
        "another process changed the clock: frequency +0.100ppm -> +2.600ppm (+2500.000 ppb); \
         monitoring only for 60.000s"
    );
    // The other process's frequency is the new expectation: reported once.
    assert_eq!(detector.observe(reading(2_600.0, base()), at(20)), None);
}

#[test]
fn changes_within_a_ppb_are_not_interference_but_add_up() {
    let mut detector = watching();
    detector.frequency_set(Ppb(100.0));
    assert_eq!(detector.observe(reading(100.9, base()), at(1)), None);
    let alert = detected(detector.observe(reading(101.2, base()), at(2)));
    assert_eq!(
        alert.frequency.map(|change| change.expected),
        Some(Ppb(100.0))
    );
}

#[test]
fn a_foreign_step_is_detected() {
    let mut detector = watching();
    assert_eq!(
        detector.observe(reading(0.0, base() + Duration::from_micros(900)), at(1)),
        None
    );
    let jumped = base() - Duration::from_millis(5);
    let alert = detected(detector.observe(reading(0.0, jumped), at(2)));
    assert_eq!(alert.step, Some(Duration::from_millis(-5)));
    assert_eq!(alert.frequency, None);
    assert!(alert.to_string().contains("stepped by -5.000ms"), "{alert}");
}

#[test]
fn our_step_does_not_hide_a_foreign_one() {
    let mut detector = watching();
    detector.stepped(Duration::from_secs(2));
    let alert = detected(detector.observe(reading(0.0, base()), at(1)));
    assert_eq!(alert.step, Some(Duration::from_secs(-2)));
}

#[test]
fn a_tick_change_is_detected() {
    let mut detector = watching();
    let mut changed = reading(0.0, base());
    changed.tick = Duration::from_micros(10_001);
    let alert = detected(detector.observe(changed, at(1)));
    let tick = alert.tick.expect("tick changed");
    assert_eq!(
        (tick.expected, tick.found),
        (TICK, Duration::from_micros(10_001))
    );
}

#[test]
fn an_armed_leap_second_is_not_interference() {
    let mut detector = watching();
    let mut armed = reading(0.0, base());
    armed.leap_armed = Leap::Insert;
    assert_eq!(detector.observe(armed, at(1)), None);
    let after_leap = base() - Duration::from_secs(1);
    assert_eq!(detector.observe(reading(0.0, after_leap), at(2)), None);
    assert_eq!(detector.observe(reading(0.0, after_leap), at(3)), None);
    // Without a leap armed, the same jump is a step.
    let alert = detected(detector.observe(reading(0.0, base() - Duration::from_secs(2)), at(4)));
    assert_eq!(alert.step, Some(Duration::from_secs(-1)));
}

#[test]
fn the_back_off_expires_and_is_reported_once() {
    let mut detector = watching();
    let alert = detected(detector.observe(reading(500.0, base()), at(10)));
    assert_eq!(detector.back_off_until(), Some(alert.back_off_until));
    assert_eq!(detector.observe(reading(500.0, base()), at(40)), None);
    assert!(detector.is_backing_off());
    assert_eq!(
        detector.observe(reading(500.0, base()), at(70)),
        Some(InterferenceEvent::BackOffEnded)
    );
    assert!(!detector.is_backing_off());
    assert_eq!(detector.back_off_until(), None);
    assert_eq!(detector.observe(reading(500.0, base()), at(80)), None);
}

#[test]
fn interference_during_the_back_off_restarts_it() {
    let mut detector = watching();
    let _ = detected(detector.observe(reading(500.0, base()), at(10)));
    match detector.observe(reading(900.0, base()), at(50)) {
        Some(InterferenceEvent::Extended(alert)) => assert_eq!(alert.back_off_until, at(110)),
        other => panic!("expected an extension, got {other:?}"),
    }
    assert_eq!(detector.observe(reading(900.0, base()), at(100)), None);
    assert_eq!(
        detector.observe(reading(900.0, base()), at(110)),
        Some(InterferenceEvent::BackOffEnded)
    );
    // Once over, new interference is a new detection.
    let _ = detected(detector.observe(reading(0.0, base()), at(120)));
}

#[test]
fn a_configurable_back_off() {
    let config = InterferenceConfig {
        back_off: Duration::from_secs(5),
        ..InterferenceConfig::default()
    };
    let mut detector = InterferenceDetector::new(config);
    assert_eq!(detector.observe(reading(0.0, base()), at(0)), None);
    let alert = detected(detector.observe(reading(50.0, base()), at(1)));
    assert_eq!(alert.back_off_until, at(6));
    assert_eq!(
        detector.observe(reading(50.0, base()), at(6)),
        Some(InterferenceEvent::BackOffEnded)
    );
}
