//! Reports are stored by group commit (see [`super::batch`]): `insert_report` queues the
//! report to the store's one report writer, which stores every queued report in one
//! transaction — one multi-row `INSERT ... RETURNING` for the batch, then one `UPDATE ... FROM (VALUES ...)` for every node's last-seen time
//! and last-report summary — and answers each caller after the `COMMIT`. A report is thus
//! acknowledged only once it is committed, exactly as with a transaction of its own.
//!
//! When the batch's transaction fails (a report's node was removed meanwhile: a foreign-key
//! violation), it is rolled back and each report is stored again in a transaction of its
//! own, so one bad report fails alone.

use super::StoreError;
use super::batch::Batcher;
use super::types::Inserted;
use crate::fleet::Report;
use crate::time::Timestamp;

/// A report and when the hub received it.
pub(super) type Received = (Report, Timestamp);
/// How storing one report ended.
pub(super) type ReportResult = Result<Inserted, StoreError>;
/// A store's report queue.
pub(super) type ReportBatcher = Batcher<Received, ReportResult>;

/// Most reports committed in one transaction.
pub const MAX_BATCH: usize = 128;

/// The batch's reports in one statement: this head, a `VALUES` row per report (11 values;
/// 128 × 11 stays far below SQLite's and PostgreSQL's parameter limits), then the tail.
pub(super) const INSERT_REPORTS: &str = "INSERT INTO reports (node_id, report_id, sent_at, \
    received_at, clock_state, synchronized, offset_ns, frequency_ppb, path_delay_ns, \
    selected_source, body) ";

/// No row for a `(node_id, report_id)` already stored (a replay); the new ones returned.
pub(super) const INSERT_REPORTS_TAIL: &str =
    " ON CONFLICT (node_id, report_id) DO NOTHING RETURNING node_id, report_id";

/// Each item's outcome from the `(node_id, report_id)` rows the insert returned: the first
/// item with a returned key is new; a later one with the same key in the batch, and any item
/// whose key was not returned (already stored), is a duplicate.
pub(super) fn outcomes_of(items: &[Received], inserted: &[(String, String)]) -> Vec<Inserted> {
    let mut fresh: std::collections::HashSet<(&str, &str)> = inserted
        .iter()
        .map(|(node, report)| (node.as_str(), report.as_str()))
        .collect();
    items
        .iter()
        .map(|(report, _)| {
            if fresh.remove(&(report.node_id.as_str(), report.report_id.as_str())) {
                Inserted::New
            } else {
                Inserted::Duplicate
            }
        })
        .collect()
}

/// `column = ` the batch's `value` when the batch's report is not older than the stored
/// summary (`v.column3`, its `sent_at`, against `last_sent_at`), else the column unchanged;
/// each assignment followed by `, `.
macro_rules! if_newer {
    ($(($column:literal, $value:literal)),+ $(,)?) => {
        concat!($(
            $column,
            " = CASE WHEN last_sent_at IS NULL OR last_sent_at <= v.column3 THEN v.",
            $value,
            " ELSE ",
            $column,
            " END, "
        ),+)
    };
}

/// The nodes after new reports, one statement for the batch: `UPDATE ... FROM (VALUES ...)`,
/// a row per node (`column1` node id, `column2` receipt time, `column3` sent-at, then the
/// summary in [`UPDATE_NODES_COLUMNS`]' order). `last_seen` becomes the receipt time if later,
/// and the last-report summary becomes the report's if that is not older than the stored
/// one. In an `UPDATE` every expression sees the row as it was, so the order of the
/// assignments is free. Both SQLite (3.33+) and PostgreSQL name a `VALUES` list's columns
/// `column1`, `column2`, ...
pub(super) const UPDATE_NODES_HEAD: &str = concat!(
    "UPDATE nodes SET ",
    if_newer!(
        ("last_sent_at", "column3"),
        ("last_clock_state", "column4"),
        ("last_synchronized", "column5"),
        ("last_offset_ns", "column6"),
        ("last_frequency_ppb", "column7"),
        ("last_path_delay_ns", "column8"),
        ("last_source", "column9"),
        ("host_json", "column10"),
        ("report_interval_s", "column11"),
    ),
    "last_seen = CASE WHEN last_seen IS NULL OR last_seen < v.column2 \
        THEN v.column2 ELSE last_seen END FROM ("
);

