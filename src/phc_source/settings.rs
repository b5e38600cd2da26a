//! The settings of a `protocol: phc` source entry, as the config holds them, and how the
//! requested comparison strategy is resolved against what the device can do.
//!
//! Keys on the source entry (`timebeat.clock_sync.primary_clocks[]` / `secondary_clocks[]`):
//!
//! - `phc_offset_strategy`: `auto` (default: the best the device supports, `precise` >
//!   `extended` > `basic`), `precise` (`PTP_SYS_OFFSET_PRECISE`), `extended`
//!   (`PTP_SYS_OFFSET_EXTENDED`), `basic` (`PTP_SYS_OFFSET`; also spelled `sys_offset`).
//! - `phc_samples`: readings per comparison, 1 to 25 (the kernel's `PTP_MAX_SAMPLES`),
//!   default 15.
//! - `phc_smoothing`: `min_delay` (default: the reading with the shortest window, as
//!   phc2sys) or `median` (the median of the per-reading offsets).
//!
//! Timebeat keeps its own PHC tuning as per-interface lists under
//! `timebeat.advanced.linux_specific` (`phc_offset_strategy`, `phc_samples`,
//! `phc_smoothing_strategy`); those load with the "not implemented yet" warning of
//! `timebeat.advanced`. The per-source keys here are shiwa's.

use super::PhcSourceError;
use crate::clock::SysOffsetStrategy;
use crate::config::{Protocol, SourceConfig};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `phc_offset_strategy`: which `PTP_SYS_OFFSET*` ioctl compares the PHC with the system clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhcStrategyChoice {
    /// The best the device supports: `precise`, else `extended`, else `basic`.
    #[default]
    Auto,
    /// `PTP_SYS_OFFSET_PRECISE`: hardware cross-timestamps (PCIe PTM and similar).
    Precise,
    /// `PTP_SYS_OFFSET_EXTENDED`: the driver brackets the PHC read with system readings.
    Extended,
    /// `PTP_SYS_OFFSET`: the kernel brackets the driver's whole `gettime`; every driver has it.
    #[serde(alias = "sys_offset")]
    Basic,
}

impl PhcStrategyChoice {
    /// The strategy asked for, `None` for `auto`.
    pub fn requested(self) -> Option<SysOffsetStrategy> {
        match self {
            PhcStrategyChoice::Auto => None,
            PhcStrategyChoice::Precise => Some(SysOffsetStrategy::Precise),
            PhcStrategyChoice::Extended => Some(SysOffsetStrategy::Extended),
            PhcStrategyChoice::Basic => Some(SysOffsetStrategy::Basic),
        }
    }
}

/// `phc_smoothing`: how one batch of readings becomes one offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhcSmoothing {
    /// The reading with the shortest window (system after − system before); its offset is
    /// the PHC time minus the window's midpoint. Robust to reads delayed on one side.
    #[default]
    MinDelay,
    /// The median of every reading's offset.
    Median,
}

/// `phc_samples`: readings per comparison, 1 to 25.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PhcSamples(u8);

impl PhcSamples {
    /// The kernel's `PTP_MAX_SAMPLES`.
    pub const MAX: u8 = 25;
    /// The default, 15.
    pub const DEFAULT: PhcSamples = PhcSamples(15);

    /// `count` if it is 1 to 25.
    pub fn new(count: u8) -> Option<Self> {
        (1..=Self::MAX)
            .contains(&count)
            .then_some(PhcSamples(count))
    }

    /// The count.
    pub fn get(self) -> usize {
        usize::from(self.0)
    }
}

impl Default for PhcSamples {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl<'de> Deserialize<'de> for PhcSamples {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = i64::deserialize(deserializer)?;
        u8::try_from(value)
            .ok()
            .and_then(PhcSamples::new)
            .ok_or_else(|| {
                de::Error::custom(format!(
                    "{value} is out of range: phc_samples is 1 to {} (the kernel's PTP_MAX_SAMPLES)",
                    Self::MAX
                ))
            })
    }
}

/// Everything a PHC source needs from its config entry, defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhcSourceSettings {
    /// The device, `/dev/ptpN`.
    pub device: PathBuf,
    /// `phc_offset_strategy`.
    pub strategy: PhcStrategyChoice,
    /// `phc_samples`.
    pub samples: PhcSamples,
    /// `phc_smoothing`.
    pub smoothing: PhcSmoothing,
}

impl PhcSourceSettings {
    /// From a `protocol: phc` entry. The loader has already required `device`; an entry of
    /// another protocol or without a device is refused here too, naming what is wrong.
    pub fn from_config(source: &SourceConfig) -> Result<Self, PhcSourceError> {
        if source.protocol != Protocol::Phc {
            return Err(PhcSourceError::NotPhc {
                label: source.label(),
            });
        }
        let device = source.device.clone().ok_or(PhcSourceError::NoDevice)?;
        Ok(PhcSourceSettings {
            device,
            strategy: source.phc_offset_strategy.unwrap_or_default(),
            samples: source.phc_samples.unwrap_or_default(),
            smoothing: source.phc_smoothing.unwrap_or_default(),
        })
    }
}

/// The comparison to use on `device`: the requested one if `supports` it, else an error
/// naming the device; for `auto` the best supported (`precise` > `extended` > `basic`).
///
/// `supports` is usually [`crate::clock::phc::PhcDevice::supports`].
pub fn resolve_strategy(
    device: &str,
    choice: PhcStrategyChoice,
    supports: impl Fn(SysOffsetStrategy) -> bool,
) -> Result<SysOffsetStrategy, PhcSourceError> {
    const PREFERENCE: [SysOffsetStrategy; 3] = [
        SysOffsetStrategy::Precise,
        SysOffsetStrategy::Extended,
        SysOffsetStrategy::Basic,
    ];
    let supported: Vec<SysOffsetStrategy> = PREFERENCE
        .into_iter()
        .filter(|strategy| supports(*strategy))
        .collect();
    let resolved = match choice.requested() {
        Some(requested) => supported.contains(&requested).then_some(requested),
        None => supported.first().copied(),
    };
    resolved.ok_or_else(|| PhcSourceError::StrategyUnsupported {
        device: device.to_owned(),
        requested: choice,
        supported,
    })
}

/// The name of a strategy as `phc_offset_strategy` spells it.
pub fn strategy_name(strategy: SysOffsetStrategy) -> &'static str {
    match strategy {
        SysOffsetStrategy::Precise => "precise",
        SysOffsetStrategy::Extended => "extended",
        SysOffsetStrategy::Basic => "basic",
    }
}

/// The name of a choice as `phc_offset_strategy` spells it.
pub fn choice_name(choice: PhcStrategyChoice) -> &'static str {
    match choice.requested() {
        Some(strategy) => strategy_name(strategy),
        None => "auto",
    }
}
