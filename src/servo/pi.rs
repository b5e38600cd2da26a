//! The PI servo's state machine.

use super::estimate::OffsetFit;
use super::gains::PiConstants;
use super::holdover::FrequencyHistory;
use super::{ServoAction, ServoAlert, ServoConfig, ServoState, ServoUpdate};
use crate::time::{Duration, Ppb, Timestamp};

/// Where the servo is in its lock sequence (linuxptp's `count`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// No sample yet.
    Empty,
    /// Collecting samples until the window is long enough to estimate the frequency.
    Estimating(OffsetFit),
    /// Frequency estimated; every sample runs the PI loop.
    Tracking,
}

/// A PI clock servo with linuxptp's lock sequence and Timebeat's `step_limit`.
///
/// Sequence (as linuxptp `pi.c`):
/// 1. The first sample opens the estimation window ([`ServoState::Unlocked`], no action).
/// 2. Samples are collected until one is `0.016 / ki` seconds after the first (16 s with
///    software gains at 1 s updates, the next sample with hardware gains). From the window the
///    servo estimates the clock's frequency error directly and sets the frequency that cancels
///    it. If that is the servo's first lock and the offset is above `first_step_threshold`, it
///    also steps the offset away ([`ServoState::Stepping`]). Because the frequency is already
///    right, this is the only step needed at start.
/// 3. From then on ([`ServoState::Locked`]) each sample sets
///    `frequency = drift − (kp + ki) · offset` and folds `−ki · offset` into `drift`, unless
///    the result is beyond ±`max_frequency`: then it is clamped and `drift` is left alone
///    (anti-windup, as linuxptp).
///
/// Differences from linuxptp, on purpose:
/// - The start-up estimate is a least-squares line through every sample of the window, not
///   the line through its first and last sample (the same with two samples; with software
///   gains it roughly halves the start-up errors, see `estimate.rs`).
/// - Above `step_threshold` once locked, the offset is stepped at once and the frequency kept;
///   linuxptp instead restarts the lock sequence and steps a full estimation interval later
///   (16 s with software timestamps), leaving the clock wrong meanwhile.
/// - `step_limit` (Timebeat): any offset above it puts the servo in
///   [`ServoState::StepLimitExceeded`] — one [`ServoAlert::StepLimitExceeded`], then no step and
///   no frequency change for as long as offsets stay above the limit. The first offset back
///   under the limit restarts the lock sequence with the first-step rule re-armed, so once the
///   operator has brought the clock within the limit the servo finishes the job.
/// - [`PiServo::enter_holdover`] holds the mean of the integral term over the last locked
///   samples (linuxptp has no holdover; see `holdover.rs` for why this average).
#[derive(Debug, Clone)]
pub struct PiServo {
    config: ServoConfig,
    state: ServoState,
    phase: Phase,
    /// The next lock is the first one: `first_step_threshold` applies.
    first_update: bool,
    /// The integral term: the correction the servo believes cancels the clock's own error.
    drift: Ppb,
    /// The correction last asked for (or found at start).
    frequency: Ppb,
    last_offset: Option<Duration>,
    steps: u64,
    history: FrequencyHistory,
}

impl PiServo {
    /// A servo for a clock whose frequency correction is currently `initial_frequency` (read
    /// it with [`crate::clock::Clock::frequency`]; it is the starting point of the estimate).
    pub fn new(config: ServoConfig, initial_frequency: Ppb) -> Self {
        let initial_frequency = initial_frequency.clamp(config.max_frequency);
        PiServo {
            config,
            state: ServoState::Unlocked,
            phase: Phase::Empty,
            first_update: true,
            drift: initial_frequency,
            frequency: initial_frequency,
            last_offset: None,
            steps: 0,
            history: FrequencyHistory::default(),
        }
    }

    /// Feeds one measurement: `offset` is local − reference, `local_time` when it was taken
    /// (local clock), `interval` the nominal time until the next one (it scales the gains).
    pub fn sample(
        &mut self,
        offset: Duration,
        local_time: Timestamp,
        interval: Duration,
    ) -> ServoUpdate {
        self.last_offset = Some(offset);
        if let Some(limit) = self.config.step_policy.exceeded_limit(offset) {
            return self.monitor_only(offset, limit);
        }
        if self.state == ServoState::StepLimitExceeded {
            self.phase = Phase::Empty;
            self.first_update = true;
        }
        let constants = self.config.gains.at_interval(interval);
        match self.phase {
            Phase::Empty => {
                self.phase = Phase::Estimating(OffsetFit::new(offset, local_time));
                self.update(ServoState::Unlocked, Vec::new())
            }
            Phase::Estimating(fit) => self.estimate(fit, offset, local_time, constants),
            Phase::Tracking => self.track(offset, interval, constants),
        }
    }

