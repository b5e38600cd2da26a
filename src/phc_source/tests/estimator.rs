use super::{START, device, reading};
use crate::clock::phc::PhcDevice;
use crate::clock::phc::{ReadDelay, SimulatedPhc};
use crate::clock::{SimulatedClock, SysOffsetStrategy};
use crate::phc_source::{
    PhcOffsetEstimator, PhcSamples, PhcSmoothing, PhcSourceError, PhcSourceSettings,
    PhcStrategyChoice,
};
use crate::source::Leap;
use crate::time::{Duration, Ppb, Timestamp};

fn estimator(strategy: SysOffsetStrategy, smoothing: PhcSmoothing) -> PhcOffsetEstimator {
    PhcOffsetEstimator::new("/dev/ptp0", strategy, smoothing)
}

#[test]
fn min_delay_takes_the_shortest_window_and_the_measurement_is_system_minus_phc() {
    // PHC 37 s + 500 ns ahead; the third reading has the shortest window.
    let ahead = 37_000_000_500;
    let batch = [
        reading(0, 900, ahead + 300),
        reading(1_000, 700, ahead - 200),
        reading(2_000, 400, ahead + 20),
        reading(3_000, 400, ahead + 90),
        reading(4_000, 5_000, ahead + 2_400),
    ];
    let offset = estimator(SysOffsetStrategy::Basic, PhcSmoothing::MinDelay)
        .estimate(&batch)
        .expect("good batch");
    assert_eq!(offset.offset, Duration::from_nanos(ahead + 20));
    assert_eq!(offset.delay, Duration::from_nanos(400));
    assert_eq!(offset.system_time, START + Duration::from_nanos(2_000));
    assert_eq!((offset.used, offset.total), (5, 5));
    // Offsets about the median (ahead + 90): 210, 290, 70, 0, 2310 → MAD 210 → 311 ns.
    assert_eq!(offset.spread, Duration::from_nanos(311));
    let measurement = offset.to_measurement();
    assert_eq!(measurement.offset, -Duration::from_nanos(ahead + 20));
    assert_eq!(measurement.delay, Duration::from_nanos(400));
    assert_eq!(measurement.dispersion, Duration::from_nanos(1));
    assert_eq!(measurement.jitter, Duration::from_nanos(311));
    assert_eq!((measurement.stratum, measurement.leap), (0, Leap::None));
    assert_eq!(measurement.local_time, START + Duration::from_nanos(2_000));
    // delay / 2 + dispersion + jitter.
    assert_eq!(
        measurement.root_distance(),
        Duration::from_nanos(200 + 1 + 311)
    );
}

#[test]
fn median_takes_the_middle_offset_and_window_and_a_timescale_comes_off() {
    let batch = [
        reading(0, 900, 37_000_000_300),
        reading(1_000, 700, 36_999_999_800),
        reading(2_000, 400, 37_000_000_020),
        reading(3_000, 6_000, 37_000_003_000),
    ];
    let offset = estimator(SysOffsetStrategy::Extended, PhcSmoothing::Median)
        .with_timescale_offset(Duration::from_secs(37))
        .estimate(&batch)
        .expect("good batch");
    // Middle two offsets 20 and 300 → 160; middle windows 700 and 900 → 800.
    assert_eq!(offset.offset, Duration::from_nanos(160));
    assert_eq!(offset.delay, Duration::from_nanos(800));
    assert_eq!(offset.system_time, START + Duration::from_nanos(2_000));
}

#[test]
fn cross_timestamps_are_used_as_they_are_whatever_the_smoothing() {
    // The third cross-timestamp is 60 ns off: a glitch, not a jump (those are refused).
    let batch = [
        reading(0, 0, -80),
        reading(2_000, 0, -81),
        reading(4_000, 0, -20),
    ];
    for smoothing in [PhcSmoothing::MinDelay, PhcSmoothing::Median] {
        let offset = estimator(SysOffsetStrategy::Precise, smoothing)
            .estimate(&batch)
            .expect("good batch");
        assert_eq!(offset.offset, Duration::from_nanos(-80), "{smoothing:?}");
        assert_eq!(offset.delay, Duration::ZERO);
        assert_eq!(offset.to_measurement().offset, Duration::from_nanos(80));
    }
    let single = estimator(SysOffsetStrategy::Precise, PhcSmoothing::MinDelay)
        .estimate(&batch[1..2])
        .expect("one cross-timestamp");
    assert_eq!(single.offset, Duration::from_nanos(-81));
    assert_eq!(single.spread, Duration::ZERO);
}

