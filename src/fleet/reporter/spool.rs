//! The durable spool: every report, event and backup is written here before it is pushed, and
//! deleted only after the hub acknowledged it (201 stored or 200 duplicate).
//!
//! SQLite through sqlx, one file (`<state-dir>/hub-spool.db`) in WAL mode with
//! `synchronous=FULL`, so a record the spool accepted survives `kill -9` and power loss. Records
//! carry the ids the node generated, so replaying one the hub already stored is harmless.
//!
//! ## Bound
//! The spool holds at most `max_records` records in the normal case. When a new record would
//! exceed that, the **oldest report** is dropped first: a newer report supersedes it, while an
//! event or a backup cannot be rebuilt. When no report is left to drop, events and backups are
//! still accepted up to the hard cap of `2 × max_records`; beyond it the oldest record of any
//! kind is dropped. Every drop is counted (`dropped`).
//!
//! Counters (sent, duplicates, dead-lettered, dropped, retries) live in the same file and are
//! updated in the same transaction as the records they count, so they survive restarts.

use crate::durable_sqlite::add_counter;
use crate::time::Timestamp;
use sqlx::Row;
use sqlx::sqlite::SqlitePool;
use std::path::{Path, PathBuf};

/// The spool's file name inside the state directory.
pub const SPOOL_FILE: &str = "hub-spool.db";
/// The default `hub.spool.max_records`.
pub const DEFAULT_MAX_RECORDS: u64 = 10_000;

/// Why the spool could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum SpoolError {
    /// Opening or migrating the database file failed.
    #[error("the hub spool: {0}")]
    Open(#[from] crate::durable_sqlite::OpenError),
    /// A statement failed.
    #[error("hub spool {file}: {source}")]
    Query {
        /// The spool file.
        file: PathBuf,
        /// What SQLite said.
        source: sqlx::Error,
    },
}

impl crate::exit::HasExitStatus for SpoolError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Failure
    }
}

/// What a spooled record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordKind {
    /// A [`crate::fleet::Report`]: `POST /api/v1/report`.
    Report,
    /// A [`crate::fleet::Event`]: `POST /api/v1/event`.
    Event,
    /// A [`crate::fleet::Backup`]: `POST /api/v1/backup`.
    Backup,
}

impl RecordKind {
    /// The name in the spool and the hub's path segment (`report`, `event`, `backup`).
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Report => "report",
            RecordKind::Event => "event",
            RecordKind::Backup => "backup",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [RecordKind::Report, RecordKind::Event, RecordKind::Backup]
            .into_iter()
            .find(|kind| kind.name() == name)
    }
}

/// One record waiting for the hub.
#[derive(Debug, Clone, PartialEq)]
pub struct SpooledRecord {
    /// Its position in the spool (increasing).
    pub seq: i64,
    /// What it is.
    pub kind: RecordKind,
    /// The report, event or backup id.
    pub record_id: String,
    /// The JSON body pushed to the hub.
    pub body: Vec<u8>,
    /// When it was spooled.
    pub spooled_at: Timestamp,
    /// Failed pushes so far.
    pub attempts: u32,
}

/// A record the hub refused for good (400, 413), kept with the reason for an operator.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// What it was.
    pub kind: RecordKind,
    /// The record id.
    pub record_id: String,
    /// The HTTP status the hub answered.
    pub status: u16,
    /// The hub's reason.
    pub reason: String,
}

/// The spool's counters (since the spool file was created).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpoolCounters {
    /// Records waiting.
    pub queued: u64,
    /// Records the hub stored (201).
    pub sent: u64,
    /// Records the hub already had (200).
    pub duplicates: u64,
    /// Records the hub refused for good.
    pub dead_lettered: u64,
    /// Records dropped by the bound.
    pub dropped: u64,
    /// Failed pushes that will be retried.
    pub retries: u64,
    /// When the oldest waiting record was spooled.
    pub oldest: Option<Timestamp>,
}

const SCHEMA: &str = "
CREATE TABLE records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('report', 'event', 'backup')),
    record_id TEXT NOT NULL UNIQUE,
    body BLOB NOT NULL,
    spooled_at_ns INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX records_kind ON records (kind, seq);
