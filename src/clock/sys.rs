//! Safe wrappers over the kernel's clock interfaces: `clock_gettime`, `clock_adjtime` and the
//! PTP hardware clock ioctls of `linux/ptp_clock.h`.
//!
//! This is the only module of the clock code that may use `unsafe`: nix has no wrapper for
//! `clock_adjtime` or the PTP ioctls, so they go through libc's raw FFI. Each `unsafe` block
//! hands the kernel a pointer to an initialised value that this function exclusively borrows,
//! of exactly the type the call expects (ioctl requests are typed, see [`Request`]), and says
//! so in its `// SAFETY:` comment. Everything else (unit conversions, status bits) is plain
//! safe code kept next to the calls; the `#[repr(C)]` mirrors of the kernel structs live in
//! `ptp_abi`, which denies `unsafe` again.
//!
//! Frequencies: the kernel's `timex.freq` is "scaled ppm", parts per million × 2¹⁶; shiwa's
//! [`Ppb`] converts with [`ppb_to_scaled_ppm`] and [`scaled_ppm_to_ppb`].

#![allow(
    unsafe_code,
    reason = "clock_adjtime and PTP ioctls have no safe wrapper; every block has a SAFETY note"
)]

use super::SyncStatus;
use crate::source::Leap;
use crate::time::{Duration, NANOS_PER_SEC, Ppb, Timestamp};
use serde::Serialize;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

mod ptp_abi;
#[cfg(test)]
mod tests;

pub(crate) use ptp_abi::{
    PTP_CLOCK_GETCAPS, PTP_MAX_SAMPLES, PTP_SYS_OFFSET, PTP_SYS_OFFSET_EXTENDED,
    PTP_SYS_OFFSET_PRECISE, PtpClockCaps, PtpClockTime, PtpSysOffset, PtpSysOffsetExtended,
    PtpSysOffsetPrecise, Request, sample_count,
};

/// Kernel clock identifier (`clockid_t`).
pub(crate) type ClockId = libc::clockid_t;

/// The system-wide real-time clock.
pub(crate) const CLOCK_REALTIME: ClockId = libc::CLOCK_REALTIME;
/// The monotonic clock: slewed with `CLOCK_REALTIME`'s frequency but never stepped.
pub(crate) const CLOCK_MONOTONIC: ClockId = libc::CLOCK_MONOTONIC;

/// The kernel's `CLOCKFD`: the low bits marking a dynamic (file descriptor) clock id.
const CLOCKFD: ClockId = 3;

/// The kernel's limit on error estimates (`NTP_PHASE_LIMIT`, 16 s, in microseconds).
const NTP_PHASE_LIMIT_MICROS: i64 = 16_000_000;

/// Scaled ppm per ppb: 2¹⁶ / 1000.
const SCALED_PPM_PER_PPB: f64 = 65.536;

/// Parts per billion as the kernel's scaled ppm (ppm × 2¹⁶), rounded to the nearest unit
/// (0.015 ppb); out-of-range values saturate, NaN becomes 0.
pub(crate) fn ppb_to_scaled_ppm(frequency: Ppb) -> i64 {
    (frequency.0 * SCALED_PPM_PER_PPB).round() as i64
}

/// The kernel's scaled ppm (ppm × 2¹⁶) as parts per billion.
pub(crate) fn scaled_ppm_to_ppb(scaled_ppm: i64) -> Ppb {
    Ppb(scaled_ppm as f64 / SCALED_PPM_PER_PPB)
}

/// The dynamic clock id of an open `/dev/ptpN` (`FD_TO_CLOCKID`: `(~fd << 3) | CLOCKFD`).
pub(crate) fn fd_to_clockid(fd: BorrowedFd<'_>) -> ClockId {
    raw_fd_to_clockid(fd.as_raw_fd())
}

fn raw_fd_to_clockid(fd: libc::c_int) -> ClockId {
    (!fd).wrapping_shl(3) | CLOCKFD
}

/// `STA_*` bits of the kernel's `timex.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct KernelStatus(pub i32);

