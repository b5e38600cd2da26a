//! [`PhcPoller`]: one `protocol: phc` source from poll to poll — open the device when it is
//! not open, resolve the comparison strategy, read a batch, estimate — and its status (reach,
//! problem). Pure over [`PhcDevice`]: the driver hands in how to open the device, so a
//! missing `/dev/ptpN` or a failing read are tested against [`crate::clock::phc::SimulatedPhc`].
//!
//! A device that is missing or fails is not fatal: the source reports the error (naming the
//! device) as its problem and tries again at the next poll, so a NIC driver loaded late or a
//! PHC that comes back after a reset is picked up without a restart.

use super::{PhcOffsetEstimator, PhcSourceError, PhcSourceSettings};
use crate::clock::phc::{PhcDevice, PhcError};
use crate::source::{Measurement, SourceStatus};
use std::path::Path;

/// What one poll gave.
#[derive(Debug, Clone, PartialEq)]
pub enum PhcPollOutcome {
    /// A measurement of the system clock against the PHC.
    Sample(Measurement),
    /// Why there is none this time (names the device).
    Problem(String),
}

/// One PHC source: the device while it is open, and the reach register.
#[derive(Debug)]
pub struct PhcPoller<D> {
    settings: PhcSourceSettings,
    open: Option<(D, PhcOffsetEstimator)>,
    reach: u8,
    problem: Option<String>,
    failures: u64,
}

impl<D: PhcDevice> PhcPoller<D> {
    /// A poller for the entry's settings; nothing is opened until the first poll.
    pub fn new(settings: PhcSourceSettings) -> Self {
        PhcPoller {
            settings,
            open: None,
            reach: 0,
            problem: None,
            failures: 0,
        }
    }

    /// The device path.
    pub fn device(&self) -> &Path {
        &self.settings.device
    }

    /// Polls once: opens the device with `open` if it is not open, then reads and estimates.
    /// A read error closes the device, so the next poll opens it again.
    pub fn poll(&mut self, open: impl FnOnce(&Path) -> Result<D, PhcError>) -> PhcPollOutcome {
        let outcome = match self.measure(open) {
            Ok(measurement) => PhcPollOutcome::Sample(measurement),
            Err(error) => PhcPollOutcome::Problem(error.to_string()),
        };
        self.reach = (self.reach << 1) | u8::from(matches!(outcome, PhcPollOutcome::Sample(_)));
        match &outcome {
            PhcPollOutcome::Sample(_) => self.problem = None,
            PhcPollOutcome::Problem(problem) => {
                self.failures += 1;
                self.problem = Some(problem.clone());
            }
        }
        outcome
    }

    fn measure(
        &mut self,
        open: impl FnOnce(&Path) -> Result<D, PhcError>,
    ) -> Result<Measurement, PhcSourceError> {
        if self.open.is_none() {
            let device = open(&self.settings.device)?;
            let estimator = PhcOffsetEstimator::for_device(&device, &self.settings)?;
            self.open = Some((device, estimator));
        }
        let Some((device, estimator)) = self.open.as_mut() else {
            unreachable!("opened just above");
        };
        let batch = estimator
            .read(device)
            .and_then(|samples| estimator.estimate(&samples));
        match batch {
            Ok(offset) => Ok(offset.to_measurement()),
            Err(error) => {
                if matches!(error, PhcSourceError::Read { .. }) {
                    self.open = None;
                }
                Err(error)
            }
        }
    }

    /// The status the engine shows for this source.
    pub fn status(&self) -> SourceStatus {
        SourceStatus {
            reachable: self.reach != 0,
            reach: self.reach,
            stratum: Some(0),
            refid: Some("PHC".to_owned()),
            address: Some(self.settings.device.display().to_string()),
            problem: self.problem.clone(),
            rejected: self.failures,
            ..SourceStatus::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::SimulatedClock;
    use crate::clock::phc::SimulatedPhc;
    use crate::config::SourceConfig;
    use crate::time::{Duration, Timestamp};
    use std::path::PathBuf;

    fn settings(device: &str) -> PhcSourceSettings {
        let mut entry = SourceConfig::new(crate::config::Protocol::Phc);
        entry.device = Some(PathBuf::from(device));
        PhcSourceSettings::from_config(&entry).expect("a phc entry with a device")
    }

    /// A PHC `offset` ahead of a fresh simulated system clock.
    fn phc_ahead_by(offset: Duration) -> SimulatedPhc {
        let system = SimulatedClock::new(1, Timestamp::from_secs_nanos(1_700_000_000, 0));
        SimulatedPhc::new(7, system)
            .with_name("/dev/ptp3")
            .with_offset(offset)
    }

    #[test]
    fn a_missing_device_is_a_problem_naming_it_and_is_retried() {
        let mut poller = PhcPoller::<SimulatedPhc>::new(settings("/dev/ptp3"));
        let missing = |path: &Path| {
            Err(PhcError::Missing {
                device: path.to_path_buf(),
            })
        };
        let outcome = poller.poll(missing);
        assert_eq!(
            outcome,
            PhcPollOutcome::Problem("/dev/ptp3: no such PTP hardware clock".to_owned())
        );
        let status = poller.status();
        assert!(!status.reachable);
        assert_eq!(
            status.problem.as_deref(),
            Some("/dev/ptp3: no such PTP hardware clock")
        );
        // The device appears: the next poll opens it and measures system − PHC.
        let outcome = poller.poll(|_| Ok(phc_ahead_by(Duration::from_micros(250))));
        let PhcPollOutcome::Sample(measurement) = outcome else {
            panic!("expected a sample, got {outcome:?}");
        };
        let error = measurement.offset + Duration::from_micros(250);
        assert!(
            error.abs() < Duration::from_micros(2),
            "offset {:?}",
            measurement.offset
        );
        assert_eq!(measurement.stratum, 0);
        let status = poller.status();
        assert!(status.reachable);
        assert_eq!(status.reach, 0b01, "missed, then answered");
        assert_eq!(status.problem, None);
    }

    #[test]
    fn the_device_is_opened_once_and_reopened_after_a_read_failure() {
        let mut poller = PhcPoller::new(settings("/dev/ptp3"));
        let mut opened = 0;
        for _ in 0..3 {
            let outcome = poller.poll(|_| {
                opened += 1;
                Ok(phc_ahead_by(Duration::ZERO))
            });
            assert!(matches!(outcome, PhcPollOutcome::Sample(_)), "{outcome:?}");
        }
        assert_eq!(opened, 1, "an open device is kept");
        // A basic-only device asked for `precise`: a problem naming the device, every poll.
        let mut strict = PhcPoller::new(PhcSourceSettings {
            strategy: super::super::PhcStrategyChoice::Precise,
            ..settings("/dev/ptp3")
        });
        let outcome = strict.poll(|_| Ok(phc_ahead_by(Duration::ZERO)));
        let PhcPollOutcome::Problem(problem) = outcome else {
            panic!("precise without cross-timestamping must be refused");
        };
        assert!(
            problem.starts_with("/dev/ptp3: phc_offset_strategy `precise`"),
            "{problem}"
        );
        assert_eq!(strict.status().rejected, 1);
    }
}
