//! The system clock, `CLOCK_REALTIME`, disciplined through `clock_adjtime`.

use super::interference::ClockReading;
use super::readonly::ReadOnly;
use super::sys::{self, CLOCK_MONOTONIC, CLOCK_REALTIME, KernelClockState};
use super::{Clock, ClockError, SyncStatus};
use crate::time::{Duration, Ppb, Timestamp};

/// The name of the system clock in logs and errors.
const NAME: &str = "CLOCK_REALTIME";

/// The system-wide real-time clock. Writing it (step, frequency, status) needs
/// `CAP_SYS_TIME`; reading never does.
#[derive(Debug)]
pub struct SystemClock {
    max_frequency: Ppb,
}

impl SystemClock {
    /// The system clock, with its frequency limit read from the kernel's `tolerance`
    /// (500 ppm on Linux). Only reads the clock.
    pub fn new() -> Result<Self, ClockError> {
        let state = Self::kernel_state()?;
        Ok(SystemClock {
            max_frequency: state.tolerance,
        })
    }

    /// The system clock for monitor mode (`adjust_clock: false`): every write is refused
    /// before it reaches the kernel.
    pub fn read_only() -> Result<ReadOnly<SystemClock>, ClockError> {
        Ok(ReadOnly::new(SystemClock::new()?))
    }

    /// A snapshot of the kernel's discipline state of `CLOCK_REALTIME` (`clock_adjtime` with
    /// modes 0: reads only). Taken before and after an operation, it proves the operation
    /// left frequency, status and error estimates alone.
    pub fn kernel_state() -> Result<KernelClockState, ClockError> {
        sys::adjtime_read(CLOCK_REALTIME).map_err(os_error("read kernel state"))
    }

    /// `CLOCK_MONOTONIC` now: the reference that interference detection measures
    /// `CLOCK_REALTIME` against.
    pub fn monotonic_now() -> Result<Timestamp, ClockError> {
        sys::clock_gettime(CLOCK_MONOTONIC).map_err(os_error("read CLOCK_MONOTONIC"))
    }

    /// `CLOCK_REALTIME − CLOCK_MONOTONIC`, with the monotonic clock read on both sides of the
    /// real-time reading. Both clocks are slewed alike but only `CLOCK_REALTIME` is ever
    /// stepped, so this changes exactly when someone steps the system clock (or the kernel
    /// applies a leap second).
    pub fn realtime_minus_monotonic() -> Result<Duration, ClockError> {
        let before = Self::monotonic_now()?;
        let realtime = sys::clock_gettime(CLOCK_REALTIME).map_err(os_error("read"))?;
        let after = Self::monotonic_now()?;
        let monotonic = before + after.since(before) / 2;
        Ok(Duration::from_nanos(
            realtime.as_nanos().saturating_sub(monotonic.as_nanos()),
        ))
    }

    /// What [`InterferenceDetector`](super::InterferenceDetector) compares against what
    /// shiwa last set: the kernel's frequency and tick, the armed leap second and
    /// `CLOCK_REALTIME − CLOCK_MONOTONIC`. Only reads.
    pub fn interference_reading() -> Result<ClockReading, ClockError> {
        let state = Self::kernel_state()?;
        Ok(ClockReading {
            frequency: state.frequency,
            tick: state.tick,
            leap_armed: state.status.leap(),
            clock_minus_reference: Self::realtime_minus_monotonic()?,
        })
    }
}

impl Clock for SystemClock {
    fn name(&self) -> &str {
        NAME
    }

    fn now(&self) -> Result<Timestamp, ClockError> {
        sys::clock_gettime(CLOCK_REALTIME).map_err(os_error("read"))
    }

    fn frequency(&self) -> Result<Ppb, ClockError> {
        Ok(Self::kernel_state()?.frequency)
    }

    fn step(&mut self, delta: Duration) -> Result<(), ClockError> {
        sys::adjtime_step(CLOCK_REALTIME, delta).map_err(os_error("step"))
    }

