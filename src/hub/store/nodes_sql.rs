//! The node-management half of the shared SQL (see [`super::sql`]).

/// Expands to the node methods of `HubStore` for a store over rows of type `$row`.
macro_rules! node_methods {
    ($row:ty) => {
        async fn add_node(
            &self,
            node: &$crate::hub::store::NewNode,
        ) -> Result<(), $crate::hub::store::StoreError> {
            use $crate::hub::store::sql;
            let ports = sql::to_json("declared ports", &node.ports)?;
            let result = sqlx::query(
                "INSERT INTO nodes (node_id, api_key_sha256, retrieval_hash, created_at, \
                 report_interval_s, ports_json, state, state_since) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'new', $4) ON CONFLICT (node_id) DO NOTHING",
            )
            .bind(node.node_id.as_str())
            .bind(&node.api_key_sha256[..])
            .bind(&node.retrieval_hash)
            .bind(node.created_at.as_nanos())
            .bind(sql::signed(node.report_interval_s))
            .bind(ports)
            .execute(self.writer())
            .await
            .map_err(sql::query_error("add_node", None))?;
            if result.rows_affected() == 0 {
                return Err($crate::hub::store::StoreError::NodeExists(
                    node.node_id.clone(),
                ));
            }
            Ok(())
        }

        async fn list_nodes(
            &self,
        ) -> Result<Vec<$crate::hub::store::NodeRecord>, $crate::hub::store::StoreError> {
            use $crate::hub::store::sql;
            let rows: Vec<$row> = sqlx::query(sql::SELECT_NODES)
            .fetch_all(self.reader())
            .await
            .map_err(sql::query_error("list_nodes", None))?;
            rows.iter().map(Self::node_from_row).collect()
        }

        async fn get_node(
            &self,
            node: &$crate::fleet::NodeId,
        ) -> Result<Option<$crate::hub::store::NodeRecord>, $crate::hub::store::StoreError> {
            use $crate::hub::store::sql;
            let row: Option<$row> = sqlx::query(sql::SELECT_NODE)
            .bind(node.as_str())
            .fetch_optional(self.reader())
            .await
            .map_err(sql::query_error("get_node", None))?;
            row.as_ref().map(Self::node_from_row).transpose()
        }

        async fn remove_node(
            &self,
            node: &$crate::fleet::NodeId,
        ) -> Result<bool, $crate::hub::store::StoreError> {
            let result = sqlx::query("DELETE FROM nodes WHERE node_id = $1")
                .bind(node.as_str())
                .execute(self.writer())
                .await
                .map_err($crate::hub::store::sql::query_error("remove_node", None))?;
            Ok(result.rows_affected() > 0)
        }

        async fn credentials(
            &self,
            node: &$crate::fleet::NodeId,
        ) -> Result<Option<$crate::hub::store::NodeCredentials>, $crate::hub::store::StoreError>
        {
            use sqlx::Row;
            use $crate::hub::store::sql;
            let row: Option<$row> = sqlx::query(
                "SELECT api_key_sha256, retrieval_hash, blocked FROM nodes WHERE node_id = $1",
            )
            .bind(node.as_str())
            .fetch_optional(self.reader())
            .await
            .map_err(sql::query_error("credentials", None))?;
            let Some(row) = row else { return Ok(None) };
            let decode = sql::query_error("credentials", None);
            Ok(Some($crate::hub::store::NodeCredentials {
                api_key_sha256: sql::digest(row.try_get("api_key_sha256").map_err(decode)?)?,
                retrieval_hash: row
                    .try_get("retrieval_hash")
                    .map_err(sql::query_error("credentials", None))?,
                blocked: row
                    .try_get("blocked")
                    .map_err(sql::query_error("credentials", None))?,
            }))
        }

        async fn set_api_key(
            &self,
            node: &$crate::fleet::NodeId,
            api_key_sha256: [u8; 32],
        ) -> Result<bool, $crate::hub::store::StoreError> {
            let result = sqlx::query("UPDATE nodes SET api_key_sha256 = $2 WHERE node_id = $1")
                .bind(node.as_str())
                .bind(&api_key_sha256[..])
                .execute(self.writer())
                .await
                .map_err($crate::hub::store::sql::query_error("set_api_key", None))?;
            Ok(result.rows_affected() > 0)
        }

        async fn set_blocked(
            &self,
            node: &$crate::fleet::NodeId,
            blocked: bool,
        ) -> Result<bool, $crate::hub::store::StoreError> {
            let result = sqlx::query("UPDATE nodes SET blocked = $2 WHERE node_id = $1")
                .bind(node.as_str())
                .bind(blocked)
                .execute(self.writer())
                .await
                .map_err($crate::hub::store::sql::query_error("set_blocked", None))?;
            Ok(result.rows_affected() > 0)
        }

        async fn set_maintenance(
            &self,
            node: &$crate::fleet::NodeId,
            maintenance: bool,
        ) -> Result<bool, $crate::hub::store::StoreError> {
            let result = sqlx::query("UPDATE nodes SET maintenance = $2 WHERE node_id = $1")
                .bind(node.as_str())
                .bind(maintenance)
                .execute(self.writer())
                .await
                .map_err($crate::hub::store::sql::query_error("set_maintenance", None))?;
            Ok(result.rows_affected() > 0)
        }

        async fn set_node_state(
            &self,
            node: &$crate::fleet::NodeId,
            state: $crate::hub::store::NodeState,
            since: $crate::time::Timestamp,
        ) -> Result<bool, $crate::hub::store::StoreError> {
            let result =
                sqlx::query("UPDATE nodes SET state = $2, state_since = $3 WHERE node_id = $1")
                    .bind(node.as_str())
                    .bind(state.as_str())
                    .bind(since.as_nanos())
                    .execute(self.writer())
                    .await
                    .map_err($crate::hub::store::sql::query_error("set_node_state", None))?;
            Ok(result.rows_affected() > 0)
        }

        async fn node_counts(
            &self,
        ) -> Result<$crate::hub::store::NodeCounts, $crate::hub::store::StoreError> {
            use sqlx::Row;
            use $crate::hub::store::{NodeState, sql};
            let rows: Vec<$row> = sqlx::query(
                "SELECT state, COUNT(*) AS n, \
                 SUM(CASE WHEN blocked THEN 1 ELSE 0 END) AS blocked, \
                 SUM(CASE WHEN maintenance THEN 1 ELSE 0 END) AS maintenance \
                 FROM nodes GROUP BY state",
            )
            .fetch_all(self.reader())
            .await
            .map_err(sql::query_error("node_counts", None))?;
            let mut counts = $crate::hub::store::NodeCounts {
                by_state: NodeState::ALL.iter().map(|s| (*s, 0)).collect(),
                ..Default::default()
            };
            for row in rows {
                let decode = || sql::query_error("node_counts", None);
                let state: String = row.try_get("state").map_err(decode())?;
                let n: i64 = row.try_get("n").map_err(decode())?;
                let blocked: i64 = row.try_get("blocked").map_err(decode())?;
                let maintenance: i64 = row.try_get("maintenance").map_err(decode())?;
                let state = sql::parse_state(&state)?;
                if let Some(entry) = counts.by_state.iter_mut().find(|(s, _)| *s == state) {
                    entry.1 += sql::unsigned(n);
                }
                counts.blocked += sql::unsigned(blocked);
                counts.maintenance += sql::unsigned(maintenance);
            }
            Ok(counts)
        }
    };
}
pub(super) use node_methods;

