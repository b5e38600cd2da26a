//! `output.elasticsearch`, `setup.template` and `queue.disk` resolved into what the shipper
//! runs with: host URLs, defaults filled in (Beats' where Beats has one), index patterns parsed,
//! spool and dead-letter files placed. Pure apart from nothing: no file is touched here.

use super::client::{ClientSettings, EsAuth};
use super::document::IndexPatterns;
use super::index::{
    DEFAULT_CLOCK_INDEX, DEFAULT_LOG_INDEX, DEFAULT_SOURCE_INDEX, IndexPattern, IndexPatternError,
};
use super::template::{DEFAULT_TEMPLATE_NAME, TemplateSettings};
use crate::config::{Config, ElasticsearchConfig, HttpScheme, SslConfig, WhenFull};
use crate::secret::Secret;
use crate::time::Duration;
use std::path::{Path, PathBuf};

/// Beats' default documents per bulk request.
pub const DEFAULT_BULK_MAX_SIZE: usize = 1600;
/// Beats' default gzip level.
pub const DEFAULT_COMPRESSION_LEVEL: u8 = 1;
/// Beats' default request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(90);
/// How often clock and source documents are taken by default.
pub const DEFAULT_SNAPSHOT_INTERVAL: Duration = Duration::from_secs(10);
/// The default bound of the spool (`queue.disk.max_size`).
pub const DEFAULT_SPOOL_BYTES: u64 = 256 << 20;
/// Elasticsearch's port when a host names none.
const DEFAULT_PORT: u16 = 9200;
/// The dead-letter file's name beside the spool.
pub const DEAD_LETTER_FILE: &str = "es-dead-letter.ndjson";
/// Data stream names when data-stream mode is on and no pattern is given.
const DEFAULT_STREAMS: [&str; 3] = ["timebeat", "shiwatime_clock", "shiwatime_source"];

/// Why the shipper cannot run with this configuration (exit 78).
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// No `output.elasticsearch` section, or `enabled: false`.
    #[error("output.elasticsearch is not configured (or enabled: false): nothing to ship to")]
    NotConfigured,
    /// A host cannot be made into a URL.
    #[error("output.elasticsearch.hosts[{index}]: `{host}` is not a host or URL: {reason}")]
    Host {
        /// Its position in `hosts`.
        index: usize,
        /// As written.
        host: String,
        /// Why.
        reason: String,
    },
    /// An index pattern cannot be used.
    #[error("output.elasticsearch.{key}: {source}")]
    Index {
        /// `index`, `clock_index` or `source_index`.
        key: &'static str,
        /// Why.
        source: IndexPatternError,
    },
}

impl crate::exit::HasExitStatus for SettingsError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Config
    }
}

/// Everything the shipper runs with.
#[derive(Debug, Clone)]
pub struct ShipperSettings {
    /// Base URLs (scheme, host, port, `path` prefix), tried in order with failover.
    pub hosts: Vec<url::Url>,
    /// Credentials, if any.
    pub credentials: Option<EsAuth>,
    /// TLS client settings (`output.elasticsearch.ssl`).
    pub ssl: Option<SslConfig>,
    /// Documents per bulk request.
    pub bulk_max_size: usize,
    /// gzip level (0 = off).
    pub compression_level: u8,
    /// Per-request timeout.
    pub timeout: Duration,
    /// First and longest retry wait.
    pub backoff: (Duration, Duration),
    /// Where each kind of document goes.
    pub indices: IndexPatterns,
    /// Ship into data streams.
    pub data_stream: bool,
    /// Install the index template at start (`setup.template.enabled`).
    pub template_enabled: bool,
    /// The index template.
    pub template: TemplateSettings,
    /// How often clock and source documents are taken.
    pub snapshot_interval: Duration,
    /// The spool file.
    pub spool_file: PathBuf,
    /// Its bound in document bytes.
    pub spool_max_bytes: u64,
    /// What a full spool does.
    pub when_full: WhenFull,
    /// Where refused documents go.
    pub dead_letter_file: PathBuf,
}

