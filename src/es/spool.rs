//! The shipper's durable spool: every document is written here before it is sent, and deleted
//! only once Elasticsearch acknowledged it (2xx, or 409: it already had it) or it was moved to
//! the dead-letter file. SQLite (`<queue.disk.path>/es-spool.db`), WAL, `synchronous=FULL`: a
//! document the spool accepted survives `kill -9` and power loss.
//!
//! ## Bound (`queue.disk.max_size`, `queue.disk.when_full`)
//! The bound counts the documents' JSON bytes. With `block` (the default, as Beats), a full
//! spool takes no new documents: the collector pauses until shipping makes room, so what was
//! already spooled is never lost; clock and source documents of the paused intervals are not
//! taken (counted as `blocked`), events and logs still in the daemon's windows are picked up on
//! resume. A write may pass the bound by the one collection it belongs to. With `drop_oldest`
//! the oldest documents are deleted to make room (counted as `dropped`).
//!
//! Counters live in the same file, updated in the same transaction as the rows they count.

use super::document::DocumentKind;
use crate::config::WhenFull;
use crate::durable_sqlite::{OpenError, add_counter};
use crate::time::Timestamp;
use sql::{SETTLE_COUNTERS, drop_oldest, seq_list};
use sqlx::Row;
use sqlx::sqlite::SqlitePool;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::Mutex;

/// The spool's file name inside `queue.disk.path`.
pub const ES_SPOOL_FILE: &str = "es-spool.db";

/// Why the spool failed.
#[derive(Debug, thiserror::Error)]
pub enum EsSpoolError {
    /// Opening or migrating the file failed.
    #[error("the Elasticsearch spool: {0}")]
    Open(#[from] OpenError),
    /// A statement failed.
    #[error("Elasticsearch spool {file}: {source}")]
    Query {
        /// The spool file.
        file: PathBuf,
        /// What SQLite said.
        source: sqlx::Error,
    },
}

impl crate::exit::HasExitStatus for EsSpoolError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Failure
    }
}

const SCHEMA: &str = "
CREATE TABLE documents (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    index_name TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    source BLOB NOT NULL,
    spooled_at_ns INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    UNIQUE (index_name, doc_id)
);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters (name, value) VALUES
    ('acked', 0), ('duplicates', 0), ('dead_lettered', 0), ('retries', 0),
    ('too_many_requests', 0), ('failed_requests', 0), ('dropped', 0), ('blocked', 0);
";

/// A document waiting to be shipped.
#[derive(Debug, Clone, PartialEq)]
pub struct SpooledDocument {
    /// Its position (increasing); the key settlements use.
    pub seq: i64,
    /// Its index (or data stream).
    pub index: String,
    /// Its `_id`.
    pub id: String,
    /// What it describes.
    pub kind: DocumentKind,
    /// Its JSON source.
    pub source: Vec<u8>,
    /// Failed attempts so far.
    pub attempts: u32,
}

/// A document to spool: index, id, kind and JSON source.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDocument {
    /// Its index (or data stream).
    pub index: String,
    /// Its `_id`.
    pub id: String,
    /// What it describes.
    pub kind: DocumentKind,
    /// Its JSON source.
    pub source: Vec<u8>,
}

/// The spool's counters (since the file was created) and what waits now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct EsSpoolCounters {
    /// Documents Elasticsearch stored.
    pub acked: u64,
    /// Documents it already had (409).
    pub duplicates: u64,
    /// Documents refused for good, moved to the dead-letter file.
    pub dead_lettered: u64,
    /// Documents sent again after a retryable failure.
    pub retries: u64,
    /// 429 answers (whole requests and items).
    pub too_many_requests: u64,
    /// Bulk requests that failed as a whole (connection, TLS, 5xx, 401/403).
    pub failed_requests: u64,
    /// Documents dropped by `when_full: drop_oldest`.
    pub dropped: u64,
    /// Collections skipped because the spool was full (`when_full: block`).
    pub blocked: u64,
    /// Documents waiting.
    pub queued: u64,
    /// Their JSON bytes.
    pub queued_bytes: u64,
    /// When the oldest waiting document was spooled.
    #[serde(with = "crate::observe::rfc3339::option")]
    pub oldest: Option<Timestamp>,
}

/// What the waiting documents add up to, kept in memory beside the file.
#[derive(Debug, Default)]
struct Totals {
    count: u64,
    bytes: u64,
}

