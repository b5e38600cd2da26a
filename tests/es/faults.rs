//! Fault injection (test server only): mixed item failures, whole-request 429/503 with
//! `Retry-After`, 413, failover from a dead host, Elasticsearch down and back.

use super::{EsTarget, documents, encode};
use shiwa::es::testserver::{ItemFault, RequestFault, TestServer, TestServerConfig};
use shiwa::es::{BatchVerdict, ClientSettings, EsClient, ItemVerdict};
use std::time::Duration;

async fn fake(test: &str) -> EsTarget {
    EsTarget::fake(test, TestServerConfig::default()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mixed_item_failures_get_their_own_verdicts_and_only_retries_come_back() {
    let target = fake("mixed").await;
    let server = target.server();
    let index = target.index("logs");
    let mut docs = documents(&index, 5);
    docs[3].body["bad"] = serde_json::json!("not a number");
    let (x, y) = (docs[1].id.clone(), docs[2].id.clone());
    server.faults().fail_items(
        ItemFault::rejected(move |item| item.id == x || item.id == y).first_attempts(2),
    );
    server
        .faults()
        .fail_items(ItemFault::mapping_error_on_field("bad"));
    let client = target.client();
    let BatchVerdict::Items(items) = client.bulk(&encode(&docs, 0), 5).await.verdict else {
        panic!("a processed request");
    };
    assert_eq!(items[0], ItemVerdict::Acked);
    assert_eq!(items[1], ItemVerdict::Retry { status: 429 });
    assert_eq!(items[2], ItemVerdict::Retry { status: 429 });
    match &items[3] {
        ItemVerdict::DeadLetter {
            status: 400,
            reason,
        } => {
            assert!(
                reason.starts_with("document_parsing_exception: "),
                "{reason}"
            );
        }
        other => panic!("expected a dead letter, got {other:?}"),
    }
    assert_eq!(items[4], ItemVerdict::Acked);
    // Only the retried items are sent again: refused once more, then stored.
    let retry = vec![docs[1].clone(), docs[2].clone()];
    let second = client.bulk(&encode(&retry, 0), 2).await.verdict;
    assert_eq!(
        second,
        BatchVerdict::Items(vec![ItemVerdict::Retry { status: 429 }; 2])
    );
    let third = client.bulk(&encode(&retry, 0), 2).await.verdict;
    assert_eq!(third, BatchVerdict::Items(vec![ItemVerdict::Acked; 2]));
    assert_eq!(target.count(&index).await, 4);
    let stats = server.stats();
    assert_eq!(stats.item_statuses.get(&429), Some(&4), "{stats:?}");
    assert_eq!(stats.item_statuses.get(&400), Some(&1), "{stats:?}");
    assert_eq!(stats.docs_received, 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_request_429_and_503_carry_retry_after_and_store_nothing() {
    let target = fake("retry-after").await;
    let server = target.server();
    let client = target.client();
    let docs = documents(&target.index("logs"), 3);
    let body = encode(&docs, 0);
    server
        .faults()
        .fail_next_requests(1, RequestFault::too_many_requests(Some("7")));
    let outcome = client.bulk(&body, 3).await;
    match &outcome.verdict {
        BatchVerdict::RetryAll {
            status: 429,
            reason,
        } => {
            assert!(
                reason.contains("es_rejected_execution_exception"),
                "{reason}"
            );
            assert!(reason.contains(&outcome.host), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        outcome.retry_after,
        Some(shiwa::time::Duration::from_secs(7))
    );
    let date = "Wed, 21 Oct 2099 07:28:00 GMT";
    server.faults().fail_next_requests(
        1,
        RequestFault {
            status: 503,
            retry_after: Some(date.into()),
        },
    );
    let outcome = client.bulk(&body, 3).await;
    assert!(
        matches!(outcome.verdict, BatchVerdict::RetryAll { status: 503, .. }),
        "{outcome:?}"
    );
    let after = outcome
        .retry_after
        .expect("an HTTP-date Retry-After is read");
    assert!(
        after > shiwa::time::Duration::from_secs(86_400 * 365),
        "{after:?}"
    );
    server
        .faults()
        .fail_next_requests(1, RequestFault::internal_error());
    assert!(matches!(
        client.bulk(&body, 3).await.verdict,
        BatchVerdict::RetryAll { status: 500, .. }
    ));
    assert_eq!(target.count(&format!("{}*", target.index("logs"))).await, 0);
    let outcome = client.bulk(&body, 3).await;
    assert_eq!(
        outcome.verdict,
        BatchVerdict::Items(vec![ItemVerdict::Acked; 3])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_over_the_limit_is_413_and_split() {
    let target = fake("too-large").await;
    let server = target.server();
    let docs = documents(&target.index("logs"), 200);
    let body = encode(&docs, 0);
    server.faults().set_max_body(Some(body.bytes.len() / 2));
    let client = target.client();
    match client.bulk(&body, 200).await.verdict {
        BatchVerdict::Split { status: 413, .. } => {}
        other => panic!("expected a 413 split, got {other:?}"),
    }
    let half = encode(&docs[..100], 0);
    assert_eq!(
        client.bulk(&half, 100).await.verdict,
        BatchVerdict::Items(vec![ItemVerdict::Acked; 100])
    );
    assert_eq!(server.stats().request_statuses.get(&413), Some(&1));
}

/// A port nothing listens on (bound, then released).
async fn dead_url() -> url::Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    url::Url::parse(&format!("http://{address}/")).expect("url")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_first_host_moves_the_next_call_to_the_second() {
    let live = TestServer::start(TestServerConfig::default())
        .await
        .expect("server");
    let dead = dead_url().await;
    let dead_label = shiwa::es::client::host_label(&dead);
    let client = EsClient::new(&ClientSettings {
        hosts: vec![dead.clone(), live.url()],
        auth: None,
        ssl: None,
        compression_level: 0,
        timeout: Duration::from_secs(5),
    })
    .expect("client");
    let docs = documents("failover-logs", 4);
    let body = encode(&docs, 0);
    let first = client.bulk(&body, 4).await;
    assert_eq!(first.host, dead_label);
    match &first.verdict {
        BatchVerdict::RetryAll { status: 0, reason } => {
            assert!(reason.starts_with(&dead_label), "{reason}");
            assert!(reason.contains("cannot connect"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let second = client.bulk(&body, 4).await;
    assert_eq!(second.host, shiwa::es::client::host_label(&live.url()));
    assert_eq!(
        second.verdict,
        BatchVerdict::Items(vec![ItemVerdict::Acked; 4])
    );
    // A 503 from the live host moves on again (round robin, back to the dead one).
    live.faults()
        .fail_next_requests(1, RequestFault::unavailable());
    let third = client.bulk(&body, 4).await;
    assert!(matches!(
        third.verdict,
        BatchVerdict::RetryAll { status: 503, .. }
    ));
    assert_eq!(client.current_host(), dead_label);
    assert_eq!(live.documents("failover-*").len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn elasticsearch_down_for_a_while_then_back_on_the_same_port() {
    let mut target = fake("down-up").await;
    let client = target.client();
    let index = target.index("logs");
    let docs = documents(&index, 10);
    assert_eq!(
        client.bulk(&encode(&docs[..5], 0), 5).await.verdict,
        BatchVerdict::Items(vec![ItemVerdict::Acked; 5])
    );
    let server = target.server.as_mut().expect("server");
    let port = server.local_addr().port();
    server.shutdown().await;
    for _ in 0..3 {
        let outcome = client.bulk(&encode(&docs, 0), 10).await;
        assert!(
            matches!(outcome.verdict, BatchVerdict::RetryAll { status: 0, .. }),
            "{outcome:?}"
        );
    }
    server.restart().await.expect("restart");
    assert_eq!(server.local_addr().port(), port);
    let outcome = client.bulk(&encode(&docs, 0), 10).await;
    let BatchVerdict::Items(items) = outcome.verdict else {
        panic!("{outcome:?}");
    };
    assert_eq!(items[..5], vec![ItemVerdict::Duplicate; 5][..]);
    assert_eq!(items[5..], vec![ItemVerdict::Acked; 5][..]);
    assert_eq!(
        target.count(&index).await,
        10,
        "everything delivered, nothing twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_host_times_out_and_the_next_call_goes_elsewhere() {
    let slow = TestServer::start(TestServerConfig::default())
        .await
        .expect("slow");
    let fast = TestServer::start(TestServerConfig::default())
        .await
        .expect("fast");
    slow.faults().set_delay(Duration::from_secs(3));
    let client = EsClient::new(&ClientSettings {
        hosts: vec![slow.url(), fast.url()],
        auth: None,
        ssl: None,
        compression_level: 0,
        timeout: Duration::from_millis(300),
    })
    .expect("client");
    let docs = documents("slow-logs", 2);
    let first = client.bulk(&encode(&docs, 0), 2).await;
    match &first.verdict {
        BatchVerdict::RetryAll { status: 0, reason } => {
            assert!(reason.contains("timed out"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let second = client.bulk(&encode(&docs, 0), 2).await;
    assert_eq!(second.host, shiwa::es::client::host_label(&fast.url()));
    assert_eq!(
        second.verdict,
        BatchVerdict::Items(vec![ItemVerdict::Acked; 2])
    );
}
