//! What the Elasticsearch shipper needs beyond `output.elasticsearch`, under the Beats names:
//! `setup.template.*` (the index template installed at start) and `queue.disk.*` (the durable
//! spool documents wait in until Elasticsearch acknowledges them).
//!
//! ```yaml
//! setup.template.enabled: true        # install the index template at start (default)
//! setup.template.name: shiwa
//! setup.template.overwrite: false     # replace an existing template of that name
//! queue.disk.path: /var/lib/shiwa     # the spool's directory (default: the state directory)
//! queue.disk.max_size: 256MB          # bound on the spooled documents' bytes
//! queue.disk.when_full: block         # or drop_oldest
//! ```

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::path::PathBuf;

/// `setup:` — Beats' one-time setup; shiwa implements `setup.template`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SetupConfig {
    /// `setup.template`.
    #[serde(skip_serializing_if = "TemplateConfig::is_default")]
    pub template: TemplateConfig,
}

impl SetupConfig {
    /// True when nothing differs from the defaults (left out of exports).
    pub fn is_default(&self) -> bool {
        *self == SetupConfig::default()
    }
}

/// `setup.template`: the composable index template installed when shipping starts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplateConfig {
    /// Install it (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Its name (default `shiwa`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Replace a template of that name that is already there (default false: keep it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overwrite: Option<bool>,
}

impl TemplateConfig {
    /// True when nothing is set.
    pub fn is_default(&self) -> bool {
        *self == TemplateConfig::default()
    }
}

/// `queue:` — where events wait before an output takes them; shiwa implements `queue.disk`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueConfig {
    /// `queue.disk`: the shipper's durable spool.
    #[serde(skip_serializing_if = "DiskQueueConfig::is_default")]
    pub disk: DiskQueueConfig,
}

impl QueueConfig {
    /// True when nothing differs from the defaults (left out of exports).
    pub fn is_default(&self) -> bool {
        *self == QueueConfig::default()
    }
}

/// `queue.disk`: the SQLite spool documents are written to before shipping.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DiskQueueConfig {
    /// Its directory (default: the state directory).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// The most document bytes it holds (default 256MB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_size: Option<ByteSize>,
    /// What happens to a new document when it is full (default `block`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when_full: Option<WhenFull>,
}

impl DiskQueueConfig {
    /// True when nothing is set.
    pub fn is_default(&self) -> bool {
        *self == DiskQueueConfig::default()
    }
}

/// The spool's overflow policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhenFull {
    /// Take no new documents until shipping makes room; what the daemon publishes meanwhile
    /// is not collected (counted as `blocked`). Nothing already spooled is lost.
    Block,
    /// Drop the oldest spooled documents to make room (counted as `dropped`).
    DropOldest,
}

/// A size in bytes, written `256MB`, `1GiB`, `512KB` or a bare number of bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ByteSize(pub u64);

const BYTE_UNITS: &[(&str, u64)] = &[
    ("b", 1),
    ("kb", 1_000),
    ("kib", 1 << 10),
    ("mb", 1_000_000),
    ("mib", 1 << 20),
    ("gb", 1_000_000_000),
    ("gib", 1 << 30),
    ("tb", 1_000_000_000_000),
    ("tib", 1 << 40),
];

impl ByteSize {
    /// Parses `256MB`, `1GiB`, `1.5GB`, `4096`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let value: f64 = number
            .parse()
            .map_err(|_| format!("invalid size `{text}`: expected e.g. 256MB, 1GiB or 4096"))?;
        let unit = unit.trim().to_ascii_lowercase();
        let scale = if unit.is_empty() {
            1
        } else {
            BYTE_UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, scale)| *scale)
                .ok_or_else(|| {
                    format!(
                        "invalid size unit in `{text}`: use B, KB, MB, GB, TB or KiB, MiB, GiB, TiB"
                    )
                })?
        };
        let bytes = value * scale as f64;
        if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
            return Err(format!("size `{text}` is out of range"));
        }
        Ok(ByteSize(bytes as u64))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.0;
        match [("GiB", 1u64 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
            .into_iter()
            .find(|(_, scale)| bytes >= *scale && bytes.is_multiple_of(*scale))
        {
            Some((unit, scale)) => write!(f, "{}{unit}", bytes / scale),
            None => write!(f, "{bytes}"),
        }
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(bytes) => Ok(ByteSize(bytes)),
            Raw::Text(text) => ByteSize::parse(&text).map_err(de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_in_decimal_and_binary_units_and_render_back() {
        assert_eq!(ByteSize::parse("256MB"), Ok(ByteSize(256_000_000)));
        assert_eq!(ByteSize::parse("1GiB"), Ok(ByteSize(1 << 30)));
        assert_eq!(ByteSize::parse("1.5 kb"), Ok(ByteSize(1_500)));
        assert_eq!(ByteSize::parse("4096"), Ok(ByteSize(4096)));
        assert!(ByteSize::parse("12 parsecs").unwrap_err().contains("unit"));
        assert!(ByteSize::parse("MB").unwrap_err().contains("invalid size"));
        assert_eq!(ByteSize(1 << 30).to_string(), "1GiB");
        assert_eq!(ByteSize(1_500).to_string(), "1500");
        let round_trip = ByteSize::parse(&ByteSize(3 << 20).to_string());
        assert_eq!(round_trip, Ok(ByteSize(3 << 20)));
    }
}
