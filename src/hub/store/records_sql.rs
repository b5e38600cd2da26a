//! The pushed-records half of the shared SQL (see [`super::sql`]): reports (queued to the
//! store's report writer, `reports_batch_sql.rs`), events, backups.

/// Expands to the record methods of `HubStore` for a store over rows of type `$row`.
macro_rules! record_methods {
    ($row:ty) => {
        async fn insert_report(
            &self,
            report: &$crate::fleet::Report,
            received_at: $crate::time::Timestamp,
        ) -> Result<$crate::hub::store::Inserted, $crate::hub::store::StoreError> {
            self.reports()
                .submit((report.clone(), received_at))
                .await
                .map_err(|_| $crate::hub::store::StoreError::Closed)?
        }

        async fn insert_event(
            &self,
            event: &$crate::fleet::Event,
            received_at: $crate::time::Timestamp,
        ) -> Result<$crate::hub::store::Inserted, $crate::hub::store::StoreError> {
            use $crate::hub::store::{Inserted, severity_rank, sql};
            let body = sql::to_json("event", event)?;
            let inserted = sqlx::query(
                "INSERT INTO events (node_id, event_id, time, received_at, event_type, \
                 severity, body) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (node_id, event_id) DO NOTHING",
            )
            .bind(event.node_id.as_str())
            .bind(event.event_id.as_str())
            .bind(event.time.as_nanos())
            .bind(received_at.as_nanos())
            .bind(event.event_type.name())
            .bind(severity_rank(event.severity))
            .bind(body)
            .execute(self.writer())
            .await
            .map_err(sql::query_error("insert_event", Some(&event.node_id)))?;
            Ok(if inserted.rows_affected() == 0 {
                Inserted::Duplicate
            } else {
                Inserted::New
            })
        }

        async fn insert_backup(
            &self,
            backup: &$crate::fleet::Backup,
            received_at: $crate::time::Timestamp,
        ) -> Result<($crate::hub::store::Inserted, u64), $crate::hub::store::StoreError> {
            use sqlx::Row;
            use $crate::hub::store::{Inserted, StoreError, sql};
            let node = Some(&backup.node_id);
            let error = || sql::query_error("insert_backup", node);
            let mut stored = backup.clone();
            stored.version = None;
            let body = sql::to_json("backup", &stored)?;
            let mut tx = self.writer().begin().await.map_err(error())?;
            let known: Option<$row> =
                sqlx::query("SELECT version FROM backups WHERE node_id = $1 AND backup_id = $2")
                    .bind(backup.node_id.as_str())
                    .bind(backup.backup_id.as_str())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(error())?;
            if let Some(row) = known {
                let version: i64 = row.try_get("version").map_err(error())?;
                return Ok((Inserted::Duplicate, sql::unsigned(version)));
            }
            let row: Option<$row> = sqlx::query(
                "UPDATE nodes SET backup_version = backup_version + 1 WHERE node_id = $1 \
                 RETURNING backup_version",
            )
            .bind(backup.node_id.as_str())
            .fetch_optional(&mut *tx)
            .await
            .map_err(error())?;
            let Some(row) = row else {
                return Err(StoreError::UnknownNode(backup.node_id.clone()));
            };
            let version: i64 = row.try_get("backup_version").map_err(error())?;
            sqlx::query(
                "INSERT INTO backups (node_id, backup_id, version, created_at, received_at, body) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(backup.node_id.as_str())
            .bind(backup.backup_id.as_str())
            .bind(version)
            .bind(backup.created_at.as_nanos())
            .bind(received_at.as_nanos())
            .bind(body)
            .execute(&mut *tx)
            .await
            .map_err(error())?;
            tx.commit().await.map_err(error())?;
            Ok((Inserted::New, sql::unsigned(version)))
        }

        async fn latest_backup(
            &self,
            node: &$crate::fleet::NodeId,
            version: Option<u64>,
        ) -> Result<Option<$crate::fleet::Backup>, $crate::hub::store::StoreError> {
            use sqlx::Row;
            use $crate::hub::store::sql;
            let error = || sql::query_error("latest_backup", None);
            let row: Option<$row> = sqlx::query(
                "SELECT version, body FROM backups WHERE node_id = $1 \
                 AND ($2 < 0 OR version = $2) ORDER BY version DESC LIMIT 1",
            )
            .bind(node.as_str())
            .bind(version.map_or(-1, sql::signed))
            .fetch_optional(self.reader())
            .await
            .map_err(error())?;
            let Some(row) = row else { return Ok(None) };
            let body: String = row.try_get("body").map_err(error())?;
            let mut backup: $crate::fleet::Backup = sql::from_json("backup", &body)?;
            backup.version = Some(sql::unsigned(row.try_get("version").map_err(error())?));
            Ok(Some(backup))
        }

        async fn backup_times(
            &self,
        ) -> Result<
            Vec<($crate::fleet::NodeId, $crate::time::Timestamp)>,
            $crate::hub::store::StoreError,
        > {
            use sqlx::Row;
            use $crate::hub::store::sql;
            let error = || sql::query_error("backup_times", None);
            let rows: Vec<$row> = sqlx::query(
                "SELECT node_id, MAX(received_at) AS received_at FROM backups \
                 GROUP BY node_id ORDER BY node_id",
            )
            .fetch_all(self.reader())
            .await
            .map_err(error())?;
            let mut times = Vec::with_capacity(rows.len());
            for row in rows {
                let node: String = row.try_get("node_id").map_err(error())?;
                let received_at: i64 = row.try_get("received_at").map_err(error())?;
                times.push((
                    sql::parse_node_id(node)?,
                    $crate::time::Timestamp::from_nanos(received_at),
                ));
            }
            Ok(times)
        }

        async fn history(
            &self,
            node: &$crate::fleet::NodeId,
            since: $crate::time::Timestamp,
        ) -> Result<Vec<$crate::hub::store::HistoryPoint>, $crate::hub::store::StoreError> {
            use sqlx::Row;
            use $crate::hub::store::sql;
            let error = || sql::query_error("history", None);
            let rows: Vec<$row> = sqlx::query(
                "SELECT sent_at, clock_state, offset_ns, frequency_ppb, path_delay_ns \
                 FROM reports WHERE node_id = $1 AND sent_at >= $2 ORDER BY sent_at",
            )
            .bind(node.as_str())
            .bind(since.as_nanos())
            .fetch_all(self.reader())
            .await
            .map_err(error())?;
            let mut points = Vec::with_capacity(rows.len());
            for row in rows {
                let state: String = row.try_get("clock_state").map_err(error())?;
                points.push($crate::hub::store::HistoryPoint {
                    time: $crate::time::Timestamp::from_nanos(
                        row.try_get("sent_at").map_err(error())?,
                    ),
                    state: sql::parse_clock_state(&state)?,
                    offset_ns: row.try_get("offset_ns").map_err(error())?,
                    frequency_ppb: row.try_get("frequency_ppb").map_err(error())?,
                    path_delay_ns: row.try_get("path_delay_ns").map_err(error())?,
                });
            }
            Ok(points)
        }

        async fn events(
            &self,
            filter: &$crate::hub::store::EventFilter,
        ) -> Result<Vec<$crate::hub::store::StoredEvent>, $crate::hub::store::StoreError> {
            use sqlx::Row;
            use $crate::hub::store::{severity_rank, sql};
            let error = || sql::query_error("events", None);
            let rows: Vec<$row> = sqlx::query(
                "SELECT received_at, body FROM events WHERE time >= $1 AND severity >= $2 \
                 AND ($3 = '' OR node_id = $3) ORDER BY time DESC, event_id DESC LIMIT $4",
            )
            .bind(filter.since.map_or(i64::MIN, |t| t.as_nanos()))
            .bind(filter.min_severity.map_or(0, severity_rank))
            .bind(filter.node.as_ref().map_or("", |n| n.as_str()))
            .bind(i64::from(filter.limit))
            .fetch_all(self.reader())
            .await
            .map_err(error())?;
            let mut events = Vec::with_capacity(rows.len());
            for row in rows {
                let body: String = row.try_get("body").map_err(error())?;
                events.push($crate::hub::store::StoredEvent {
                    event: sql::from_json("event", &body)?,
                    received_at: $crate::time::Timestamp::from_nanos(
                        row.try_get("received_at").map_err(error())?,
                    ),
                });
            }
            Ok(events)
        }
    };
}
pub(super) use record_methods;
