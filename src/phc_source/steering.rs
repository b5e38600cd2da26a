//! Steering with a PHC, both ways, over the [`PiServo`] with hardware-timestamp gains
//! (linuxptp's `HWTS_KP_SCALE 0.7`, `HWTS_KI_SCALE 0.3`):
//!
//! - [`PhcToSystem`] is phc2sys: every poll the driver reads a batch from the PHC, the
//!   estimator turns it into system − PHC, and the servo's actions are for the **system
//!   clock**.
//! - [`PtpToPhc`] is the slave side of ptp4l with hardware timestamps: fed the PHC − master
//!   offsets the PTP port computes, the servo's actions are for the **PHC**, its frequency
//!   clamped to the PHC's `max_adj`.
//!
//! Neither touches a clock: the driver applies [`ServoUpdate::actions`] to the clock each
//! names, as the engine does for the system clock.

use super::PhcSourceError;
use super::estimator::{PhcOffset, PhcOffsetEstimator};
use crate::clock::PhcSample;
use crate::servo::{PiServo, ServoConfig, ServoUpdate, Timestamping};
use crate::source::Measurement;
use crate::time::{Duration, Ppb, Timestamp};

/// What one batch did: the offset found, the measurement it makes, and the servo's actions
/// for the system clock.
#[must_use = "the servo's actions must be applied to the system clock"]
#[derive(Debug, Clone, PartialEq)]
pub struct PhcSteeringUpdate {
    /// PHC − system, from the batch.
    pub offset: PhcOffset,
    /// The system clock against the PHC (for selection, snapshots and logs).
    pub measurement: Measurement,
    /// What to do to the system clock.
    pub servo: ServoUpdate,
}

/// phc2sys: the system clock follows a PHC.
#[derive(Debug, Clone)]
pub struct PhcToSystem {
    estimator: PhcOffsetEstimator,
    servo: PiServo,
    poll_interval: Duration,
}

impl PhcToSystem {
    /// Steers the system clock, whose frequency correction is now `system_frequency`, from
    /// batches taken every `poll_interval` (phc2sys: 1 s) and turned into offsets by
    /// `estimator`. `config` normally comes from [`ServoConfig::from_config`] with
    /// [`Timestamping::Hardware`]; see [`PhcToSystem::hardware_servo`].
    pub fn new(
        estimator: PhcOffsetEstimator,
        config: ServoConfig,
        poll_interval: Duration,
        system_frequency: Ppb,
    ) -> Self {
        PhcToSystem {
            estimator,
            servo: PiServo::new(config, system_frequency),
            poll_interval,
        }
    }

    /// linuxptp's hardware-timestamp servo with the default step policy (first step above
    /// 20 µs) and the system clock's 500 ppm clamp.
    pub fn hardware_servo() -> ServoConfig {
        ServoConfig::new(Timestamping::Hardware)
    }

    /// Feeds one batch. A refused batch (see [`PhcOffsetEstimator::estimate`]) leaves the
    /// servo as it was and returns the error.
    pub fn sample(&mut self, samples: &[PhcSample]) -> Result<PhcSteeringUpdate, PhcSourceError> {
        let offset = self.estimator.estimate(samples)?;
        let measurement = offset.to_measurement();
        let servo = self.servo.sample(
            measurement.offset,
            measurement.local_time,
            self.poll_interval,
        );
        Ok(PhcSteeringUpdate {
            offset,
            measurement,
            servo,
        })
    }

    /// The PHC is gone: hold the system clock's frequency (see [`PiServo::enter_holdover`]).
    pub fn enter_holdover(&mut self) -> ServoUpdate {
        self.servo.enter_holdover()
    }

    /// The estimator (its device and strategy).
    pub fn estimator(&self) -> &PhcOffsetEstimator {
        &self.estimator
    }

    /// The estimator, to read batches with ([`PhcOffsetEstimator::read`] may switch an
    /// `auto` strategy to `basic`).
    pub fn estimator_mut(&mut self) -> &mut PhcOffsetEstimator {
        &mut self.estimator
    }

    /// The servo.
    pub fn servo(&self) -> &PiServo {
        &self.servo
    }

    /// How often to read a batch.
    pub fn poll_interval(&self) -> Duration {
        self.poll_interval
    }
}

/// A PHC follows a PTP master: the servo of a hardware-timestamping PTP slave port.
#[derive(Debug, Clone)]
pub struct PtpToPhc {
    device: String,
    servo: PiServo,
}

impl PtpToPhc {
    /// Steers `device` (whose frequency correction is now `phc_frequency` and whose range is
    /// `max_adj`, from [`crate::clock::PhcCapabilities`]) with `config`, normally linuxptp's
    /// hardware gains ([`PhcToSystem::hardware_servo`]). The servo's frequency clamp is
    /// lowered to `max_adj` when that is smaller.
    pub fn new(device: &str, max_adj: Ppb, config: ServoConfig, phc_frequency: Ppb) -> Self {
        let max_frequency = if max_adj.abs().0 < config.max_frequency.abs().0 {
            max_adj.abs()
        } else {
            config.max_frequency
        };
        let config = ServoConfig {
            max_frequency,
            ..config
        };
        PtpToPhc {
            device: device.to_owned(),
            servo: PiServo::new(config, phc_frequency),
        }
    }

    /// Feeds one offset from the PTP port: `offset` is PHC − master (ptp4l's `master
    /// offset`), `phc_time` the PHC's time at the Sync's reception, `interval` the sync
    /// interval. The actions are for the PHC.
    pub fn sample(
        &mut self,
        offset: Duration,
        phc_time: Timestamp,
        interval: Duration,
    ) -> ServoUpdate {
        self.servo.sample(offset, phc_time, interval)
    }

    /// The master is gone: hold the PHC's frequency.
    pub fn enter_holdover(&mut self) -> ServoUpdate {
        self.servo.enter_holdover()
    }

    /// The PHC steered.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The servo.
    pub fn servo(&self) -> &PiServo {
        &self.servo
    }
}
