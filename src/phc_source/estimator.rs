//! [`PhcOffsetEstimator`]: one batch of PHC readings → the PHC − system offset → a
//! [`Measurement`] of the system clock against the PHC.
//!
//! Each reading brackets the PHC with two system readings; [`PhcSample`] keeps their
//! midpoint and the window between them. Where inside the window the PHC was latched is
//! unknown, so a reading's offset `phc − midpoint` is wrong by up to half its window, and a
//! read delayed on one side of the latch (a contended lock, an interrupt) pulls it that way.
//!
//! - `min_delay` (default, phc2sys's method): the reading with the shortest window, whose
//!   error bound is the smallest; ties go to the earliest.
//! - `median`: the median of the per-reading offsets (and of the windows).
//! - `precise` comparisons are hardware cross-timestamps with no window: their offsets are
//!   used as they are, the median of the batch guarding against a single bad one.
//!
//! Before that the batch is checked, and refused with an error naming the device, when a
//! window is negative, when readings go backwards, or when the PHC and the system clock
//! disagree about the time elapsed inside the batch by more than the windows and a 1000 ppm
//! rate difference allow (one of them was stepped mid-batch). Readings with a window above
//! [`BatchLimits::max_window`] are left out; if none is left the batch is refused.

use super::PhcSourceError;
use super::settings::{PhcSamples, PhcSmoothing, PhcSourceSettings, resolve_strategy};
use crate::clock::phc::{PhcDevice, is_unsupported};
use crate::clock::{PhcSample, SysOffsetStrategy};
use crate::source::{Leap, Measurement};
use crate::time::{Duration, Ppb, Timestamp};

/// The resolution of a PHC or system clock reading: 1 ns.
const READ_RESOLUTION: Duration = Duration::from_nanos(1);
/// Scales a median absolute deviation to a standard deviation for normal data.
const MAD_TO_SIGMA: f64 = 1.4826;

/// What a batch may look like before it is refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BatchLimits {
    /// Readings with a longer window are left out (default 1 ms: a read that slow was
    /// preempted, not measured).
    pub max_window: Duration,
    /// The largest rate difference between the PHC and the system clock that is not a jump
    /// (default 1000 ppm: the kernel allows the system clock 500 ppm, PHCs rarely more).
    pub max_rate_difference: Ppb,
    /// Added to the allowed disagreement for read noise (default 100 ns).
    pub slack: Duration,
}

impl Default for BatchLimits {
    fn default() -> Self {
        BatchLimits {
            max_window: Duration::from_millis(1),
            max_rate_difference: Ppb::from_ppm(1_000.0),
            slack: Duration::from_nanos(100),
        }
    }
}

/// The PHC − system offset from one batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhcOffset {
    /// PHC − system clock (less the timescale offset): positive, the PHC is ahead.
    pub offset: Duration,
    /// The read window the offset comes from (min-delay), the median window (median), or
    /// zero (cross-timestamps). The offset's error bound from the read is half of it.
    pub delay: Duration,
    /// Robust spread of the batch's per-reading offsets (1.4826 × median absolute
    /// deviation): the read noise.
    pub spread: Duration,
    /// The system clock's time the offset refers to.
    pub system_time: Timestamp,
    /// Readings used (within [`BatchLimits::max_window`]).
    pub used: usize,
    /// Readings in the batch.
    pub total: usize,
}

impl PhcOffset {
    /// The measurement of a `protocol: phc` source: local is the system clock, reference the
    /// PHC, so the offset is system − PHC. Delay is the read window (half of it bounds where
    /// the PHC was latched, as half an NTP round trip does); dispersion is the 1 ns reading
    /// resolution; jitter is the batch's spread. The PHC is a reference clock: stratum 0,
    /// no root delay or dispersion of its own (what disciplines the PHC is not known here).
    pub fn to_measurement(&self) -> Measurement {
        Measurement {
            offset: -self.offset,
            delay: self.delay,
            dispersion: READ_RESOLUTION,
            jitter: self.spread,
            root_delay: Duration::ZERO,
            root_dispersion: Duration::ZERO,
            stratum: 0,
            leap: Leap::None,
            local_time: self.system_time,
        }
    }
}

/// Turns batches of PHC readings into offsets; see the module docs for the method.
#[derive(Debug, Clone, PartialEq)]
pub struct PhcOffsetEstimator {
    device: String,
    strategy: SysOffsetStrategy,
    /// `phc_offset_strategy: auto`: an `extended` the driver refuses may fall back to `basic`.
    automatic: bool,
    smoothing: PhcSmoothing,
    samples: PhcSamples,
    timescale_offset: Duration,
    limits: BatchLimits,
}

impl PhcOffsetEstimator {
    /// For readings of `device` taken with `strategy`, smoothed by `smoothing`, 15 per batch.
    pub fn new(device: &str, strategy: SysOffsetStrategy, smoothing: PhcSmoothing) -> Self {
        PhcOffsetEstimator {
            device: device.to_owned(),
            strategy,
            automatic: false,
            smoothing,
            samples: PhcSamples::default(),
            timescale_offset: Duration::ZERO,
            limits: BatchLimits::default(),
        }
    }

    /// From a source's settings, with the strategy resolved against what `device` supports
    /// (an error naming the device when the requested one is not).
    pub fn for_device(
        device: &impl PhcDevice,
        settings: &PhcSourceSettings,
    ) -> Result<Self, PhcSourceError> {
        let name = device.name();
        let strategy = resolve_strategy(name, settings.strategy, |s| device.supports(s))?;
        Ok(PhcOffsetEstimator {
            automatic: settings.strategy.requested().is_none(),
            samples: settings.samples,
            ..Self::new(name, strategy, settings.smoothing)
        })
    }