/// Expands to `node_from_row` for a store over rows of type `$row` (an inherent method).
macro_rules! node_from_row {
    ($store:ty, $row:ty) => {
        impl $store {
            fn node_from_row(
                row: &$row,
            ) -> Result<$crate::hub::store::NodeRecord, $crate::hub::store::StoreError> {
                use sqlx::Row;
                use $crate::hub::store::sql;
                let get = || sql::query_error("reading a node", None);
                let node_id: String = row.try_get("node_id").map_err(get())?;
                let ports: String = row.try_get("ports_json").map_err(get())?;
                let state: String = row.try_get("state").map_err(get())?;
                let last_seen: Option<i64> = row.try_get("last_seen").map_err(get())?;
                let sent_at: Option<i64> = row.try_get("last_sent_at").map_err(get())?;
                let last_report = match sent_at {
                    None => None,
                    Some(sent_at) => Some(Self::last_report_from_row(row, sent_at)?),
                };
                Ok($crate::hub::store::NodeRecord {
                    node_id: sql::parse_node_id(node_id)?,
                    created_at: $crate::time::Timestamp::from_nanos(
                        row.try_get("created_at").map_err(get())?,
                    ),
                    report_interval_s: sql::unsigned(
                        row.try_get("report_interval_s").map_err(get())?,
                    ),
                    ports: sql::parse_ports(&ports)?,
                    blocked: row.try_get("blocked").map_err(get())?,
                    maintenance: row.try_get("maintenance").map_err(get())?,
                    state: sql::parse_state(&state)?,
                    state_since: $crate::time::Timestamp::from_nanos(
                        row.try_get("state_since").map_err(get())?,
                    ),
                    last_seen: last_seen.map($crate::time::Timestamp::from_nanos),
                    last_report,
                    host: sql::parse_host(row.try_get("host_json").map_err(get())?)?,
                    backup_version: sql::unsigned(row.try_get("backup_version").map_err(get())?),
                })
            }

            fn last_report_from_row(
                row: &$row,
                sent_at: i64,
            ) -> Result<$crate::hub::store::LastReport, $crate::hub::store::StoreError> {
                use sqlx::Row;
                use $crate::hub::store::sql;
                let get = || sql::query_error("reading a node", None);
                let clock_state: Option<String> = row.try_get("last_clock_state").map_err(get())?;
                Ok($crate::hub::store::LastReport {
                    sent_at: $crate::time::Timestamp::from_nanos(sent_at),
                    clock_state: sql::parse_clock_state(clock_state.as_deref().unwrap_or(""))?,
                    synchronized: row
                        .try_get::<Option<bool>, _>("last_synchronized")
                        .map_err(get())?
                        .unwrap_or(false),
                    offset_ns: row.try_get("last_offset_ns").map_err(get())?,
                    frequency_ppb: row
                        .try_get::<Option<f64>, _>("last_frequency_ppb")
                        .map_err(get())?
                        .unwrap_or(0.0),
                    path_delay_ns: row.try_get("last_path_delay_ns").map_err(get())?,
                    selected_source: row.try_get("last_source").map_err(get())?,
                })
            }
        }
    };
}
pub(super) use node_from_row;
