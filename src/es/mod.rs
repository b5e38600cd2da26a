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
pub mod collect;
pub mod dead_letter;
pub mod document;
pub mod driver;
pub mod index;
pub mod sender;
pub mod settings;
pub mod settle;
pub mod spool;
pub mod status;

pub use backoff::Backoff;
pub use bulk::{BatchVerdict, BulkBody, BulkError, FILTER_PATH, ItemVerdict, encode, verdict};
pub use document::{
    Document, DocumentKind, IndexPatterns, event_document, log_document, snapshot_documents,
};
pub use index::{IndexPattern, IndexPatternError};
pub use settle::{Settlement, settle};
