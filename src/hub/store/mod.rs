//! The hub's storage: [`HubStore`] over two sqlx backends, [`SqliteStore`] (default, embedded)
//! and [`PgStore`] (PostgreSQL, for fleets that outgrow one machine).
//!
//! Both run the same SQL (`$N` parameters, `ON CONFLICT`, `RETURNING`; see [`sql`]) over their
//! own versioned migrations (`migrations/sqlite/`, `migrations/postgres/`), and one
//! conformance suite (`conformance.rs`) runs on both. Times are stored as integer nanoseconds
//! since the Unix epoch. Every push is idempotent: the primary key of a report, event or
//! backup is `(node_id, record id)`, and a replay answers [`Inserted::Duplicate`].
//!
//! Reports go through one writer task per store that commits whatever is queued in one
//! transaction ([`batch`], `reports_batch_sql.rs`); `close` drains it.
//!
//! The backend is chosen at start from `database_url` by [`open`]; the server and the node
//! commands are generic over `S: HubStore`, so there is no dynamic dispatch.

pub mod batch;
mod nodes_sql;
mod ops_sql;
mod postgres;
mod records_sql;
mod reports_batch_sql;
mod sql;
mod sqlite;
mod types;

#[cfg(test)]
mod conformance;
#[cfg(test)]
pub mod pg_cluster;

pub use postgres::PgStore;
pub use reports_batch_sql::MAX_BATCH;
pub use sqlite::SqliteStore;
pub use types::{
    EventFilter, HistoryPoint, Inserted, LastReport, NewNode, NodeCounts, NodeCredentials,
    NodeRecord, NodeState, Notification, PortCheck, PruneCounts, StoredEvent, severity_rank,
};

use crate::exit::{ExitStatus, HasExitStatus};
use crate::fleet::{Backup, Event, NodeId, Report};
use crate::time::Timestamp;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `database_url` is neither `sqlite://...` nor `postgres://...`.
    #[error(
        "database_url: `{url}` is not supported: use sqlite:///path/hub.db or postgres://user@host/db"
    )]
    UnsupportedUrl {
        /// The URL (without its password).
        url: String,
    },
    /// The database could not be opened or reached.
    #[error("cannot open the hub database {url}: {source}")]
    Open {
        /// The URL (without its password).
        url: String,
        /// Why.
        source: sqlx::Error,
    },
    /// A migration failed.
    #[error("migrating the hub database {url}: {source}")]
    Migrate {
        /// The URL (without its password).
        url: String,
        /// Why.
        source: sqlx::migrate::MigrateError,
    },
    /// A node with this id exists already.
    #[error("node {0} already exists")]
    NodeExists(NodeId),
    /// No node with this id.
    #[error("no node {0}")]
    UnknownNode(NodeId),
    /// A stored row does not decode (a column holds what this build cannot read).
    #[error("the hub database holds an unreadable {what}: {reason}")]
    Corrupt {
        /// What (`report body`, `node state`).
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The store is closed (the hub is shutting down).
    #[error("the hub database is closed (shutting down)")]
    Closed,
    /// A query failed.
    #[error("hub database query failed ({operation}): {source}")]
    Query {
        /// What the store was doing (`insert_report`).
        operation: &'static str,
        /// Why.
        source: sqlx::Error,
    },
}

impl HasExitStatus for StoreError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            StoreError::UnsupportedUrl { .. } => ExitStatus::Config,
            StoreError::Open {
                source: sqlx::Error::Io(io),
                ..
            } => ExitStatus::for_io(io),
            _ => ExitStatus::Failure,
        }
    }
}