    fn adjust_frequency(&mut self, frequency: Ppb) -> Result<(), ClockError> {
        check_frequency(NAME, frequency, self.max_frequency)?;
        sys::adjtime_set_frequency(CLOCK_REALTIME, frequency).map_err(os_error("adjust frequency"))
    }

    fn max_frequency(&self) -> Ppb {
        self.max_frequency
    }

    fn set_sync_status(&mut self, status: SyncStatus) -> Result<(), ClockError> {
        sys::adjtime_set_status(CLOCK_REALTIME, status).map_err(os_error("set sync status"))
    }
}

/// Refuses a frequency beyond ±`max` (or NaN) before anything reaches the kernel.
pub(crate) fn check_frequency(clock: &str, requested: Ppb, max: Ppb) -> Result<(), ClockError> {
    if requested.abs().0 <= max.abs().0 {
        Ok(())
    } else {
        Err(ClockError::FrequencyOutOfRange {
            clock: clock.to_owned(),
            requested,
            max,
        })
    }
}

fn os_error(operation: &'static str) -> impl FnOnce(std::io::Error) -> ClockError {
    move |source| ClockError::Os {
        clock: NAME.to_owned(),
        operation,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_frequency_limit_comes_from_the_kernel_tolerance() {
        let clock = SystemClock::new().expect("reading CLOCK_REALTIME needs no privilege");
        assert_eq!(clock.max_frequency(), Ppb::from_ppm(500.0));
        assert_eq!(clock.name(), "CLOCK_REALTIME");
        let frequency = clock.frequency().expect("frequency is a read");
        assert!(frequency.abs().0 <= clock.max_frequency().0);
    }

    #[test]
    fn kernel_state_and_now_read_the_same_clock() {
        let clock = SystemClock::new().expect("reading CLOCK_REALTIME needs no privilege");
        let before = SystemClock::kernel_state().expect("modes 0 is a read");
        let now = clock.now().expect("clock_gettime");
        let after = SystemClock::kernel_state().expect("modes 0 is a read");
        assert!(
            before.time <= now + Duration::from_micros(1),
            "{before:?} vs {now}"
        );
        assert!(
            now <= after.time + Duration::from_micros(1),
            "{now} vs {after:?}"
        );
        assert_eq!(before.tolerance, after.tolerance);
        assert_eq!(before.tick, after.tick);
    }

    #[test]
    fn realtime_minus_monotonic_is_stable_between_reads() {
        let first = SystemClock::realtime_minus_monotonic().expect("reads only");
        let second = SystemClock::realtime_minus_monotonic().expect("reads only");
        assert!(
            (second - first).abs() < Duration::from_millis(1),
            "{first} vs {second}"
        );
        let reading = SystemClock::interference_reading().expect("reads only");
        assert!((reading.clock_minus_reference - first).abs() < Duration::from_millis(1));
        assert!(reading.tick > Duration::ZERO);
    }

    #[test]
    fn frequencies_beyond_the_limit_are_refused_before_the_kernel() {
        let max = Ppb::from_ppm(500.0);
        assert!(check_frequency(NAME, Ppb::from_ppm(-500.0), max).is_ok());
        let error = check_frequency(NAME, Ppb::from_ppm(600.0), max).expect_err("beyond");
        assert!(
            matches!(error, ClockError::FrequencyOutOfRange { ref clock, requested, .. }
                if clock == NAME && requested == Ppb::from_ppm(600.0)),
            "{error:?}"
        );
        assert!(check_frequency(NAME, Ppb(f64::NAN), max).is_err());
    }

    #[test]
    fn monitor_mode_gets_a_read_only_system_clock() {
        let clock = SystemClock::read_only().expect("reading needs no privilege");
        assert_eq!(clock.name(), "CLOCK_REALTIME");
        assert!(clock.now().expect("reads pass through") > Timestamp::EPOCH);
    }
}