fn refusal(batch: &[crate::clock::PhcSample]) -> String {
    let error = estimator(SysOffsetStrategy::Basic, PhcSmoothing::MinDelay)
        .estimate(batch)
        .expect_err("refused");
    error.to_string()
}

#[test]
fn broken_batches_are_refused_naming_the_device() {
    let good = || {
        vec![
            reading(0, 500, 100),
            reading(1_000, 500, 100),
            reading(2_000, 500, 100),
        ]
    };
    assert_eq!(
        refusal(&[]),
        "/dev/ptp0: the PHC comparison returned no samples"
    );

    let mut negative = good();
    negative[1].delay = Duration::from_nanos(-20);
    assert_eq!(
        refusal(&negative),
        "/dev/ptp0: sample 1: the system clock went backwards during the read (window -20ns)"
    );

    let mut system_back = good();
    system_back[2] = reading(-5_000, 500, 100);
    assert_eq!(
        refusal(&system_back),
        "/dev/ptp0: sample 2 is earlier than sample 1 by the system clock: readings not monotonic"
    );

    let mut phc_back = good();
    phc_back[1] = reading(1_000, 500, -2_000);
    assert!(refusal(&phc_back).contains("sample 1 is earlier than sample 0 by the PHC clock"));

    // The PHC stepped 5 µs forward between two readings 1 µs apart.
    let mut jumped = good();
    jumped[2] = reading(2_000, 500, 5_100);
    assert_eq!(
        refusal(&jumped),
        "/dev/ptp0: sample 2: PHC and system clock disagree by 5.000µs on the time since sample 0 (one of them jumped)"
    );
    // Within the windows it is no jump: the latch may be anywhere in them.
    let mut latched_late = good();
    latched_late[2] = reading(2_000, 500, 590);
    assert!(
        estimator(SysOffsetStrategy::Basic, PhcSmoothing::MinDelay)
            .estimate(&latched_late)
            .is_ok()
    );

    let slow = [reading(0, 2_000_000, 0), reading(3_000_000, 1_500_000, 0)];
    assert_eq!(
        refusal(&slow),
        "/dev/ptp0: every read took longer than 1.000ms (shortest 1.500ms)"
    );
    let mut one_slow = good();
    one_slow.push(reading(4_000_000, 3_000_000, 100));
    let offset = estimator(SysOffsetStrategy::Basic, PhcSmoothing::Median)
        .estimate(&one_slow)
        .expect("the slow read is left out");
    assert_eq!((offset.used, offset.total), (3, 4));
}

#[test]
fn an_estimator_for_a_device_resolves_its_strategy_and_falls_back_at_run_time() {
    let settings = |strategy| PhcSourceSettings {
        device: "/dev/ptp3".into(),
        strategy,
        samples: PhcSamples::new(7).expect("in range"),
        smoothing: PhcSmoothing::Median,
    };
    let modern = device("/dev/ptp3", false, true);
    let mut estimator = PhcOffsetEstimator::for_device(&modern, &settings(PhcStrategyChoice::Auto))
        .expect("auto resolves");
    assert_eq!(estimator.strategy(), SysOffsetStrategy::Extended);
    assert_eq!(
        (estimator.device(), estimator.samples().get()),
        ("/dev/ptp3", 7)
    );
    assert_eq!(estimator.read(&modern).expect("extended").len(), 7);
    // A driver that turns out to refuse PTP_SYS_OFFSET_EXTENDED: auto falls back to basic.
    let old = device("/dev/ptp3", false, false);
    assert_eq!(estimator.read(&old).expect("basic").len(), 7);
    assert_eq!(estimator.strategy(), SysOffsetStrategy::Basic);
    // Asked for explicitly, it does not fall back: the read fails naming the device.
    let mut explicit =
        PhcOffsetEstimator::for_device(&modern, &settings(PhcStrategyChoice::Extended))
            .expect("supported");
    let error = explicit.read(&old).expect_err("refused by the driver");
    assert!(matches!(error, PhcSourceError::Read { .. }), "{error:?}");
    assert!(error.to_string().starts_with("/dev/ptp3: comparing with the system clock failed: /dev/ptp3: PTP_SYS_OFFSET_EXTENDED failed"), "{error}");
    let error = PhcOffsetEstimator::for_device(&old, &settings(PhcStrategyChoice::Precise))
        .expect_err("no cross-timestamps");
    assert!(
        error
            .to_string()
            .starts_with("/dev/ptp3: phc_offset_strategy `precise`"),
        "{error}"
    );
}

