use super::*;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_secs_nanos(1_700_000_000 + secs, 0)
}

async fn open(dir: &tempfile::TempDir, max_records: u64) -> Spool {
    Spool::open(&dir.path().join(SPOOL_FILE), max_records)
        .await
        .expect("open spool")
}

#[tokio::test]
async fn records_are_kept_until_acknowledged_and_survive_reopening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spool = open(&dir, 100).await;
    spool
        .push(RecordKind::Report, "report-0001", b"{\"r\":1}", at(0))
        .await
        .expect("push");
    spool
        .push(RecordKind::Event, "event-0001", b"{\"e\":1}", at(1))
        .await
        .expect("push");
    // The same id again is ignored: a replay never doubles a record.
    spool
        .push(RecordKind::Event, "event-0001", b"{\"e\":1}", at(2))
        .await
        .expect("push");
    spool.close().await;

    let spool = open(&dir, 100).await;
    let first = spool.next().await.expect("next").expect("a record");
    assert_eq!(first.kind, RecordKind::Event, "events go first");
    assert_eq!(first.body, b"{\"e\":1}");
    spool.retried(first.seq).await.expect("retried");
    let again = spool.next().await.expect("next").expect("a record");
    assert_eq!(again.attempts, 1);
    spool.acknowledge(again.seq, false).await.expect("ack");
    let second = spool.next().await.expect("next").expect("a record");
    assert_eq!(second.record_id, "report-0001");
    assert_eq!(second.spooled_at, at(0));
    spool.acknowledge(second.seq, true).await.expect("ack");
    assert_eq!(spool.next().await.expect("next"), None);

    let counters = spool.counters().await.expect("counters");
    assert_eq!(
        counters,
        SpoolCounters {
            queued: 0,
            sent: 1,
            duplicates: 1,
            dead_lettered: 0,
            dropped: 0,
            retries: 1,
            oldest: None,
        }
    );
}

#[tokio::test]
async fn refused_records_move_to_the_dead_letter_table_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spool = open(&dir, 100).await;
    spool
        .push(RecordKind::Backup, "backup-0001", b"{}", at(0))
        .await
        .expect("push");
    let record = spool.next().await.expect("next").expect("a record");
    spool
        .dead_letter(record.seq, 413, "backup too large", at(5))
        .await
        .expect("dead letter");
    assert_eq!(spool.next().await.expect("next"), None);
    let dead = spool.dead_letters().await.expect("dead letters");
    assert_eq!(
        dead,
        [DeadLetter {
            kind: RecordKind::Backup,
            record_id: "backup-0001".into(),
            status: 413,
            reason: "backup too large".into(),
        }]
    );
    assert_eq!(spool.counters().await.expect("counters").dead_lettered, 1);
}

#[tokio::test]
async fn when_full_the_oldest_reports_go_first_and_events_are_kept_to_the_hard_cap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spool = open(&dir, 10).await;
    for i in 0..4 {
        spool
            .push(RecordKind::Event, &format!("event-{i:04}"), b"{}", at(i))
            .await
            .expect("push");
    }
    for i in 0..10 {
        spool
            .push(
                RecordKind::Report,
                &format!("report-{i:04}"),
                b"{}",
                at(10 + i),
            )
            .await
            .expect("push");
    }
    // 14 pushed into 10 places: the 4 oldest reports made room; every event is kept.
    let counters = spool.counters().await.expect("counters");
    assert_eq!((counters.queued, counters.dropped), (10, 4));
    assert_eq!(spool.queued(RecordKind::Event).await.expect("count"), 4);
    assert_eq!(spool.queued(RecordKind::Report).await.expect("count"), 6);
    assert_eq!(
        counters.oldest,
        Some(at(0)),
        "the oldest event is still there"
    );

    // More events push out the remaining reports, then fill up to the hard cap (2 × 10).
    for i in 4..30 {
        spool
            .push(
                RecordKind::Event,
                &format!("event-{i:04}"),
                b"{}",
                at(100 + i),
            )
            .await
            .expect("push");
    }
    assert_eq!(spool.queued(RecordKind::Report).await.expect("count"), 0);
    let counters = spool.counters().await.expect("counters");
    assert_eq!(counters.queued, 20, "hard cap");
    // 4 + 6 reports, then 30 events - 20 kept = 10 events.
    assert_eq!(counters.dropped, 4 + 6 + 10);
    let oldest = spool.next().await.expect("next").expect("a record");
    assert_eq!(
        oldest.record_id, "event-0010",
        "the oldest events went first"
    );
}
