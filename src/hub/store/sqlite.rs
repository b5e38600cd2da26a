//! [`SqliteStore`]: the default backend, one file next to the hub.
//!
//! One writer connection (SQLite serialises writers anyway; one connection means no
//! `SQLITE_BUSY` between our own writers) and a small pool of read-only connections, which
//! WAL lets read while the writer writes. Reports reach the writer connection through the
//! store's report writer task, which commits all queued reports in one transaction.
//!
//! Durability: `journal_mode=WAL` with `synchronous=NORMAL`. A commit appends to the WAL file
//! with `write(2)` before the call returns, and the WAL is fsynced only at checkpoints. The
//! bytes are in the kernel's page cache the moment the commit returns, so a process crash,
//! including `kill -9` of the hub, loses nothing that was acknowledged: the next open replays
//! the WAL. Only a power loss or kernel crash can lose the last transactions, never corrupt
//! the database. `busy_timeout` covers the `shiwa hub node ...` commands writing the same file
//! while the hub runs.

use super::StoreError;
use super::batch::Batcher;
use super::nodes_sql::node_from_row;
use super::redact_url;
use super::reports_batch_sql::{MAX_BATCH, ReportBatcher, report_writer};
use super::sql::hub_store_impl;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// How long a statement waits for another process's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Read-only connections.
pub const READERS: u32 = 4;

/// The hub's store in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    reports: ReportBatcher,
}

impl SqliteStore {
    /// Opens (creating it and its directory if needed) and migrates the database at `url`
    /// (`sqlite:///var/lib/shiwa/hub.db`).
    pub async fn open(url: &str) -> Result<SqliteStore, StoreError> {
        let open_error = |source| StoreError::Open {
            url: redact_url(url),
            source,
        };
        let options = SqliteConnectOptions::from_str(url)
            .map_err(open_error)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        if let Some(dir) = options.get_filename().parent()
            && !dir.as_os_str().is_empty()
            && !dir.exists()
        {
            crate::fsutil::create_dir_all(dir, 0o750)
                .map_err(|err| open_error(sqlx::Error::Io(err.source)))?;
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(open_error)?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|source| StoreError::Migrate {
                url: redact_url(url),
                source,
            })?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options.read_only(true))
            .await
            .map_err(open_error)?;
        let reports = Batcher::spawn(
            SqliteReportWriter {
                pool: writer.clone(),
            },
            MAX_BATCH,
        );
        Ok(SqliteStore {
            writer,
            reader,
            reports,
        })
    }

    /// Commits the reports still queued, then closes both pools, waiting for queries in
    /// flight.
    pub async fn close(&self) {
        self.reports.close().await;
        self.reader.close().await;
        self.writer.close().await;
    }

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    fn reports(&self) -> &ReportBatcher {
        &self.reports
    }
}

report_writer!(SqliteReportWriter, sqlx::Sqlite);

#[cfg(test)]
impl SqliteStore {
    /// Commits `items` as one batch of the report writer (the conformance suite).
    pub(super) async fn commit_reports(
        &self,
        items: Vec<super::reports_batch_sql::Received>,
    ) -> Vec<super::reports_batch_sql::ReportResult> {
        use super::batch::BatchSink;
        SqliteReportWriter {
            pool: self.writer.clone(),
        }
        .commit(items)
        .await
    }
}

node_from_row!(SqliteStore, SqliteRow);
hub_store_impl!(SqliteStore, SqliteRow);