impl KernelStatus {
    /// `STA_UNSYNC`: the kernel considers the clock unsynchronised.
    pub fn unsynchronized(self) -> bool {
        self.0 & libc::STA_UNSYNC != 0
    }
    /// `STA_NANO`: `offset` and `time` are in nanoseconds rather than microseconds.
    pub fn nanosecond_resolution(self) -> bool {
        self.0 & libc::STA_NANO != 0
    }
    /// `STA_PLL`: the kernel's own phase-locked loop is enabled.
    pub fn pll(self) -> bool {
        self.0 & libc::STA_PLL != 0
    }
    /// The leap second armed with `STA_INS` / `STA_DEL` (`Leap::None` if neither).
    pub fn leap(self) -> Leap {
        if self.0 & libc::STA_INS != 0 {
            Leap::Insert
        } else if self.0 & libc::STA_DEL != 0 {
            Leap::Delete
        } else {
            Leap::None
        }
    }
    /// The bits to write with `ADJ_STATUS` to publish `synchronized`: every writable bit kept
    /// as it is, only `STA_UNSYNC` toggled (the kernel ignores the read-only bits).
    pub(crate) fn with_synchronized(self, synchronized: bool) -> KernelStatus {
        let writable = self.0 & !libc::STA_RONLY;
        if synchronized {
            KernelStatus(writable & !libc::STA_UNSYNC)
        } else {
            KernelStatus(writable | libc::STA_UNSYNC)
        }
    }
}

/// The kernel's clock state (`adjtimex` return value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KernelTimeState {
    /// `TIME_OK`.
    Ok,
    /// `TIME_INS`: a leap second will be inserted at the end of the day.
    InsertLeap,
    /// `TIME_DEL`: a leap second will be deleted at the end of the day.
    DeleteLeap,
    /// `TIME_OOP`: a leap second is being inserted.
    LeapInProgress,
    /// `TIME_WAIT`: a leap second has just occurred.
    LeapOccurred,
    /// `TIME_ERROR`: the clock is not synchronised.
    Error,
    /// A value this version does not know.
    Unknown(i32),
}

impl KernelTimeState {
    fn from_raw(state: libc::c_int) -> Self {
        match state {
            libc::TIME_OK => KernelTimeState::Ok,
            libc::TIME_INS => KernelTimeState::InsertLeap,
            libc::TIME_DEL => KernelTimeState::DeleteLeap,
            libc::TIME_OOP => KernelTimeState::LeapInProgress,
            libc::TIME_WAIT => KernelTimeState::LeapOccurred,
            libc::TIME_ERROR => KernelTimeState::Error,
            other => KernelTimeState::Unknown(other),
        }
    }
}

/// A read-only snapshot of a clock's kernel discipline state (`clock_adjtime` with modes 0).
///
/// Reading it twice around an operation and comparing proves the operation wrote nothing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct KernelClockState {
    /// Frequency correction (`freq`).
    pub frequency: Ppb,
    /// Phase offset the kernel PLL is still slewing away (`offset`).
    pub offset: Duration,
    /// Status bits (`status`).
    pub status: KernelStatus,
    /// Maximum error (`maxerror`).
    pub max_error: Duration,
    /// Estimated error (`esterror`).
    pub estimated_error: Duration,
    /// Length of a clock tick (`tick`, 10 ms at USER_HZ 100); changing it also slews.
    pub tick: Duration,
    /// Largest frequency correction the kernel accepts (`tolerance`, 500 ppm).
    pub tolerance: Ppb,
    /// PLL time constant (`constant`).
    pub time_constant: i64,
    /// TAI − UTC in seconds (`tai`).
    pub tai_offset: i32,
    /// The clock's time when it was read (`time`).
    pub time: Timestamp,
    /// The kernel's clock state (return value).
    pub state: KernelTimeState,
}

