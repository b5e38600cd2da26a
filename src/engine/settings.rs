//! Engine objects built from the config: the clock (read-only in monitor mode) and the core.

use super::EngineError;
use super::core::{EngineConfig, EngineCore};
use super::plan::plan_sources;
use crate::clock::{Clock, ReadOnly, SystemClock};
use crate::config::Config;
use crate::selection::SelectorConfig;
use crate::servo::{ServoConfig, Timestamping};
use crate::time::{Ppb, Timestamp};

/// The system clock, wrapped read-only unless the config adjusts it and `--monitor` is off.
pub fn open_clock(config: &Config, force_monitor: bool) -> Result<Box<dyn Clock>, EngineError> {
    let clock = SystemClock::new()?;
    if config.timebeat.clock_sync.adjust_clock && !force_monitor {
        Ok(Box::new(clock))
    } else {
        Ok(Box::new(ReadOnly::new(clock)))
    }
}

/// The core for `config`, starting from the clock's current frequency.
pub fn build_core(
    config: &Config,
    force_monitor: bool,
    frequency: Ppb,
    now: Timestamp,
) -> EngineCore {
    let sync = &config.timebeat.clock_sync;
    let engine_config = EngineConfig {
        adjust_clock: sync.adjust_clock && !force_monitor,
        servo: ServoConfig::from_config(sync, Timestamping::Software),
        selector: SelectorConfig::default(),
        local_stratum: sync.local_stratum,
    };
    EngineCore::new(engine_config, plan_sources(config), frequency, now)
}
