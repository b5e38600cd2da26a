//! The operations half of the shared SQL (see [`super::sql`]): port checks, the notification
//! log, retention.

/// Expands to the operations methods of `HubStore` for a store over rows of type `$row`.
macro_rules! ops_methods {
    ($row:ty) => {
        async fn record_port_check(
            &self,
            check: &$crate::hub::store::PortCheck,
        ) -> Result<Option<bool>, $crate::hub::store::StoreError> {
            use sqlx::Row;
            use $crate::hub::store::sql;
            let node = Some(&check.node_id);
            let error = || sql::query_error("record_port_check", node);
            let mut tx = self.writer().begin().await.map_err(error())?;
            let previous: Option<$row> =
                sqlx::query("SELECT up FROM port_status WHERE node_id = $1 AND name = $2")
                    .bind(check.node_id.as_str())
                    .bind(&check.name)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(error())?;
            let previous: Option<bool> = match previous {
                Some(row) => Some(row.try_get("up").map_err(error())?),
                None => None,
            };
            sqlx::query(
                "INSERT INTO port_status (node_id, name, port, checked_at, up, latency_us, error) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (node_id, name) DO UPDATE SET \
                 port = excluded.port, checked_at = excluded.checked_at, up = excluded.up, \
                 latency_us = excluded.latency_us, error = excluded.error",
            )
            .bind(check.node_id.as_str())
            .bind(&check.name)
            .bind(i64::from(check.port))
            .bind(check.checked_at.as_nanos())
            .bind(check.up)
            .bind(check.latency_us.map(sql::signed))
            .bind(check.error.as_deref())
            .execute(&mut *tx)
            .await
            .map_err(error())?;
            tx.commit().await.map_err(error())?;
            Ok(previous)
        }

        async fn port_checks(
            &self,
            node: &$crate::fleet::NodeId,
        ) -> Result<Vec<$crate::hub::store::PortCheck>, $crate::hub::store::StoreError> {
            use sqlx::Row;
            use $crate::hub::store::sql;
            let error = || sql::query_error("port_checks", None);
            let rows: Vec<$row> = sqlx::query(
                "SELECT name, port, checked_at, up, latency_us, error FROM port_status \
                 WHERE node_id = $1 ORDER BY name",
            )
            .bind(node.as_str())
            .fetch_all(self.reader())
            .await
            .map_err(error())?;
            let mut checks = Vec::with_capacity(rows.len());
            for row in rows {
                let port: i64 = row.try_get("port").map_err(error())?;
                let latency: Option<i64> = row.try_get("latency_us").map_err(error())?;
                checks.push($crate::hub::store::PortCheck {
                    node_id: node.clone(),
                    name: row.try_get("name").map_err(error())?,
                    port: u16::try_from(port).unwrap_or(0),
                    checked_at: $crate::time::Timestamp::from_nanos(
                        row.try_get("checked_at").map_err(error())?,
                    ),
                    up: row.try_get("up").map_err(error())?,
                    latency_us: latency.map(sql::unsigned),
                    error: row.try_get("error").map_err(error())?,
                });
            }
            Ok(checks)
        }

        async fn log_notification(
            &self,
            entry: &$crate::hub::store::Notification,
        ) -> Result<i64, $crate::hub::store::StoreError> {
            use sqlx::Row;
            use $crate::hub::store::sql;
            let error = || sql::query_error("log_notification", None);
            let row: $row = sqlx::query(
                "INSERT INTO notifications (time, node_id, event_id, channel, outcome, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(entry.time.as_nanos())
            .bind(entry.node_id.as_ref().map(|n| n.as_str()))
            .bind(entry.event_id.as_deref())
            .bind(&entry.channel)
            .bind(&entry.outcome)
            .bind(&entry.detail)
            .fetch_one(self.writer())
            .await
            .map_err(error())?;
            row.try_get("id").map_err(error())
        }

        async fn notifications(
            &self,
            limit: u32,
        ) -> Result<Vec<$crate::hub::store::Notification>, $crate::hub::store::StoreError> {
            use sqlx::Row;
            use $crate::hub::store::sql;
            let error = || sql::query_error("notifications", None);
            let rows: Vec<$row> = sqlx::query(
                "SELECT id, time, node_id, event_id, channel, outcome, detail FROM notifications \
                 ORDER BY id DESC LIMIT $1",
            )
            .bind(i64::from(limit))
            .fetch_all(self.reader())
            .await
            .map_err(error())?;
            let mut entries = Vec::with_capacity(rows.len());
            for row in rows {
                let node: Option<String> = row.try_get("node_id").map_err(error())?;
                entries.push($crate::hub::store::Notification {
                    id: row.try_get("id").map_err(error())?,
                    time: $crate::time::Timestamp::from_nanos(
                        row.try_get("time").map_err(error())?,
                    ),
                    node_id: node.map(sql::parse_node_id).transpose()?,
                    event_id: row.try_get("event_id").map_err(error())?,
                    channel: row.try_get("channel").map_err(error())?,
                    outcome: row.try_get("outcome").map_err(error())?,
                    detail: row.try_get("detail").map_err(error())?,
                });
            }
            Ok(entries)
        }

        async fn prune(
            &self,
            older_than: $crate::time::Timestamp,
            keep_backups: u32,
        ) -> Result<$crate::hub::store::PruneCounts, $crate::hub::store::StoreError> {
            use $crate::hub::store::sql;
            let error = || sql::query_error("prune", None);
            let cutoff = older_than.as_nanos();
            let mut tx = self.writer().begin().await.map_err(error())?;
            let mut deleted = [0u64; 3];
            for (count, statement) in deleted.iter_mut().zip([
                "DELETE FROM reports WHERE received_at < $1",
                "DELETE FROM events WHERE time < $1",
                "DELETE FROM notifications WHERE time < $1",
            ]) {
                *count = sqlx::query(statement)
                    .bind(cutoff)
                    .execute(&mut *tx)
                    .await
                    .map_err(error())?
                    .rows_affected();
            }
            // Old backups beyond each node's newest `keep_backups` (the newest always stay:
            // they are what `recover` needs).
            let backups = sqlx::query(
                "DELETE FROM backups WHERE received_at < $1 AND version <= \
                 (SELECT MAX(b.version) FROM backups b WHERE b.node_id = backups.node_id) - $2",
            )
            .bind(cutoff)
            .bind(i64::from(keep_backups.max(1)))
            .execute(&mut *tx)
            .await
            .map_err(error())?
            .rows_affected();
            tx.commit().await.map_err(error())?;
            Ok($crate::hub::store::PruneCounts {
                reports: deleted[0],
                events: deleted[1],
                notifications: deleted[2],
                backups,
            })
        }
    };
}
pub(super) use ops_methods;
