//! [`ReadOnly`]: the clock wrapper monitor mode (`adjust_clock: false`) runs on.

use super::{Clock, ClockError, SyncStatus};
use crate::time::{Duration, Ppb, Timestamp};

/// A clock whose reads pass through and whose writes are refused with
/// [`ClockError::ReadOnly`] without reaching the inner clock.
///
/// The inner clock is only ever lent out as `&C`, and [`Clock`] writes need `&mut`, so
/// nothing holding a `ReadOnly` can write the clock: monitor mode makes zero clock writes
/// by construction.
#[derive(Debug)]
pub struct ReadOnly<C: Clock> {
    inner: C,
}

impl<C: Clock> ReadOnly<C> {
    /// Wraps `inner`; from now on it is only read.
    pub fn new(inner: C) -> Self {
        ReadOnly { inner }
    }

    /// The wrapped clock, for its own read-only methods.
    pub fn inner(&self) -> &C {
        &self.inner
    }

    fn refuse(&self, operation: &'static str) -> ClockError {
        ClockError::ReadOnly {
            clock: self.inner.name().to_owned(),
            operation,
        }
    }
}

impl<C: Clock> Clock for ReadOnly<C> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn now(&self) -> Result<Timestamp, ClockError> {
        self.inner.now()
    }

    fn frequency(&self) -> Result<Ppb, ClockError> {
        self.inner.frequency()
    }

    fn step(&mut self, _delta: Duration) -> Result<(), ClockError> {
        Err(self.refuse("step"))
    }

    fn adjust_frequency(&mut self, _frequency: Ppb) -> Result<(), ClockError> {
        Err(self.refuse("adjust frequency"))
    }

    fn max_frequency(&self) -> Ppb {
        self.inner.max_frequency()
    }

    fn set_sync_status(&mut self, _status: SyncStatus) -> Result<(), ClockError> {
        Err(self.refuse("set sync status"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A clock that counts the calls that reach it.
    #[derive(Default)]
    struct CountingClock {
        reads: Arc<AtomicUsize>,
        writes: Arc<AtomicUsize>,
    }

    impl Clock for CountingClock {
        fn name(&self) -> &str {
            "counting"
        }
        fn now(&self) -> Result<Timestamp, ClockError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            Ok(Timestamp::from_nanos(42))
        }
        fn frequency(&self) -> Result<Ppb, ClockError> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            Ok(Ppb(7.0))
        }
        fn step(&mut self, _delta: Duration) -> Result<(), ClockError> {
            self.writes.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        fn adjust_frequency(&mut self, _frequency: Ppb) -> Result<(), ClockError> {
            self.writes.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        fn max_frequency(&self) -> Ppb {
            self.reads.fetch_add(1, Ordering::SeqCst);
            Ppb::from_ppm(500.0)
        }
        fn set_sync_status(&mut self, _status: SyncStatus) -> Result<(), ClockError> {
            self.writes.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    fn refused(result: Result<(), ClockError>, expected_operation: &str) {
        match result {
            Err(ClockError::ReadOnly { clock, operation }) => {
                assert_eq!(clock, "counting");
                assert_eq!(operation, expected_operation);
            }
            other => panic!("{expected_operation} was not refused: {other:?}"),
        }
    }

    #[test]
    fn the_counting_clock_counts_writes_when_not_wrapped() {
        let clock = CountingClock::default();
        let writes = Arc::clone(&clock.writes);
        let mut clock: Box<dyn Clock> = Box::new(clock);
        clock
            .step(Duration::from_secs(1))
            .expect("counting clock accepts");
        assert_eq!(writes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn writes_never_reach_the_inner_clock() {
        let inner = CountingClock::default();
        let (reads, writes) = (Arc::clone(&inner.reads), Arc::clone(&inner.writes));
        let mut clock: Box<dyn Clock> = Box::new(ReadOnly::new(inner));
        for _ in 0..3 {
            refused(clock.step(Duration::from_millis(5)), "step");
            refused(clock.adjust_frequency(Ppb(100.0)), "adjust frequency");
            let status = SyncStatus {
                synchronized: true,
                estimated_error: Duration::from_micros(10),
                max_error: Duration::from_micros(100),
            };
            refused(clock.set_sync_status(status), "set sync status");
        }
        assert_eq!(writes.load(Ordering::SeqCst), 0);
        assert_eq!(reads.load(Ordering::SeqCst), 0);

        assert_eq!(clock.now().expect("reads pass"), Timestamp::from_nanos(42));
        assert_eq!(clock.frequency().expect("reads pass"), Ppb(7.0));
        assert_eq!(clock.max_frequency(), Ppb::from_ppm(500.0));
        assert_eq!(clock.name(), "counting");
        assert_eq!(reads.load(Ordering::SeqCst), 3);
        assert_eq!(writes.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn refusals_map_to_the_permission_exit_status() {
        use crate::exit::{ExitStatus, HasExitStatus};
        let mut clock = ReadOnly::new(CountingClock::default());
        let error = clock.step(Duration::ZERO).expect_err("read-only");
        assert_eq!(error.exit_status(), ExitStatus::Permission);
        assert_eq!(
            error.to_string(),
            "counting: step refused: clock is read-only (adjust_clock: false)"
        );
    }
}
