//! `hub.yaml`, the hub's configuration, loaded with the positioned loader of
//! [`crate::config`] so every error names the file, line and key.
//!
//! ```yaml
//! listen: 0.0.0.0:8080                          # default
//! database_url: sqlite:///var/lib/shiwa/hub.db  # default; or postgres://hub@db.example/hub
//! tls:                                          # optional: serve HTTPS (files from setup-pki)
//!   certificate: /etc/shiwa/pki/hub.example.com.crt
//!   key: /etc/shiwa/pki/hub.example.com.key
//! admin_key_file: /etc/shiwa/hub-admin.key      # or admin_key_sha256: <64 hex digits>
//! retention:
//!   max_days: 90                                # reports, events, notifications, old backups
//!   keep_backups: 10                            # each node's newest backups always kept
//! limits:
//!   max_body_bytes: 1048576                     # larger pushes get 413
//! deadman: { stale_after: 2, down_after: 4, grace: 5m, sweep_interval: 60s, backup_max_age: 48h }
//! checks: { enabled: true, interval: 60s, timeout: 5s }
//! alerts: { webhooks: [ { name: ops, url: https://hooks.example/..., format: slack } ] }
//! dashboard:                                    # see hub::dashboard::settings
//!   password_hash: $argon2id$v=19$...           # `shiwa hub hash-password`
//! ```
//!
//! The `deadman`, `checks` and `alerts` sections are documented on
//! [`DeadmanSettings`](super::sweep::DeadmanSettings),
//! [`CheckSettings`](super::checks::CheckSettings) and
//! [`AlertSettings`](super::alerts::AlertSettings).

use super::alerts::AlertSettings;
use super::checks::CheckSettings;
use super::sweep::DeadmanSettings;
use crate::config::{ConfigError, Diagnostic, HttpTlsConfig, load_typed_file};
use crate::exit::{ExitStatus, HasExitStatus};
use crate::hub::dashboard::DashboardSettings;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// `listen` when not given.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8080";
/// `database_url` when not given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite:///var/lib/shiwa/hub.db";
/// `retention.max_days` when not given.
pub const DEFAULT_RETENTION_DAYS: u32 = 90;
/// `retention.keep_backups` when not given.
pub const DEFAULT_KEEP_BACKUPS: u32 = 10;
/// `limits.max_body_bytes` when not given: a backup of a config and its PKI fits easily.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// `hub.yaml`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct HubConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// `sqlite:///path` or `postgres://user@host/db`.
    pub database_url: String,
    /// Serve HTTPS with these files.
    pub tls: Option<HttpTlsConfig>,
    /// Lowercase hex SHA-256 of the admin key (the key itself stays with the operator).
    pub admin_key_sha256: Option<String>,
    /// A file (mode 0600) holding the admin key.
    pub admin_key_file: Option<PathBuf>,
    /// What is kept, for how long.
    pub retention: RetentionConfig,
    /// Request limits.
    pub limits: LimitsConfig,
    /// The dead-man's switch.
    pub deadman: DeadmanSettings,
    /// Active checks of the ports nodes declare.
    pub checks: CheckSettings,
    /// Webhook notifications.
    pub alerts: AlertSettings,
    /// The web dashboard.
    pub dashboard: DashboardSettings,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            listen: DEFAULT_LISTEN.into(),
            database_url: DEFAULT_DATABASE_URL.into(),
            tls: None,
            admin_key_sha256: None,
            admin_key_file: None,
            retention: RetentionConfig::default(),
            limits: LimitsConfig::default(),
            deadman: DeadmanSettings::default(),
            checks: CheckSettings::default(),
            alerts: AlertSettings::default(),
            dashboard: DashboardSettings::default(),
        }
    }
}

/// `retention`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct RetentionConfig {
    /// Reports, events and notifications older than this many days are pruned daily.
    pub max_days: u32,
    /// Backups older than `max_days` are pruned too, except each node's newest this many
    /// (default 10, at least 1).
    pub keep_backups: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            max_days: DEFAULT_RETENTION_DAYS,
            keep_backups: DEFAULT_KEEP_BACKUPS,
        }
    }
}

