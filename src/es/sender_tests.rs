//! The send loop against a scripted transport: which documents each request carried, and
//! what the spool, the counters and the dead-letter file hold after.

use super::*;
use crate::config::WhenFull;
use crate::es::DocumentKind;
use crate::es::spool::NewDocument;
use std::sync::Mutex;

type Script = Box<dyn Fn(&[String]) -> BatchVerdict + Send + Sync>;

/// Answers each request with `script(ids)` and records the ids it carried.
#[derive(Clone)]
struct Scripted {
    script: Arc<Script>,
    requests: Arc<Mutex<Vec<Vec<String>>>>,
}

impl Scripted {
    fn new(script: impl Fn(&[String]) -> BatchVerdict + Send + Sync + 'static) -> Self {
        Scripted {
            script: Arc::new(Box::new(script)),
            requests: Arc::default(),
        }
    }

    fn requests(&self) -> Vec<Vec<String>> {
        self.requests.lock().expect("lock").clone()
    }
}

fn ids_of(body: &BulkBody) -> Vec<String> {
    let text = String::from_utf8(body.bytes.clone()).expect("plain NDJSON");
    text.lines()
        .step_by(2)
        .map(|action| {
            let action: serde_json::Value = serde_json::from_str(action).expect("action");
            action["create"]["_id"].as_str().expect("_id").to_string()
        })
        .collect()
}

impl BulkTransport for Scripted {
    async fn send(&self, body: &BulkBody, count: usize) -> Sent {
        let ids = ids_of(body);
        assert_eq!(ids.len(), count);
        self.requests.lock().expect("lock").push(ids.clone());
        Sent {
            verdict: (self.script)(&ids),
            retry_after: None,
            host: "http://127.0.0.1:9200".into(),
        }
    }

    async fn prepare(&self) -> Result<(), String> {
        Ok(())
    }
}

struct Run {
    spool: EsSpool,
    dead_letter_file: PathBuf,
    _dir: tempfile::TempDir,
}

async fn ship(ids: &[&str], transport: Scripted, bulk_max_size: usize) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let spool = EsSpool::open(&dir.path().join("es.db"), 1 << 20, WhenFull::Block)
        .await
        .expect("spool");
    let documents: Vec<NewDocument> = ids
        .iter()
        .map(|id| NewDocument {
            index: "timebeat-2026.11.23".into(),
            id: (*id).into(),
            kind: DocumentKind::Log,
            source: format!(r#"{{"message":"{id}"}}"#).into_bytes(),
        })
        .collect();
    spool
        .push(&documents, Timestamp::from_secs_nanos(1_763_900_000, 0))
        .await
        .expect("push");
    let dead_letter_file = dir.path().join("dead.ndjson");
    let settings = SendSettings {
        bulk_max_size,
        compression_level: 0,
        backoff: (Duration::from_millis(1), Duration::from_millis(5)),
        dead_letter_file: dead_letter_file.clone(),
    };
    let (status_tx, mut status) = watch::channel(None);
    let (stop_tx, stop) = watch::channel(false);
    let sender = Sender::new(transport, spool.clone(), settings, status_tx);
    let task = tokio::spawn(sender.run(Arc::new(Notify::new()), stop));
    let drained = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            if status.changed().await.is_err() {
                return;
            }
            let done = status
                .borrow()
                .as_ref()
                .is_some_and(|s| s.state == ShipState::Ok && s.queued == 0);
            if done {
                return;
            }
        }
    })
    .await;
    let _ = stop_tx.send(true);
    task.await.expect("sender task");
    assert!(drained.is_ok(), "the spool did not drain in 10 s");
    Run {
        spool,
        dead_letter_file,
        _dir: dir,
    }
}

fn item(id: &str, failing: &[(&str, ItemVerdict)]) -> ItemVerdict {
    failing
        .iter()
        .find(|(failing_id, _)| *failing_id == id)
        .map_or(ItemVerdict::Acked, |(_, verdict)| verdict.clone())
}

