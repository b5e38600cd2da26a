//! The typed configuration: what the YAML means once loaded and validated.
//!
//! Key names are Timebeat's, in snake_case exactly as Timebeat spells them. Every section has
//! defaults, so a file only needs what differs. `config show` prints this model with defaults
//! filled in and secrets redacted.

use super::http::{HttpAuthConfig, HttpTlsConfig};
use super::outputs::{MonitoringConfig, OutputConfig, SslConfig};
use super::shipping::{QueueConfig, SetupConfig};
use super::sources::SourceConfig;
use super::values::{ConfigDuration, Port, StepLimit};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// The agent section, `timebeat:` (also accepted as `shiwa:`).
    pub timebeat: AgentConfig,
    /// Where data is shipped (`output.elasticsearch`).
    pub output: OutputConfig,
    /// Beats-style self-monitoring (`monitoring.enabled`, `monitoring.elasticsearch`).
    pub monitoring: MonitoringConfig,
    /// shiwa's fleet hub connection (shiwa's own section).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub: Option<HubConfig>,
    /// Beats' `setup:` (shiwa implements `setup.template`).
    #[serde(skip_serializing_if = "SetupConfig::is_default")]
    pub setup: SetupConfig,
    /// Beats' `queue:` (shiwa implements `queue.disk`, the shipper's spool).
    #[serde(skip_serializing_if = "QueueConfig::is_default")]
    pub queue: QueueConfig,
    /// Timebeat settings shiwa does not implement yet, by dotted path, kept so that an export
    /// followed by an import gives the same file back.
    #[serde(skip)]
    pub unimplemented: BTreeMap<String, serde_json::Value>,
}

/// The `timebeat:` section.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AgentConfig {
    /// Clock synchronisation: sources, steering policy.
    pub clock_sync: ClockSyncConfig,
    /// The HTTP API (`serve-api`).
    pub http: HttpConfig,
    /// The SSH management shell (`cli-ssh`).
    pub cli: CliConfig,
    /// Timebeat's `advanced` section; shiwa implements `linux_specific.hardware_timestamping`
    /// (its other keys load with a warning and are kept in exports).
    #[serde(skip_serializing_if = "AdvancedConfig::is_default")]
    pub advanced: AdvancedConfig,
}

/// `timebeat.advanced`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AdvancedConfig {
    /// `timebeat.advanced.linux_specific`.
    pub linux_specific: LinuxSpecificConfig,
}

impl AdvancedConfig {
    /// True when nothing differs from the defaults (the section is then left out of exports).
    pub fn is_default(&self) -> bool {
        *self == AdvancedConfig::default()
    }
}

/// `timebeat.advanced.linux_specific`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LinuxSpecificConfig {
    /// Timestamp PTP in the NIC (`SIOCSHWTSTAMP`) and read the timestamps through its PTP
    /// hardware clock. Default off: kernel software timestamps. Asked for on an interface
    /// without it, the PTP source fails with an error naming the interface.
    pub hardware_timestamping: bool,
}

/// `timebeat.clock_sync`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClockSyncConfig {
    /// `false` puts every source in monitor-only mode: the clock is never written.
    pub adjust_clock: bool,
    /// Offsets above this are never stepped (default 15m; `off` removes the limit).
    pub step_limit: StepLimit,
    /// At start, an offset larger than this is stepped instead of slewed (default 20us, as
    /// linuxptp's `first_step_threshold`; `0s` never steps at start).
    pub first_step_threshold: ConfigDuration,
    /// After the first update, offsets larger than this are stepped (default: never, the
    /// clock is only slewed, as linuxptp's `step_threshold 0`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step_threshold: Option<ConfigDuration>,
    /// Serve NTP from the free-running local clock at this stratum (1-15) when no source is
    /// selected, as chrony's `local stratum`. Unset: a server without a source says it is
    /// unsynchronised.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_stratum: Option<u8>,
    /// Sources used while any of them is usable.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub primary_clocks: Vec<SourceConfig>,
    /// Sources used when no primary is usable.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secondary_clocks: Vec<SourceConfig>,
}

impl Default for ClockSyncConfig {
    fn default() -> Self {
        ClockSyncConfig {
            adjust_clock: true,
            step_limit: StepLimit::default(),
            first_step_threshold: ConfigDuration(Duration::from_micros(20)),
            step_threshold: None,
            local_stratum: None,
            primary_clocks: Vec::new(),
            secondary_clocks: Vec::new(),
        }
    }
}

/// `timebeat.http`: the HTTP API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpConfig {
    /// Serve the API from the sync daemon.
    pub enable: bool,
    /// Port (default 8088).
    pub bind_port: Port,
    /// Address to bind (default 127.0.0.1; Timebeat's sample uses 0.0.0.0).
    pub bind_host: String,
    /// shiwa extension: serve HTTPS with this certificate and key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<HttpTlsConfig>,
    /// shiwa extension: a bearer token or basic auth for everything but `/api/v1/health`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth: Option<HttpAuthConfig>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            enable: false,
            bind_port: Port(8088),
            bind_host: "127.0.0.1".into(),
            tls: None,
            auth: None,
        }
    }
}

