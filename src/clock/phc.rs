//! PTP hardware clocks (`/dev/ptpN`): read and disciplined through the dynamic clock id of
//! their open file, compared with the system clock through the `PTP_SYS_OFFSET*` ioctls.

use super::readonly::ReadOnly;
use super::sys::{
    self, ClockId, PtpClockCaps, PtpClockTime, PtpSysOffset, PtpSysOffsetExtended,
    PtpSysOffsetPrecise,
};
use super::system::check_frequency;
use super::{Clock, ClockError, SyncStatus};
use crate::exit::{ExitStatus, HasExitStatus};
use crate::time::{Duration, NANOS_PER_SEC, Ppb, Timestamp};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};

pub mod device;
pub mod simulated;

pub use device::{PhcDevice, is_unsupported};
pub use simulated::{ReadDelay, SimulatedPhc};

/// Why a PTP hardware clock could not be opened; names the device.
#[derive(Debug, thiserror::Error)]
pub enum PhcError {
    /// The device does not exist.
    #[error("{}: no such PTP hardware clock", device.display())]
    Missing {
        /// The device path.
        device: PathBuf,
    },
    /// The device exists but could not be opened (typically permissions).
    #[error("{}: cannot open: {source}", device.display())]
    Open {
        /// The device path.
        device: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// The file is not a PTP hardware clock (`PTP_CLOCK_GETCAPS` is not understood).
    #[error("{}: not a PTP hardware clock", device.display())]
    NotPtp {
        /// The device path.
        device: PathBuf,
    },
    /// Reading the capabilities failed.
    #[error("{}: reading capabilities failed: {source}", device.display())]
    Capabilities {
        /// The device path.
        device: PathBuf,
        /// The OS error.
        source: io::Error,
    },
}

impl HasExitStatus for PhcError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            PhcError::Open { source, .. } | PhcError::Capabilities { source, .. } => {
                ExitStatus::for_io(source)
            }
            PhcError::Missing { .. } | PhcError::NotPtp { .. } => ExitStatus::Failure,
        }
    }
}

/// What a PTP hardware clock can do (`PTP_CLOCK_GETCAPS`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhcCapabilities {
    /// Largest frequency adjustment.
    pub max_adj: Ppb,
    /// Programmable alarms.
    pub n_alarm: u32,
    /// External timestamp channels.
    pub n_ext_ts: u32,
    /// Programmable periodic outputs.
    pub n_per_out: u32,
    /// Whether the clock can signal PPS to the kernel.
    pub pps: bool,
    /// Input/output pins.
    pub n_pins: u32,
    /// Whether `PTP_SYS_OFFSET_PRECISE` (hardware cross-timestamps) is supported.
    pub cross_timestamping: bool,
    /// Whether the clock can adjust its phase.
    pub adjust_phase: bool,
    /// Largest phase adjustment (zero when the kernel does not report it).
    pub max_phase_adj: Duration,
}

impl PhcCapabilities {
    fn from_caps(caps: &PtpClockCaps) -> Self {
        let count = |value: libc::c_int| u32::try_from(value).unwrap_or(0);
        PhcCapabilities {
            max_adj: Ppb(f64::from(caps.max_adj.max(0))),
            n_alarm: count(caps.n_alarm),
            n_ext_ts: count(caps.n_ext_ts),
            n_per_out: count(caps.n_per_out),
            pps: caps.pps != 0,
            n_pins: count(caps.n_pins),
            cross_timestamping: caps.cross_timestamping != 0,
            adjust_phase: caps.adjust_phase != 0,
            max_phase_adj: Duration::from_nanos(i64::from(caps.max_phase_adj.max(0))),
        }
    }
}

/// How to compare a PHC with the system clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SysOffsetStrategy {
    /// `PTP_SYS_OFFSET`: system, PHC, system readings interleaved; every driver has it.
    Basic,
    /// `PTP_SYS_OFFSET_EXTENDED`: the driver timestamps the system clock right around the
    /// PHC read, so the delay is tighter.
    Extended,
    /// `PTP_SYS_OFFSET_PRECISE`: a hardware cross-timestamp (PCIe PTM and similar), no delay.
    Precise,
}

/// One PHC reading bracketed by system clock readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhcSample {
    /// The PHC's time.
    pub phc: Timestamp,
    /// The system clock (`CLOCK_REALTIME`) at the same moment: the midpoint of the readings
    /// before and after.
    pub system: Timestamp,
    /// The system time between the readings before and after (zero for a cross-timestamp):
    /// the uncertainty of `system`.
    pub delay: Duration,
}

/// A PTP hardware clock, `/dev/ptpN`, kept open for as long as its dynamic clock id is used.
#[derive(Debug)]
pub struct PhcClock {
    file: File,
    clock_id: ClockId,
    name: String,
    capabilities: PhcCapabilities,
}

impl PhcClock {
    /// Opens `path` for reading and disciplining (needs write access to the device).
    pub fn open(path: impl AsRef<Path>) -> Result<Self, PhcError> {
        Self::open_with(path.as_ref(), true)
    }

    /// Opens `path` read-only for monitor mode: writes are refused before they reach the
    /// clock, and the device only needs to be readable.
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<ReadOnly<Self>, PhcError> {
        Ok(ReadOnly::new(Self::open_with(path.as_ref(), false)?))
    }

