//! PTP hardware clocks as time sources and as clocks to steer — pure.
//!
//! - [`settings`]: the `protocol: phc` entry's keys (`phc_offset_strategy`, `phc_samples`,
//!   `phc_smoothing`) and [`resolve_strategy`], which picks the `PTP_SYS_OFFSET*` comparison
//!   a device supports.
//! - [`estimator`]: [`PhcOffsetEstimator`] turns one batch of [`PhcSample`]s into the
//!   PHC − system offset and a [`Measurement`] (local = system clock, reference = PHC).
//! - [`steering`]: [`PhcToSystem`] (phc2sys: the system clock follows the PHC) and
//!   [`PtpToPhc`] (ptp4l's slave side: the PHC follows a PTP master), both over the
//!   [`crate::servo::PiServo`] with hardware-timestamp gains.
//!
//! - [`poller`]: [`PhcPoller`], one `protocol: phc` source from poll to poll (open, read,
//!   estimate, reach and problem), over any [`crate::clock::phc::PhcDevice`].
//! - [`driver`]: [`driver::PhcTask`], the async task that runs a poller against the real
//!   `/dev/ptpN` once a second: the one module here that does I/O.
//!
//! Nothing else here opens a device, reads a clock of its own accord, sleeps or draws randomness.
//! The driver reads a batch with [`PhcOffsetEstimator::read`] (through the
//! [`crate::clock::phc::PhcDevice`] it hands in: the only device access, so that an `auto`
//! strategy can fall back from `extended` to `basic`) or with
//! [`crate::clock::phc::PhcDevice::sys_offset`] directly, hands the batch over, and applies
//! the returned servo actions. [`crate::clock::phc::SimulatedPhc`] stands in for the device
//! in tests.
//!
//! [`PhcSample`]: crate::clock::PhcSample
//! [`Measurement`]: crate::source::Measurement

pub mod driver;
pub mod estimator;
pub mod poller;
pub mod settings;
pub mod steering;

pub use estimator::{BatchLimits, PhcOffset, PhcOffsetEstimator};
pub use poller::{PhcPollOutcome, PhcPoller};
pub use settings::{
    PhcSamples, PhcSmoothing, PhcSourceSettings, PhcStrategyChoice, resolve_strategy,
};
pub use steering::{PhcSteeringUpdate, PhcToSystem, PtpToPhc};

use crate::clock::{ClockError, PhcError, SysOffsetStrategy};
use crate::time::Duration;

/// What went wrong with a PHC source; names the device (or the source entry).
#[derive(Debug, thiserror::Error)]
pub enum PhcSourceError {
    /// The entry is not `protocol: phc`.
    #[error("source `{label}` is not a phc source")]
    NotPhc {
        /// The entry's label.
        label: String,
    },
    /// The entry has no `device`.
    #[error("a phc source needs `device`")]
    NoDevice,
    /// `phc_offset_strategy` asks for a comparison the device does not support.
    #[error(
        "{device}: phc_offset_strategy `{}` is not supported by this device{} (supported: {})",
        settings::choice_name(*.requested),
        precise_hint(*.requested),
        strategy_list(.supported)
    )]
    StrategyUnsupported {
        /// The device.
        device: String,
        /// What was asked for.
        requested: PhcStrategyChoice,
        /// What the device supports, best first.
        supported: Vec<SysOffsetStrategy>,
    },
    /// The batch has no sample.
    #[error("{device}: the PHC comparison returned no samples")]
    EmptyBatch {
        /// The device.
        device: String,
    },
    /// A sample's system reading after the PHC is earlier than the one before it.
    #[error(
        "{device}: sample {index}: the system clock went backwards during the read (window {window})"
    )]
    NegativeWindow {
        /// The device.
        device: String,
        /// The sample's index in the batch.
        index: usize,
        /// System after − system before.
        window: Duration,
    },
    /// A sample is earlier (by the PHC or by the system clock) than the one before it.
    #[error("{device}: sample {index} is earlier than sample {} by the {clock} clock: readings not monotonic", .index - 1)]
    NotMonotonic {
        /// The device.
        device: String,
        /// The sample's index in the batch.
        index: usize,
        /// `PHC` or `system`.
        clock: &'static str,
    },
    /// The PHC and the system clock disagree about the time elapsed within the batch by more
    /// than the read windows and any plausible frequency difference allow: one of them jumped.
    #[error(
        "{device}: sample {index}: PHC and system clock disagree by {disagreement} on the time since sample 0 (one of them jumped)"
    )]
    Inconsistent {
        /// The device.
        device: String,
        /// The sample's index in the batch.
        index: usize,
        /// PHC elapsed − system elapsed since the batch's first sample.
        disagreement: Duration,
    },
    /// Every sample's read window is longer than the limit.
    #[error("{device}: every read took longer than {limit} (shortest {shortest})")]
    TooSlow {
        /// The device.
        device: String,
        /// The limit on a read window.
        limit: Duration,
        /// The shortest window in the batch.
        shortest: Duration,
    },
    /// The device could not be opened.
    #[error(transparent)]
    Device(#[from] PhcError),
    /// Reading the device failed.
    #[error("{device}: comparing with the system clock failed: {source}")]
    Read {
        /// The device.
        device: String,
        /// The clock error.
        source: ClockError,
    },
}

fn precise_hint(requested: PhcStrategyChoice) -> &'static str {
    if requested == PhcStrategyChoice::Precise {
        " (no hardware cross-timestamping)"
    } else {
        ""
    }
}

fn strategy_list(strategies: &[SysOffsetStrategy]) -> String {
    if strategies.is_empty() {
        return "none".to_owned();
    }
    let names: Vec<&str> = strategies
        .iter()
        .map(|strategy| settings::strategy_name(*strategy))
        .collect();
    names.join(", ")
}

#[cfg(test)]
mod tests;
