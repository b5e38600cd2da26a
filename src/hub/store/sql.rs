//! The SQL both backends run, written once: [`hub_store_impl!`] expands to the
//! [`super::HubStore`] implementation for a store type with `writer()` and `reader()` pools.
//! The statements use only what SQLite (≥ 3.35) and PostgreSQL share: `$N` parameters,
//! `ON CONFLICT ... DO NOTHING`, `RETURNING`, integer nanosecond times.

use super::StoreError;
use super::types::NodeState;
use crate::fleet::{DeclaredPort, HostFacts, NodeId};
use crate::observe::ClockState;

/// The columns `node_from_row` reads.
macro_rules! node_columns {
    () => {
        "node_id, created_at, report_interval_s, ports_json, blocked, maintenance, state, \
         state_since, last_seen, backup_version, last_sent_at, last_clock_state, \
         last_synchronized, last_offset_ns, last_frequency_ppb, last_path_delay_ns, \
         last_source, host_json"
    };
}

/// Every node, by id.
pub(super) const SELECT_NODES: &str =
    concat!("SELECT ", node_columns!(), " FROM nodes ORDER BY node_id");
/// One node (`$1`).
pub(super) const SELECT_NODE: &str =
    concat!("SELECT ", node_columns!(), " FROM nodes WHERE node_id = $1");

/// Wraps a query error with the operation's name; a foreign-key violation means the node
/// does not exist.
pub(super) fn query_error(
    operation: &'static str,
    node: Option<&NodeId>,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |source| match (&source, node) {
        (sqlx::Error::Database(db), Some(node)) if db.is_foreign_key_violation() => {
            StoreError::UnknownNode(node.clone())
        }
        _ => StoreError::Query { operation, source },
    }
}

/// Reads a stored JSON column.
pub(super) fn from_json<T: serde::de::DeserializeOwned>(
    what: &'static str,
    text: &str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|err| StoreError::Corrupt {
        what,
        reason: err.to_string(),
    })
}

/// Writes a JSON column (the wire types always serialise).
pub(super) fn to_json<T: serde::Serialize>(
    what: &'static str,
    value: &T,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|err| StoreError::Corrupt {
        what,
        reason: err.to_string(),
    })
}

pub(super) fn parse_node_id(text: String) -> Result<NodeId, StoreError> {
    NodeId::new(text).map_err(|err| StoreError::Corrupt {
        what: "node id",
        reason: err.to_string(),
    })
}

pub(super) fn parse_state(text: &str) -> Result<NodeState, StoreError> {
    NodeState::parse(text).ok_or_else(|| StoreError::Corrupt {
        what: "node state",
        reason: format!("`{text}`"),
    })
}

pub(super) fn parse_clock_state(text: &str) -> Result<ClockState, StoreError> {
    from_json("clock state", &format!("\"{}\"", text.escape_default()))
}

pub(super) fn parse_ports(text: &str) -> Result<Vec<DeclaredPort>, StoreError> {
    from_json("declared ports", text)
}

pub(super) fn parse_host(text: Option<String>) -> Result<Option<HostFacts>, StoreError> {
    text.map(|t| from_json("host facts", &t)).transpose()
}

/// Converts an unsigned count for a `BIGINT` column (saturating; counts never get there).
pub(super) fn signed(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Converts a `BIGINT` column that holds a count (negative values read as 0).
pub(super) fn unsigned(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// 32 bytes from a `BLOB`/`BYTEA` column.
pub(super) fn digest(bytes: Vec<u8>) -> Result<[u8; 32], StoreError> {
    bytes
        .try_into()
        .map_err(|bytes: Vec<u8>| StoreError::Corrupt {
            what: "API key digest",
            reason: format!("{} bytes, expected 32", bytes.len()),
        })
}

/// Expands to `impl HubStore for $store`, given the row type of its database.
macro_rules! hub_store_impl {
    ($store:ty, $row:ty) => {
        impl $crate::hub::store::HubStore for $store {
            $crate::hub::store::nodes_sql::node_methods!($row);
            $crate::hub::store::records_sql::record_methods!($row);
            $crate::hub::store::ops_sql::ops_methods!($row);
        }
    };
}
pub(super) use hub_store_impl;
