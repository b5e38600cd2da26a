//! Validated value types used in the configuration (durations, ports, log2 intervals, ...).
//!
//! Each type checks its value when the file is loaded, so the rest of the program never sees
//! an out-of-range port or a malformed duration.

use crate::secret::Secret;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// A duration written as Timebeat does: `15m`, `4s`, `500ms`, `1h30m`, `2d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConfigDuration(pub Duration);

const UNITS: &[(&str, u128)] = &[
    ("d", 86_400_000_000_000),
    ("h", 3_600_000_000_000),
    ("m", 60_000_000_000),
    ("s", 1_000_000_000),
    ("ms", 1_000_000),
    ("us", 1_000),
    ("µs", 1_000),
    ("ns", 1),
];

impl ConfigDuration {
    /// Parses `15m`, `4s`, `1h30m`, `250ms`, `1.5s`. A bare number is refused (units matter).
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty duration: expected e.g. 15m, 4s or 500ms".into());
        }
        let mut rest = text;
        let mut total: f64 = 0.0;
        while !rest.is_empty() {
            let number_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let (number, after) = rest.split_at(number_len);
            let unit_len = after
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(after.len());
            let (unit, next) = after.split_at(unit_len);
            let value: f64 = number.parse().map_err(|_| {
                format!("invalid duration `{text}`: expected e.g. 15m, 4s or 500ms")
            })?;
            let scale = UNITS
                .iter()
                .find(|(name, _)| *name == unit)
                .map(|(_, scale)| *scale)
                .ok_or_else(|| match unit {
                    "" => format!(
                        "duration `{text}` needs a unit: ns, us, ms, s, m, h or d (e.g. {text}s)"
                    ),
                    _ => format!(
                        "invalid duration unit `{unit}` in `{text}`: use ns, us, ms, s, m, h or d"
                    ),
                })?;
            total += value * scale as f64;
            rest = next;
        }
        if !total.is_finite() || total > u64::MAX as f64 {
            return Err(format!("duration `{text}` is too large"));
        }
        Ok(ConfigDuration(Duration::from_nanos(total.round() as u64)))
    }

    /// Whole seconds, minutes... as written back to a file: the largest unit that divides exactly.
    pub fn render(&self) -> String {
        let nanos = self.0.as_nanos();
        if nanos == 0 {
            return "0s".into();
        }
        for (name, scale) in UNITS.iter().filter(|(n, _)| *n != "µs") {
            if nanos.is_multiple_of(*scale) {
                return format!("{}{name}", nanos / scale);
            }
        }
        format!("{nanos}ns")
    }
}

impl fmt::Display for ConfigDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

impl Serialize for ConfigDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.render())
    }
}

impl<'de> Deserialize<'de> for ConfigDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ConfigDuration::parse(&text).map_err(de::Error::custom)
    }
}

/// A TCP/UDP port, 1-65535.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Port(pub u16);

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let port = i64::deserialize(deserializer)?;
        match u16::try_from(port) {
            Ok(port) if port > 0 => Ok(Port(port)),
            _ => Err(de::Error::custom(format!(
                "{port} is out of range: ports are 1 to 65535"
            ))),
        }
    }
}

/// A PTP message interval as log2 seconds (`0` = 1 s, `-3` = 1/8 s), -7 to 7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct LogInterval(pub i8);

impl<'de> Deserialize<'de> for LogInterval {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match i8::deserialize(deserializer)? {
            v @ -7..=7 => Ok(LogInterval(v)),
            v => Err(de::Error::custom(format!(
                "{v} is out of range: a log2 interval from -7 (1/128 s) to 7 (128 s)"
            ))),
        }
    }
}

/// Timebeat's `step_limit`: offsets above it are never stepped. `off` (or `0`) removes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepLimit {
    /// Any offset may be stepped.
    Unlimited,
    /// Offsets above this are never stepped.
    Limit(ConfigDuration),
}

impl Default for StepLimit {
    /// 15 minutes, as in Timebeat's shipped configuration.
    fn default() -> Self {
        StepLimit::Limit(ConfigDuration(Duration::from_secs(15 * 60)))
    }
}

impl Serialize for StepLimit {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            StepLimit::Unlimited => serializer.serialize_str("off"),
            StepLimit::Limit(d) => d.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for StepLimit {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match text.trim() {
            "off" | "none" | "0" => Ok(StepLimit::Unlimited),
            other => match ConfigDuration::parse(other).map_err(de::Error::custom)? {
                d if d.0.is_zero() => Ok(StepLimit::Unlimited),
                d => Ok(StepLimit::Limit(d)),
            },
        }
    }
}

/// A private key given as a file path or, as Beats allows, inline PEM (then it is a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A path to a PEM file.
    Path(PathBuf),
    /// The PEM text itself.
    Inline(Secret),
}

impl KeySource {
    /// The path, when the key is in a file.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            KeySource::Path(p) => Some(p),
            KeySource::Inline(_) => None,
        }
    }
}

impl Serialize for KeySource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            KeySource::Path(p) => p.serialize(serializer),
            KeySource::Inline(secret) => secret.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for KeySource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KeySource;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key file path or inline PEM")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeySource, E> {
                if v.contains("-----BEGIN") {
                    Ok(KeySource::Inline(Secret::new(v)))
                } else if v.trim().is_empty() {
                    Err(E::custom("empty key path"))
                } else {
                    Ok(KeySource::Path(PathBuf::from(v)))
                }
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_timebeat_spellings() {
        let cases = [
            ("15m", 900_000_000_000u64),
            ("4s", 4_000_000_000),
            ("500ms", 500_000_000),
            ("1h30m", 5_400_000_000_000),
            ("2d", 172_800_000_000_000),
            ("1.5s", 1_500_000_000),
            ("250us", 250_000),
        ];
        for (text, nanos) in cases {
            let d = ConfigDuration::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(d.0.as_nanos(), u128::from(nanos), "{text}");
        }
    }

    #[test]
    fn durations_render_back() {
        for text in ["15m", "4s", "500ms", "2d", "90m"] {
            let d = ConfigDuration::parse(text).expect("parses");
            assert_eq!(ConfigDuration::parse(&d.render()).expect("reparses"), d);
        }
        assert_eq!(
            ConfigDuration::parse("1h30m").expect("parses").render(),
            "90m"
        );
    }

    #[test]
    fn bad_durations_say_why() {
        assert!(
            ConfigDuration::parse("15")
                .expect_err("no unit")
                .contains("needs a unit")
        );
        assert!(
            ConfigDuration::parse("15x")
                .expect_err("bad unit")
                .contains("unit `x`")
        );
        assert!(ConfigDuration::parse("").is_err());
        assert!(ConfigDuration::parse("m").is_err());
        assert!(ConfigDuration::parse("99999999999999999d").is_err());
    }
}
