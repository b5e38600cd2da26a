use super::*;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs_nanos(1_700_000_000 + secs, 0)
}

fn document(id: &str, size: usize) -> NewDocument {
    NewDocument {
        index: "timebeat-2026.11.23".into(),
        id: id.into(),
        kind: DocumentKind::Log,
        source: vec![b'x'; size],
    }
}

async fn open(dir: &tempfile::TempDir, max_bytes: u64, when_full: WhenFull) -> EsSpool {
    EsSpool::open(&dir.path().join(ES_SPOOL_FILE), max_bytes, when_full)
        .await
        .expect("open spool")
}

#[tokio::test]
async fn documents_stay_until_settled_and_survive_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spool = open(&dir, 1 << 20, WhenFull::Block).await;
    let docs: Vec<_> = (0..5).map(|i| document(&format!("d{i}"), 10)).collect();
    assert_eq!(spool.push(&docs, at(0)).await.expect("push"), (5, 0));
    // The same documents again are ignored: a re-collected log is not spooled twice.
    assert_eq!(spool.push(&docs[..2], at(1)).await.expect("push"), (0, 0));
    spool.close().await;

    let spool = open(&dir, 1 << 20, WhenFull::Block).await;
    let batch = spool.next_batch(10).await.expect("batch");
    let ids: Vec<_> = batch.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["d0", "d1", "d2", "d3", "d4"]);
    assert_eq!(batch[0].kind, DocumentKind::Log);
    let seqs: Vec<i64> = batch.iter().map(|d| d.seq).collect();
    spool
        .settle(&SettledBatch {
            acked: &seqs[..2],
            duplicates: &seqs[2..3],
            dead: &seqs[3..4],
            retry: &seqs[4..],
            item_429s: 1,
        })
        .await
        .expect("settle");
    let left = spool.next_batch(10).await.expect("batch");
    assert_eq!(left.len(), 1, "only the retried document is left");
    assert_eq!((left[0].id.as_str(), left[0].attempts), ("d4", 1));
    spool.count_request_failure(true).await.expect("count");
    let counters = spool.counters().await.expect("counters");
    assert_eq!(
        (counters.acked, counters.duplicates, counters.dead_lettered),
        (2, 1, 1)
    );
    assert_eq!((counters.retries, counters.too_many_requests), (1, 2));
    assert_eq!(counters.failed_requests, 1);
    assert_eq!((counters.queued, counters.queued_bytes), (1, 10));
    assert_eq!(counters.oldest, Some(at(0)));
    spool.close().await;
    let reopened = open(&dir, 1 << 20, WhenFull::Block).await;
    let counters = reopened.counters().await.expect("counters");
    assert_eq!(
        (counters.acked, counters.queued_bytes),
        (2, 10),
        "kept on disk"
    );
}

#[tokio::test]
async fn block_stops_taking_documents_at_the_bound_and_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spool = open(&dir, 100, WhenFull::Block).await;
    let docs: Vec<_> = (0..6).map(|i| document(&format!("b{i}"), 20)).collect();
    spool.push(&docs, at(0)).await.expect("push");
    assert!(
        !spool.has_room().await,
        "120 bytes spooled against a bound of 100"
    );
    spool.count_blocked().await.expect("count");
    let counters = spool.counters().await.expect("counters");
    assert_eq!(
        (counters.queued, counters.dropped, counters.blocked),
        (6, 0, 1)
    );
    let batch = spool.next_batch(2).await.expect("batch");
    let seqs: Vec<i64> = batch.iter().map(|d| d.seq).collect();
    spool
        .settle(&SettledBatch {
            acked: &seqs,
            ..SettledBatch::default()
        })
        .await
        .expect("settle");
    assert!(spool.has_room().await, "80 bytes left");
}

#[tokio::test]
async fn drop_oldest_keeps_the_newest_within_the_bound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spool = open(&dir, 100, WhenFull::DropOldest).await;
    let docs: Vec<_> = (0..4).map(|i| document(&format!("o{i}"), 30)).collect();
    assert_eq!(spool.push(&docs, at(0)).await.expect("push"), (4, 1));
    assert!(spool.has_room().await, "drop_oldest always takes documents");
    let more: Vec<_> = (4..6).map(|i| document(&format!("o{i}"), 30)).collect();
    assert_eq!(spool.push(&more, at(1)).await.expect("push"), (2, 2));
    let ids: Vec<_> = spool
        .next_batch(10)
        .await
        .expect("batch")
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(ids, ["o3", "o4", "o5"], "exactly the oldest went");
    let counters = spool.counters().await.expect("counters");
    assert_eq!((counters.dropped, counters.queued_bytes), (3, 90));
}

#[tokio::test]
async fn an_unreadable_spool_file_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join(ES_SPOOL_FILE);
    std::fs::write(
        &file,
        b"this is not a database, it is a text file of some length...",
    )
    .expect("write");
    let err = EsSpool::open(&file, 100, WhenFull::Block)
        .await
        .expect_err("not SQLite");
    assert!(err.to_string().contains(ES_SPOOL_FILE), "{err}");
}
