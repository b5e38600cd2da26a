//! Conformance behaviours of group-committed reports: a batch through a backend's report
//! writer directly (so its content is known), and concurrent `insert_report` calls.

use super::{at, new_node, node, report};
use crate::hub::store::reports_batch_sql::{Received, ReportResult};
use crate::hub::store::{HubStore, Inserted, StoreError};

/// A store whose report writer a test can hand a batch of its choosing.
pub(super) trait DirectBatch {
    /// Commits `items` as one batch, as the store's writer task would.
    fn commit_batch(&self, items: Vec<Received>) -> impl Future<Output = Vec<ReportResult>>;
}

impl DirectBatch for crate::hub::store::SqliteStore {
    async fn commit_batch(&self, items: Vec<Received>) -> Vec<ReportResult> {
        self.commit_reports(items).await
    }
}

impl DirectBatch for crate::hub::store::PgStore {
    async fn commit_batch(&self, items: Vec<Received>) -> Vec<ReportResult> {
        self.commit_reports(items).await
    }
}

fn outcomes(results: &[ReportResult]) -> Vec<String> {
    results
        .iter()
        .map(|r| match r {
            Ok(Inserted::New) => "new".to_string(),
            Ok(Inserted::Duplicate) => "duplicate".to_string(),
            Err(StoreError::UnknownNode(node)) => format!("unknown {node}"),
            Err(other) => format!("error {other}"),
        })
        .collect()
}

pub(super) async fn a_batch_answers_each_report_and_keeps_the_newest_as_summary<
    S: HubStore + DirectBatch,
>(
    store: &S,
) {
    store.add_node(&new_node("n1")).await.expect("add");
    store.add_node(&new_node("n2")).await.expect("add");
    let items = vec![
        (report("n1", 1, 100, 1), at(201)),
        (report("n1", 2, 50, 2), at(203)),
        (report("n2", 3, 70, 3), at(202)),
        (report("n1", 1, 100, 1), at(204)),
        (report("n1", 4, 100, 4), at(202)),
    ];
    let results = store.commit_batch(items).await;
    assert_eq!(
        outcomes(&results),
        ["new", "new", "new", "duplicate", "new"],
        "a replay inside the batch is a duplicate"
    );
    let n1 = store.get_node(&node("n1")).await.expect("get").expect("n1");
    assert_eq!(
        n1.last_seen,
        Some(at(203)),
        "the latest receipt of a new report"
    );
    let last = n1.last_report.expect("summary");
    assert_eq!(
        (last.sent_at, last.offset_ns),
        (at(100), Some(4)),
        "the newest; of equal sent_at the last queued"
    );
    let n2 = store.get_node(&node("n2")).await.expect("get").expect("n2");
    assert_eq!(n2.last_report.expect("summary").offset_ns, Some(3));
    let later = vec![(report("n1", 5, 60, 5), at(300))];
    assert_eq!(outcomes(&store.commit_batch(later).await), ["new"]);
    let n1 = store.get_node(&node("n1")).await.expect("get").expect("n1");
    assert_eq!(n1.last_seen, Some(at(300)));
    assert_eq!(
        n1.last_report.expect("summary").offset_ns,
        Some(4),
        "an older report does not replace the summary"
    );
    let history = store.history(&node("n1"), at(0)).await.expect("history");
    assert_eq!(history.len(), 4);
}

pub(super) async fn a_report_of_an_unknown_node_fails_alone_in_its_batch<
    S: HubStore + DirectBatch,
>(
    store: &S,
) {
    store.add_node(&new_node("n1")).await.expect("add");
    let items = vec![
        (report("n1", 1, 10, 1), at(11)),
        (report("ghost", 2, 10, 2), at(11)),
        (report("n1", 3, 20, 3), at(21)),
        (report("n1", 1, 10, 1), at(22)),
    ];
    let results = store.commit_batch(items).await;
    assert_eq!(
        outcomes(&results),
        ["new", "unknown ghost", "new", "duplicate"]
    );
    let history = store.history(&node("n1"), at(0)).await.expect("history");
    assert_eq!(history.len(), 2, "the batch's other reports are stored");
    let n1 = store.get_node(&node("n1")).await.expect("get").expect("n1");
    assert_eq!(n1.last_report.expect("summary").offset_ns, Some(3));
}

pub(super) async fn concurrent_reports_each_get_their_own_outcome<S: HubStore>(store: &S) {
    for name in ["c1", "c2", "c3"] {
        store.add_node(&new_node(name)).await.expect("add");
    }
    let mut tasks = Vec::new();
    for n in 0..120u32 {
        let name = ["c1", "c2", "c3", "ghost"][(n % 4) as usize];
        let id = n % 60;
        let store = store.clone();
        let sent = i64::from(id);
        tasks.push(tokio::spawn(async move {
            let result = store
                .insert_report(&report(name, id, sent, sent), at(1000 + sent))
                .await;
            (name, id, result)
        }));
    }
    let mut new = std::collections::BTreeSet::new();
    let mut duplicates = 0;
    for task in tasks {
        let (name, id, result) = task.await.expect("task");
        match (name, result) {
            ("ghost", Err(StoreError::UnknownNode(_))) => {}
            (_, Ok(Inserted::New)) => assert!(new.insert((name, id)), "{name}/{id} new twice"),
            (_, Ok(Inserted::Duplicate)) => duplicates += 1,
            (name, other) => panic!("{name}/{id}: {other:?}"),
        }
    }
    assert_eq!(
        (new.len(), duplicates),
        (45, 45),
        "each id new exactly once"
    );
    for name in ["c1", "c2", "c3"] {
        let stored = store.history(&node(name), at(0)).await.expect("history");
        assert_eq!(stored.len(), 15, "{name}");
        let record = store.get_node(&node(name)).await.expect("get").expect(name);
        let newest = stored.last().expect("some").time;
        assert_eq!(record.last_report.expect("summary").sent_at, newest);
    }
}
