//! Clocks that the servo disciplines or reads: the system clock, PTP hardware clocks, a
//! simulated clock for tests, and a read-only wrapper for monitor mode.
//!
//! The servo never touches a clock: it returns actions, and the engine applies them to a
//! [`Clock`] here. With `adjust_clock: false` the engine holds a [`ReadOnly`] clock, whose
//! write methods cannot reach the inner clock, so monitor mode makes zero clock writes by
//! construction.

pub mod interference;
pub mod phc;
pub mod readonly;
pub mod simulated;
mod sys;
pub mod system;

pub use interference::{
    ClockReading, InterferenceAlert, InterferenceConfig, InterferenceDetector, InterferenceEvent,
};
pub use phc::{PhcCapabilities, PhcClock, PhcError, PhcSample, SysOffsetStrategy};
pub use readonly::ReadOnly;
pub use simulated::SimulatedClock;
pub use sys::{KernelClockState, KernelStatus, KernelTimeState};
pub use system::SystemClock;

use crate::time::{Duration, Ppb, Timestamp};

/// Error estimates and synchronisation status handed to the kernel (as `adjtimex`'s
/// `esterror`, `maxerror` and `STA_UNSYNC`), so other programs can see how good the time is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncStatus {
    /// Whether the clock is synchronised to a source.
    pub synchronized: bool,
    /// Estimated error.
    pub estimated_error: Duration,
    /// Maximum error.
    pub max_error: Duration,
}

/// What went wrong with a clock operation; names the clock.
#[derive(Debug, thiserror::Error)]
pub enum ClockError {
    /// The operating system refused (e.g. EPERM without CAP_SYS_TIME).
    #[error("{clock}: {operation} failed: {source}")]
    Os {
        /// The clock's name (`CLOCK_REALTIME`, `/dev/ptp0`).
        clock: String,
        /// What was attempted (`step`, `adjust frequency`, `read`).
        operation: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The clock was opened read-only (monitor mode) and a write was attempted.
    #[error("{clock}: {operation} refused: clock is read-only (adjust_clock: false)")]
    ReadOnly {
        /// The clock's name.
        clock: String,
        /// What was attempted.
        operation: &'static str,
    },
    /// A frequency beyond what the clock can do was asked for.
    #[error("{clock}: frequency {requested} outside ±{:.3}ppm", max.abs().as_ppm())]
    FrequencyOutOfRange {
        /// The clock's name.
        clock: String,
        /// The requested frequency.
        requested: Ppb,
        /// The clock's limit.
        max: Ppb,
    },
}

impl crate::exit::HasExitStatus for ClockError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        match self {
            ClockError::Os { source, .. } => crate::exit::ExitStatus::for_io(source),
            ClockError::ReadOnly { .. } => crate::exit::ExitStatus::Permission,
            ClockError::FrequencyOutOfRange { .. } => crate::exit::ExitStatus::Failure,
        }
    }
}

/// A clock that can be read and, unless read-only, stepped and slewed.
///
/// Frequency is absolute: `adjust_frequency(Ppb(100.0))` makes the clock run 100 ppb faster
/// than its free-running rate, whatever was set before.
pub trait Clock: Send {
    /// A name for logs and errors (`CLOCK_REALTIME`, `/dev/ptp0`, `simulated`).
    fn name(&self) -> &str;
    /// The clock's current time.
    fn now(&self) -> Result<Timestamp, ClockError>;
    /// The frequency correction currently applied.
    fn frequency(&self) -> Result<Ppb, ClockError>;
    /// Moves the clock by `delta` at once (positive: forward).
    fn step(&mut self, delta: Duration) -> Result<(), ClockError>;
    /// Sets the frequency correction (clamped by the caller to [`Clock::max_frequency`]).
    fn adjust_frequency(&mut self, frequency: Ppb) -> Result<(), ClockError>;
    /// The largest frequency correction the clock accepts.
    fn max_frequency(&self) -> Ppb;
    /// Publishes error estimates and whether the clock is synchronised.
    fn set_sync_status(&mut self, status: SyncStatus) -> Result<(), ClockError>;
}