impl KernelClockState {
    fn from_timex(timex: &libc::timex, state: libc::c_int) -> Self {
        let status = KernelStatus(timex.status);
        let sub_second_unit = if status.nanosecond_resolution() {
            1
        } else {
            1_000
        };
        let time_nanos = widen(timex.time.tv_sec)
            .saturating_mul(NANOS_PER_SEC)
            .saturating_add(widen(timex.time.tv_usec).saturating_mul(sub_second_unit));
        KernelClockState {
            frequency: scaled_ppm_to_ppb(widen(timex.freq)),
            offset: Duration::from_nanos(widen(timex.offset).saturating_mul(sub_second_unit)),
            status,
            max_error: micros(widen(timex.maxerror)),
            estimated_error: micros(widen(timex.esterror)),
            tick: micros(widen(timex.tick)),
            tolerance: scaled_ppm_to_ppb(widen(timex.tolerance)),
            time_constant: widen(timex.constant),
            tai_offset: timex.tai,
            time: Timestamp::from_nanos(time_nanos),
            state: KernelTimeState::from_raw(state),
        }
    }
}

fn micros(value: i64) -> Duration {
    Duration::from_nanos(value.saturating_mul(1_000))
}

/// A `timex` with every field zero: `modes = 0`, a pure read.
fn zeroed_timex() -> libc::timex {
    // SAFETY: `timex` is a C struct of integers (and a `timeval` of integers) with no
    // references, so the all-zero bit pattern is a valid value of it.
    unsafe { std::mem::zeroed() }
}

/// `clock_adjtime(clock_id, timex)`, returning the clock state (`TIME_OK`, ...).
fn clock_adjtime(clock_id: ClockId, timex: &mut libc::timex) -> io::Result<libc::c_int> {
    // SAFETY: `timex` is a valid, exclusively borrowed `libc::timex` for the whole call, which
    // is what the kernel reads its request from and writes its answer to.
    let state = unsafe { libc::clock_adjtime(clock_id, timex) };
    if state < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(state)
    }
}

/// The clock's current time (`clock_gettime`).
pub(crate) fn clock_gettime(clock_id: ClockId) -> io::Result<Timestamp> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, exclusively borrowed `timespec` the kernel writes into.
    let result = unsafe { libc::clock_gettime(clock_id, &mut now) };
    if result < 0 {
        return Err(io::Error::last_os_error());
    }
    let nanos = widen(now.tv_sec)
        .saturating_mul(NANOS_PER_SEC)
        .saturating_add(widen(now.tv_nsec));
    Ok(Timestamp::from_nanos(nanos))
}

/// Reads the clock's discipline state without changing anything (`modes = 0`).
pub(crate) fn adjtime_read(clock_id: ClockId) -> io::Result<KernelClockState> {
    let mut timex = zeroed_timex();
    let state = clock_adjtime(clock_id, &mut timex)?;
    Ok(KernelClockState::from_timex(&timex, state))
}

/// Sets the clock's frequency correction (`ADJ_FREQUENCY`).
pub(crate) fn adjtime_set_frequency(clock_id: ClockId, frequency: Ppb) -> io::Result<()> {
    let mut timex = zeroed_timex();
    timex.modes = libc::ADJ_FREQUENCY;
    timex.freq = narrow(ppb_to_scaled_ppm(frequency))?;
    clock_adjtime(clock_id, &mut timex).map(drop)
}

/// Steps the clock by `delta` (`ADJ_SETOFFSET | ADJ_NANO`).
pub(crate) fn adjtime_step(clock_id: ClockId, delta: Duration) -> io::Result<()> {
    let mut timex = zeroed_timex();
    timex.modes = libc::ADJ_SETOFFSET | libc::ADJ_NANO;
    let (secs, nanos) = step_timeval(delta);
    timex.time.tv_sec = narrow(secs)?;
    timex.time.tv_usec = narrow(nanos)?;
    clock_adjtime(clock_id, &mut timex).map(drop)
}

/// A step as `ADJ_SETOFFSET | ADJ_NANO` wants it: whole seconds rounded down and the
/// nanoseconds within [0, 1 s) (−1.25 s is −2 s + 750 ms).
fn step_timeval(delta: Duration) -> (i64, i64) {
    let nanos = delta.as_nanos();
    (
        nanos.div_euclid(NANOS_PER_SEC),
        nanos.rem_euclid(NANOS_PER_SEC),
    )
}