CREATE TABLE dead_letters (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    body BLOB NOT NULL,
    spooled_at_ns INTEGER NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    dead_at_ns INTEGER NOT NULL
);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters (name, value) VALUES
    ('sent', 0), ('duplicates', 0), ('dead_lettered', 0), ('dropped', 0), ('retries', 0);
";

/// The durable spool. Cheap to clone (a pool handle).
#[derive(Debug, Clone)]
pub struct Spool {
    pool: SqlitePool,
    file: PathBuf,
    max_records: u64,
}

impl Spool {
    /// Opens (creating and migrating if needed) the spool at `file`.
    pub async fn open(file: &Path, max_records: u64) -> Result<Self, SpoolError> {
        let migrator = crate::durable_sqlite::single_migration("spool", SCHEMA);
        let pool = crate::durable_sqlite::open(file, &migrator).await?;
        Ok(Spool {
            pool,
            file: file.to_path_buf(),
            max_records: max_records.max(1),
        })
    }

    /// The spool file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    fn query_error(&self) -> impl Fn(sqlx::Error) -> SpoolError + '_ {
        |source| SpoolError::Query {
            file: self.file.clone(),
            source,
        }
    }

    /// Writes a record; returns how many older records the bound dropped to make room. A
    /// record id already spooled is ignored (0 dropped).
    pub async fn push(
        &self,
        kind: RecordKind,
        record_id: &str,
        body: &[u8],
        now: Timestamp,
    ) -> Result<u64, SpoolError> {
        let err = self.query_error();
        let mut tx = self.pool.begin().await.map_err(&err)?;
        let inserted = sqlx::query(
            "INSERT OR IGNORE INTO records (kind, record_id, body, spooled_at_ns) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(kind.name())
        .bind(record_id)
        .bind(body)
        .bind(now.as_nanos())
        .execute(&mut *tx)
        .await
        .map_err(&err)?
        .rows_affected();
        let mut dropped = 0;
        if inserted == 1 {
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records")
                .fetch_one(&mut *tx)
                .await
                .map_err(&err)?;
            let count = u64::try_from(count).unwrap_or(0);
            if count > self.max_records {
                dropped += drop_oldest(&mut tx, Some("report"), count - self.max_records)
                    .await
                    .map_err(&err)?;
            }
            let hard_cap = self.max_records.saturating_mul(2);
            let left = count - dropped;
            if left > hard_cap {
                dropped += drop_oldest(&mut tx, None, left - hard_cap)
                    .await
                    .map_err(&err)?;
            }
            if dropped > 0 {
                add_counter(&mut tx, "dropped", dropped)
                    .await
                    .map_err(&err)?;
            }
        }
        tx.commit().await.map_err(&err)?;
        Ok(dropped)
    }

    /// The record to push next: events first (they are time-critical), then reports, then
    /// backups; oldest first within a kind.
    pub async fn next(&self) -> Result<Option<SpooledRecord>, SpoolError> {
        let row = sqlx::query(
            "SELECT seq, kind, record_id, body, spooled_at_ns, attempts FROM records \
             ORDER BY CASE kind WHEN 'event' THEN 0 WHEN 'report' THEN 1 ELSE 2 END, seq \
             LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(self.query_error())?;
        let Some(row) = row else { return Ok(None) };
        let kind: String = row.get("kind");
        let Some(kind) = RecordKind::from_name(&kind) else {
            return Ok(None);
        };
        Ok(Some(SpooledRecord {
            seq: row.get("seq"),
            kind,
            record_id: row.get("record_id"),
            body: row.get("body"),
            spooled_at: Timestamp::from_nanos(row.get("spooled_at_ns")),
            attempts: u32::try_from(row.get::<i64, _>("attempts")).unwrap_or(u32::MAX),
        }))
    }

    /// The hub acknowledged record `seq` (`duplicate`: it answered 200, already stored).
    pub async fn acknowledge(&self, seq: i64, duplicate: bool) -> Result<(), SpoolError> {
        let err = self.query_error();
        let mut tx = self.pool.begin().await.map_err(&err)?;
        let deleted = sqlx::query("DELETE FROM records WHERE seq = ?")
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(&err)?
            .rows_affected();
        let counter = if duplicate { "duplicates" } else { "sent" };
        add_counter(&mut tx, counter, deleted).await.map_err(&err)?;
        tx.commit().await.map_err(&err)
    }

    /// The hub refused record `seq` for good: it moves to the dead-letter table.
    pub async fn dead_letter(
        &self,
        seq: i64,
        status: u16,
        reason: &str,
        now: Timestamp,
    ) -> Result<(), SpoolError> {
        let err = self.query_error();
        let mut tx = self.pool.begin().await.map_err(&err)?;
        let moved = sqlx::query(
            "INSERT OR REPLACE INTO dead_letters \
             (seq, kind, record_id, body, spooled_at_ns, status, reason, dead_at_ns) \
             SELECT seq, kind, record_id, body, spooled_at_ns, ?, ?, ? FROM records WHERE seq = ?",
        )
        .bind(i64::from(status))
        .bind(reason)
        .bind(now.as_nanos())
        .bind(seq)
        .execute(&mut *tx)
        .await
        .map_err(&err)?
        .rows_affected();
        sqlx::query("DELETE FROM records WHERE seq = ?")
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        add_counter(&mut tx, "dead_lettered", moved)
            .await
            .map_err(&err)?;
        tx.commit().await.map_err(&err)
    }

    /// A push of record `seq` failed and will be retried.
    pub async fn retried(&self, seq: i64) -> Result<(), SpoolError> {
        let err = self.query_error();
        let mut tx = self.pool.begin().await.map_err(&err)?;
        sqlx::query("UPDATE records SET attempts = attempts + 1 WHERE seq = ?")
            .bind(seq)
            .execute(&mut *tx)
            .await
            .map_err(&err)?;
        add_counter(&mut tx, "retries", 1).await.map_err(&err)?;
        tx.commit().await.map_err(&err)
    }

    /// The counters now.
    pub async fn counters(&self) -> Result<SpoolCounters, SpoolError> {
        let err = self.query_error();
        let stored = crate::durable_sqlite::read_counters(&self.pool)
            .await
            .map_err(&err)?;
        let value = |name: &str| stored.get(name).copied().unwrap_or(0);
        let mut counters = SpoolCounters {
            sent: value("sent"),
            duplicates: value("duplicates"),
            dead_lettered: value("dead_lettered"),
            dropped: value("dropped"),
            retries: value("retries"),
            ..SpoolCounters::default()
        };
        let row = sqlx::query("SELECT COUNT(*) AS n, MIN(spooled_at_ns) AS oldest FROM records")
            .fetch_one(&self.pool)
            .await
            .map_err(&err)?;
        counters.queued = u64::try_from(row.get::<i64, _>("n")).unwrap_or(0);
        counters.oldest = row
            .get::<Option<i64>, _>("oldest")
            .map(Timestamp::from_nanos);
        Ok(counters)
    }

    /// How many records of `kind` are waiting.
    pub async fn queued(&self, kind: RecordKind) -> Result<u64, SpoolError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM records WHERE kind = ?")
            .bind(kind.name())
            .fetch_one(&self.pool)
            .await
            .map_err(self.query_error())?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// The dead-lettered records, oldest first.
    pub async fn dead_letters(&self) -> Result<Vec<DeadLetter>, SpoolError> {
        let rows =
            sqlx::query("SELECT kind, record_id, status, reason FROM dead_letters ORDER BY seq")
                .fetch_all(&self.pool)
                .await
                .map_err(self.query_error())?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(DeadLetter {
                    kind: RecordKind::from_name(&row.get::<String, _>("kind"))?,
                    record_id: row.get("record_id"),
                    status: u16::try_from(row.get::<i64, _>("status")).unwrap_or(0),
                    reason: row.get("reason"),
                })
            })
            .collect())
    }

    /// Closes the pool (checkpointing the WAL).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Deletes up to `limit` oldest records (of `kind`, or of any kind); returns how many.
async fn drop_oldest(
    tx: &mut sqlx::SqliteConnection,
    kind: Option<&str>,
    limit: u64,
) -> Result<u64, sqlx::Error> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let result = sqlx::query(
        "DELETE FROM records WHERE seq IN \
         (SELECT seq FROM records WHERE ?1 IS NULL OR kind = ?1 ORDER BY seq LIMIT ?2)",
    )
    .bind(kind)
    .bind(limit)
    .execute(tx)
    .await?;
    Ok(result.rows_affected())
}

#[cfg(test)]
#[path = "spool_tests.rs"]
mod tests;