#[tokio::test]
async fn only_the_failed_items_of_a_batch_are_sent_again_and_4xx_are_dead_lettered() {
    let first_request = Arc::new(Mutex::new(true));
    let transport = Scripted::new(move |ids| {
        let first = std::mem::replace(&mut *first_request.lock().expect("lock"), false);
        let failing = if first {
            vec![
                ("b", ItemVerdict::Retry { status: 429 }),
                (
                    "c",
                    ItemVerdict::DeadLetter {
                        status: 400,
                        reason: "mapper_parsing_exception: bad".into(),
                    },
                ),
                ("d", ItemVerdict::Duplicate),
            ]
        } else {
            Vec::new()
        };
        BatchVerdict::Items(ids.iter().map(|id| item(id, &failing)).collect())
    });
    let run = ship(&["a", "b", "c", "d"], transport.clone(), 100).await;
    assert_eq!(transport.requests(), [vec!["a", "b", "c", "d"], vec!["b"]]);
    let counters = run.spool.counters().await.expect("counters");
    assert_eq!(
        (counters.acked, counters.duplicates, counters.dead_lettered),
        (2, 1, 1)
    );
    assert_eq!(
        (
            counters.retries,
            counters.too_many_requests,
            counters.queued
        ),
        (1, 1, 0)
    );
    let dead = std::fs::read_to_string(&run.dead_letter_file).expect("dead letters");
    let line: serde_json::Value = serde_json::from_str(dead.trim()).expect("one JSON line");
    assert_eq!(
        (line["id"].as_str(), line["status"].as_u64()),
        (Some("c"), Some(400))
    );
    assert_eq!(line["document"]["message"], "c");
}

#[tokio::test]
async fn a_batch_too_large_is_halved_until_the_one_document_at_fault_is_found() {
    let transport = Scripted::new(|ids| {
        if ids.iter().any(|id| id == "huge") {
            BatchVerdict::Split {
                status: 413,
                reason: "HTTP 413".into(),
            }
        } else {
            BatchVerdict::Items(vec![ItemVerdict::Acked; ids.len()])
        }
    });
    let run = ship(&["a", "b", "huge", "d"], transport.clone(), 100).await;
    let requests = transport.requests();
    assert_eq!(
        requests,
        [
            vec!["a", "b", "huge", "d"],
            vec!["a", "b"],
            vec!["huge", "d"],
            vec!["huge"],
            vec!["d"]
        ]
    );
    let counters = run.spool.counters().await.expect("counters");
    assert_eq!(
        (counters.acked, counters.dead_lettered, counters.queued),
        (3, 1, 0)
    );
    let dead = std::fs::read_to_string(&run.dead_letter_file).expect("dead letters");
    assert!(dead.contains("larger than the server accepts"), "{dead}");
}

#[tokio::test]
async fn a_failed_request_is_retried_whole_in_spool_order_batch_by_batch() {
    let failures = Arc::new(Mutex::new(2));
    let transport = Scripted::new(move |ids| {
        let mut left = failures.lock().expect("lock");
        if *left > 0 {
            *left -= 1;
            return BatchVerdict::RetryAll {
                status: 503,
                reason: "unavailable".into(),
            };
        }
        BatchVerdict::Items(vec![ItemVerdict::Acked; ids.len()])
    });
    let run = ship(&["a", "b", "c"], transport.clone(), 2).await;
    assert_eq!(
        transport.requests(),
        [vec!["a", "b"], vec!["a", "b"], vec!["a", "b"], vec!["c"]]
    );
    let counters = run.spool.counters().await.expect("counters");
    assert_eq!(
        (counters.acked, counters.failed_requests, counters.retries),
        (3, 2, 4)
    );
    assert!(!run.dead_letter_file.exists());
}

#[tokio::test]
async fn pipelined_batches_settle_once_and_a_failure_mid_stream_resends_only_its_item() {
    let failed_once = Arc::new(Mutex::new(false));
    let transport = Scripted::new(move |ids| {
        let mut failed = failed_once.lock().expect("lock");
        let failing = if ids.iter().any(|id| id == "e") && !*failed {
            *failed = true;
            vec![("e", ItemVerdict::Retry { status: 503 })]
        } else {
            Vec::new()
        };
        BatchVerdict::Items(ids.iter().map(|id| item(id, &failing)).collect())
    });
    let ids = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    let run = ship(&ids, transport.clone(), 2).await;
    assert_eq!(
        transport.requests(),
        [
            vec!["a", "b"],
            vec!["c", "d"],
            vec!["e", "f"],
            vec!["e", "g"],
            vec!["h", "i"],
            vec!["j"]
        ],
        "batches go out back to back; after the retry the spool is read from its oldest"
    );
    let counters = run.spool.counters().await.expect("counters");
    assert_eq!(
        (
            counters.acked,
            counters.duplicates,
            counters.retries,
            counters.queued
        ),
        (10, 0, 1, 0)
    );
}
