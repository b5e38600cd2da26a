//! Steering the interface's PHC while a hardware-timestamping port follows a master, as ptp4l
//! does with `-H`: the NIC's clock is kept on the master's time for everything else on the
//! host that reads it (applications timestamping with the NIC, `phc2sys`, `ts2phc`).
//!
//! The port itself works on the system clock's timescale (see [`super::hardware`]), so its
//! offsets are system − master and the engine steers the system clock from them — the
//! phc2sys half of the chain, measured through the same hardware timestamps. For the PHC,
//! [`PhcSteering`] adds a fresh PHC − system reading to each offset, giving PHC − master
//! (ptp4l's `master offset`), and applies the [`PtpToPhc`] servo's steps and frequency to the
//! PHC. It runs only when the clock is adjusted (`adjust_clock: true`, no `--monitor`): in
//! monitor mode the PHC is opened read-only and never written.

use super::hardware::PhcConverter;
use crate::clock::phc::PhcDevice;
use crate::phc_source::{PhcToSystem, PtpToPhc};
use crate::servo::{ServoAction, ServoState, ServoUpdate};
use crate::time::{Duration, Timestamp};
use std::path::{Path, PathBuf};

/// The shortest and longest interval between two samples the servo is told about (the
/// first sample, and a gap after the master went away, use the bounds).
const MIN_INTERVAL: Duration = Duration::from_millis(7);
const MAX_INTERVAL: Duration = Duration::from_secs(16);

/// What one sample did to the PHC.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhcSteered {
    /// PHC − master (ptp4l's `master offset` with `-H`).
    pub phc_minus_master: Duration,
    /// The PHC was stepped by this much.
    pub stepped: Option<Duration>,
    /// The servo's state after the sample.
    pub state: ServoState,
}

/// The servo of one interface's PHC, and the writable PHC it steers.
pub struct PhcSteering<D> {
    converter: PhcConverter<D>,
    servo: PtpToPhc,
    device: PathBuf,
    last_sample: Option<Timestamp>,
}

impl<D: PhcDevice> PhcSteering<D> {
    /// Steers `phc` (opened writable; `device` is its path for messages) with linuxptp's
    /// hardware-timestamp servo, its frequency clamp lowered to the PHC's `max_adj`.
    pub fn new(phc: D, device: &Path) -> Result<Self, String> {
        let max_adj = phc.capabilities().max_adj;
        let frequency = phc
            .frequency()
            .map_err(|err| format!("{}: {err}", device.display()))?;
        let servo = PtpToPhc::new(
            &device.display().to_string(),
            max_adj,
            PhcToSystem::hardware_servo(),
            frequency,
        );
        Ok(PhcSteering {
            converter: PhcConverter::new(phc, device.to_path_buf())?,
            servo,
            device: device.to_path_buf(),
            last_sample: None,
        })
    }

    /// Feeds one offset of the port (system − master, the Sync received at `system_time`):
    /// reads PHC − system, runs the servo on PHC − master and applies its actions to the PHC.
    pub fn on_sample(
        &mut self,
        system_minus_master: Duration,
        system_time: Timestamp,
    ) -> Result<PhcSteered, String> {
        let phc_minus_system = self.converter.phc_minus_system()?;
        let phc_minus_master = system_minus_master + phc_minus_system;
        let interval = self.interval_to(system_time);
        let update = self
            .servo
            .sample(phc_minus_master, system_time + phc_minus_system, interval);
        let steered = PhcSteered {
            phc_minus_master,
            stepped: update.step(),
            state: update.state,
        };
        self.apply(update)?;
        Ok(steered)
    }

    /// The port stopped following a master: hold the PHC's frequency.
    pub fn hold(&mut self) -> Result<(), String> {
        self.last_sample = None;
        let update = self.servo.enter_holdover();
        self.apply(update)
    }

    /// The PHC steered.
    pub fn device(&self) -> &Path {
        &self.device
    }

    /// The servo (its state and frequency).
    pub fn servo(&self) -> &PtpToPhc {
        &self.servo
    }

    /// The PHC.
    pub fn phc(&self) -> &D {
        self.converter.device()
    }

    #[cfg(test)]
    fn phc_mut(&mut self) -> &mut D {
        self.converter.device_mut()
    }

