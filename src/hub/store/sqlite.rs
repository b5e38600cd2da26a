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
//! the database. The writer never checkpoints (`wal_autocheckpoint=0`): a task on a
//! connection of its own does, every 500 ms, so no commit waits for a checkpoint's fsyncs.
//! `busy_timeout` covers the `shiwa hub node ...` commands writing the same file
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
use std::os::unix::fs::OpenOptionsExt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::AbortHandle;

/// How long a statement waits for another process's write lock.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Read-only connections.
pub const READERS: u32 = 4;
/// How often the WAL is copied back into the database file, off the writer connection.
pub const CHECKPOINT_PERIOD: Duration = Duration::from_millis(500);

/// The hub's store in a SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    reports: ReportBatcher,
    checkpointer: SqlitePool,
    checkpoints: Arc<AbortHandle>,
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
        // One connection, not pinged before each use (a round trip to its worker thread per
        // report batch): a broken connection fails the batch's `BEGIN` instead.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone().pragma("wal_autocheckpoint", "0"))
            .await
            .map_err(open_error)?;
        // Two processes opening a new database at once (`shiwa hub node add` twice from a
        // provisioning script) must not both create the schema: SQLite's migrator takes no
        // lock, so a lock file beside the database serialises the migrations.
        let _migrating = migration_lock(options.get_filename())
            .await
            .map_err(|err| open_error(sqlx::Error::Io(err)))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|source| StoreError::Migrate {
                url: redact_url(url),
                source,
            })?;
        let checkpointer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(open_error)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .connect_with(options.read_only(true))
            .await
            .map_err(open_error)?;
        let checkpoints = tokio::spawn(checkpoint_loop(checkpointer.clone())).abort_handle();
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
            checkpointer,
            checkpoints: Arc::new(checkpoints),
        })
    }

    /// Commits the reports still queued, then closes both pools, waiting for queries in
    /// flight.
    pub async fn close(&self) {
        self.reports.close().await;
        self.checkpoints.abort();
        self.checkpointer.close().await;
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

/// Copies the WAL back into the database file every [`CHECKPOINT_PERIOD`] on a connection
/// of its own. `PASSIVE` never waits for the writer, and the writer never waits for it: the
/// fsyncs of a checkpoint stay out of the commits (SQLite's automatic checkpoint would run
/// them inside the commit that crosses 1 000 WAL pages).
async fn checkpoint_loop(pool: SqlitePool) {
    let mut tick = tokio::time::interval(CHECKPOINT_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::warn!(%error, "hub database: WAL checkpoint failed");
        }
    }
}

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

/// An exclusive `flock` on `DATABASE.migrate-lock`, taken off the async threads (it waits
/// for another process's migration); `None` for an in-memory database.
async fn migration_lock(
    database: &std::path::Path,
) -> std::io::Result<Option<nix::fcntl::Flock<std::fs::File>>> {
    let name = database.as_os_str();
    if name.is_empty() || name == ":memory:" {
        return Ok(None);
    }
    let mut path = database.as_os_str().to_owned();
    path.push(".migrate-lock");
    let path = std::path::PathBuf::from(path);
    let locked = tokio::task::spawn_blocking(move || {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)?;
        nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, errno)| std::io::Error::from(errno))
    })
    .await
    .map_err(std::io::Error::other)??;
    Ok(Some(locked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::store::HubStore;
    use crate::hub::store::conformance::{at, new_node, report};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_is_checkpointed_by_its_own_task_not_by_the_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("hub.db");
        let store = SqliteStore::open(&format!("sqlite://{}", file.display()))
            .await
            .expect("open");
        let autocheckpoint: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(&store.writer)
            .await
            .expect("pragma");
        assert_eq!(autocheckpoint, 0, "the writer never checkpoints");
        store.add_node(&new_node("n1")).await.expect("add");
        let size = || std::fs::metadata(&file).map_or(0, |m| m.len());
        let before = size();
        for n in 0..400 {
            store
                .insert_report(&report("n1", n, i64::from(n), 0), at(i64::from(n)))
                .await
                .expect("insert");
        }
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
        let mut after = size();
        for _ in 0..50 {
            if after > before + 200_000 {
                break;
            }
            tick.tick().await;
            after = size();
        }
        assert!(
            after > before + 200_000,
            "400 reports never reached the database file: {before} -> {after} bytes"
        );
        store.close().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn processes_opening_a_new_database_at_once_migrate_it_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/hub.db", dir.path().display());
        let opens: Vec<_> = (0..4)
            .map(|_| {
                let url = url.clone();
                tokio::spawn(async move { SqliteStore::open(&url).await })
            })
            .collect();
        for open in opens {
            let store = open.await.expect("task").expect("every open succeeds");
            assert!(store.list_nodes().await.expect("schema").is_empty());
            store.close().await;
        }
    }
}
