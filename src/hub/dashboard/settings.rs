//! The `dashboard:` section of `hub.yaml`.
//!
//! ```yaml
//! dashboard:
//!   password_hash: $argon2id$v=19$...   # from `shiwa hub hash-password`; enables the dashboard
//!   username: admin                     # default
//!   session_ttl: 12h                    # a login lasts this long (default)
//!   refresh: 30s                        # pages reload themselves this often (default)
//!   top_offsets: 10                     # rows of the worst-offset table (default)
//!   # enable: false                     # default: true when password_hash is set
//!   # secure_cookies: true              # default: true when the hub serves TLS (set it
//!   #                                   # behind a TLS-terminating proxy)
//! ```

use crate::config::ConfigDuration;
use crate::exit::{ExitStatus, HasExitStatus};
use crate::secret::Secret;
use serde::Deserialize;
use std::time::Duration;

/// `dashboard.username` when not given.
pub const DEFAULT_USERNAME: &str = "admin";
/// `dashboard.session_ttl` when not given.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// `dashboard.refresh` when not given.
pub const DEFAULT_REFRESH: Duration = Duration::from_secs(30);
/// `dashboard.top_offsets` when not given.
pub const DEFAULT_TOP_OFFSETS: usize = 10;
/// The largest `dashboard.top_offsets`.
pub const MAX_TOP_OFFSETS: usize = 1000;

/// `dashboard:` in `hub.yaml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DashboardSettings {
    /// Serve the dashboard (default: when `password_hash` is set).
    pub enable: Option<bool>,
    /// The login name.
    pub username: String,
    /// The login password as an argon2 PHC string.
    pub password_hash: Option<Secret>,
    /// How long a login lasts.
    pub session_ttl: ConfigDuration,
    /// How often pages reload themselves (`0s`: never).
    pub refresh: ConfigDuration,
    /// Rows of the worst-offset table on the fleet page.
    pub top_offsets: usize,
    /// Mark cookies `Secure` (default: when the hub serves TLS; [`crate::hub::config::load`]
    /// fills it in).
    pub secure_cookies: Option<bool>,
}

impl Default for DashboardSettings {
    fn default() -> Self {
        DashboardSettings {
            enable: None,
            username: DEFAULT_USERNAME.into(),
            password_hash: None,
            session_ttl: ConfigDuration(DEFAULT_SESSION_TTL),
            refresh: ConfigDuration(DEFAULT_REFRESH),
            top_offsets: DEFAULT_TOP_OFFSETS,
            secure_cookies: None,
        }
    }
}

/// A `dashboard:` value the hub cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {reason}")]
pub struct DashboardSettingsError {
    /// The full key (`dashboard.password_hash`).
    pub key: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl HasExitStatus for DashboardSettingsError {
    fn exit_status(&self) -> ExitStatus {
        ExitStatus::Config
    }
}

impl DashboardSettings {
    /// Whether the dashboard is served.
    pub fn enabled(&self) -> bool {
        self.enable.unwrap_or(self.password_hash.is_some())
    }

    /// Checks the values across keys.
    pub fn validate(&self) -> Result<(), DashboardSettingsError> {
        let bad = |key, reason: String| Err(DashboardSettingsError { key, reason });
        match &self.password_hash {
            Some(hash) => {
                if let Err(reason) = crate::secret::check_password_hash(hash.expose()) {
                    return bad("dashboard.password_hash", reason);
                }
            }
            None if self.enable == Some(true) => {
                return bad(
                    "dashboard.password_hash",
                    "required when dashboard.enable is true (make one with \
                     `shiwa hub hash-password`)"
                        .into(),
                );
            }
            None => {}
        }
        if self.username.trim().is_empty() || self.username.len() > 64 {
            return bad("dashboard.username", "must be 1 to 64 characters".into());
        }
        let ttl = self.session_ttl.0;
        if ttl < Duration::from_secs(60) || ttl > Duration::from_secs(30 * 86_400) {
            return bad(
                "dashboard.session_ttl",
                format!("{} is outside 1m to 30d", self.session_ttl),
            );
        }
        let refresh = self.refresh.0;
        if !refresh.is_zero() && refresh < Duration::from_secs(5) {
            return bad(
                "dashboard.refresh",
                format!(
                    "{} is too often: at least 5s, or 0s for never",
                    self.refresh
                ),
            );
        }
        if self.top_offsets == 0 || self.top_offsets > MAX_TOP_OFFSETS {
            return bad(
                "dashboard.top_offsets",
                format!("must be 1 to {MAX_TOP_OFFSETS}"),
            );
        }
        Ok(())
    }
}

/// Why `shiwa hub hash-password` could not hash.
#[derive(Debug, thiserror::Error)]
pub enum HashPasswordError {
    /// Nothing to hash.
    #[error("the password is empty")]
    Empty,
    /// argon2 refused.
    #[error("hashing the password: {0}")]
    Hash(String),
}

impl HasExitStatus for HashPasswordError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            HashPasswordError::Empty => ExitStatus::Usage,
            HashPasswordError::Hash(_) => ExitStatus::Failure,
        }
    }
}

/// The argon2id PHC string of `password` for `dashboard.password_hash` (argon2's default
/// parameters, as the hub's retrieval passwords).
pub fn hash_password(password: &Secret) -> Result<String, HashPasswordError> {
    if password.expose().is_empty() {
        return Err(HashPasswordError::Empty);
    }
    crate::hub::nodes::hash_password(password).map_err(|err| match err {
        crate::hub::nodes::NodeError::Hash(reason) => HashPasswordError::Hash(reason),
        other => HashPasswordError::Hash(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enabled_by_a_hash_and_checked() {
        let mut settings = DashboardSettings::default();
        assert!(!settings.enabled());
        assert_eq!(settings.validate(), Ok(()));
        settings.enable = Some(true);
        assert_eq!(
            settings.validate().map_err(|e| e.key),
            Err("dashboard.password_hash")
        );
        let hash = hash_password(&Secret::new("correct horse")).expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        settings.password_hash = Some(Secret::new(hash));
        settings.enable = None;
        assert!(settings.enabled());
        assert_eq!(settings.validate(), Ok(()));
        settings.password_hash = Some(Secret::new("$2y$10$bcrypt"));
        let err = settings.validate().unwrap_err();
        assert_eq!(err.key, "dashboard.password_hash");
        assert_eq!(err.exit_status(), ExitStatus::Config);
    }

    #[test]
    fn values_out_of_range_name_their_key() {
        type Change = fn(&mut DashboardSettings);
        let cases: [(Change, &str); 4] = [
            (|s| s.username = String::new(), "dashboard.username"),
            (
                |s| s.session_ttl = ConfigDuration(Duration::from_secs(5)),
                "dashboard.session_ttl",
            ),
            (
                |s| s.refresh = ConfigDuration(Duration::from_secs(1)),
                "dashboard.refresh",
            ),
            (|s| s.top_offsets = 0, "dashboard.top_offsets"),
        ];
        for (change, key) in cases {
            let mut settings = DashboardSettings::default();
            change(&mut settings);
            assert_eq!(settings.validate().map_err(|e| e.key), Err(key));
        }
        assert!(matches!(
            hash_password(&Secret::new("")),
            Err(HashPasswordError::Empty)
        ));
    }
}