/// Reads delayed mostly before the PHC latch (a contended driver lock, interrupts), with a
/// heavy tail: the situation phc2sys's min-delay filter exists for.
const CONTENDED: ReadDelay = ReadDelay {
    window: Duration::from_nanos(1_000),
    latch: 0.5,
    before_latch_mean: Duration::from_nanos(1_000),
    after_latch_mean: Duration::from_nanos(100),
    stall_probability: 0.2,
    stall_scale: Duration::from_micros(5),
    stall_before_latch: 0.7,
};

/// RMS error (ns) of each smoothing against the true PHC − system offset, over `batches`
/// batches of 15 basic readings, one per second.
fn rms_errors(seed: u64, delay: ReadDelay, batches: usize) -> (f64, f64) {
    let system = SimulatedClock::new(seed, START).with_frequency_error(Ppb::from_ppm(12.0));
    let mut phc = SimulatedPhc::new(seed, system)
        .with_offset(Duration::from_micros(250))
        .with_frequency_error(Ppb::from_ppm(-30.0))
        .with_read_noise(Duration::from_nanos(5))
        .with_read_delay(SysOffsetStrategy::Basic, delay);
    let min_delay = estimator(SysOffsetStrategy::Basic, PhcSmoothing::MinDelay);
    let median = estimator(SysOffsetStrategy::Basic, PhcSmoothing::Median);
    let (mut sum_min, mut sum_median) = (0.0, 0.0);
    for _ in 0..batches {
        phc.advance(Duration::from_secs(1));
        let batch = phc.sys_offset(SysOffsetStrategy::Basic, 15).expect("basic");
        for (estimator, sum) in [(&min_delay, &mut sum_min), (&median, &mut sum_median)] {
            let found = estimator.estimate(&batch).expect("seed {seed}: good batch");
            let error = found.offset - phc.true_offset_at(found.system_time);
            *sum += (error.as_nanos() as f64).powi(2);
        }
    }
    let rms = |sum: f64| (sum / batches as f64).sqrt();
    (rms(sum_min), rms(sum_median))
}

#[test]
fn min_delay_beats_median_under_heavy_tailed_read_delays() {
    for seed in 1..6 {
        let (min_delay, median) = rms_errors(seed, CONTENDED, 300);
        println!(
            "seed {seed}: contended basic reads, RMS error min-delay {min_delay:.0} ns, median {median:.0} ns"
        );
        assert!(
            min_delay < 150.0,
            "seed {seed}: min-delay RMS {min_delay:.0} ns"
        );
        assert!(
            min_delay * 3.0 < median,
            "seed {seed}: min-delay {min_delay:.0} ns vs median {median:.0} ns"
        );
    }
    // With quiet, symmetric reads both are exact to the read noise.
    let (min_delay, median) = rms_errors(9, ReadDelay::quiet(Duration::from_nanos(1_000)), 100);
    println!("seed 9: quiet reads, RMS error min-delay {min_delay:.1} ns, median {median:.1} ns");
    assert!(
        min_delay < 10.0 && median < 10.0,
        "seed 9: {min_delay} / {median}"
    );
}

#[test]
fn typical_reads_of_each_strategy_estimate_within_their_windows() {
    let system = SimulatedClock::new(3, START).with_offset(Duration::from_millis(2));
    let capabilities = crate::clock::PhcCapabilities {
        cross_timestamping: true,
        ..*device("/dev/ptp0", true, true).capabilities()
    };
    let mut phc = SimulatedPhc::new(3, system)
        .with_capabilities(capabilities)
        .with_offset(Duration::from_secs(37))
        .with_read_noise(Duration::from_nanos(5));
    phc.advance(Duration::from_secs(1));
    for (strategy, bound) in [
        (SysOffsetStrategy::Basic, 200),
        (SysOffsetStrategy::Extended, 60),
        (SysOffsetStrategy::Precise, 1),
    ] {
        let batch = phc.sys_offset(strategy, 15).expect("supported");
        let found = estimator(strategy, PhcSmoothing::MinDelay)
            .estimate(&batch)
            .expect("good batch");
        let error = found.offset - phc.true_offset_at(found.system_time);
        println!(
            "seed 3: {strategy:?}: window {}, error {error}",
            found.delay
        );
        assert!(
            error.abs() <= Duration::from_nanos(bound),
            "seed 3: {strategy:?}: {error}"
        );
        assert!(found.system_time > Timestamp::EPOCH);
    }
}