    /// Readings per batch.
    pub fn with_samples(mut self, samples: PhcSamples) -> Self {
        self.samples = samples;
        self
    }

    /// PHC time minus `offset` is on the system clock's timescale: 37 s for a PHC on TAI
    /// (as ptp4l keeps it) next to a UTC system clock. Default zero.
    pub fn with_timescale_offset(mut self, offset: Duration) -> Self {
        self.timescale_offset = offset;
        self
    }

    /// Replaces the batch limits.
    pub fn with_limits(mut self, limits: BatchLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The device's name.
    pub fn device(&self) -> &str {
        &self.device
    }

    /// The comparison in use.
    pub fn strategy(&self) -> SysOffsetStrategy {
        self.strategy
    }

    /// The smoothing in use.
    pub fn smoothing(&self) -> PhcSmoothing {
        self.smoothing
    }

    /// Readings per batch.
    pub fn samples(&self) -> PhcSamples {
        self.samples
    }

    /// Reads one batch from `device` with the strategy in use. With `auto`, a driver that
    /// refuses `extended` (`EOPNOTSUPP`) moves the estimator to `basic` for good.
    pub fn read(&mut self, device: &impl PhcDevice) -> Result<Vec<PhcSample>, PhcSourceError> {
        match device.sys_offset(self.strategy, self.samples.get()) {
            Err(error)
                if self.automatic
                    && self.strategy == SysOffsetStrategy::Extended
                    && is_unsupported(&error) =>
            {
                tracing::info!(device = %self.device, "PTP_SYS_OFFSET_EXTENDED not supported: using PTP_SYS_OFFSET");
                self.strategy = SysOffsetStrategy::Basic;
                self.read(device)
            }
            Err(source) => Err(PhcSourceError::Read {
                device: self.device.clone(),
                source,
            }),
            Ok(samples) => Ok(samples),
        }
    }

    /// The offset from one batch, or why the batch is refused.
    pub fn estimate(&self, samples: &[PhcSample]) -> Result<PhcOffset, PhcSourceError> {
        self.check(samples)?;
        let usable: Vec<PhcSample> = samples
            .iter()
            .filter(|sample| sample.delay <= self.limits.max_window)
            .copied()
            .collect();
        if usable.is_empty() {
            let shortest = samples
                .iter()
                .map(|s| s.delay)
                .min()
                .unwrap_or(Duration::ZERO);
            return Err(PhcSourceError::TooSlow {
                device: self.device.clone(),
                limit: self.limits.max_window,
                shortest,
            });
        }
        let offsets: Vec<i64> = usable
            .iter()
            .map(|sample| self.offset_of(sample).as_nanos())
            .collect();
        let center = median(&offsets);
        let deviations: Vec<i64> = offsets.iter().map(|o| (o - center).abs()).collect();
        let spread =
            Duration::from_nanos((MAD_TO_SIGMA * median(&deviations) as f64).round() as i64);
        let (offset, delay, system_time) = match (self.strategy, self.smoothing) {
            (SysOffsetStrategy::Precise, _) | (_, PhcSmoothing::Median) => {
                let windows: Vec<i64> = usable.iter().map(|s| s.delay.as_nanos()).collect();
                let middle = usable[usable.len() / 2].system;
                (
                    Duration::from_nanos(center),
                    Duration::from_nanos(median(&windows)),
                    middle,
                )
            }
            (_, PhcSmoothing::MinDelay) => {
                let best = usable
                    .iter()
                    .min_by_key(|sample| sample.delay)
                    .unwrap_or(&usable[0]);
                (self.offset_of(best), best.delay, best.system)
            }
        };
        Ok(PhcOffset {
            offset,
            delay,
            spread,
            system_time,
            used: usable.len(),
            total: samples.len(),
        })
    }

    fn offset_of(&self, sample: &PhcSample) -> Duration {
        sample.phc - sample.system - self.timescale_offset
    }

    /// Refuses empty, backwards or self-contradicting batches.
    fn check(&self, samples: &[PhcSample]) -> Result<(), PhcSourceError> {
        let device = || self.device.clone();
        let first = samples
            .first()
            .ok_or_else(|| PhcSourceError::EmptyBatch { device: device() })?;
        for (index, sample) in samples.iter().enumerate() {
            if sample.delay.is_negative() {
                return Err(PhcSourceError::NegativeWindow {
                    device: device(),
                    index,
                    window: sample.delay,
                });
            }
            if index == 0 {
                continue;
            }
            let previous = &samples[index - 1];
            let backwards = if sample.system < previous.system {
                Some("system")
            } else if sample.phc < previous.phc {
                Some("PHC")
            } else {
                None
            };
            if let Some(clock) = backwards {
                return Err(PhcSourceError::NotMonotonic {
                    device: device(),
                    index,
                    clock,
                });
            }
            let system_elapsed = sample.system - first.system;
            let disagreement = (sample.phc - first.phc) - system_elapsed;
            let allowed = (sample.delay + first.delay) / 2
                + self
                    .limits
                    .max_rate_difference
                    .drift_over(system_elapsed)
                    .abs()
                + self.limits.slack;
            if disagreement.abs() > allowed {
                return Err(PhcSourceError::Inconsistent {
                    device: device(),
                    index,
                    disagreement,
                });
            }
        }
        Ok(())
    }
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
fn median(values: &[i64]) -> i64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let count = sorted.len();
    if count == 0 {
        return 0;
    }
    if count % 2 == 1 {
        return sorted[count / 2];
    }
    // In i128: the sum of two nanosecond offsets may not fit an i64; their mean does.
    let sum = i128::from(sorted[count / 2 - 1]) + i128::from(sorted[count / 2]);
    i64::try_from(sum / 2).unwrap_or(sorted[count / 2])
}
