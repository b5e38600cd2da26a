//! Index names: Beats-style patterns (`timebeat-%{+yyyy.MM.dd}`) resolved against a document's
//! UTC timestamp, so a document always lands in the index of its own day, however late it is
//! shipped.
//!
//! Supported: literal text, `%{+FORMAT}` with `yyyy` (or `YYYY`), `MM`, `dd`, `HH` and any
//! other characters copied, and `%{[agent.version]}`. Anything else is refused when the
//! pattern is parsed, naming the token.

use crate::time::Timestamp;

/// The default pattern of log and event documents (Timebeat's).
pub const DEFAULT_LOG_INDEX: &str = "timebeat-%{+yyyy.MM.dd}";
/// The default pattern of clock documents.
pub const DEFAULT_CLOCK_INDEX: &str = "shiwatime_clock-%{+yyyy.MM.dd}";
/// The default pattern of source documents.
pub const DEFAULT_SOURCE_INDEX: &str = "shiwatime_source-%{+yyyy.MM.dd}";

/// A pattern that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("index pattern `{pattern}`: {reason}")]
pub struct IndexPatternError {
    /// The pattern.
    pub pattern: String,
    /// What is wrong.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Date(String),
    AgentVersion,
}

/// A parsed index pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPattern {
    text: String,
    parts: Vec<Part>,
}

impl IndexPattern {
    /// Parses `pattern`.
    pub fn parse(pattern: &str) -> Result<Self, IndexPatternError> {
        let error = |reason: String| IndexPatternError {
            pattern: pattern.to_string(),
            reason,
        };
        let mut parts = Vec::new();
        let mut rest = pattern;
        while let Some(start) = rest.find("%{") {
            if start > 0 {
                parts.push(Part::Literal(rest[..start].to_string()));
            }
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| error("`%{` without a closing `}`".into()))?;
            let token = &after[..end];
            parts.push(match token {
                "[agent.version]" => Part::AgentVersion,
                date if date.starts_with('+') && date.len() > 1 => Part::Date(date[1..].into()),
                other => return Err(error(format!("unknown field `%{{{other}}}`"))),
            });
            rest = &after[end + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Literal(rest.to_string()));
        }
        let literal: String = parts
            .iter()
            .filter_map(|part| match part {
                Part::Literal(text) => Some(text.as_str()),
                _ => None,
            })
            .collect();
        if parts.is_empty() {
            return Err(error("empty".into()));
        }
        if literal.starts_with(['-', '_', '+']) || literal.chars().any(is_forbidden) {
            return Err(error(
                "Elasticsearch index names are lowercase, without \\ / * ? \" < > | , # : or \
                 spaces, and do not start with - _ +"
                    .into(),
            ));
        }
        Ok(IndexPattern {
            text: pattern.to_string(),
            parts,
        })
    }

    /// Whether it names a new index per day (or hour): data streams cannot, they roll over
    /// by themselves.
    pub fn has_date(&self) -> bool {
        self.parts.iter().any(|part| matches!(part, Part::Date(_)))
    }

    /// The text before the first `%{...}` field (`timebeat-` of `timebeat-%{+yyyy.MM.dd}`),
    /// what an index template's `index_patterns` start with.
    pub fn literal_prefix(&self) -> &str {
        match self.parts.first() {
            Some(Part::Literal(text)) => text,
            _ => "",
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The index for a document timestamped `time` (UTC).
    pub fn resolve(&self, time: Timestamp) -> String {
        let date = utc_date(time);
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::AgentVersion => out.push_str(crate::version::VERSION),
                Part::Date(format) => out.push_str(&format_date(format, date)),
            }
        }
        out
    }
}

fn is_forbidden(c: char) -> bool {
    c.is_ascii_uppercase() || "\\/*?\"<>|,#: ".contains(c)
}

/// (year, month, day, hour) in UTC.
fn utc_date(time: Timestamp) -> (i32, u8, u8, u8) {
    let seconds = time.as_nanos().div_euclid(1_000_000_000);
    match time::OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(t) => (t.year(), u8::from(t.month()), t.day(), t.hour()),
        Err(_) => (1970, 1, 1, 0),
    }
}

fn format_date(format: &str, (year, month, day, hour): (i32, u8, u8, u8)) -> String {
    format
        .replace("yyyy", &format!("{year:04}"))
        .replace("YYYY", &format!("{year:04}"))
        .replace("MM", &format!("{month:02}"))
        .replace("dd", &format!("{day:02}"))
        .replace("HH", &format!("{hour:02}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc3339: &str) -> Timestamp {
        crate::observe::rfc3339::parse(rfc3339).expect("time")
    }

    #[test]
    fn the_defaults_resolve_to_the_documents_own_utc_day() {
        let log = IndexPattern::parse(DEFAULT_LOG_INDEX).expect("default");
        assert_eq!(
            log.resolve(at("2026-11-23T23:59:59.9Z")),
            "timebeat-2026.11.23"
        );
        assert_eq!(
            log.resolve(at("2026-11-24T00:00:00Z")),
            "timebeat-2026.11.24"
        );
        let clock = IndexPattern::parse(DEFAULT_CLOCK_INDEX).expect("default");
        assert_eq!(
            clock.resolve(at("2027-01-02T03:04:05+05:00")),
            "shiwatime_clock-2027.01.01"
        );
    }

    #[test]
    fn agent_version_hours_and_literals_are_supported() {
        let pattern = IndexPattern::parse("tb-%{[agent.version]}-%{+yyyy.MM.dd.HH}").expect("ok");
        assert_eq!(
            pattern.resolve(at("2026-03-04T05:06:07Z")),
            format!("tb-{}-2026.03.04.05", crate::version::VERSION)
        );
        assert_eq!(
            IndexPattern::parse("fixed")
                .expect("ok")
                .resolve(at("2026-03-04T05:06:07Z")),
            "fixed"
        );
    }

    #[test]
    fn bad_patterns_name_the_problem() {
        for (pattern, says) in [
            ("tb-%{[host.name]}", "unknown field `%{[host.name]}`"),
            ("tb-%{+yyyy", "without a closing"),
            ("Timebeat-%{+yyyy}", "lowercase"),
            ("_tb", "do not start"),
            ("", "empty"),
        ] {
            let err = IndexPattern::parse(pattern).expect_err(pattern);
            assert!(err.to_string().contains(says), "{pattern}: {err}");
        }
    }
}