/// Publishes error estimates and `STA_UNSYNC` (`ADJ_ESTERROR | ADJ_MAXERROR | ADJ_STATUS`),
/// keeping every other writable status bit as the kernel has it.
pub(crate) fn adjtime_set_status(clock_id: ClockId, status: SyncStatus) -> io::Result<()> {
    let current = adjtime_read(clock_id)?.status;
    let mut timex = zeroed_timex();
    timex.modes = libc::ADJ_ESTERROR | libc::ADJ_MAXERROR | libc::ADJ_STATUS;
    timex.status = current.with_synchronized(status.synchronized).0;
    timex.esterror = narrow(error_micros(status.estimated_error))?;
    timex.maxerror = narrow(error_micros(status.max_error))?;
    clock_adjtime(clock_id, &mut timex).map(drop)
}

/// An error estimate in whole microseconds (rounded up), within the kernel's 0 … 16 s.
fn error_micros(error: Duration) -> i64 {
    let nanos = error.as_nanos().max(0);
    let micros = nanos / 1_000 + i64::from(nanos % 1_000 != 0);
    micros.min(NTP_PHASE_LIMIT_MICROS)
}

/// A kernel integer (`long`, `time_t`, `suseconds_t`: 32 or 64 bits by target) as `i64`.
fn widen<T: Into<i64>>(value: T) -> i64 {
    value.into()
}

/// An `i64` as a kernel integer of the target's width, or `EINVAL`-like if it does not fit.
fn narrow<T: TryFrom<i64>>(value: i64) -> io::Result<T> {
    T::try_from(value).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{value} does not fit the kernel's integer"),
        )
    })
}

fn ioctl<T>(fd: BorrowedFd<'_>, request: &Request<T>, argument: &mut T) -> io::Result<()> {
    // SAFETY: `fd` is an open descriptor for the duration of the borrow; `argument` is a valid,
    // exclusively borrowed `T`, and `request` was built from `size_of::<T>()` for this very `T`
    // (see `Request`), so the kernel reads and writes exactly within it.
    let result =
        unsafe { libc::ioctl(fd.as_raw_fd(), request.number, std::ptr::from_mut(argument)) };
    if result < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The PHC's capabilities (`PTP_CLOCK_GETCAPS`).
pub(crate) fn ptp_clock_getcaps(fd: BorrowedFd<'_>) -> io::Result<PtpClockCaps> {
    let mut caps = PtpClockCaps::default();
    ioctl(fd, &PTP_CLOCK_GETCAPS, &mut caps)?;
    Ok(caps)
}

/// `samples` (1 … 25, clamped) PHC readings between system readings (`PTP_SYS_OFFSET`).
pub(crate) fn ptp_sys_offset(fd: BorrowedFd<'_>, samples: usize) -> io::Result<PtpSysOffset> {
    let mut offset = PtpSysOffset::with_samples(samples);
    ioctl(fd, &PTP_SYS_OFFSET, &mut offset)?;
    Ok(offset)
}

/// `samples` (1 … 25, clamped) [system, PHC, system] triples against `CLOCK_REALTIME`
/// (`PTP_SYS_OFFSET_EXTENDED`).
pub(crate) fn ptp_sys_offset_extended(
    fd: BorrowedFd<'_>,
    samples: usize,
) -> io::Result<PtpSysOffsetExtended> {
    let mut offset = PtpSysOffsetExtended::with_samples(samples);
    ioctl(fd, &PTP_SYS_OFFSET_EXTENDED, &mut offset)?;
    Ok(offset)
}

/// One hardware cross-timestamp of PHC and system clock (`PTP_SYS_OFFSET_PRECISE`).
pub(crate) fn ptp_sys_offset_precise(fd: BorrowedFd<'_>) -> io::Result<PtpSysOffsetPrecise> {
    let mut offset = PtpSysOffsetPrecise::default();
    ioctl(fd, &PTP_SYS_OFFSET_PRECISE, &mut offset)?;
    Ok(offset)
}
