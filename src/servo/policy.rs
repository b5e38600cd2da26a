//! When the servo steps the clock, and when it must never do so.

use crate::time::Duration;

/// The step rules, from `timebeat.clock_sync`.
///
/// - `first_step_threshold` (linuxptp's option of that name, default 20 µs): when the servo
///   locks for the first time, an offset larger than this is stepped away. Zero: never step at
///   start, always slew.
/// - `step_threshold` (linuxptp's, default off): once locked, an offset larger than this is
///   stepped at once. `None`: after the start the clock is only slewed, whatever the offset.
/// - `step_limit` (Timebeat's, default 15 minutes): an offset larger than this is **never**
///   stepped, nor slewed: the servo raises an alert and only monitors. `None`: no limit.
///
/// `step_limit` wins over both thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepPolicy {
    /// Step at start when the offset is larger (zero: never step at start).
    pub first_step_threshold: Duration,
    /// Step later when the offset is larger (`None`: never step after the start).
    pub step_threshold: Option<Duration>,
    /// Never step or slew when the offset is larger (`None`: no limit).
    pub step_limit: Option<Duration>,
}

impl Default for StepPolicy {
    /// First step above 20 µs, no later steps, nothing done above 15 minutes.
    fn default() -> Self {
        StepPolicy {
            first_step_threshold: Duration::from_micros(20),
            step_threshold: None,
            step_limit: Some(Duration::from_secs(15 * 60)),
        }
    }
}

impl StepPolicy {
    /// The limit this offset is above, if it is above `step_limit`.
    pub fn exceeded_limit(&self, offset: Duration) -> Option<Duration> {
        self.step_limit.filter(|limit| offset.abs() > *limit)
    }

    /// Whether to step this offset at the servo's first lock.
    pub fn steps_at_start(&self, offset: Duration) -> bool {
        let first =
            self.first_step_threshold > Duration::ZERO && offset.abs() > self.first_step_threshold;
        first || self.steps_later(offset)
    }

    /// Whether to step this offset once locked.
    pub fn steps_later(&self, offset: Duration) -> bool {
        self.step_threshold
            .is_some_and(|threshold| threshold > Duration::ZERO && offset.abs() > threshold)
    }
}
