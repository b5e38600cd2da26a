//! `#[repr(C)]` mirrors of the structs of `linux/ptp_clock.h` and their ioctl request
//! numbers. Plain data: the calls that hand them to the kernel are in the parent module.

#![deny(unsafe_code)]

use super::ClockId;
use std::marker::PhantomData;

/// `PTP_MAX_SAMPLES`: the most samples one `PTP_SYS_OFFSET*` call takes.
pub(crate) const PTP_MAX_SAMPLES: usize = 25;

/// `struct ptp_clock_time`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct PtpClockTime {
    /// Seconds.
    pub sec: i64,
    /// Nanoseconds.
    pub nsec: u32,
    /// Reserved.
    pub reserved: u32,
}

impl PtpClockTime {
    const ZERO: PtpClockTime = PtpClockTime {
        sec: 0,
        nsec: 0,
        reserved: 0,
    };
}

/// `struct ptp_clock_caps` (`max_phase_adj` is reserved, hence zero, before Linux 6.2).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct PtpClockCaps {
    pub max_adj: libc::c_int,
    pub n_alarm: libc::c_int,
    pub n_ext_ts: libc::c_int,
    pub n_per_out: libc::c_int,
    pub pps: libc::c_int,
    pub n_pins: libc::c_int,
    pub cross_timestamping: libc::c_int,
    pub adjust_phase: libc::c_int,
    pub max_phase_adj: libc::c_int,
    pub rsv: [libc::c_int; 11],
}

/// `struct ptp_sys_offset`: `ts` interleaves system, PHC, system, … (2n + 1 stamps).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PtpSysOffset {
    pub n_samples: libc::c_uint,
    pub rsv: [libc::c_uint; 3],
    pub ts: [PtpClockTime; 2 * PTP_MAX_SAMPLES + 1],
}

impl PtpSysOffset {
    /// A request for `samples` (clamped to 1 … 25) readings.
    pub(crate) fn with_samples(samples: usize) -> Self {
        PtpSysOffset {
            n_samples: sample_count(samples),
            rsv: [0; 3],
            ts: [PtpClockTime::ZERO; 2 * PTP_MAX_SAMPLES + 1],
        }
    }
}

/// `struct ptp_sys_offset_extended`: `ts[i]` is [system before, PHC, system after].
/// `clockid` (reserved, hence `CLOCK_REALTIME`, before Linux 6.12) picks the system clock.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PtpSysOffsetExtended {
    pub n_samples: libc::c_uint,
    pub clockid: ClockId,
    pub rsv: [libc::c_uint; 2],
    pub ts: [[PtpClockTime; 3]; PTP_MAX_SAMPLES],
}

impl PtpSysOffsetExtended {
    /// A request for `samples` (clamped to 1 … 25) triples against `CLOCK_REALTIME`.
    pub(crate) fn with_samples(samples: usize) -> Self {
        PtpSysOffsetExtended {
            n_samples: sample_count(samples),
            clockid: libc::CLOCK_REALTIME,
            rsv: [0; 2],
            ts: [[PtpClockTime::ZERO; 3]; PTP_MAX_SAMPLES],
        }
    }
}

/// `struct ptp_sys_offset_precise`: one hardware cross-timestamp.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct PtpSysOffsetPrecise {
    pub device: PtpClockTime,
    pub sys_realtime: PtpClockTime,
    pub sys_monoraw: PtpClockTime,
    pub rsv: [libc::c_uint; 4],
}

/// `PTP_CLK_MAGIC`, the ioctl type of `/dev/ptpN`.
const PTP_CLK_MAGIC: u32 = b'=' as u32;

/// An ioctl request number tied to its argument type, so the size encoded in the number
/// (`_IOR`/`_IOW`/`_IOWR`) always matches the buffer handed to the kernel.
pub(crate) struct Request<T> {
    pub number: libc::Ioctl,
    argument: PhantomData<fn(&mut T)>,
}

impl<T> Request<T> {
    const fn read(nr: u32) -> Self {
        Request::new(libc::_IOR::<T>(PTP_CLK_MAGIC, nr))
    }
    const fn write(nr: u32) -> Self {
        Request::new(libc::_IOW::<T>(PTP_CLK_MAGIC, nr))
    }
    const fn read_write(nr: u32) -> Self {
        Request::new(libc::_IOWR::<T>(PTP_CLK_MAGIC, nr))
    }
    const fn new(number: libc::Ioctl) -> Self {
        Request {
            number,
            argument: PhantomData,
        }
    }
}

/// `PTP_CLOCK_GETCAPS`.
pub(crate) const PTP_CLOCK_GETCAPS: Request<PtpClockCaps> = Request::read(1);
/// `PTP_SYS_OFFSET` (declared `_IOW` by the kernel although it writes the samples back).
pub(crate) const PTP_SYS_OFFSET: Request<PtpSysOffset> = Request::write(5);
/// `PTP_SYS_OFFSET_PRECISE`.
pub(crate) const PTP_SYS_OFFSET_PRECISE: Request<PtpSysOffsetPrecise> = Request::read_write(8);
/// `PTP_SYS_OFFSET_EXTENDED`.
pub(crate) const PTP_SYS_OFFSET_EXTENDED: Request<PtpSysOffsetExtended> = Request::read_write(9);

/// A requested sample count as the kernel accepts it: 1 … `PTP_MAX_SAMPLES`.
pub(crate) fn sample_count(samples: usize) -> libc::c_uint {
    // The clamp keeps the value ≤ 25, which always fits.
    samples.clamp(1, PTP_MAX_SAMPLES) as libc::c_uint
}
