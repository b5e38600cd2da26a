//! The `checks:` section of `hub.yaml`.

use crate::config::ConfigDuration;
use serde::{Deserialize, Serialize};
use std::time::Duration as StdDuration;

/// The `checks:` section: how the hub probes the ports nodes declare.
///
/// ```yaml
/// checks:
///   enabled: true
///   interval: 60s              # each port is probed this often
///   timeout: 5s                # a probe taking longer failed
///   failures_before_down: 2    # consecutive failures before port_down
///   successes_before_up: 1     # consecutive successes before port_up
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CheckSettings {
    /// Probe at all (default true).
    pub enabled: bool,
    /// Time between two probes of one port (default 60 s).
    pub interval: ConfigDuration,
    /// Time limit of one probe, name lookup included (default 5 s; less than `interval`).
    pub timeout: ConfigDuration,
    /// Consecutive failures before a port is down (default 2).
    pub failures_before_down: u32,
    /// Consecutive successes before a down port is up again (default 1).
    pub successes_before_up: u32,
}

impl Default for CheckSettings {
    fn default() -> Self {
        CheckSettings {
            enabled: true,
            interval: ConfigDuration(StdDuration::from_secs(60)),
            timeout: ConfigDuration(StdDuration::from_secs(5)),
            failures_before_down: 2,
            successes_before_up: 1,
        }
    }
}

/// A `checks:` value the hub cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("checks.{key}: {reason}")]
pub struct CheckSettingsError {
    /// The key under `checks:`.
    pub key: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl crate::exit::HasExitStatus for CheckSettingsError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Config
    }
}

impl CheckSettings {
    /// Checks the values across keys.
    pub fn validate(&self) -> Result<(), CheckSettingsError> {
        let error = |key, reason: &str| CheckSettingsError {
            key,
            reason: reason.to_string(),
        };
        if self.timeout.0.is_zero() {
            return Err(error("timeout", "must be more than 0s"));
        }
        if self.interval.0 <= self.timeout.0 {
            return Err(error("interval", "must be longer than timeout"));
        }
        if self.failures_before_down == 0 {
            return Err(error("failures_before_down", "must be at least 1"));
        }
        if self.successes_before_up == 0 {
            return Err(error("successes_before_up", "must be at least 1"));
        }
        Ok(())
    }
}
