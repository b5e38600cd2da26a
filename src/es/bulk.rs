//! The `_bulk` wire format, pure: NDJSON `create` actions out, per-item verdicts in.
//!
//! Each document is sent with the `create` action and its deterministic `_id`, so a retry
//! never stores a copy: Elasticsearch answers 409 for a document it already has, and that
//! counts as delivered. The response is read item by item, as Beats does: 2xx acked, 409
//! duplicate (acked), 429 and 5xx retried for those items only, any other 4xx dead-lettered
//! with its reason. A whole-request 413 (or 400) splits the batch in halves until the one
//! document at fault is found.

use super::document::Document;
use serde::Deserialize;
use std::io::Write;

/// The query string asking Elasticsearch for only what the verdicts need.
pub const FILTER_PATH: &str = "errors,items.*.status,items.*.error.type,items.*.error.reason";

/// Why encoding failed.
#[derive(Debug, thiserror::Error)]
pub enum BulkError {
    /// gzip failed (only on an I/O error of the in-memory writer).
    #[error("compressing the bulk request: {0}")]
    Compress(#[from] std::io::Error),
    /// The response is not a bulk response.
    #[error("the bulk response is not JSON of the expected shape: {0}")]
    Response(String),
}

/// One encoded bulk request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkBody {
    /// The bytes to send (gzip when `gzip`).
    pub bytes: Vec<u8>,
    /// Whether `Content-Encoding: gzip` applies.
    pub gzip: bool,
    /// The NDJSON size before compression.
    pub raw_len: usize,
}

/// Encodes `documents` as NDJSON `create` actions, gzip-compressed at `level` (1-9; 0 sends
/// plain text).
pub fn encode(documents: &[&Document], level: u8) -> Result<BulkBody, BulkError> {
    let sources: Vec<Vec<u8>> = documents
        .iter()
        // Serialising a Value into a Vec cannot fail.
        .map(|document| serde_json::to_vec(&document.body).unwrap_or_default())
        .collect();
    encode_sources(
        documents
            .iter()
            .zip(&sources)
            .map(|(document, source)| (document.index.as_str(), document.id.as_str(), &source[..])),
        level,
    )
}

/// Encodes (index, id, JSON source) triples — documents as the spool keeps them — as NDJSON
/// `create` actions, gzip-compressed at `level` (0 sends plain text). A source is one JSON
/// object on one line (serde_json writes no newlines).
pub fn encode_sources<'a>(
    documents: impl IntoIterator<Item = (&'a str, &'a str, &'a [u8])>,
    level: u8,
) -> Result<BulkBody, BulkError> {
    let mut ndjson = Vec::with_capacity(64 * 1024);
    for (index, id, source) in documents {
        // `{"create":{"_index":INDEX,"_id":ID}}`, the strings escaped by serde_json; no
        // `Value` is built per document.
        ndjson.extend_from_slice(br#"{"create":{"_index":"#);
        let _ = serde_json::to_writer(&mut ndjson, index);
        ndjson.extend_from_slice(br#","_id":"#);
        let _ = serde_json::to_writer(&mut ndjson, id);
        ndjson.extend_from_slice(b"}}\n");
        ndjson.extend_from_slice(source);
        ndjson.push(b'\n');
    }
    let raw_len = ndjson.len();
    if level == 0 {
        return Ok(BulkBody {
            bytes: ndjson,
            gzip: false,
            raw_len,
        });
    }
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(raw_len / 4),
        flate2::Compression::new(u32::from(level.min(9))),
    );
    encoder.write_all(&ndjson)?;
    Ok(BulkBody {
        bytes: encoder.finish()?,
        gzip: true,
        raw_len,
    })
}

/// What happened to one document of a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemVerdict {
    /// Stored (2xx).
    Acked,
    /// Already stored (409 on `create`): delivered before.
    Duplicate,
    /// Not stored this time; try again (429, 5xx, or missing from the response).
    Retry {
        /// The item's status (0 when the response left it out).
        status: u16,
    },
    /// Refused for good (other 4xx): goes to the dead-letter file.
    DeadLetter {
        /// The item's status.
        status: u16,
        /// Elasticsearch's `error.type: error.reason`.
        reason: String,
    },
}

/// What to do with a whole batch after the HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchVerdict {
    /// The request was processed: one verdict per document, in order.
    Items(Vec<ItemVerdict>),
    /// Too large (413) or refused as a whole (400): split it and send the halves; a single
    /// document is dead-lettered with `reason`.
    Split {
        /// The status.
        status: u16,
        /// Why, for the dead letter of a single document.
        reason: String,
    },
    /// Nothing stored: send it all again after a backoff (429, 5xx, 401/403 while the
    /// operator fixes credentials, or a response that cannot be read).
    RetryAll {
        /// The status.
        status: u16,
        /// Why, for logs and `last_error`.
        reason: String,
    },
}

#[derive(Debug, Deserialize)]
struct Response {
    #[serde(default)]
    items: Vec<std::collections::HashMap<String, Item>>,
}

#[derive(Debug, Deserialize)]
struct Item {
    status: u16,
    #[serde(default)]
    error: Option<ItemError>,
}

#[derive(Debug, Deserialize)]
struct ItemError {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    reason: String,
}

/// Reads the answer to a bulk request of `count` documents: its HTTP `status` and `body`.
pub fn verdict(status: u16, body: &[u8], count: usize) -> BatchVerdict {
    let reason = || error_reason(body).unwrap_or_else(|| format!("HTTP {status}"));
    match status {
        200..=299 => match item_verdicts(body, count) {
            Ok(items) => BatchVerdict::Items(items),
            Err(err) => BatchVerdict::RetryAll {
                status,
                reason: err.to_string(),
            },
        },
        400 | 413 => BatchVerdict::Split {
            status,
            reason: reason(),
        },
        _ => BatchVerdict::RetryAll {
            status,
            reason: reason(),
        },
    }
}

fn item_verdicts(body: &[u8], count: usize) -> Result<Vec<ItemVerdict>, BulkError> {
    let response: Response =
        serde_json::from_slice(body).map_err(|err| BulkError::Response(err.to_string()))?;
    let mut verdicts: Vec<ItemVerdict> = response
        .items
        .into_iter()
        .map(|item| match item.into_values().next() {
            Some(item) => item_verdict(item),
            None => ItemVerdict::Retry { status: 0 },
        })
        .collect();
    verdicts.truncate(count);
    verdicts.resize(count, ItemVerdict::Retry { status: 0 });
    Ok(verdicts)
}

fn item_verdict(item: Item) -> ItemVerdict {
    match item.status {
        200..=299 => ItemVerdict::Acked,
        409 => ItemVerdict::Duplicate,
        429 | 500..=599 => ItemVerdict::Retry {
            status: item.status,
        },
        status => ItemVerdict::DeadLetter {
            status,
            reason: item
                .error
                .map(|e| format!("{}: {}", e.kind, e.reason))
                .unwrap_or_else(|| format!("HTTP {status}")),
        },
    }
}

/// `error.type: error.reason` (or `error` when it is text) of an Elasticsearch error body.
fn error_reason(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    match &json["error"] {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Object(error) => Some(format!(
            "{}: {}",
            error.get("type")?.as_str()?,
            error.get("reason").and_then(|r| r.as_str()).unwrap_or("")
        )),
        _ => None,
    }
}

#[cfg(test)]
#[path = "bulk_tests.rs"]
mod tests;
