//! [`PhcDevice`]: what PHC sources and PHC steering need from a PTP hardware clock, so the
//! same code runs over the ioctls of a real `/dev/ptpN` ([`PhcClock`]) and over a
//! [`super::SimulatedPhc`].

use super::{PhcCapabilities, PhcClock, PhcSample, SysOffsetStrategy};
use crate::clock::{Clock, ClockError, ReadOnly};

/// A PTP hardware clock: read, stepped and slewed through [`Clock`] (its name is
/// [`Clock::name`], the device path for a real one), and compared with the system clock.
pub trait PhcDevice: Clock {
    /// What the clock can do.
    fn capabilities(&self) -> &PhcCapabilities;

    /// Whether `strategy` is expected to work: `Precise` only with hardware
    /// cross-timestamping; `Extended` and `Basic` always, since the capabilities do not tell
    /// (a driver without `gettimex64` answers `Extended` with `EOPNOTSUPP`, see
    /// [`is_unsupported`]).
    fn supports(&self, strategy: SysOffsetStrategy) -> bool {
        match strategy {
            SysOffsetStrategy::Precise => self.capabilities().cross_timestamping,
            SysOffsetStrategy::Extended | SysOffsetStrategy::Basic => true,
        }
    }

    /// `samples` (1 … 25) comparisons of the PHC with the system clock (`CLOCK_REALTIME`).
    fn sys_offset(
        &self,
        strategy: SysOffsetStrategy,
        samples: usize,
    ) -> Result<Vec<PhcSample>, ClockError>;
}

impl PhcDevice for PhcClock {
    fn capabilities(&self) -> &PhcCapabilities {
        PhcClock::capabilities(self)
    }

    fn sys_offset(
        &self,
        strategy: SysOffsetStrategy,
        samples: usize,
    ) -> Result<Vec<PhcSample>, ClockError> {
        PhcClock::sys_offset(self, strategy, samples)
    }
}

/// A read-only PHC (monitor mode, or a PHC that is only a reference) is still compared.
impl<D: PhcDevice> PhcDevice for ReadOnly<D> {
    fn capabilities(&self) -> &PhcCapabilities {
        self.inner().capabilities()
    }

    fn supports(&self, strategy: SysOffsetStrategy) -> bool {
        self.inner().supports(strategy)
    }

    fn sys_offset(
        &self,
        strategy: SysOffsetStrategy,
        samples: usize,
    ) -> Result<Vec<PhcSample>, ClockError> {
        self.inner().sys_offset(strategy, samples)
    }
}

/// Whether a comparison failed because the kernel or driver does not implement it
/// (`EOPNOTSUPP`, or `ENOTTY` from a kernel that predates the ioctl), so a weaker strategy
/// may work; other errors (`EPERM`, `ENODEV`...) will not go away that way.
pub fn is_unsupported(error: &ClockError) -> bool {
    match error {
        ClockError::Os { source, .. } => {
            matches!(source.raw_os_error(), Some(libc::EOPNOTSUPP | libc::ENOTTY))
        }
        ClockError::ReadOnly { .. } | ClockError::FrequencyOutOfRange { .. } => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{Duration, Ppb};
    use std::io;

    fn caps(cross_timestamping: bool) -> PhcCapabilities {
        PhcCapabilities {
            max_adj: Ppb(1e6),
            n_alarm: 0,
            n_ext_ts: 0,
            n_per_out: 0,
            pps: false,
            n_pins: 0,
            cross_timestamping,
            adjust_phase: false,
            max_phase_adj: Duration::ZERO,
        }
    }

    #[test]
    fn unsupported_means_eopnotsupp_or_enotty_only() {
        let os = |errno| ClockError::Os {
            clock: "/dev/ptp0".to_owned(),
            operation: "PTP_SYS_OFFSET_EXTENDED",
            source: io::Error::from_raw_os_error(errno),
        };
        assert!(is_unsupported(&os(libc::EOPNOTSUPP)));
        assert!(is_unsupported(&os(libc::ENOTTY)));
        assert!(!is_unsupported(&os(libc::EPERM)));
        assert!(!is_unsupported(&os(libc::ENODEV)));
        let read_only = ClockError::ReadOnly {
            clock: "/dev/ptp0".to_owned(),
            operation: "step",
        };
        assert!(!is_unsupported(&read_only));
    }

    #[test]
    fn precise_support_follows_cross_timestamping_through_read_only() {
        use crate::clock::SimulatedClock;
        use crate::clock::phc::SimulatedPhc;
        use crate::time::Timestamp;
        let system = SimulatedClock::new(1, Timestamp::from_secs_nanos(1_700_000_000, 0));
        for cross in [false, true] {
            let phc = ReadOnly::new(
                SimulatedPhc::new(1, SimulatedClock::new(1, system.true_time()))
                    .with_capabilities(caps(cross)),
            );
            assert_eq!(phc.supports(SysOffsetStrategy::Precise), cross);
            assert!(phc.supports(SysOffsetStrategy::Basic));
            assert_eq!(phc.capabilities().cross_timestamping, cross);
            let samples = phc.sys_offset(SysOffsetStrategy::Basic, 3).expect("basic");
            assert_eq!(samples.len(), 3);
        }
    }
}
