use super::*;
use std::mem::{offset_of, size_of};

#[test]
fn one_ppm_is_65536_scaled_ppm_both_ways() {
    assert_eq!(ppb_to_scaled_ppm(Ppb(1_000.0)), 65_536);
    assert_eq!(scaled_ppm_to_ppb(65_536), Ppb(1_000.0));
    assert_eq!(ppb_to_scaled_ppm(Ppb::from_ppm(-500.0)), -32_768_000);
    assert_eq!(scaled_ppm_to_ppb(-32_768_000), Ppb(-500_000.0));
    assert_eq!(ppb_to_scaled_ppm(Ppb::ZERO), 0);
    assert_eq!(ppb_to_scaled_ppm(Ppb(f64::NAN)), 0);
}

#[test]
fn scaled_ppm_round_trip_is_within_half_a_kernel_unit() {
    let half_unit = 0.5 / SCALED_PPM_PER_PPB;
    for tenths in -10_000..10_000 {
        let frequency = Ppb(f64::from(tenths) * 12.3);
        let back = scaled_ppm_to_ppb(ppb_to_scaled_ppm(frequency));
        assert!(
            (back.0 - frequency.0).abs() <= half_unit + 1e-9,
            "{frequency:?} came back as {back:?}"
        );
    }
    for scaled in [-32_768_000, -1, 0, 1, 7, 65_535, 32_768_000] {
        assert_eq!(ppb_to_scaled_ppm(scaled_ppm_to_ppb(scaled)), scaled);
    }
}

#[test]
fn dynamic_clock_ids_follow_clockfd() {
    assert_eq!(raw_fd_to_clockid(3), -29);
    assert_eq!(raw_fd_to_clockid(0), -5);
    for fd in [0, 3, 17, 1_000, 1 << 20] {
        let clock_id = raw_fd_to_clockid(fd);
        assert_eq!(clock_id & 7, CLOCKFD, "fd {fd}");
        assert_eq!(
            !(clock_id >> 3),
            fd,
            "CLOCKID_TO_FD undoes FD_TO_CLOCKID for fd {fd}"
        );
    }
}

#[test]
fn steps_are_whole_seconds_down_and_nanoseconds_up() {
    assert_eq!(step_timeval(Duration::from_millis(1_250)), (1, 250_000_000));
    assert_eq!(
        step_timeval(Duration::from_millis(-1_250)),
        (-2, 750_000_000)
    );
    assert_eq!(step_timeval(Duration::from_nanos(-1)), (-1, 999_999_999));
    assert_eq!(step_timeval(Duration::ZERO), (0, 0));
}

#[test]
fn publishing_sync_status_toggles_only_sta_unsync() {
    let current = KernelStatus(libc::STA_PLL | libc::STA_INS | libc::STA_UNSYNC | libc::STA_NANO);
    let synced = current.with_synchronized(true);
    assert_eq!(synced.0, libc::STA_PLL | libc::STA_INS);
    let unsynced = KernelStatus(libc::STA_FREQHOLD).with_synchronized(false);
    assert_eq!(unsynced.0, libc::STA_FREQHOLD | libc::STA_UNSYNC);
    assert!(unsynced.unsynchronized());
    assert_eq!(synced.leap(), Leap::Insert);
    assert_eq!(KernelStatus(libc::STA_DEL).leap(), Leap::Delete);
    assert_eq!(KernelStatus(0).leap(), Leap::None);
}

#[test]
fn error_estimates_round_up_to_microseconds_within_the_kernel_limit() {
    assert_eq!(error_micros(Duration::from_nanos(1_500)), 2);
    assert_eq!(error_micros(Duration::from_micros(7)), 7);
    assert_eq!(error_micros(Duration::from_nanos(-5)), 0);
    assert_eq!(error_micros(Duration::from_secs(100)), 16_000_000);
}

#[test]
fn timex_fields_convert_with_their_units() {
    let mut timex = zeroed_timex();
    timex.freq = 3 * 65_536;
    timex.offset = 500;
    timex.status = libc::STA_UNSYNC;
    timex.maxerror = 16_000_000;
    timex.esterror = 250;
    timex.tick = 10_000;
    timex.tolerance = 32_768_000;
    timex.time.tv_sec = 10;
    timex.time.tv_usec = 5;
    let micro = KernelClockState::from_timex(&timex, libc::TIME_ERROR);
    assert_eq!(micro.frequency, Ppb(3_000.0));
    assert_eq!(micro.offset, Duration::from_micros(500));
    assert!(micro.status.unsynchronized());
    assert_eq!(micro.max_error, Duration::from_secs(16));
    assert_eq!(micro.estimated_error, Duration::from_micros(250));
    assert_eq!(micro.tick, Duration::from_millis(10));
    assert_eq!(micro.tolerance, Ppb::from_ppm(500.0));
    assert_eq!(micro.time, Timestamp::from_nanos(10_000_005_000));
    assert_eq!(micro.state, KernelTimeState::Error);

    timex.status = libc::STA_NANO;
    let nano = KernelClockState::from_timex(&timex, 42);
    assert_eq!(nano.offset, Duration::from_nanos(500));
    assert_eq!(nano.time, Timestamp::from_nanos(10_000_000_005));
    assert_eq!(nano.state, KernelTimeState::Unknown(42));
}