/// The durable spool. Cheap to clone; clones share the file and one lock, so every change is
/// one transaction after another.
#[derive(Debug, Clone)]
pub struct EsSpool {
    pool: SqlitePool,
    file: PathBuf,
    max_bytes: u64,
    when_full: WhenFull,
    totals: Arc<Mutex<Totals>>,
}

impl EsSpool {
    /// Opens (creating and migrating if needed) the spool at `file`.
    pub async fn open(
        file: &Path,
        max_bytes: u64,
        when_full: WhenFull,
    ) -> Result<Self, EsSpoolError> {
        let migrator = crate::durable_sqlite::single_migration("es_spool", SCHEMA);
        let pool = crate::durable_sqlite::open(file, &migrator).await?;
        let spool = EsSpool {
            pool,
            file: file.to_path_buf(),
            max_bytes: max_bytes.max(1),
            when_full,
            totals: Arc::new(Mutex::new(Totals::default())),
        };
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(source)), 0) AS bytes FROM documents",
        )
        .fetch_one(&spool.pool)
        .await
        .map_err(spool.query_error())?;
        *spool.totals.lock().await = Totals {
            count: u64::try_from(row.get::<i64, _>("n")).unwrap_or(0),
            bytes: u64::try_from(row.get::<i64, _>("bytes")).unwrap_or(0),
        };
        Ok(spool)
    }

    /// The spool file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    fn query_error(&self) -> impl Fn(sqlx::Error) -> EsSpoolError + '_ {
        |source| EsSpoolError::Query {
            file: self.file.clone(),
            source,
        }
    }

    /// Whether new documents are taken now: always with `drop_oldest`, below the bound with
    /// `block`.
    pub async fn has_room(&self) -> bool {
        self.when_full == WhenFull::DropOldest || self.totals.lock().await.bytes < self.max_bytes
    }

    /// Writes `documents` in one transaction; a document already spooled (same index and id)
    /// is ignored. With `drop_oldest`, the oldest documents go until the bound holds. Returns
    /// (written, dropped).
    pub async fn push(
        &self,
        documents: &[NewDocument],
        now: Timestamp,
    ) -> Result<(u64, u64), EsSpoolError> {
        let err = self.query_error();
        let mut totals = self.totals.lock().await;
        let mut tx = self.pool.begin().await.map_err(&err)?;
        let (mut written, mut written_bytes) = (0, 0);
        for document in documents {
            let inserted = sqlx::query(
                "INSERT OR IGNORE INTO documents (index_name, doc_id, kind, source, spooled_at_ns) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&document.index)
            .bind(&document.id)
            .bind(document.kind.dataset())
            .bind(&document.source)
            .bind(now.as_nanos())
            .execute(&mut *tx)
            .await
            .map_err(&err)?
            .rows_affected();
            written += inserted;
            written_bytes += inserted * document.source.len() as u64;
        }
        let mut count = totals.count + written;
        let mut bytes = totals.bytes + written_bytes;
        let mut dropped = 0;
        if self.when_full == WhenFull::DropOldest && bytes > self.max_bytes {
            let (gone, gone_bytes) = drop_oldest(&mut tx, bytes - self.max_bytes)
                .await
                .map_err(&err)?;
            add_counter(&mut tx, "dropped", gone).await.map_err(&err)?;
            (count, bytes, dropped) = (count - gone, bytes.saturating_sub(gone_bytes), gone);
        }
        tx.commit().await.map_err(&err)?;
        *totals = Totals { count, bytes };
        Ok((written, dropped))
    }

    /// Counts one collection skipped because the spool was full.
    pub async fn count_blocked(&self) -> Result<(), EsSpoolError> {
        self.add("blocked", 1).await
    }

    /// Counts bulk requests that failed as a whole, and 429 answers.
    pub async fn count_request_failure(&self, too_many_requests: bool) -> Result<(), EsSpoolError> {
        self.add("failed_requests", 1).await?;
        if too_many_requests {
            self.add("too_many_requests", 1).await?;
        }
        Ok(())
    }

    async fn add(&self, name: &str, by: u64) -> Result<(), EsSpoolError> {
        let err = self.query_error();
        let _totals = self.totals.lock().await;
        let mut connection = self.pool.acquire().await.map_err(&err)?;
        add_counter(&mut connection, name, by).await.map_err(&err)
    }

    /// The oldest `limit` waiting documents.
    pub async fn next_batch(&self, limit: usize) -> Result<Vec<SpooledDocument>, EsSpoolError> {
        self.next_batch_after(i64::MIN, limit).await
    }

    /// The oldest `limit` waiting documents after position `seq`: the batch behind one that
    /// is still in flight.
    pub async fn next_batch_after(
        &self,
        seq: i64,
        limit: usize,
    ) -> Result<Vec<SpooledDocument>, EsSpoolError> {
        let _totals = self.totals.lock().await;
        let rows = sqlx::query(
            "SELECT seq, index_name, doc_id, kind, source, attempts FROM documents \
             WHERE seq > ? ORDER BY seq LIMIT ?",
        )
        .bind(seq)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(self.query_error())?;
        Ok(rows.into_iter().map(spooled_document).collect())
    }

    /// Applies a batch's settlement in one transaction: acked and duplicate documents leave,
    /// dead ones leave (the caller wrote them to the dead-letter file first), retried ones
    /// count an attempt. `item_429s` counts the items answered 429.
    pub async fn settle(&self, outcome: &SettledBatch<'_>) -> Result<(), EsSpoolError> {
        let err = self.query_error();
        let mut totals = self.totals.lock().await;
        let mut tx = self.pool.begin().await.map_err(&err)?;
        let removed = seq_list(
            outcome
                .acked
                .iter()
                .chain(outcome.duplicates)
                .chain(outcome.dead),
        );
        let (gone, gone_bytes): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(source)), 0) FROM documents \
             WHERE seq IN (SELECT value FROM json_each(?))",
        )
        .bind(&removed)
        .fetch_one(&mut *tx)
        .await
        .map_err(&err)?;
        sqlx::query("DELETE FROM documents WHERE seq IN (SELECT value FROM json_each(?))")
            .bind(&removed)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        if !outcome.retry.is_empty() {
            sqlx::query(
                "UPDATE documents SET attempts = attempts + 1 \
                 WHERE seq IN (SELECT value FROM json_each(?))",
            )
            .bind(seq_list(outcome.retry.iter()))
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        }
        sqlx::query(SETTLE_COUNTERS)
            .bind(outcome.acked.len() as i64)
            .bind(outcome.duplicates.len() as i64)
            .bind(outcome.dead.len() as i64)
            .bind(outcome.retry.len() as i64)
            .bind(outcome.item_429s as i64)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        let (gone, gone_bytes) = (
            u64::try_from(gone).unwrap_or(0),
            u64::try_from(gone_bytes).unwrap_or(0),
        );
        tx.commit().await.map_err(&err)?;
        totals.count = totals.count.saturating_sub(gone);
        totals.bytes = totals.bytes.saturating_sub(gone_bytes);
        Ok(())
    }

    /// The counters now.
    pub async fn counters(&self) -> Result<EsSpoolCounters, EsSpoolError> {
        let err = self.query_error();
        let totals = self.totals.lock().await;
        let stored = crate::durable_sqlite::read_counters(&self.pool)
            .await
            .map_err(&err)?;
        let value = |name: &str| stored.get(name).copied().unwrap_or(0);
        let oldest: Option<i64> = sqlx::query_scalar("SELECT MIN(spooled_at_ns) FROM documents")
            .fetch_one(&self.pool)
            .await
            .map_err(&err)?;
        Ok(EsSpoolCounters {
            acked: value("acked"),
            duplicates: value("duplicates"),
            dead_lettered: value("dead_lettered"),
            retries: value("retries"),
            too_many_requests: value("too_many_requests"),
            failed_requests: value("failed_requests"),
            dropped: value("dropped"),
            blocked: value("blocked"),
            queued: totals.count,
            queued_bytes: totals.bytes,
            oldest: oldest.map(Timestamp::from_nanos),
        })
    }

    /// Closes the pool (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A batch's settlement by spool position, as [`EsSpool::settle`] applies it.
#[derive(Debug, Clone, Copy, Default)]
pub struct SettledBatch<'a> {
    /// Stored now.
    pub acked: &'a [i64],
    /// Stored before (409).
    pub duplicates: &'a [i64],
    /// Written to the dead-letter file.
    pub dead: &'a [i64],
    /// To be sent again.
    pub retry: &'a [i64],
    /// Items answered 429.
    pub item_429s: usize,
}

fn spooled_document(row: sqlx::sqlite::SqliteRow) -> SpooledDocument {
    let kind: String = row.get("kind");
    SpooledDocument {
        seq: row.get("seq"),
        index: row.get("index_name"),
        id: row.get("doc_id"),
        kind: DocumentKind::from_dataset(&kind).unwrap_or(DocumentKind::Log),
        source: row.get("source"),
        attempts: u32::try_from(row.get::<i64, _>("attempts")).unwrap_or(u32::MAX),
    }
}

mod sql;

#[cfg(test)]
#[path = "spool_tests.rs"]
mod tests;
