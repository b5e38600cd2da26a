//! `ship-es`: clock, source, event and log documents to Elasticsearch through the bulk API.
//!
//! Pure parts so far:
//! - [`index`]: Beats-style index patterns (`timebeat-%{+yyyy.MM.dd}`) resolved from each
//!   document's own UTC day.
//! - [`document`]: documents from snapshots, events and log records, with deterministic ids.
//! - [`bulk`]: NDJSON `create` actions (gzip optional) and Beats' per-item verdicts.
//! - [`settle`]: a batch's verdict as spool operations (remove, dead-letter, retry, split).
//! - [`backoff`]: exponential backoff with jitter, honouring `Retry-After`.

pub mod backoff;
pub mod bulk;
pub mod document;
pub mod index;
pub mod settle;
// esclient: the HTTP client, index template and the wire-format test server.
pub mod client;
mod client_error;
pub mod template;
pub mod testserver;

pub use backoff::Backoff;
pub use bulk::{BatchVerdict, BulkBody, BulkError, FILTER_PATH, ItemVerdict, encode, verdict};
pub use document::{
    Document, DocumentKind, IndexPatterns, event_document, log_document, snapshot_documents,
};
pub use index::{IndexPattern, IndexPatternError};
pub use settle::{Settlement, settle};
// esclient re-exports.
pub use client::{BulkOutcome, ClientSettings, EsAuth, EsClient, EsClientError, TemplateOutcome};
pub use template::{IndexTemplate, TemplateSettings};