/// `limits`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct LimitsConfig {
    /// Largest request body accepted, bytes.
    pub max_body_bytes: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Why `hub.yaml` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HubConfigError {
    /// The file does not load (every problem, positioned).
    #[error(transparent)]
    Load(#[from] ConfigError),
    /// A key's value is wrong.
    #[error("{file}: {key}: {reason}")]
    Invalid {
        /// The config file.
        file: String,
        /// The key.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// A `deadman`, `checks` or `alerts` value is wrong (the message names the key).
    #[error("{file}: {message}")]
    Section {
        /// The config file.
        file: String,
        /// `deadman.down_after: must be more than stale_after`.
        message: String,
    },
    /// The admin key file cannot be read.
    #[error("{file}: admin_key_file: reading {}: {source}", path.display())]
    AdminKeyFile {
        /// The config file.
        file: String,
        /// The key file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl HasExitStatus for HubConfigError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            HubConfigError::Load(err) => err.exit_status(),
            HubConfigError::AdminKeyFile { source, .. }
                if source.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                ExitStatus::Permission
            }
            _ => ExitStatus::Config,
        }
    }
}

/// A loaded, checked `hub.yaml`.
#[derive(Debug, Clone)]
pub struct LoadedHubConfig {
    /// The settings.
    pub config: HubConfig,
    /// SHA-256 of the admin key (`None`: no admin key, admin endpoints refuse everyone).
    pub admin_key_sha256: Option<[u8; 32]>,
    /// Warnings from loading.
    pub warnings: Vec<Diagnostic>,
}

/// Loads and checks `path`.
pub fn load(path: &Path) -> Result<LoadedHubConfig, HubConfigError> {
    let (mut config, warnings): (HubConfig, _) = load_typed_file(path)?;
    let file = path.display().to_string();
    let invalid = |key, reason: String| HubConfigError::Invalid {
        file: file.clone(),
        key,
        reason,
    };
    if config.listen.parse::<std::net::SocketAddr>().is_err() {
        return Err(invalid(
            "listen",
            format!(
                "`{}` is not an address and port (0.0.0.0:8080)",
                config.listen
            ),
        ));
    }
    if config.retention.max_days == 0 {
        return Err(invalid("retention.max_days", "must be at least 1".into()));
    }
    if config.retention.keep_backups == 0 {
        return Err(invalid(
            "retention.keep_backups",
            "must be at least 1 (the newest backup is what recover needs)".into(),
        ));
    }
    if config.limits.max_body_bytes < 4096 {
        return Err(invalid(
            "limits.max_body_bytes",
            "must be at least 4096 (a report is about 1 KiB)".into(),
        ));
    }
    let section = |message: String| HubConfigError::Section {
        file: file.clone(),
        message,
    };
    config
        .deadman
        .validate()
        .map_err(|e| section(e.to_string()))?;
    config
        .checks
        .validate()
        .map_err(|e| section(e.to_string()))?;
    config
        .alerts
        .validate()
        .map_err(|e| section(e.to_string()))?;
    config
        .dashboard
        .validate()
        .map_err(|err| invalid(err.key, err.reason))?;
    let serves_tls = config.tls.is_some();
    config.dashboard.secure_cookies.get_or_insert(serves_tls);
    let admin_key_sha256 = match (&config.admin_key_sha256, &config.admin_key_file) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "admin_key_sha256",
                "give admin_key_sha256 or admin_key_file, not both".into(),
            ));
        }
        (Some(hex), None) => Some(
            parse_hex_digest(hex)
                .ok_or_else(|| invalid("admin_key_sha256", "expected 64 hex digits".into()))?,
        ),
        (None, Some(key_file)) => {
            let key = std::fs::read_to_string(key_file).map_err(|source| {
                HubConfigError::AdminKeyFile {
                    file: file.clone(),
                    path: key_file.clone(),
                    source,
                }
            })?;
            let key = key.trim();
            if key.len() < 16 {
                return Err(invalid(
                    "admin_key_file",
                    format!("{} holds fewer than 16 characters", key_file.display()),
                ));
            }
            Some(super::nodes::key_digest(key))
        }
        (None, None) => None,
    };
    Ok(LoadedHubConfig {
        config,
        admin_key_sha256,
        warnings,
    })
}