/// After the `VALUES` rows.
pub(super) const UPDATE_NODES_TAIL: &str = ") AS v WHERE nodes.node_id = v.column1";

/// The SQL types the `VALUES` columns are cast to (PostgreSQL cannot infer a parameter's type
/// there; SQLite takes them as affinities).
pub(super) const UPDATE_NODES_COLUMNS: [&str; 11] = [
    "TEXT",
    "BIGINT",
    "BIGINT",
    "TEXT",
    "BOOLEAN",
    "BIGINT",
    "DOUBLE PRECISION",
    "BIGINT",
    "TEXT",
    "TEXT",
    "BIGINT",
];

/// What a batch changes on each node that got new reports, in order of first appearance:
/// the index of its newest new report (latest `sent_at`; of equal ones, the last queued,
/// as one report after another would leave it) and its latest receipt time.
pub(super) fn node_updates(items: &[Received], outcomes: &[Inserted]) -> Vec<(usize, Timestamp)> {
    let mut updates: Vec<(usize, Timestamp)> = Vec::new();
    for (index, ((report, received_at), outcome)) in items.iter().zip(outcomes).enumerate() {
        if *outcome != Inserted::New {
            continue;
        }
        let known = updates
            .iter_mut()
            .find(|(newest, _)| items[*newest].0.node_id == report.node_id);
        match known {
            Some((newest, seen)) => {
                if report.sent_at >= items[*newest].0.sent_at {
                    *newest = index;
                }
                *seen = (*seen).max(*received_at);
            }
            None => updates.push((index, *received_at)),
        }
    }
    updates
}

/// The one outcome of a one-report transaction.
pub(super) fn single(outcomes: Vec<Inserted>) -> ReportResult {
    outcomes.into_iter().next().ok_or(StoreError::Corrupt {
        what: "report batch",
        reason: "no outcome for a stored report".into(),
    })
}