    /// Every source is gone: hold the mean of the integral term over the last locked samples
    /// (or the integral term itself if there are none). Before the first lock the clock's
    /// frequency is left as it is and the lock sequence starts over with the next sample.
    /// The next sample after a locked holdover resumes tracking from the held frequency.
    pub fn enter_holdover(&mut self) -> ServoUpdate {
        if self.state == ServoState::Holdover {
            return self.update(ServoState::Holdover, Vec::new());
        }
        if self.phase != Phase::Tracking {
            self.phase = Phase::Empty;
            return self.update(ServoState::Holdover, Vec::new());
        }
        let held = self.history.average().unwrap_or(self.drift);
        self.drift = held;
        self.frequency = held;
        self.update(ServoState::Holdover, vec![ServoAction::SetFrequency(held)])
    }

    /// Starts the lock sequence over (as linuxptp's `servo_reset`, e.g. on a new source),
    /// keeping the frequency estimate. Whether the next lock may take a first step is kept
    /// too: a servo that has locked once only steps above `step_threshold`.
    pub fn reset(&mut self) {
        self.phase = Phase::Empty;
        self.state = ServoState::Unlocked;
        self.history.clear();
    }

    /// The servo's state.
    pub fn state(&self) -> ServoState {
        self.state
    }

    /// The frequency correction last asked for.
    pub fn frequency(&self) -> Ppb {
        self.frequency
    }

    /// The servo's estimate of the correction that cancels the clock's own frequency error
    /// (the integral term): steadier than [`PiServo::frequency`], which includes `kp · offset`.
    pub fn frequency_estimate(&self) -> Ppb {
        self.drift
    }

    /// The last offset fed to [`PiServo::sample`].
    pub fn last_offset(&self) -> Option<Duration> {
        self.last_offset
    }

    /// How many steps the servo has asked for since it was created.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// The configuration.
    pub fn config(&self) -> &ServoConfig {
        &self.config
    }

    fn update(&mut self, state: ServoState, actions: Vec<ServoAction>) -> ServoUpdate {
        self.state = state;
        ServoUpdate { actions, state }
    }

    fn monitor_only(&mut self, offset: Duration, limit: Duration) -> ServoUpdate {
        self.phase = Phase::Empty;
        self.history.clear();
        let actions = if self.state == ServoState::StepLimitExceeded {
            Vec::new()
        } else {
            let alert = ServoAlert::StepLimitExceeded { offset, limit };
            vec![ServoAction::Alert(alert)]
        };
        self.update(ServoState::StepLimitExceeded, actions)
    }

    /// In the estimation window: add the sample; once the window is long enough, estimate
    /// the frequency and lock, maybe stepping.
    fn estimate(
        &mut self,
        mut fit: OffsetFit,
        offset: Duration,
        local_time: Timestamp,
        constants: PiConstants,
    ) -> ServoUpdate {
        if local_time <= fit.last_time() {
            // Local time went backwards (the clock was stepped under us): start over.
            self.phase = Phase::Estimating(OffsetFit::new(offset, local_time));
            return self.update(ServoState::Unlocked, Vec::new());
        }
        fit.add(offset, local_time);
        self.phase = Phase::Estimating(fit);
        let result = match fit.result() {
            Some(result) if constants.can_estimate_frequency(fit.span()) => result,
            _ => return self.update(ServoState::Unlocked, Vec::new()),
        };
        // The offset grew by `slope` ns per local ns while the correction was `drift`; the
        // kernel scales the clock's rate by (1 + correction), so the correction that stops
        // the growth is (1 + drift)(1 − slope) − 1 (linuxptp's formula, in our sign).
        let estimate = self.drift.0 - (1e9 + self.drift.0) * result.slope;
        let offset = result.offset;
        self.drift = Ppb(estimate).clamp(self.config.max_frequency);
        self.frequency = self.drift;
        self.phase = Phase::Tracking;
        let policy = self.config.step_policy;
        let step = if self.first_update {
            policy.steps_at_start(offset)
        } else {
            policy.steps_later(offset)
        };
        self.first_update = false;
        if step {
            self.step(offset)
        } else {
            self.update(
                ServoState::Locked,
                vec![ServoAction::SetFrequency(self.drift)],
            )
        }
    }

    /// Locked: one PI iteration.
    fn track(
        &mut self,
        offset: Duration,
        interval: Duration,
        constants: PiConstants,
    ) -> ServoUpdate {
        if self.config.step_policy.steps_later(offset) {
            return self.step(offset);
        }
        let offset_ns = offset.as_nanos() as f64;
        let integral_term = constants.ki * offset_ns;
        let wanted = self.drift.0 - constants.kp * offset_ns - integral_term;
        let max = self.config.max_frequency.abs().0;
        if wanted.abs() > max {
            self.frequency = Ppb(wanted).clamp(self.config.max_frequency);
        } else {
            self.drift = Ppb(self.drift.0 - integral_term);
            self.frequency = Ppb(wanted);
        }
        self.history.push(self.drift, interval);
        let frequency = self.frequency;
        self.update(
            ServoState::Locked,
            vec![ServoAction::SetFrequency(frequency)],
        )
    }

    /// Steps `offset` away and sets the estimated frequency.
    fn step(&mut self, offset: Duration) -> ServoUpdate {
        self.steps += 1;
        self.frequency = self.drift;
        let actions = vec![
            ServoAction::Step(-offset),
            ServoAction::SetFrequency(self.drift),
        ];
        self.update(ServoState::Stepping, actions)
    }
}
