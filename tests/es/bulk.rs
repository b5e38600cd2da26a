//! Bulk delivery and the index template, against the test server or a real cluster.

use super::{EsTarget, documents, encode};
use serde_json::json;
use shiwa::es::template::{IndexTemplate, TemplateSettings};
use shiwa::es::{BatchVerdict, IndexPattern, IndexPatterns, ItemVerdict, TemplateOutcome};

fn all(verdict: &BatchVerdict, expected: &ItemVerdict, count: usize) {
    match verdict {
        BatchVerdict::Items(items) => {
            assert_eq!(items.len(), count, "{verdict:?}");
            assert!(items.iter().all(|item| item == expected), "{verdict:?}");
        }
        other => panic!("expected {count} × {expected:?}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_and_gzip_bulks_are_stored() {
    let target = EsTarget::new("plain-gzip").await;
    let client = target.client();
    let plain = documents(&target.index("plain"), 40);
    let gzip = documents(&target.index("gzip"), 60);
    let plain_body = encode(&plain, 0);
    let gzip_body = encode(&gzip, 6);
    assert!(gzip_body.gzip && gzip_body.bytes.len() < gzip_body.raw_len / 2);
    let outcome = client.bulk(&plain_body, plain.len()).await;
    all(&outcome.verdict, &ItemVerdict::Acked, 40);
    assert_eq!(outcome.host, shiwa::es::client::host_label(&target.url));
    assert_eq!(outcome.retry_after, None);
    all(
        &client.bulk(&gzip_body, gzip.len()).await.verdict,
        &ItemVerdict::Acked,
        60,
    );
    assert_eq!(target.count(&format!("{}-*", target.prefix)).await, 100);
    let (status, doc) = target
        .call(
            reqwest::Method::GET,
            &format!("{}/_doc/{}", gzip[7].index, gzip[7].id),
        )
        .await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["_source"], gzip[7].body, "stored as sent, through gzip");
    if let Some(server) = &target.server {
        let stats = server.stats();
        assert_eq!(
            (stats.bulk_requests, stats.gzip_requests),
            (2, 1),
            "{stats:?}"
        );
        assert_eq!(stats.docs_stored, 100);
        assert_eq!(
            stats.raw_bytes,
            (plain_body.raw_len + gzip_body.raw_len) as u64
        );
        assert_eq!(
            stats.wire_bytes,
            (plain_body.bytes.len() + gzip_body.bytes.len()) as u64
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_batch_is_all_duplicates_and_stores_nothing_twice() {
    let target = EsTarget::new("resend").await;
    let client = target.client();
    let docs = documents(&target.index("logs"), 25);
    let body = encode(&docs, 1);
    all(
        &client.bulk(&body, 25).await.verdict,
        &ItemVerdict::Acked,
        25,
    );
    all(
        &client.bulk(&body, 25).await.verdict,
        &ItemVerdict::Duplicate,
        25,
    );
    assert_eq!(target.count(&target.index("logs")).await, 25);
    if let Some(server) = &target.server {
        assert_eq!(server.stats().duplicates, 25);
        assert_eq!(server.stats().item_statuses.get(&409), Some(&25));
    }
}

fn patterns(prefix: &str) -> IndexPatterns {
    let parse = |kind: &str| {
        IndexPattern::parse(&format!("{prefix}-{kind}-%{{+yyyy.MM.dd}}")).expect("pattern")
    };
    IndexPatterns {
        logs: parse("logs"),
        clock: parse("clock"),
        source: parse("source"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_is_installed_once_then_left_alone_unless_overwritten() {
    let target = EsTarget::new("template").await;
    let client = target.client();
    let settings = TemplateSettings {
        name: target.prefix.clone(),
        ..TemplateSettings::default()
    };
    let template = IndexTemplate::new(&patterns(&target.prefix), &settings);
    assert_eq!(
        client.install_template(&template).await.expect("install"),
        TemplateOutcome::Installed
    );
    assert_eq!(
        client.install_template(&template).await.expect("second"),
        TemplateOutcome::AlreadyInstalled
    );
    let overwrite = IndexTemplate {
        overwrite: true,
        ..template.clone()
    };
    assert_eq!(
        client
            .install_template(&overwrite)
            .await
            .expect("overwrite"),
        TemplateOutcome::Installed
    );
    let (status, body) = target
        .call(
            reqwest::Method::GET,
            &format!("_index_template/{}", target.prefix),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let stored = &body["index_templates"][0]["index_template"];
    assert_eq!(stored["index_patterns"], template.body["index_patterns"]);
    // Documents in a matching index get the template's mappings on a real cluster; here it
    // is enough that the template is stored as sent.
    let (status, _) = target
        .call(
            reqwest::Method::DELETE,
            &format!("_index_template/{}", target.prefix),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_stream_mode_makes_a_stream_and_refuses_documents_without_timestamp() {
    let target = EsTarget::new("datastream").await;
    let client = target.client();
    let settings = TemplateSettings {
        name: target.prefix.clone(),
        data_stream: true,
        priority: 500,
        ..TemplateSettings::default()
    };
    let template = IndexTemplate::new(&patterns(&target.prefix), &settings);
    client.install_template(&template).await.expect("install");
    let stream = format!("{}-logs-2026.11.23", target.prefix);
    let mut docs = documents(&stream, 3);
    docs[2].body = json!({ "message": "no timestamp" });
    let outcome = client.bulk(&encode(&docs, 0), 3).await;
    let BatchVerdict::Items(items) = &outcome.verdict else {
        panic!("{outcome:?}");
    };
    assert_eq!(items[..2], [ItemVerdict::Acked, ItemVerdict::Acked]);
    assert!(
        matches!(&items[2], ItemVerdict::DeadLetter { status: 400, reason } if reason.contains("@timestamp")),
        "{items:?}"
    );
    let (status, body) = target
        .call(reqwest::Method::GET, &format!("_data_stream/{stream}"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data_streams"][0]["name"], json!(stream));
    assert_eq!(target.count(&stream).await, 2);
    let (status, body) = target
        .call(reqwest::Method::DELETE, &format!("_data_stream/{stream}"))
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = target
        .call(reqwest::Method::GET, &format!("_data_stream/{stream}"))
        .await;
    assert_eq!(status, 404, "deleted");
    let _ = target
        .call(
            reqwest::Method::DELETE,
            &format!("_index_template/{}", target.prefix),
        )
        .await;
}