/// `timebeat.cli`: the SSH management shell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CliConfig {
    /// Serve the shell from the sync daemon.
    pub enable: bool,
    /// Port (default 65129).
    pub bind_port: Port,
    /// Address to bind (default 127.0.0.1).
    pub bind_host: String,
    /// Login name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Login password (Timebeat's plaintext form; accepted with a warning).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// Login password as an argon2 PHC string (`$argon2id$v=19$...`, from `shiwa cli-ssh
    /// --hash-password`); preferred over `password`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<Secret>,
    /// SSH host key file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_key: Option<PathBuf>,
    /// Authorised public keys file (`authorized_keys` is accepted too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorised_keys: Option<PathBuf>,
}

impl Default for CliConfig {
    fn default() -> Self {
        CliConfig {
            enable: false,
            bind_port: Port(65129),
            bind_host: "127.0.0.1".into(),
            username: None,
            password: None,
            password_hash: None,
            server_key: None,
            authorised_keys: None,
        }
    }
}

/// `hub:`: where this node reports to (shiwa's own section).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubConfig {
    /// The hub's base URL, `https://hub.example.net:8080`.
    pub url: url::Url,
    /// This node's id (default: the host name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// The node's API key, sent as a Bearer token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// How often reports are pushed (default 15m).
    #[serde(default = "default_report_interval")]
    pub report_interval: ConfigDuration,
    /// TLS settings for the hub connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl: Option<SslConfig>,
    /// The password backups are sealed with (argon2id + AES-256-GCM); the hub never sees it.
    /// Without one (or `retrieval_password_file`), backups leave every secret out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrieval_password: Option<Secret>,
    /// A file whose first line is the retrieval password.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrieval_password_file: Option<PathBuf>,
    /// |offset| above which an `offset_exceeded` event is sent, in ns (default 100 000 =
    /// 100 µs, the MiFID II bound); 0 turns the alert off.
    #[serde(default = "default_offset_alert_ns")]
    pub offset_alert_ns: u64,
    /// The durable spool that holds records until the hub acknowledges them.
    #[serde(default)]
    pub spool: HubSpoolConfig,
}

fn default_report_interval() -> ConfigDuration {
    ConfigDuration(Duration::from_secs(15 * 60))
}

fn default_offset_alert_ns() -> u64 {
    100_000
}

/// `hub.spool`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HubSpoolConfig {
    /// Records kept while the hub is unreachable (default 10 000): beyond it the oldest
    /// reports are dropped; events and backups are kept up to twice this.
    pub max_records: u64,
}

impl Default for HubSpoolConfig {
    fn default() -> Self {
        HubSpoolConfig {
            max_records: 10_000,
        }
    }
}

impl Config {
    /// A copy with every secret replaced by a placeholder, for showing to people.
    pub fn redacted(&self) -> Config {
        let mut copy = self.clone();
        redact_option(&mut copy.timebeat.cli.password);
        if let Some(auth) = &mut copy.timebeat.http.auth {
            auth.redact();
        }
        redact_option(&mut copy.timebeat.cli.password_hash);
        copy.output.redact();
        copy.monitoring.redact();
        if let Some(hub) = &mut copy.hub {
            redact_option(&mut hub.api_key);
            redact_option(&mut hub.retrieval_password);
            if let Some(ssl) = &mut hub.ssl {
                ssl.redact();
            }
        }
        for value in copy.unimplemented.values_mut() {
            super::document::redact_json(value);
        }
        copy
    }

    /// Every clock source, primary first.
    pub fn sources(&self) -> impl Iterator<Item = &SourceConfig> {
        let sync = &self.timebeat.clock_sync;
        sync.primary_clocks.iter().chain(&sync.secondary_clocks)
    }

    /// The files named by `ssl.*` keys anywhere in the config (CA, certificate, key).
    pub fn pki_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let ssl_sections = [
            self.output
                .elasticsearch
                .as_ref()
                .and_then(|es| es.ssl.as_ref()),
            self.monitoring
                .elasticsearch
                .as_ref()
                .and_then(|es| es.ssl.as_ref()),
            self.hub.as_ref().and_then(|hub| hub.ssl.as_ref()),
        ];
        for ssl in ssl_sections.into_iter().flatten() {
            files.extend(ssl.files());
        }
        files.sort();
        files.dedup();
        files
    }
}

/// Replaces a present secret with the placeholder.
pub fn redact_option(secret: &mut Option<Secret>) {
    if secret.is_some() {
        *secret = Some(Secret::redacted());
    }
}