/// Expands to `$writer`, the [`super::batch::BatchSink`] that commits reports to a pool of
/// database `$db`.
macro_rules! report_writer {
    ($writer:ident, $db:ty) => {
        /// Commits queued reports, a batch per transaction (see `reports_batch_sql.rs`).
        #[derive(Debug, Clone)]
        pub(super) struct $writer {
            pool: sqlx::Pool<$db>,
        }

        impl
            $crate::hub::store::batch::BatchSink<
                $crate::hub::store::reports_batch_sql::Received,
                $crate::hub::store::reports_batch_sql::ReportResult,
            > for $writer
        {
            async fn commit(
                &self,
                items: Vec<$crate::hub::store::reports_batch_sql::Received>,
            ) -> Vec<$crate::hub::store::reports_batch_sql::ReportResult> {
                use $crate::hub::store::reports_batch_sql::single;
                if items.len() > 1 {
                    match self.transaction(&items).await {
                        Ok(outcomes) => return outcomes.into_iter().map(Ok).collect(),
                        Err(error) => tracing::debug!(
                            %error,
                            reports = items.len(),
                            "report batch rolled back; storing each report alone"
                        ),
                    }
                }
                let mut results = Vec::with_capacity(items.len());
                for item in &items {
                    let outcome = self.transaction(std::slice::from_ref(item)).await;
                    results.push(outcome.and_then(single));
                }
                results
            }
        }

        impl $writer {
            /// Stores `items` in one transaction; the outcomes are in the items' order.
            async fn transaction(
                &self,
                items: &[$crate::hub::store::reports_batch_sql::Received],
            ) -> Result<Vec<$crate::hub::store::Inserted>, $crate::hub::store::StoreError> {
                use $crate::hub::store::reports_batch_sql::{
                    INSERT_REPORTS, INSERT_REPORTS_TAIL, UPDATE_NODES_COLUMNS, UPDATE_NODES_HEAD,
                    UPDATE_NODES_TAIL, node_updates, outcomes_of,
                };
                use $crate::hub::store::sql;
                let error = |node| sql::query_error("insert_report", node);
                let mut tx = self.pool.begin().await.map_err(error(None))?;
                let bodies = items
                    .iter()
                    .map(|(report, _)| sql::to_json("report", report))
                    .collect::<Result<Vec<String>, _>>()?;
                let mut insert = sqlx::QueryBuilder::<$db>::new(INSERT_REPORTS);
                insert.push_values(items.iter().zip(&bodies), |mut row, ((report, received_at), body)| {
                    let clock = &report.clock;
                    row.push_bind(report.node_id.as_str())
                        .push_bind(report.report_id.as_str())
                        .push_bind(report.sent_at.as_nanos())
                        .push_bind(received_at.as_nanos())
                        .push_bind(clock.state.name())
                        .push_bind(clock.synchronized)
                        .push_bind(clock.offset.map(|d| d.as_nanos()))
                        .push_bind(clock.frequency.0)
                        .push_bind(clock.path_delay.map(|d| d.as_nanos()))
                        .push_bind(clock.selected_source.as_deref())
                        .push_bind(body.as_str());
                });
                insert.push(INSERT_REPORTS_TAIL);
                let rows: Vec<(String, String)> = insert
                    .build_query_as()
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(error(items.first().map(|(report, _)| &report.node_id)))?;
                let outcomes = outcomes_of(items, &rows);
                let updates = node_updates(items, &outcomes);
                if !updates.is_empty() {
                    let hosts = updates
                        .iter()
                        .map(|(newest, _)| sql::to_json("host facts", &items[*newest].0.host))
                        .collect::<Result<Vec<String>, _>>()?;
                    let mut update = sqlx::QueryBuilder::<$db>::new(UPDATE_NODES_HEAD);
                    update.push_values(updates.iter().zip(&hosts), |mut row, ((newest, last_seen), host)| {
                        let report = &items[*newest].0;
                        let clock = &report.clock;
                        let mut types = UPDATE_NODES_COLUMNS.iter();
                        let mut cast = |row: &mut sqlx::query_builder::Separated<'_, $db, &'static str>| {
                            row.push_unseparated(" AS ");
                            row.push_unseparated(types.next().copied().unwrap_or("TEXT"));
                            row.push_unseparated(")");
                        };
                        row.push("CAST(").push_bind_unseparated(report.node_id.as_str()); cast(&mut row);
                        row.push("CAST(").push_bind_unseparated(last_seen.as_nanos()); cast(&mut row);
                        row.push("CAST(").push_bind_unseparated(report.sent_at.as_nanos()); cast(&mut row);
                        row.push("CAST(").push_bind_unseparated(clock.state.name()); cast(&mut row);
                        row.push("CAST(").push_bind_unseparated(clock.synchronized); cast(&mut row);
                        row.push("CAST(").push_bind_unseparated(clock.offset.map(|d| d.as_nanos())); cast(&mut row);
                        row.push("CAST(").push_bind_unseparated(clock.frequency.0); cast(&mut row);
                        row.push("CAST(").push_bind_unseparated(clock.path_delay.map(|d| d.as_nanos())); cast(&mut row);
                        row.push("CAST(").push_bind_unseparated(clock.selected_source.as_deref()); cast(&mut row);
                        row.push("CAST(").push_bind_unseparated(host.as_str()); cast(&mut row);
                        row.push("CAST(").push_bind_unseparated(sql::signed(report.report_interval_s)); cast(&mut row);
                    });
                    update.push(UPDATE_NODES_TAIL);
                    update
                        .build()
                        .execute(&mut *tx)
                        .await
                        .map_err(error(updates.first().map(|(newest, _)| &items[*newest].0.node_id)))?;
                }
                tx.commit().await.map_err(error(None))?;
                tracing::debug!(reports = items.len(), "reports committed in one transaction");
                Ok(outcomes)
            }
        }
    };
}
pub(super) use report_writer;
