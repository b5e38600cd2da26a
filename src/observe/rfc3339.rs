//! Serde helpers: a [`Timestamp`] as an RFC 3339 string in UTC with nanoseconds
//! (`"2026-11-22T16:11:07.123456789Z"`), used with `#[serde(with = "rfc3339")]`.
//!
//! Parsing accepts any RFC 3339 offset (`+02:00` as well as `Z`) and converts to UTC, so a value
//! written by another tool reads back as the same instant.

use crate::time::Timestamp;
use serde::{Deserialize, Deserializer, Serializer};

/// Writes `timestamp` as RFC 3339.
pub fn serialize<S: Serializer>(timestamp: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&timestamp.to_rfc3339())
}

/// Reads an RFC 3339 string.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).map_err(serde::de::Error::custom)
}

/// Parses an RFC 3339 date-time into a [`Timestamp`]; the error says what was wrong.
pub fn parse(text: &str) -> Result<Timestamp, String> {
    let datetime =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map_err(|err| format!("invalid RFC 3339 timestamp {text:?}: {err}"))?;
    i64::try_from(datetime.unix_timestamp_nanos())
        .map(Timestamp::from_nanos)
        .map_err(|_| format!("timestamp {text:?} is outside the years 1677-2262"))
}

/// The same for `Option<Timestamp>`: `null` when absent. Fields using it need
/// `#[serde(default)]` so that a missing key also reads as `None`.
pub mod option {
    use super::parse;
    use crate::time::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the timestamp as RFC 3339, or `null`.
    pub fn serialize<S: Serializer>(
        timestamp: &Option<Timestamp>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match timestamp {
            Some(timestamp) => serializer.serialize_str(&timestamp.to_rfc3339()),
            None => serializer.serialize_none(),
        }
    }

    /// Reads an RFC 3339 string or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(text) => parse(&text).map(Some).map_err(serde::de::Error::custom),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_writes_to_the_nanosecond() {
        for nanos in [0, 1, -1, 1_763_827_867_123_456_789, -5_000_000_000] {
            let timestamp = Timestamp::from_nanos(nanos);
            assert_eq!(parse(&timestamp.to_rfc3339()), Ok(timestamp), "{nanos}");
        }
    }

    #[test]
    fn other_offsets_convert_to_utc() {
        assert_eq!(
            parse("1970-01-01T02:00:01+02:00"),
            Ok(Timestamp::from_secs_nanos(1, 0))
        );
    }

    #[test]
    fn rejects_garbage_and_out_of_range_years() {
        let err = parse("yesterday").expect_err("not a date");
        assert!(err.contains("yesterday"), "{err}");
        let err = parse("2300-01-01T00:00:00Z").expect_err("after 2262");
        assert!(err.contains("1677-2262"), "{err}");
    }
}