    fn open_with(path: &Path, write: bool) -> Result<Self, PhcError> {
        let device = path.to_path_buf();
        let file = match OpenOptions::new().read(true).write(write).open(path) {
            Ok(file) => file,
            Err(error) if is_missing(&error) => return Err(PhcError::Missing { device }),
            Err(source) => return Err(PhcError::Open { device, source }),
        };
        let caps = match sys::ptp_clock_getcaps(file.as_fd()) {
            Ok(caps) => caps,
            Err(error) if error.raw_os_error() == Some(libc::ENOTTY) => {
                return Err(PhcError::NotPtp { device });
            }
            Err(source) => return Err(PhcError::Capabilities { device, source }),
        };
        Ok(PhcClock {
            clock_id: sys::fd_to_clockid(file.as_fd()),
            name: path.display().to_string(),
            capabilities: PhcCapabilities::from_caps(&caps),
            file,
        })
    }

    /// What the clock can do, as read when it was opened.
    pub fn capabilities(&self) -> &PhcCapabilities {
        &self.capabilities
    }

    /// The best comparison with the system clock the capabilities promise: `Precise` with
    /// hardware cross-timestamps, `Extended` otherwise (callers fall back to `Basic` when
    /// the driver answers `EOPNOTSUPP`).
    pub fn preferred_strategy(&self) -> SysOffsetStrategy {
        if self.capabilities.cross_timestamping {
            SysOffsetStrategy::Precise
        } else {
            SysOffsetStrategy::Extended
        }
    }

    /// `samples` (1 … 25) comparisons of the PHC with `CLOCK_REALTIME`.
    pub fn sys_offset(
        &self,
        strategy: SysOffsetStrategy,
        samples: usize,
    ) -> Result<Vec<PhcSample>, ClockError> {
        let fd = self.file.as_fd();
        match strategy {
            SysOffsetStrategy::Basic => sys::ptp_sys_offset(fd, samples)
                .map(|offset| samples_from_basic(&offset))
                .map_err(self.os_error("PTP_SYS_OFFSET")),
            SysOffsetStrategy::Extended => sys::ptp_sys_offset_extended(fd, samples)
                .map(|offset| samples_from_extended(&offset))
                .map_err(self.os_error("PTP_SYS_OFFSET_EXTENDED")),
            SysOffsetStrategy::Precise => (0..sys::sample_count(samples))
                .map(|_| {
                    sys::ptp_sys_offset_precise(fd)
                        .map(|offset| sample_from_precise(&offset))
                        .map_err(self.os_error("PTP_SYS_OFFSET_PRECISE"))
                })
                .collect(),
        }
    }

    fn os_error(&self, operation: &'static str) -> impl Fn(io::Error) -> ClockError + '_ {
        move |source| ClockError::Os {
            clock: self.name.clone(),
            operation,
            source,
        }
    }
}

impl Clock for PhcClock {
    fn name(&self) -> &str {
        &self.name
    }

    fn now(&self) -> Result<Timestamp, ClockError> {
        sys::clock_gettime(self.clock_id).map_err(self.os_error("read"))
    }

    fn frequency(&self) -> Result<Ppb, ClockError> {
        sys::adjtime_read(self.clock_id)
            .map(|state| state.frequency)
            .map_err(self.os_error("read frequency"))
    }

    fn step(&mut self, delta: Duration) -> Result<(), ClockError> {
        sys::adjtime_step(self.clock_id, delta).map_err(self.os_error("step"))
    }

    fn adjust_frequency(&mut self, frequency: Ppb) -> Result<(), ClockError> {
        check_frequency(&self.name, frequency, self.capabilities.max_adj)?;
        sys::adjtime_set_frequency(self.clock_id, frequency)
            .map_err(self.os_error("adjust frequency"))
    }

    fn max_frequency(&self) -> Ppb {
        self.capabilities.max_adj
    }

    /// A PHC has no kernel status or error estimates: nothing to publish.
    fn set_sync_status(&mut self, _status: SyncStatus) -> Result<(), ClockError> {
        Ok(())
    }
}

fn is_missing(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::NotFound || error.raw_os_error() == Some(libc::ENODEV)
}

fn timestamp(time: &PtpClockTime) -> Timestamp {
    let nanos = time
        .sec
        .saturating_mul(NANOS_PER_SEC)
        .saturating_add(i64::from(time.nsec));
    Timestamp::from_nanos(nanos)
}

fn bracketed(before: &PtpClockTime, phc: &PtpClockTime, after: &PtpClockTime) -> PhcSample {
    let (before, after) = (timestamp(before), timestamp(after));
    let delay = after - before;
    PhcSample {
        phc: timestamp(phc),
        system: before + delay / 2,
        delay,
    }
}

fn returned_samples(n_samples: libc::c_uint) -> usize {
    usize::try_from(n_samples).map_or(sys::PTP_MAX_SAMPLES, |n| n.min(sys::PTP_MAX_SAMPLES))
}

fn samples_from_basic(offset: &PtpSysOffset) -> Vec<PhcSample> {
    (0..returned_samples(offset.n_samples))
        .map(|i| {
            bracketed(
                &offset.ts[2 * i],
                &offset.ts[2 * i + 1],
                &offset.ts[2 * i + 2],
            )
        })
        .collect()
}

fn samples_from_extended(offset: &PtpSysOffsetExtended) -> Vec<PhcSample> {
    offset.ts[..returned_samples(offset.n_samples)]
        .iter()
        .map(|[before, phc, after]| bracketed(before, phc, after))
        .collect()
}

fn sample_from_precise(offset: &PtpSysOffsetPrecise) -> PhcSample {
    PhcSample {
        phc: timestamp(&offset.device),
        system: timestamp(&offset.sys_realtime),
        delay: Duration::ZERO,
    }
}

#[cfg(test)]
mod tests;
