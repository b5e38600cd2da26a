//! What the test server holds: indices of documents, index templates and data streams, and
//! the counters tests read.

use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};

/// One stored document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredDocument {
    /// The index (or data stream) it is in.
    pub index: String,
    /// Its `_id`.
    pub id: String,
    /// `_version`: 1 when created, +1 for each `index` over it.
    pub version: u64,
    /// `_seq_no` within its index.
    pub seq_no: u64,
    /// `_source`.
    pub source: Value,
}

/// A data stream made by a `create` into an index matching a `data_stream` template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataStream {
    /// Its name (the index written to).
    pub name: String,
    /// The one backing index (`.ds-NAME-yyyy.MM.dd-000001`).
    pub backing_index: String,
    /// The template it was made from.
    pub template: String,
}

/// Counters of everything the server saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Requests answered (any path, any status).
    pub requests: u64,
    /// `_bulk` requests.
    pub bulk_requests: u64,
    /// Documents in the `_bulk` requests that were read.
    pub docs_received: u64,
    /// Documents stored (created or overwritten).
    pub docs_stored: u64,
    /// `create` of an `_id` already stored (409).
    pub duplicates: u64,
    /// `_bulk` body bytes after decompression.
    pub raw_bytes: u64,
    /// `_bulk` body bytes as received.
    pub wire_bytes: u64,
    /// `_bulk` requests with `Content-Encoding: gzip`.
    pub gzip_requests: u64,
    /// Requests per HTTP status answered.
    pub request_statuses: BTreeMap<u16, u64>,
    /// Bulk items per status answered.
    pub item_statuses: BTreeMap<u16, u64>,
}

/// A document as the store holds it: its source kept as sent.
#[derive(Debug)]
pub(super) struct Held {
    pub version: u64,
    pub seq_no: u64,
    pub source: Box<RawValue>,
}

impl Held {
    /// The document as tests read it.
    pub fn to_stored(&self, index: &str, id: &str) -> StoredDocument {
        StoredDocument {
            index: index.to_string(),
            id: id.to_string(),
            version: self.version,
            seq_no: self.seq_no,
            source: serde_json::from_str(self.source.get()).unwrap_or(Value::Null),
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct Index {
    pub docs: HashMap<String, Held>,
    next_seq_no: u64,
}

/// Indices, templates and data streams.
#[derive(Debug, Default)]
pub(super) struct Store {
    pub indices: BTreeMap<String, Index>,
    pub templates: BTreeMap<String, Value>,
    pub data_streams: BTreeMap<String, DataStream>,
    next_auto_id: u64,
}

/// What storing one document did.
pub(super) enum Stored {
    /// New: `_version` 1.
    Created { seq_no: u64 },
    /// Overwritten by `index`: the new version.
    Updated { version: u64, seq_no: u64 },
    /// `create` of an id already there: its current version.
    Conflict { version: u64 },
}

impl Store {
    /// A fresh `_id` for an action without one (20 characters, like Elasticsearch's).
    pub fn auto_id(&mut self) -> String {
        self.next_auto_id += 1;
        format!("auto{:016x}", self.next_auto_id)
    }

    /// Stores `source` as `index`/`id`; `create` refuses an id already there.
    pub fn put(&mut self, index: &str, id: &str, source: Box<RawValue>, create: bool) -> Stored {
        let entry = self.indices.entry(index.to_string()).or_default();
        let seq_no = entry.next_seq_no;
        if let Some(existing) = entry.docs.get_mut(id) {
            if create {
                return Stored::Conflict {
                    version: existing.version,
                };
            }
            entry.next_seq_no += 1;
            existing.version += 1;
            existing.seq_no = seq_no;
            existing.source = source;
            return Stored::Updated {
                version: existing.version,
                seq_no,
            };
        }
        entry.next_seq_no += 1;
        entry.docs.insert(
            id.to_string(),
            Held {
                version: 1,
                seq_no,
                source,
            },
        );
        Stored::Created { seq_no }
    }

    /// The indices (and data streams) a comma-separated list of names or `*` patterns
    /// names, or the first concrete name that does not exist.
    pub fn resolve(&self, expression: &str) -> Result<Vec<&Index>, String> {
        let mut found = Vec::new();
        for part in expression.split(',').filter(|p| !p.is_empty()) {
            if part.contains('*') || part == "_all" {
                let pattern = if part == "_all" { "*" } else { part };
                found.extend(
                    self.indices
                        .iter()
                        .filter(|(name, _)| glob(pattern, name))
                        .map(|(_, index)| index),
                );
            } else {
                found.push(self.indices.get(part).ok_or_else(|| part.to_string())?);
            }
        }
        Ok(found)
    }

    /// The highest-priority template whose `index_patterns` match `index`.
    pub fn template_for(&self, index: &str) -> Option<(&str, &Value)> {
        self.templates
            .iter()
            .filter(|(_, body)| patterns_of(body).iter().any(|pattern| glob(pattern, index)))
            .max_by_key(|(_, body)| body["priority"].as_i64().unwrap_or(0))
            .map(|(name, body)| (name.as_str(), body))
    }
}

/// A template's `index_patterns` (a string or a list).
pub(super) fn patterns_of(template: &Value) -> Vec<String> {
    match &template["index_patterns"] {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// Elasticsearch's simple wildcard match: `*` matches any run of characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Why Elasticsearch would refuse `name` as an index name, if it would.
pub(super) fn invalid_index_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        Some("must not be empty")
    } else if name != name.to_lowercase() {
        Some("must be lowercase")
    } else if name.starts_with(['_', '-', '+']) {
        Some("must not start with '_', '-', or '+'")
    } else if name == "." || name == ".." {
        Some("must not be '.' or '..'")
    } else if name.len() > 255 {
        Some("index name is too long")
    } else if name.chars().any(|c| {
        matches!(
            c,
            '\\' | '/' | '*' | '?' | '"' | '<' | '>' | '|' | ' ' | ',' | '#' | ':'
        )
    }) {
        Some("must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?, :, #]")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_elasticsearch_wildcards() {
        assert!(glob("timebeat-*", "timebeat-2026.11.23"));
        assert!(glob("*", "anything"));
        assert!(glob("a*c*e", "abcde"));
        assert!(!glob("a*c*e", "abcd"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
        assert!(!glob("shiwatime_clock-*", "timebeat-1"));
        assert!(!glob("ab*b", "ab") && glob("a*a", "aa"));
    }

    fn raw(a: u32) -> Box<RawValue> {
        RawValue::from_string(format!(r#"{{"a":{a}}}"#)).expect("json")
    }

    #[test]
    fn create_conflicts_index_overwrites() {
        let mut store = Store::default();
        assert!(matches!(
            store.put("i", "1", raw(1), true),
            Stored::Created { seq_no: 0 }
        ));
        assert!(matches!(
            store.put("i", "1", raw(2), true),
            Stored::Conflict { version: 1 }
        ));
        assert!(matches!(
            store.put("i", "1", raw(3), false),
            Stored::Updated {
                version: 2,
                seq_no: 1
            }
        ));
        let held = &store.indices["i"].docs["1"];
        assert_eq!(held.to_stored("i", "1").source, serde_json::json!({"a": 3}));
        assert_eq!(store.resolve("i,j*").map(|found| found.len()), Ok(1));
        assert_eq!(store.resolve("missing").err(), Some("missing".to_string()));
        assert_eq!(invalid_index_name("Upper"), Some("must be lowercase"));
        assert_eq!(invalid_index_name("timebeat-2026.11.23"), None);
    }
}
