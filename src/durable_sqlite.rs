//! What the node's two spools (the hub reporter's and the Elasticsearch shipper's) share: a
//! SQLite file opened for durability — WAL, `synchronous=FULL`, one connection so statements
//! run in the order issued — with its schema migrated, and named counters kept in a
//! `counters (name, value)` table updated in the same transaction as the rows they count, so
//! they survive restarts.

use sqlx::SqlSafeStr;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqliteSynchronous};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Why a durable SQLite file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Opening the database file failed.
    #[error("opening {file}: {source}")]
    Open {
        /// The file.
        file: PathBuf,
        /// What SQLite said.
        source: sqlx::Error,
    },
    /// Migrating its schema failed.
    #[error("migrating {file}: {source}")]
    Migrate {
        /// The file.
        file: PathBuf,
        /// What went wrong.
        source: sqlx::migrate::MigrateError,
    },
}

/// A migrator with one migration, `schema` (version 1, `name`).
pub fn single_migration(name: &'static str, schema: &'static str) -> sqlx::migrate::Migrator {
    sqlx::migrate::Migrator::with_migrations(vec![sqlx::migrate::Migration::new(
        1,
        name.into(),
        sqlx::migrate::MigrationType::Simple,
        schema.into_sql_str(),
        false,
    )])
}

/// Opens (creating if missing) `file` in WAL mode with `synchronous=FULL` and one connection,
/// and runs `migrator` on it.
pub async fn open(
    file: &Path,
    migrator: &sqlx::migrate::Migrator,
) -> Result<SqlitePool, OpenError> {
    let open_error = |source| OpenError::Open {
        file: file.to_path_buf(),
        source,
    };
    let options = SqliteConnectOptions::from_str("sqlite:")
        .map_err(open_error)?
        .filename(file)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(std::time::Duration::from_secs(5));
    let pool = sqlx::pool::PoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(open_error)?;
    migrator
        .run(&pool)
        .await
        .map_err(|source| OpenError::Migrate {
            file: file.to_path_buf(),
            source,
        })?;
    Ok(pool)
}

/// Adds `by` to the counter `name` (inside the caller's transaction).
pub async fn add_counter(
    connection: &mut sqlx::SqliteConnection,
    name: &str,
    by: u64,
) -> Result<(), sqlx::Error> {
    if by == 0 {
        return Ok(());
    }
    sqlx::query("UPDATE counters SET value = value + ? WHERE name = ?")
        .bind(i64::try_from(by).unwrap_or(i64::MAX))
        .bind(name)
        .execute(connection)
        .await?;
    Ok(())
}

/// Every counter by name.
pub async fn read_counters(pool: &SqlitePool) -> Result<BTreeMap<String, u64>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT name, value FROM counters")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(name, value)| (name, u64::try_from(value).unwrap_or(0)))
        .collect())
}
