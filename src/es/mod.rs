//! `ship-es`: clock, source, event and log documents to Elasticsearch through the bulk API.
//!
//! Pure parts:
//! - [`index`]: Beats-style index patterns (`timebeat-%{+yyyy.MM.dd}`) resolved from each
//!   document's own UTC day.
//! - [`document`]: documents from snapshots, events and log records, with deterministic ids.
//! - [`bulk`]: NDJSON `create` actions (gzip optional) and Beats' per-item verdicts.
//! - [`settle`]: a batch's verdict as spool operations (remove, dead-letter, retry, split).
//! - [`backoff`]: exponential backoff with jitter, honouring `Retry-After`.
//! - [`collect`]: what to ship from snapshots and the log buffer, adopted only once spooled.
//! - [`settings`]: `output.elasticsearch`, `setup.template`, `queue.disk` resolved.
//! - [`template`]: the composable index template.
//!
//! I/O:
//! - [`spool`]: the durable SQLite spool; [`dead_letter`]: the dead-letter file.
//! - [`client`]: the bulk client (failover, auth, TLS); [`sender`]: the send loop;
//!   [`driver`]: the collect task and [`driver::Shipper`]; [`status`]: the snapshot section.
//! - [`testserver`]: a stand-in for Elasticsearch speaking its wire format, for tests and
//!   benchmarks.

pub mod backoff;
pub mod bulk;
pub mod client;
mod client_error;
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
pub mod template;
pub mod testserver;
pub mod transport;

pub use backoff::Backoff;
pub use bulk::{BatchVerdict, BulkBody, BulkError, FILTER_PATH, ItemVerdict, encode, verdict};
pub use client::{BulkOutcome, ClientSettings, EsAuth, EsClient, EsClientError, TemplateOutcome};
pub use document::{
    Document, DocumentKind, IndexPatterns, event_document, log_document, snapshot_documents,
};
pub use index::{IndexPattern, IndexPatternError};
pub use settle::{Settlement, settle};
pub use template::{IndexTemplate, TemplateSettings};