/// 64 hex digits as 32 bytes.
pub fn parse_hex_digest(hex: &str) -> Option<[u8; 32]> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    let mut digest = [0u8; 32];
    for (index, byte) in digest.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * index..2 * index + 2], 16).ok()?;
    }
    Some(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<LoadedHubConfig, HubConfigError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("hub.yaml");
        std::fs::write(&path, text).expect("write");
        load(&path)
    }

    #[test]
    fn defaults_apply_and_keys_are_read() {
        let loaded = load_text("retention:\n  max_days: 30\n").expect("loads");
        assert_eq!(loaded.config.listen, DEFAULT_LISTEN);
        assert_eq!(loaded.config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(loaded.config.retention.max_days, 30);
        assert_eq!(loaded.admin_key_sha256, None);
        let digest = "ab".repeat(32);
        let loaded = load_text(&format!("admin_key_sha256: {digest}\n")).expect("loads");
        assert_eq!(loaded.admin_key_sha256, Some([0xab; 32]));
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let err = load_text("listen: 0.0.0.0:8080\nretention:\n  max_dayz: 3\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("hub.yaml:3:"), "{text}");
        assert!(text.contains("retention.max_dayz"), "{text}");
        assert!(text.contains("max_days"), "did you mean: {text}");
        assert_eq!(err.exit_status(), ExitStatus::Config);
        let err = load_text("limits:\n  max_body_bytes: lots\n").unwrap_err();
        assert!(err.to_string().contains("limits.max_body_bytes"), "{err}");
        let err = load_text("listen: nowhere\n").unwrap_err();
        assert!(err.to_string().contains("listen: `nowhere`"), "{err}");
        let err = load_text("deadman:\n  stale_after: 4\n  down_after: 2\n").unwrap_err();
        assert!(err.to_string().contains("deadman.down_after"), "{err}");
        assert_eq!(err.exit_status(), ExitStatus::Config);
        let err = load_text("checks:\n  interval: 1s\n  timeout: 5s\n").unwrap_err();
        assert!(err.to_string().contains("checks.interval"), "{err}");
        let err = load_text("alerts:\n  webhooks:\n    - name: a\n      url: x\n").unwrap_err();
        assert!(err.to_string().contains("alerts.webhooks"), "{err}");
        let err = load_text("deadman:\n  stale_afterr: 4\n").unwrap_err();
        assert!(err.to_string().contains("hub.yaml:2:"), "{err}");
        let err = load_text("admin_key_sha256: xyz\n").unwrap_err();
        assert!(err.to_string().contains("admin_key_sha256"), "{err}");
    }

    #[test]
    fn the_dashboard_section_is_checked_and_its_cookies_follow_tls() {
        let err = load_text("dashboard:\n  password_hash: hunter2\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("dashboard.password_hash"), "{text}");
        assert!(!text.contains("hunter2"), "the value stays out: {text}");
        assert_eq!(err.exit_status(), ExitStatus::Config);
        let err = load_text("dashboard:\n  pasword_hash: x\n").unwrap_err();
        assert!(err.to_string().contains("dashboard.pasword_hash"), "{err}");
        let loaded = load_text("dashboard:\n  refresh: 10s\n").expect("loads");
        assert_eq!(loaded.config.dashboard.secure_cookies, Some(false));
        assert!(!loaded.config.dashboard.enabled());
        let tls = "tls:\n  certificate: /etc/hub.crt\n  key: /etc/hub.key\n";
        let loaded = load_text(tls).expect("loads");
        assert_eq!(
            loaded.config.dashboard.secure_cookies,
            Some(true),
            "TLS: Secure"
        );
        let behind_proxy = load_text("dashboard:\n  secure_cookies: true\n").expect("loads");
        assert_eq!(behind_proxy.config.dashboard.secure_cookies, Some(true));
    }
}
