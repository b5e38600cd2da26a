//! `output.elasticsearch`, `monitoring.*` and the shared `ssl.*` settings (Beats' names).

use super::model::redact_option;
use super::values::{ConfigDuration, KeySource};
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `output:` — where documents are shipped.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct OutputConfig {
    /// `output.elasticsearch`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elasticsearch: Option<ElasticsearchConfig>,
}

impl OutputConfig {
    pub(super) fn redact(&mut self) {
        if let Some(es) = &mut self.elasticsearch {
            es.redact();
        }
    }
}

/// `monitoring:` — Beats-style self-monitoring.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MonitoringConfig {
    /// Ship shiwa's own metrics.
    pub enabled: bool,
    /// Where to; empty means "the same as output.elasticsearch".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elasticsearch: Option<ElasticsearchConfig>,
}

impl MonitoringConfig {
    pub(super) fn redact(&mut self) {
        if let Some(es) = &mut self.elasticsearch {
            es.redact();
        }
    }
}

/// `http` or `https`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HttpScheme {
    /// Plain HTTP.
    Http,
    /// HTTP over TLS.
    Https,
}

/// Retry backoff (`backoff.init`, `backoff.max`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BackoffConfig {
    /// First wait (default 1s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<ConfigDuration>,
    /// Longest wait (default 60s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<ConfigDuration>,
}

/// An Elasticsearch connection (`output.elasticsearch`, `monitoring.elasticsearch`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ElasticsearchConfig {
    /// Ship to this output.
    pub enabled: bool,
    /// `host:port` or URLs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    /// `http` or `https` for hosts given without a scheme.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<HttpScheme>,
    /// URL path prefix (behind a proxy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Basic-auth user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Basic-auth password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// API key `id:key` (sent as `ApiKey base64`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// Index name pattern of logs and events (`timebeat-%{+yyyy.MM.dd}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// Index name pattern of clock documents (`shiwatime_clock-%{+yyyy.MM.dd}`; shiwa's key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_index: Option<String>,
    /// Index name pattern of source documents (`shiwatime_source-%{+yyyy.MM.dd}`; shiwa's key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_index: Option<String>,
    /// Ship into data streams named by the index patterns instead of daily indices (shiwa's key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_stream: Option<bool>,
    /// How often clock and source documents are taken from the daemon's state (default 10s;
    /// shiwa's key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_interval: Option<ConfigDuration>,
    /// Documents per bulk request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bulk_max_size: Option<u32>,
    /// gzip level 0-9 (0 = off).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression_level: Option<u8>,
    /// HTTP request timeout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<ConfigDuration>,
    /// Retry backoff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff: Option<BackoffConfig>,
    /// TLS.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl: Option<SslConfig>,
}

impl Default for ElasticsearchConfig {
    fn default() -> Self {
        ElasticsearchConfig {
            enabled: true,
            hosts: Vec::new(),
            protocol: None,
            path: None,
            username: None,
            password: None,
            api_key: None,
            index: None,
            clock_index: None,
            source_index: None,
            data_stream: None,
            snapshot_interval: None,
            bulk_max_size: None,
            compression_level: None,
            timeout: None,
            backoff: None,
            ssl: None,
        }
    }
}

impl ElasticsearchConfig {
    fn redact(&mut self) {
        redact_option(&mut self.password);
        redact_option(&mut self.api_key);
        if let Some(ssl) = &mut self.ssl {
            ssl.redact();
        }
    }
}

/// How strictly the peer's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerificationMode {
    /// Chain and host name (default).
    Full,
    /// As full, and the certificate must carry a SAN.
    Strict,
    /// Chain only, not the host name.
    Certificate,
    /// Nothing (testing only).
    None,
}

/// `ssl.*`: TLS client settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SslConfig {
    /// Use TLS (default: on when the section is present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// CA certificate files to trust.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificate_authorities: Vec<PathBuf>,
    /// Client certificate file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<PathBuf>,
    /// Client key: a file, or inline PEM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<KeySource>,
    /// Passphrase of an encrypted key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_passphrase: Option<Secret>,
    /// `full`, `strict`, `certificate` or `none`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_mode: Option<VerificationMode>,
}

impl SslConfig {
    pub(super) fn redact(&mut self) {
        redact_option(&mut self.key_passphrase);
        if let Some(KeySource::Inline(secret)) = &mut self.key {
            *secret = Secret::redacted();
        }
    }

    /// The files this section names.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files = self.certificate_authorities.clone();
        files.extend(self.certificate.clone());
        files.extend(self.key.as_ref().and_then(|k| k.path()).map(PathBuf::from));
        files
    }
}