/// The storage the hub needs. Every method is one transaction: either all of its effect is
/// stored, or none. Reports are group-committed: concurrent `insert_report` calls share one
/// transaction (see [`batch`]), and each returns once that transaction is committed.
pub trait HubStore: Clone + Send + Sync + 'static {
    /// Adds a node; [`StoreError::NodeExists`] when the id is taken.
    fn add_node(&self, node: &NewNode) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Every node, by id.
    fn list_nodes(&self) -> impl Future<Output = Result<Vec<NodeRecord>, StoreError>> + Send;
    /// One node.
    fn get_node(
        &self,
        node: &NodeId,
    ) -> impl Future<Output = Result<Option<NodeRecord>, StoreError>> + Send;
    /// Removes a node and everything stored for it; false when there was none.
    fn remove_node(&self, node: &NodeId) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// The node's key digest, retrieval-password hash and block flag, for authentication.
    fn credentials(
        &self,
        node: &NodeId,
    ) -> impl Future<Output = Result<Option<NodeCredentials>, StoreError>> + Send;
    /// Replaces the node's API key digest (rotate-key); false when there is no such node.
    fn set_api_key(
        &self,
        node: &NodeId,
        api_key_sha256: [u8; 32],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Blocks (pushes refused with 403, sweep skips it) or unblocks a node.
    fn set_blocked(
        &self,
        node: &NodeId,
        blocked: bool,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Puts a node in maintenance (sweep and checks skip it) or takes it out.
    fn set_maintenance(
        &self,
        node: &NodeId,
        maintenance: bool,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Stores a report and updates the node's last-seen time and, when the report is the
    /// newest so far, its last-report summary.
    fn insert_report(
        &self,
        report: &Report,
        received_at: Timestamp,
    ) -> impl Future<Output = Result<Inserted, StoreError>> + Send;
    /// Stores an event (from a node or raised by the hub).
    fn insert_event(
        &self,
        event: &Event,
        received_at: Timestamp,
    ) -> impl Future<Output = Result<Inserted, StoreError>> + Send;
    /// Stores a backup under the next per-node version (1, 2, ...); a replay returns the
    /// version it got the first time.
    fn insert_backup(
        &self,
        backup: &Backup,
        received_at: Timestamp,
    ) -> impl Future<Output = Result<(Inserted, u64), StoreError>> + Send;
    /// The node's newest backup, or the one with `version`; its `version` field is set.
    fn latest_backup(
        &self,
        node: &NodeId,
        version: Option<u64>,
    ) -> impl Future<Output = Result<Option<Backup>, StoreError>> + Send;
    /// When the hub received each node's newest backup, by node id (nodes without a backup
    /// are absent), for the `backup_missed` check.
    fn backup_times(
        &self,
    ) -> impl Future<Output = Result<Vec<(NodeId, Timestamp)>, StoreError>> + Send;
    /// The node's reports sent at or after `since`, oldest first.
    fn history(
        &self,
        node: &NodeId,
        since: Timestamp,
    ) -> impl Future<Output = Result<Vec<HistoryPoint>, StoreError>> + Send;
    /// Events matching `filter`, newest first.
    fn events(
        &self,
        filter: &EventFilter,
    ) -> impl Future<Output = Result<Vec<StoredEvent>, StoreError>> + Send;
    /// Sets the dead-man's switch state; false when there is no such node.
    fn set_node_state(
        &self,
        node: &NodeId,
        state: NodeState,
        since: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Records the result of a port check; returns whether the port was up at the previous
    /// check (`None`: first check), so the caller sees transitions.
    fn record_port_check(
        &self,
        check: &PortCheck,
    ) -> impl Future<Output = Result<Option<bool>, StoreError>> + Send;
    /// The latest check of each of the node's ports.
    fn port_checks(
        &self,
        node: &NodeId,
    ) -> impl Future<Output = Result<Vec<PortCheck>, StoreError>> + Send;
    /// Appends to the notification log; returns the entry's id.
    fn log_notification(
        &self,
        entry: &Notification,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;
    /// The newest `limit` notification log entries, newest first.
    fn notifications(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Notification>, StoreError>> + Send;
    /// Deletes reports, events and notifications older than `older_than`, and backups older
    /// than it beyond each node's newest `keep_backups` (at least 1: the latest backup is what
    /// `recover` needs). Port states are kept.
    fn prune(
        &self,
        older_than: Timestamp,
        keep_backups: u32,
    ) -> impl Future<Output = Result<PruneCounts, StoreError>> + Send;
    /// Nodes by state, for `/metrics`.
    fn node_counts(&self) -> impl Future<Output = Result<NodeCounts, StoreError>> + Send;
}

/// A store of either backend, as [`open`] returns it.
#[derive(Debug, Clone)]
pub enum AnyStore {
    /// `sqlite://...`.
    Sqlite(SqliteStore),
    /// `postgres://...` or `postgresql://...`.
    Postgres(PgStore),
}

/// Opens (creating and migrating as needed) the database at `url`.
pub async fn open(url: &str) -> Result<AnyStore, StoreError> {
    if url.starts_with("sqlite:") {
        SqliteStore::open(url).await.map(AnyStore::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        PgStore::open(url).await.map(AnyStore::Postgres)
    } else {
        Err(StoreError::UnsupportedUrl {
            url: redact_url(url),
        })
    }
}

/// `url` with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password_and_unknown_schemes_are_config_errors() {
        assert_eq!(
            redact_url("postgres://hub:s3cret@db.example/hub"),
            "postgres://hub:***@db.example/hub"
        );
        assert_eq!(
            redact_url("sqlite:///var/lib/x.db"),
            "sqlite:///var/lib/x.db"
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let Err(err) = runtime.block_on(open("mysql://u:pw@h/db")) else {
            panic!("mysql accepted");
        };
        assert!(err.to_string().contains("mysql://u:***@h/db"), "{err}");
        assert!(!err.to_string().contains("pw"), "{err}");
        assert_eq!(err.exit_status(), ExitStatus::Config);
    }
}
