use super::*;
use crate::clock::phc::is_unsupported;

const START: Timestamp = Timestamp::from_secs_nanos(1_700_000_000, 0);

fn with_cross_timestamping(phc: SimulatedPhc) -> SimulatedPhc {
    let capabilities = PhcCapabilities {
        cross_timestamping: true,
        ..*phc.capabilities()
    };
    phc.with_capabilities(capabilities)
}

/// A PHC 37 s (TAI) plus 2.5 µs ahead of a system clock that is itself 1 ms behind, running
/// 40 ppm fast against a system clock 15 ppm slow.
fn offset_phc(seed: u64) -> SimulatedPhc {
    let system = SimulatedClock::new(seed, START)
        .with_offset(Duration::from_millis(-1))
        .with_frequency_error(Ppb::from_ppm(-15.0));
    SimulatedPhc::new(seed, system)
        .with_offset(Duration::from_secs(37) + Duration::from_nanos(2_500))
        .with_frequency_error(Ppb::from_ppm(40.0))
}

#[test]
fn quiet_reads_measure_the_true_offset_and_share_basic_timestamps() {
    let window = Duration::from_nanos(1_000);
    let mut phc = offset_phc(1)
        .with_read_delay(SysOffsetStrategy::Basic, ReadDelay::quiet(window))
        .with_read_delay(SysOffsetStrategy::Extended, ReadDelay::quiet(window));
    phc.advance(Duration::from_secs(10));
    // 10 s at 55 ppm apart: 550 µs more between them.
    let expected = Duration::from_secs(37) + Duration::from_nanos(1_002_500 + 550_000);
    assert_eq!(phc.true_offset(), expected);
    for strategy in [SysOffsetStrategy::Basic, SysOffsetStrategy::Extended] {
        let samples = phc.sys_offset(strategy, 25).expect("supported");
        assert_eq!(samples.len(), 25);
        for sample in &samples {
            // ±1 ns: the system clock's 15 ppm turns a 1 µs window into 999.985 ns.
            assert!((sample.delay - window).abs() <= Duration::from_nanos(1));
            let error = (sample.phc - sample.system) - phc.true_offset_at(sample.system);
            assert!(
                error.abs() <= Duration::from_nanos(1),
                "{strategy:?}: {error}"
            );
        }
        for pair in samples.windows(2) {
            let after = pair[0].system + pair[0].delay / 2;
            let next_before = pair[1].system - pair[1].delay / 2;
            let gap = next_before - after;
            if strategy == SysOffsetStrategy::Basic {
                assert!(
                    gap.abs() <= Duration::from_nanos(1),
                    "shared reading: {gap}"
                );
            } else {
                assert!(gap >= Duration::from_nanos(50), "separate triples: {gap}");
            }
        }
    }
}

#[test]
fn cross_timestamps_are_exact() {
    let mut phc = with_cross_timestamping(offset_phc(2)).with_read_noise(Duration::from_nanos(50));
    phc.advance(Duration::from_secs(3));
    let samples = phc
        .sys_offset(SysOffsetStrategy::Precise, 5)
        .expect("precise");
    assert_eq!(samples.len(), 5);
    for sample in &samples {
        assert_eq!(sample.delay, Duration::ZERO);
        let error = (sample.phc - sample.system) - phc.true_offset_at(sample.system);
        assert!(error.abs() <= Duration::from_nanos(1), "{error}");
    }
    assert!(
        samples
            .windows(2)
            .all(|pair| pair[1].system > pair[0].system)
    );
}

#[test]
fn unsupported_strategies_fail_as_the_kernel_does() {
    let phc = offset_phc(3).with_name("/dev/ptp7").without_extended();
    assert!(!phc.supports(SysOffsetStrategy::Precise));
    assert!(!phc.supports(SysOffsetStrategy::Extended));
    for (strategy, operation) in [
        (SysOffsetStrategy::Precise, "PTP_SYS_OFFSET_PRECISE"),
        (SysOffsetStrategy::Extended, "PTP_SYS_OFFSET_EXTENDED"),
    ] {
        let error = phc.sys_offset(strategy, 5).expect_err("unsupported");
        assert!(is_unsupported(&error), "{error}");
        let shown = error.to_string();
        assert!(
            shown.starts_with(&format!("/dev/ptp7: {operation} failed")),
            "{shown}"
        );
    }
    assert_eq!(
        phc.sys_offset(SysOffsetStrategy::Basic, 0)
            .expect("basic")
            .len(),
        1
    );
    assert_eq!(
        phc.sys_offset(SysOffsetStrategy::Basic, 99)
            .expect("basic")
            .len(),
        25
    );
}

#[test]
fn the_same_seed_gives_the_same_reads() {
    let batch = |seed| {
        offset_phc(seed)
            .with_read_noise(Duration::from_nanos(5))
            .sys_offset(SysOffsetStrategy::Basic, 25)
            .expect("basic")
    };
    assert_eq!(batch(4), batch(4));
    assert_ne!(batch(4), batch(5));
}

#[test]
fn delay_before_the_latch_makes_the_phc_reading_late() {
    for (before_share, sign) in [(1.0, 1), (0.0, -1)] {
        let delay = ReadDelay {
            stall_probability: 1.0,
            stall_scale: Duration::from_micros(2),
            stall_before_latch: before_share,
            ..ReadDelay::quiet(Duration::from_nanos(500))
        };
        let phc = offset_phc(6).with_read_delay(SysOffsetStrategy::Extended, delay);
        let samples = phc
            .sys_offset(SysOffsetStrategy::Extended, 25)
            .expect("extended");
        for sample in &samples {
            let error = (sample.phc - sample.system) - phc.true_offset_at(sample.system);
            // The PHC is latched (window − 500 ns) / 2 away from the midpoint.
            let expected = (sample.delay - Duration::from_nanos(500)) / 2 * sign;
            // The system clock's 15 ppm shortens a long window a little against true time.
            let tolerance = Duration::from_nanos(2 + sample.delay.as_nanos() / 50_000);
            assert!(
                (error - expected).abs() <= tolerance,
                "{error} vs {expected}"
            );
        }
        assert!(samples.iter().any(|s| s.delay > Duration::from_micros(2)));
    }
}

#[test]
fn the_phc_is_stepped_and_slewed_within_its_range() {
    let mut phc = offset_phc(7).with_name("/dev/ptp3");
    let before = phc.true_offset();
    phc.step(Duration::from_micros(-3)).expect("step");
    assert_eq!(phc.true_offset(), before - Duration::from_micros(3));
    phc.adjust_frequency(Ppb::from_ppm(-40.0))
        .expect("in range");
    assert_eq!(phc.frequency().expect("read"), Ppb::from_ppm(-40.0));
    let error = phc
        .adjust_frequency(Ppb::from_ppm(600.0))
        .expect_err("beyond 500 ppm");
    assert!(
        error.to_string().starts_with("/dev/ptp3: frequency"),
        "{error}"
    );
    assert_eq!(phc.max_frequency(), Ppb(500_000.0));
    // The system clock is steered separately and leaves the PHC alone.
    phc.system_mut()
        .step(Duration::from_millis(1))
        .expect("step");
    assert_eq!(phc.system().steps(), &[Duration::from_millis(1)]);
    assert_eq!(phc.phc().steps(), &[Duration::from_micros(-3)]);
}
