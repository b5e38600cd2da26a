//! [`PgStore`]: the PostgreSQL backend (`database_url: postgres://...`), for fleets that
//! outgrow one machine or want the hub's data in an existing, backed-up cluster. Reports are
//! group-committed by one writer task (one transaction, one WAL flush per batch).

use super::StoreError;
use super::batch::Batcher;
use super::nodes_sql::node_from_row;
use super::redact_url;
use super::reports_batch_sql::{MAX_BATCH, ReportBatcher, report_writer};
use super::sql::hub_store_impl;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use std::str::FromStr;

/// Connections in the pool.
pub const CONNECTIONS: u32 = 16;

/// The hub's store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    reports: ReportBatcher,
}

impl PgStore {
    /// Connects to and migrates the database at `url` (`postgres://user@host/db`).
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let open_error = |source| StoreError::Open {
            url: redact_url(url),
            source,
        };
        let options = PgConnectOptions::from_str(url).map_err(open_error)?;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .connect_with(options)
            .await
            .map_err(open_error)?;
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate {
                url: redact_url(url),
                source,
            })?;
        let reports = Batcher::spawn(PgReportWriter { pool: pool.clone() }, MAX_BATCH);
        Ok(PgStore { pool, reports })
    }

    /// Commits the reports still queued, then closes the pool, waiting for queries in
    /// flight.
    pub async fn close(&self) {
        self.reports.close().await;
        self.pool.close().await;
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn reports(&self) -> &ReportBatcher {
        &self.reports
    }
}

report_writer!(PgReportWriter, sqlx::Postgres);

#[cfg(test)]
impl PgStore {
    /// Commits `items` as one batch of the report writer (the conformance suite).
    pub(super) async fn commit_reports(
        &self,
        items: Vec<super::reports_batch_sql::Received>,
    ) -> Vec<super::reports_batch_sql::ReportResult> {
        use super::batch::BatchSink;
        PgReportWriter {
            pool: self.pool.clone(),
        }
        .commit(items)
        .await
    }
}

node_from_row!(PgStore, PgRow);
hub_store_impl!(PgStore, PgRow);