impl ShipperSettings {
    /// Resolves `config` (already validated by the loader); `state_dir` holds the spool unless
    /// `queue.disk.path` says otherwise.
    pub fn from_config(config: &Config, state_dir: &Path) -> Result<Self, SettingsError> {
        let es = config
            .output
            .elasticsearch
            .as_ref()
            .filter(|es| es.enabled)
            .ok_or(SettingsError::NotConfigured)?;
        let data_stream = es.data_stream == Some(true);
        let spool_dir = config.queue.disk.path.as_deref().unwrap_or(state_dir);
        let template = &config.setup.template;
        Ok(ShipperSettings {
            hosts: resolve_hosts(es)?,
            credentials: credentials(es),
            ssl: es.ssl.clone().filter(|ssl| ssl.enabled != Some(false)),
            bulk_max_size: es
                .bulk_max_size
                .map_or(DEFAULT_BULK_MAX_SIZE, |n| n.max(1) as usize),
            compression_level: es
                .compression_level
                .unwrap_or(DEFAULT_COMPRESSION_LEVEL)
                .min(9),
            timeout: es.timeout.map_or(DEFAULT_TIMEOUT, |t| duration(t.0)),
            backoff: backoff(es),
            indices: indices(es, data_stream)?,
            data_stream,
            template_enabled: template.enabled.unwrap_or(true),
            template: TemplateSettings {
                name: template
                    .name
                    .clone()
                    .unwrap_or_else(|| DEFAULT_TEMPLATE_NAME.into()),
                overwrite: template.overwrite.unwrap_or(false),
                data_stream,
                ..TemplateSettings::default()
            },
            snapshot_interval: es
                .snapshot_interval
                .map_or(DEFAULT_SNAPSHOT_INTERVAL, |t| duration(t.0)),
            spool_file: spool_dir.join(super::spool::ES_SPOOL_FILE),
            spool_max_bytes: config
                .queue
                .disk
                .max_size
                .map_or(DEFAULT_SPOOL_BYTES, |s| s.0),
            when_full: config.queue.disk.when_full.unwrap_or(WhenFull::Block),
            dead_letter_file: spool_dir.join(DEAD_LETTER_FILE),
        })
    }
}

impl ShipperSettings {
    /// What the HTTP client needs.
    pub fn client_settings(&self) -> ClientSettings {
        ClientSettings {
            hosts: self.hosts.clone(),
            auth: self.credentials.clone(),
            ssl: self.ssl.clone(),
            compression_level: self.compression_level,
            timeout: std::time::Duration::from_nanos(
                u64::try_from(self.timeout.as_nanos()).unwrap_or(u64::MAX),
            ),
        }
    }
}

fn duration(d: std::time::Duration) -> Duration {
    Duration::from_nanos(i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

fn credentials(es: &ElasticsearchConfig) -> Option<EsAuth> {
    if let Some(key) = &es.api_key {
        return Some(EsAuth::ApiKey(key.clone()));
    }
    es.username.as_ref().map(|username| EsAuth::Basic {
        username: username.clone(),
        password: es
            .password
            .clone()
            .unwrap_or_else(|| Secret::new(String::new())),
    })
}

fn backoff(es: &ElasticsearchConfig) -> (Duration, Duration) {
    let init = es
        .backoff
        .as_ref()
        .and_then(|b| b.init)
        .map_or(Duration::from_secs(1), |t| duration(t.0));
    let max = es
        .backoff
        .as_ref()
        .and_then(|b| b.max)
        .map_or(Duration::from_secs(60), |t| duration(t.0));
    (init, max.max(init))
}

fn indices(es: &ElasticsearchConfig, data_stream: bool) -> Result<IndexPatterns, SettingsError> {
    let pick = |key: &'static str, value: &Option<String>, daily: &str, stream: &str| {
        let text = value
            .as_deref()
            .unwrap_or(if data_stream { stream } else { daily });
        IndexPattern::parse(text).map_err(|source| SettingsError::Index { key, source })
    };
    Ok(IndexPatterns {
        logs: pick("index", &es.index, DEFAULT_LOG_INDEX, DEFAULT_STREAMS[0])?,
        clock: pick(
            "clock_index",
            &es.clock_index,
            DEFAULT_CLOCK_INDEX,
            DEFAULT_STREAMS[1],
        )?,
        source: pick(
            "source_index",
            &es.source_index,
            DEFAULT_SOURCE_INDEX,
            DEFAULT_STREAMS[2],
        )?,
    })
}

/// `hosts` as base URLs: `host`, `host:port` or a full URL; `protocol` (or an `ssl` section)
/// picks the scheme of bare hosts, port 9200 when none is given, `path` appended.
pub fn resolve_hosts(es: &ElasticsearchConfig) -> Result<Vec<url::Url>, SettingsError> {
    let tls = es.protocol == Some(HttpScheme::Https)
        || (es.protocol.is_none() && es.ssl.as_ref().is_some_and(|s| s.enabled != Some(false)));
    let scheme = if tls { "https" } else { "http" };
    es.hosts
        .iter()
        .enumerate()
        .map(|(index, host)| {
            let error = |reason: String| SettingsError::Host {
                index,
                host: host.clone(),
                reason,
            };
            let text = if host.contains("://") {
                host.clone()
            } else {
                format!("{scheme}://{host}")
            };
            let mut url = url::Url::parse(&text).map_err(|err| error(err.to_string()))?;
            if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
                return Err(error("expected http(s)://host[:port][/path]".into()));
            }
            if url.port().is_none() && !host.contains("://") {
                let _ = url.set_port(Some(DEFAULT_PORT));
            }
            let mut path = url.path().trim_end_matches('/').to_string();
            if let Some(prefix) = es.path.as_deref().map(|p| p.trim_matches('/'))
                && !prefix.is_empty()
            {
                path = format!("{path}/{prefix}");
            }
            url.set_path(&format!("{path}/"));
            Ok(url)
        })
        .collect()
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
