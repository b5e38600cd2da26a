//! The clock servo: turns offset measurements into steps and frequency corrections — pure.
//!
//! [`PiServo`] is a proportional-integral servo modelled on linuxptp's `pi.c` (gains, the
//! two-sample frequency estimate, the anti-windup clamp), with Timebeat's `step_limit` on top.
//! It never touches a clock: [`PiServo::sample`] returns a [`ServoUpdate`] whose
//! [`ServoAction`]s the engine applies to a [`crate::clock::Clock`]:
//!
//! - [`ServoAction::Step`] carries the amount to pass to [`crate::clock::Clock::step`]
//!   (the negated offset);
//! - [`ServoAction::SetFrequency`] carries the absolute frequency correction to pass to
//!   [`crate::clock::Clock::adjust_frequency`] (positive: the clock runs faster);
//! - [`ServoAction::Alert`] asks the engine to tell the operator.
//!
//! States go `unlocked → stepping → locked`, to `holdover` when the engine reports that every
//! source is gone, and to `step_limit_exceeded` when an offset is above `step_limit`. See
//! [`PiServo`] for the exact rules and where they differ from linuxptp.

mod estimate;
mod gains;
mod holdover;
mod pi;
mod policy;

#[cfg(test)]
mod sim_tests;
#[cfg(test)]
mod tests;

pub use gains::{PiConstants, PiGains};
pub use pi::PiServo;
pub use policy::StepPolicy;

use crate::config::{ClockSyncConfig, StepLimit};
use crate::time::{Duration, Ppb};
use serde::Serialize;

/// How the measurements fed to the servo were timestamped; picks linuxptp's default gains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timestamping {
    /// Kernel or user-space software timestamps (NTP, PTP without hardware support): noisy,
    /// so gentle gains (linuxptp `SWTS_KP_SCALE 0.1`, `SWTS_KI_SCALE 0.001`).
    Software,
    /// NIC hardware timestamps or a PHC: precise, so fast gains (`HWTS_KP_SCALE 0.7`,
    /// `HWTS_KI_SCALE 0.3`).
    Hardware,
}

/// Everything that shapes the servo's behaviour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServoConfig {
    /// Proportional and integral gains and how they scale with the update interval.
    pub gains: PiGains,
    /// When to step instead of slewing, and when never to step.
    pub step_policy: StepPolicy,
    /// The largest frequency correction the servo asks for (± this). Default 500 ppm, the
    /// kernel's limit for `CLOCK_REALTIME`; the engine lowers it to the clock's
    /// [`crate::clock::Clock::max_frequency`] when that is smaller.
    pub max_frequency: Ppb,
}

impl ServoConfig {
    /// The default frequency clamp: 500 ppm.
    pub const DEFAULT_MAX_FREQUENCY: Ppb = Ppb(500_000.0);

    /// linuxptp's defaults for this kind of timestamping, the default step policy
    /// (first step above 20 µs, no later steps, never step above 15 minutes) and a 500 ppm
    /// clamp.
    pub fn new(timestamping: Timestamping) -> Self {
        ServoConfig {
            gains: PiGains::for_timestamping(timestamping),
            step_policy: StepPolicy::default(),
            max_frequency: Self::DEFAULT_MAX_FREQUENCY,
        }
    }

    /// From the `timebeat.clock_sync` section: `first_step_threshold`, `step_threshold`
    /// (absent or `0s`: never step after the start) and `step_limit` (`off`: no limit).
    pub fn from_config(config: &ClockSyncConfig, timestamping: Timestamping) -> Self {
        let step_threshold = config
            .step_threshold
            .map(|threshold| Duration::from_std(threshold.0))
            .filter(|threshold| *threshold > Duration::ZERO);
        let step_limit = match config.step_limit {
            StepLimit::Unlimited => None,
            StepLimit::Limit(limit) => Some(Duration::from_std(limit.0)),
        };
        ServoConfig {
            step_policy: StepPolicy {
                first_step_threshold: Duration::from_std(config.first_step_threshold.0),
                step_threshold,
                step_limit,
            },
            ..Self::new(timestamping)
        }
    }
}

/// The servo's state, as shown in snapshots (`unlocked`, `stepping`, `locked`, `holdover`,
/// `step_limit_exceeded`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServoState {
    /// Collecting the first samples to estimate the frequency; the clock is left alone.
    Unlocked,
    /// This update steps the clock (once at start, or later above `step_threshold`).
    Stepping,
    /// Tracking: every sample adjusts the frequency.
    Locked,
    /// No source: the clock runs on the averaged frequency of the last locked period.
    Holdover,
    /// The offset is above `step_limit`: the clock is only monitored, never stepped or
    /// slewed, until the offset comes back under the limit.
    StepLimitExceeded,
}

/// Something the operator must hear about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "alert")]
pub enum ServoAlert {
    /// The measured offset is above `step_limit`: the servo will neither step nor slew the
    /// clock. Raised once when the servo enters [`ServoState::StepLimitExceeded`].
    StepLimitExceeded {
        /// The measured offset (local − reference).
        offset: Duration,
        /// The configured `step_limit`.
        limit: Duration,
    },
}

/// One thing for the engine to do.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServoAction {
    /// Step the clock by this amount (positive: forward): the negated offset (at start, the
    /// offset the estimation window's fitted line gives for its last sample).
    Step(Duration),
    /// Set the clock's absolute frequency correction (positive: faster).
    SetFrequency(Ppb),
    /// Tell the operator.
    Alert(ServoAlert),
}

/// What one servo input produced: the actions, in the order to apply them, and the state.
#[must_use = "the servo's actions must be applied to the clock"]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServoUpdate {
    /// Actions in order (a step comes before the frequency that goes with it).
    pub actions: Vec<ServoAction>,
    /// The servo's state after this input.
    pub state: ServoState,
}

impl ServoUpdate {
    /// The step in this update, if any.
    pub fn step(&self) -> Option<Duration> {
        self.actions.iter().find_map(|action| match action {
            ServoAction::Step(amount) => Some(*amount),
            _ => None,
        })
    }

    /// The frequency set in this update, if any.
    pub fn frequency(&self) -> Option<Ppb> {
        self.actions.iter().find_map(|action| match action {
            ServoAction::SetFrequency(frequency) => Some(*frequency),
            _ => None,
        })
    }

    /// The alerts raised in this update.
    pub fn alerts(&self) -> impl Iterator<Item = ServoAlert> + '_ {
        self.actions.iter().filter_map(|action| match action {
            ServoAction::Alert(alert) => Some(*alert),
            _ => None,
        })
    }
}
