//! The documents shipped to Elasticsearch, built from what `shiwa sync` publishes: one clock
//! document and one per source on every snapshot interval, one per engine event, one per log
//! record at info and above.
//!
//! Every document has `@timestamp` (its own time, UTC), `host.name`, `agent` (`type: shiwa`,
//! `version`) and `event.dataset`, and a deterministic `_id`: the SHA-256 of what makes it
//! unique (kind, host, time, and the source or message), so a document sent twice — after a
//! retry, a crash, a replayed spool — is the same document, and the bulk `create` action
//! answers 409 instead of storing a copy.

use super::index::IndexPattern;
use crate::observe::{EventRecord, LogLevel, LogRecord, SyncSnapshot};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::Digest;

/// What a document describes (its `event.dataset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The disciplined clock.
    Clock,
    /// One source.
    Source,
    /// An engine event.
    Event,
    /// A log record.
    Log,
}

impl DocumentKind {
    /// The `event.dataset` value.
    pub fn dataset(self) -> &'static str {
        match self {
            DocumentKind::Clock => "shiwa.clock",
            DocumentKind::Source => "shiwa.source",
            DocumentKind::Event => "shiwa.event",
            DocumentKind::Log => "shiwa.log",
        }
    }

    /// The kind whose `event.dataset` is `dataset`.
    pub fn from_dataset(dataset: &str) -> Option<Self> {
        [
            DocumentKind::Clock,
            DocumentKind::Source,
            DocumentKind::Event,
            DocumentKind::Log,
        ]
        .into_iter()
        .find(|kind| kind.dataset() == dataset)
    }
}

/// One document, ready for the bulk API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// The index it goes to (resolved from the pattern and `@timestamp`).
    pub index: String,
    /// Its deterministic `_id`.
    pub id: String,
    /// What it describes.
    pub kind: DocumentKind,
    /// Its JSON source.
    pub body: Value,
}

/// The index patterns documents are routed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPatterns {
    /// Logs and events (`timebeat-%{+yyyy.MM.dd}`).
    pub logs: IndexPattern,
    /// Clock documents.
    pub clock: IndexPattern,
    /// Source documents.
    pub source: IndexPattern,
}

impl IndexPatterns {
    fn for_kind(&self, kind: DocumentKind) -> &IndexPattern {
        match kind {
            DocumentKind::Clock => &self.clock,
            DocumentKind::Source => &self.source,
            DocumentKind::Event | DocumentKind::Log => &self.logs,
        }
    }
}

/// The clock document and one document per source of `snapshot`.
pub fn snapshot_documents(snapshot: &SyncSnapshot, indices: &IndexPatterns) -> Vec<Document> {
    let time = snapshot.generated_at;
    let host = snapshot.host.as_str();
    let mut documents = Vec::with_capacity(1 + snapshot.sources.len());
    let clock = serde_json::to_value(&snapshot.clock).unwrap_or(Value::Null);
    documents.push(document(
        indices,
        DocumentKind::Clock,
        host,
        time,
        &[],
        json!({ "clock": clock }),
    ));
    for source in &snapshot.sources {
        let value = serde_json::to_value(source).unwrap_or(Value::Null);
        documents.push(document(
            indices,
            DocumentKind::Source,
            host,
            time,
            &[source.name.as_str()],
            json!({ "source": value }),
        ));
    }
    documents
}

/// The document of an engine event.
pub fn event_document(event: &EventRecord, host: &str, indices: &IndexPatterns) -> Document {
    let kind = event.kind.name();
    let body = json!({
        "message": event.message,
        "log": { "level": event.severity.to_string() },
        "shiwa": { "event": { "kind": kind } },
    });
    let mut doc = document(
        indices,
        DocumentKind::Event,
        host,
        event.time,
        &[kind, &event.message],
        body,
    );
    doc.body["event"]["kind"] = json!("event");
    doc
}

/// The document of a log record, or `None` below info.
pub fn log_document(record: &LogRecord, host: &str, indices: &IndexPatterns) -> Option<Document> {
    if record.level > LogLevel::Info {
        return None;
    }
    let body = json!({
        "message": record.message,
        "log": { "level": record.level.to_string(), "logger": record.target },
        "fields": Value::Object(record.fields.clone()),
    });
    Some(document(
        indices,
        DocumentKind::Log,
        host,
        record.time,
        &[&record.target, &record.message],
        body,
    ))
}

fn document(
    indices: &IndexPatterns,
    kind: DocumentKind,
    host: &str,
    time: Timestamp,
    identity: &[&str],
    body: Value,
) -> Document {
    let mut fields = match body {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    fields.insert("@timestamp".into(), json!(time.to_rfc3339()));
    fields.insert("host".into(), json!({ "name": host }));
    fields.insert(
        "agent".into(),
        json!({ "type": "shiwa", "version": crate::version::VERSION }),
    );
    let event = fields
        .entry("event")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(event) = event {
        event.insert("dataset".into(), json!(kind.dataset()));
    }
    Document {
        index: indices.for_kind(kind).resolve(time),
        id: document_id(kind, host, time, identity),
        kind,
        body: Value::Object(fields),
    }
}

/// 40 hex digits: the document's time (16 digits of nanoseconds since 1970, so ids sort by
/// time) and 24 of the SHA-256 of kind, host, time and `identity`, each part length-prefixed
/// so no two different inputs share a digest by shifting characters. Time-ordered ids keep
/// the spool's unique index and Lucene's terms dictionary appending near one end instead of
/// touching pages all over (a spool of 100 000 random ids rewrote megabytes per batch).
pub fn document_id(kind: DocumentKind, host: &str, time: Timestamp, identity: &[&str]) -> String {
    let mut hasher = sha2::Sha256::new();
    let nanos = time.as_nanos().to_string();
    for part in [kind.dataset(), host, nanos.as_str()]
        .into_iter()
        .chain(identity.iter().copied())
    {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let since_epoch = u64::try_from(time.as_nanos()).unwrap_or(0);
    let mut id = format!("{since_epoch:016x}");
    for byte in &hasher.finalize()[..12] {
        id.push_str(&format!("{byte:02x}"));
    }
    id
}

#[cfg(test)]
#[path = "document_tests.rs"]
mod tests;