    fn interval_to(&mut self, system_time: Timestamp) -> Duration {
        let interval = match self.last_sample.replace(system_time) {
            Some(last) => system_time.since(last),
            None => Duration::from_secs(1),
        };
        interval.clamp(MIN_INTERVAL, MAX_INTERVAL)
    }

    fn apply(&mut self, update: ServoUpdate) -> Result<(), String> {
        let device = self.device.display().to_string();
        for action in update.actions {
            let phc = self.converter.device_mut();
            match action {
                ServoAction::Step(amount) => {
                    tracing::info!(device = %device, step_ns = amount.as_nanos(), "stepping the PHC");
                    phc.step(amount)
                }
                ServoAction::SetFrequency(frequency) => phc.adjust_frequency(frequency),
                ServoAction::Alert(alert) => {
                    tracing::warn!(device = %device, "PHC servo: {alert:?}");
                    Ok(())
                }
            }
            .map_err(|err| format!("{device}: {err}"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::phc::SimulatedPhc;
    use crate::clock::{Clock, SimulatedClock};
    use crate::time::Ppb;

    /// A PHC 3 ms ahead of the system clock and 40 ppm fast, the system clock exactly on the
    /// master (so PHC − master is PHC − system).
    fn phc() -> SimulatedPhc {
        let start = Timestamp::from_secs_nanos(1_700_000_000, 0);
        SimulatedPhc::new(7, SimulatedClock::new(3, start))
            .with_name("/dev/ptp3")
            .with_offset(Duration::from_millis(3))
            .with_frequency_error(Ppb::from_ppm(40.0))
    }

    #[test]
    fn the_phc_is_stepped_once_then_locked_to_the_master() {
        let mut steering = PhcSteering::new(phc(), Path::new("/dev/ptp3")).expect("opens");
        let mut steps = Vec::new();
        let mut worst_after_a_minute = Duration::ZERO;
        for second in 0..300 {
            let now = steering.phc().system().now().expect("reads");
            let steered = steering
                .on_sample(Duration::ZERO, now)
                .expect("steers the simulated PHC");
            steps.extend(steered.stepped);
            steering.phc_mut().advance(Duration::from_secs(1));
            if second >= 60 {
                worst_after_a_minute = worst_after_a_minute.max(steering.phc().true_offset().abs());
            }
        }
        assert_eq!(steps.len(), 1, "one step of about -3 ms: {steps:?}");
        assert!(
            (steps[0] + Duration::from_millis(3)).abs() < Duration::from_micros(200),
            "{steps:?}"
        );
        assert!(
            worst_after_a_minute < Duration::from_micros(1),
            "PHC − master after the first minute: worst {worst_after_a_minute}"
        );
        let frequency = steering.phc().phc().frequency().expect("reads");
        assert!(
            (frequency.as_ppm() + 40.0).abs() < 0.1,
            "the PHC's 40 ppm error is corrected: {frequency}"
        );
    }

    #[test]
    fn holding_keeps_the_phc_frequency_and_a_read_only_phc_is_named() {
        let mut steering = PhcSteering::new(phc(), Path::new("/dev/ptp3")).expect("opens");
        for _ in 0..120 {
            let now = steering.phc().system().now().expect("reads");
            let _ = steering.on_sample(Duration::ZERO, now).expect("steers");
            steering.phc_mut().advance(Duration::from_secs(1));
        }
        let locked = steering.phc().phc().frequency().expect("reads");
        steering.hold().expect("holds");
        let held = steering.phc().phc().frequency().expect("reads");
        assert!(
            (held.as_ppm() - locked.as_ppm()).abs() < 0.5,
            "{locked} then {held}"
        );

        let read_only = crate::clock::ReadOnly::new(phc());
        let mut steering = PhcSteering::new(read_only, Path::new("/dev/ptp3")).expect("opens");
        let start = Timestamp::from_secs_nanos(1_700_000_000, 0);
        let error = (0..5)
            .find_map(|second| {
                let now = start + Duration::from_secs(second);
                steering.on_sample(Duration::ZERO, now).err()
            })
            .expect("the servo's first step is refused");
        assert!(error.starts_with("/dev/ptp3: "), "{error}");
    }
}