/// Sizes from linux/ptp_clock.h: `ptp_clock_time` is 8 + 4 + 4; caps are 20 ints; the basic
/// offset is a 16-byte header and 2 × 25 + 1 stamps; extended 16 + 25 × 3 stamps; precise
/// three stamps and four reserved words.
#[test]
fn ptp_structs_match_the_kernel_abi() {
    assert_eq!(size_of::<PtpClockTime>(), 16);
    assert_eq!(size_of::<PtpClockCaps>(), 80);
    assert_eq!(size_of::<PtpSysOffset>(), 16 + 51 * 16);
    assert_eq!(size_of::<PtpSysOffset>(), 832);
    assert_eq!(size_of::<PtpSysOffsetExtended>(), 16 + 25 * 3 * 16);
    assert_eq!(size_of::<PtpSysOffsetExtended>(), 1_216);
    assert_eq!(size_of::<PtpSysOffsetPrecise>(), 3 * 16 + 16);

    assert_eq!(offset_of!(PtpClockTime, nsec), 8);
    assert_eq!(offset_of!(PtpClockCaps, pps), 16);
    assert_eq!(offset_of!(PtpClockCaps, n_pins), 20);
    assert_eq!(offset_of!(PtpClockCaps, cross_timestamping), 24);
    assert_eq!(offset_of!(PtpClockCaps, max_phase_adj), 32);
    assert_eq!(offset_of!(PtpSysOffset, ts), 16);
    assert_eq!(offset_of!(PtpSysOffsetExtended, clockid), 4);
    assert_eq!(offset_of!(PtpSysOffsetExtended, ts), 16);
    assert_eq!(offset_of!(PtpSysOffsetPrecise, sys_realtime), 16);
    assert_eq!(offset_of!(PtpSysOffsetPrecise, sys_monoraw), 32);
    assert_eq!(offset_of!(PtpSysOffsetPrecise, rsv), 48);

    assert_eq!(size_of::<PtpClockCaps>(), size_of::<libc::ptp_clock_caps>());
    assert_eq!(size_of::<PtpSysOffset>(), size_of::<libc::ptp_sys_offset>());
    let extended = size_of::<libc::ptp_sys_offset_extended>();
    assert_eq!(size_of::<PtpSysOffsetExtended>(), extended);
    let precise = size_of::<libc::ptp_sys_offset_precise>();
    assert_eq!(size_of::<PtpSysOffsetPrecise>(), precise);
}

#[test]
fn ioctl_numbers_agree_with_libc() {
    assert_eq!(PTP_CLOCK_GETCAPS.number, libc::PTP_CLOCK_GETCAPS);
    assert_eq!(PTP_SYS_OFFSET.number, libc::PTP_SYS_OFFSET);
    assert_eq!(PTP_SYS_OFFSET_PRECISE.number, libc::PTP_SYS_OFFSET_PRECISE);
    assert_eq!(
        PTP_SYS_OFFSET_EXTENDED.number,
        libc::PTP_SYS_OFFSET_EXTENDED
    );
}

/// asm-generic/ioctl.h: dir << 30 | size << 16 | type << 8 | nr, with read = 2, write = 1;
/// `'='` is 0x3d.
#[cfg(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    target_arch = "riscv64"
))]
#[test]
fn ioctl_numbers_match_the_generic_encoding() {
    let encode = |dir: u64, size: u64, nr: u64| (dir << 30) | (size << 16) | (0x3d << 8) | nr;
    assert_eq!(PTP_CLOCK_GETCAPS.number, encode(2, 80, 1));
    assert_eq!(PTP_CLOCK_GETCAPS.number, 0x8050_3d01);
    assert_eq!(PTP_SYS_OFFSET.number, encode(1, 832, 5));
    assert_eq!(PTP_SYS_OFFSET.number, 0x4340_3d05);
    assert_eq!(PTP_SYS_OFFSET_PRECISE.number, encode(3, 64, 8));
    assert_eq!(PTP_SYS_OFFSET_PRECISE.number, 0xc040_3d08);
    assert_eq!(PTP_SYS_OFFSET_EXTENDED.number, encode(3, 1_216, 9));
    assert_eq!(PTP_SYS_OFFSET_EXTENDED.number, 0xc4c0_3d09);
}

#[test]
fn sample_counts_are_clamped_to_what_the_kernel_takes() {
    assert_eq!(sample_count(0), 1);
    assert_eq!(sample_count(5), 5);
    assert_eq!(sample_count(25), 25);
    assert_eq!(sample_count(1_000), 25);
}

#[test]
fn reads_the_real_clocks_without_writing() {
    let realtime = clock_gettime(CLOCK_REALTIME).expect("CLOCK_REALTIME is always readable");
    assert!(
        realtime > Timestamp::from_secs_nanos(1_577_836_800, 0),
        "{realtime}"
    );
    let first = clock_gettime(CLOCK_MONOTONIC).expect("CLOCK_MONOTONIC is always readable");
    let second = clock_gettime(CLOCK_MONOTONIC).expect("CLOCK_MONOTONIC is always readable");
    assert!(second >= first);

    let state = adjtime_read(CLOCK_REALTIME).expect("clock_adjtime with modes 0 is a read");
    assert_eq!(state.tolerance, Ppb::from_ppm(500.0));
    assert!(state.tick > Duration::ZERO);
    assert!(state.frequency.abs() <= state.tolerance);
}

#[test]
fn a_file_that_is_not_a_clock_is_refused() {
    let null = std::fs::File::open("/dev/null").expect("/dev/null exists");
    use std::os::fd::AsFd;
    let error = ptp_clock_getcaps(null.as_fd()).expect_err("/dev/null is no PHC");
    assert_eq!(error.raw_os_error(), Some(libc::ENOTTY));
    assert!(adjtime_read(fd_to_clockid(null.as_fd())).is_err());
    assert!(clock_gettime(fd_to_clockid(null.as_fd())).is_err());
}
