//! [`PgStore`]: the PostgreSQL backend (`database_url: postgres://...`), for fleets that
//! outgrow one machine or want the hub's data in an existing, backed-up cluster.

use super::StoreError;
use super::nodes_sql::node_from_row;
use super::redact_url;
use super::sql::hub_store_impl;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use std::str::FromStr;

/// Connections in the pool.
pub const CONNECTIONS: u32 = 16;

/// The hub's store in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
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
        Ok(PgStore { pool })
    }

    /// Closes the pool, waiting for queries in flight.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }
}

node_from_row!(PgStore, PgRow);
hub_store_impl!(PgStore, PgRow);
