use super::*;

fn at(sec: i64, nsec: u32) -> PtpClockTime {
    PtpClockTime {
        sec,
        nsec,
        reserved: 0,
    }
}

#[test]
fn a_missing_device_is_named_in_the_error() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let device = dir.path().join("ptp0");
    let error = PhcClock::open(&device).expect_err("no such device");
    assert!(matches!(error, PhcError::Missing { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!("{}: no such PTP hardware clock", device.display())
    );
    let error = PhcError::Missing {
        device: PathBuf::from("/dev/ptp0"),
    };
    assert_eq!(error.to_string(), "/dev/ptp0: no such PTP hardware clock");
    assert_eq!(error.exit_status(), ExitStatus::Failure);
}

#[test]
fn a_device_that_is_not_a_phc_is_refused() {
    let error = PhcClock::open_read_only("/dev/null").expect_err("/dev/null is no PHC");
    assert!(matches!(error, PhcError::NotPtp { .. }), "{error:?}");
    assert_eq!(error.to_string(), "/dev/null: not a PTP hardware clock");
}

#[test]
fn capabilities_convert_and_reject_negative_counts() {
    let caps = PtpClockCaps {
        max_adj: 999_999_999,
        n_alarm: 0,
        n_ext_ts: 2,
        n_per_out: 1,
        pps: 1,
        n_pins: 4,
        cross_timestamping: 1,
        adjust_phase: 0,
        max_phase_adj: -3,
        rsv: [0; 11],
    };
    let capabilities = PhcCapabilities::from_caps(&caps);
    assert_eq!(capabilities.max_adj, Ppb(999_999_999.0));
    assert_eq!((capabilities.n_ext_ts, capabilities.n_per_out), (2, 1));
    assert_eq!(capabilities.n_pins, 4);
    assert!(capabilities.pps && capabilities.cross_timestamping);
    assert!(!capabilities.adjust_phase);
    assert_eq!(capabilities.max_phase_adj, Duration::ZERO);
    let negative = PhcCapabilities::from_caps(&PtpClockCaps {
        n_pins: -1,
        max_adj: -5,
        ..caps
    });
    assert_eq!(negative.n_pins, 0);
    assert_eq!(negative.max_adj, Ppb::ZERO);
}

#[test]
fn basic_offsets_pair_each_phc_reading_with_the_system_readings_around_it() {
    let mut ts = [PtpClockTime::default(); 2 * sys::PTP_MAX_SAMPLES + 1];
    ts[0] = at(100, 0);
    ts[1] = at(137, 500);
    ts[2] = at(100, 1_000);
    ts[3] = at(137, 2_100);
    ts[4] = at(100, 3_000);
    let offset = PtpSysOffset {
        n_samples: 2,
        rsv: [0; 3],
        ts,
    };
    let samples = samples_from_basic(&offset);
    assert_eq!(
        samples,
        vec![
            PhcSample {
                phc: Timestamp::from_secs_nanos(137, 500),
                system: Timestamp::from_secs_nanos(100, 500),
                delay: Duration::from_nanos(1_000),
            },
            PhcSample {
                phc: Timestamp::from_secs_nanos(137, 2_100),
                system: Timestamp::from_secs_nanos(100, 2_000),
                delay: Duration::from_nanos(2_000),
            },
        ]
    );
}

#[test]
fn extended_offsets_read_triples_and_ignore_a_bogus_sample_count() {
    let mut ts = [[PtpClockTime::default(); 3]; sys::PTP_MAX_SAMPLES];
    ts[0] = [at(5, 10), at(9, 40), at(5, 30)];
    let mut offset = PtpSysOffsetExtended {
        n_samples: 1,
        clockid: 0,
        rsv: [0; 2],
        ts,
    };
    let samples = samples_from_extended(&offset);
    assert_eq!(samples.len(), 1);
    assert_eq!(samples[0].phc, Timestamp::from_secs_nanos(9, 40));
    assert_eq!(samples[0].system, Timestamp::from_secs_nanos(5, 20));
    assert_eq!(samples[0].delay, Duration::from_nanos(20));

    offset.n_samples = 4_000_000_000;
    assert_eq!(samples_from_extended(&offset).len(), sys::PTP_MAX_SAMPLES);
    let basic = PtpSysOffset {
        n_samples: u32::MAX,
        rsv: [0; 3],
        ts: [at(i64::MAX, 999_999_999); 2 * sys::PTP_MAX_SAMPLES + 1],
    };
    let saturated = samples_from_basic(&basic);
    assert_eq!(saturated.len(), sys::PTP_MAX_SAMPLES);
    assert_eq!(saturated[0].phc, Timestamp::from_nanos(i64::MAX));
}

#[test]
fn precise_offsets_have_no_delay() {
    let offset = PtpSysOffsetPrecise {
        device: at(37, 1),
        sys_realtime: at(0, 999),
        sys_monoraw: at(3, 3),
        rsv: [0; 4],
    };
    let sample = sample_from_precise(&offset);
    assert_eq!(sample.phc, Timestamp::from_secs_nanos(37, 1));
    assert_eq!(sample.system, Timestamp::from_nanos(999));
    assert_eq!(sample.delay, Duration::ZERO);
}
