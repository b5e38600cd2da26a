//! The Elasticsearch shipper's figures on `/metrics` (when `output.elasticsearch` is shipped
//! by the daemon): what reached Elasticsearch, what waits in the spool, and whether shipping
//! is failing — so the Prometheus that watches the clock sees data that no longer reaches
//! the management platform.

use super::metrics::{Page, unix_seconds};
use crate::es::status::{EsSnapshot, ShipState};

/// Appends the `shiwa_es_*` families for `es`.
pub(super) fn render_es(page: &mut Page, es: &EsSnapshot) {
    let documents = "shiwa_es_documents_total";
    page.family(
        documents,
        "counter",
        "Documents by how Elasticsearch took them: acked (stored), duplicate (409, stored before), dead_lettered (refused for good, in the dead-letter file), dropped (full spool, when_full: drop_oldest).",
    );
    for (outcome, count) in [
        ("acked", es.acked),
        ("duplicate", es.duplicates),
        ("dead_lettered", es.dead_lettered),
        ("dropped", es.dropped),
    ] {
        page.sample(documents, &[("outcome", outcome)], count as f64);
    }
    for (name, help, value) in [
        (
            "shiwa_es_retries_total",
            "Documents sent again after a retryable failure (429, 5xx, a failed request).",
            es.retries,
        ),
        (
            "shiwa_es_too_many_requests_total",
            "429 answers from Elasticsearch, of whole requests and of items.",
            es.too_many_requests,
        ),
        (
            "shiwa_es_failed_requests_total",
            "Bulk requests that failed as a whole (connection, TLS, 5xx, refused credentials).",
            es.failed_requests,
        ),
        (
            "shiwa_es_blocked_total",
            "Collections skipped because the spool was full (when_full: block).",
            es.blocked,
        ),
    ] {
        page.family(name, "counter", help);
        page.sample(name, &[], value as f64);
    }
    page.gauge(
        "shiwa_es_spool_documents",
        "Documents waiting in the spool for Elasticsearch.",
        es.queued as f64,
    );
    page.gauge(
        "shiwa_es_spool_bytes",
        "JSON bytes of the documents waiting in the spool.",
        es.queued_bytes as f64,
    );
    page.gauge(
        "shiwa_es_spool_oldest_age_seconds",
        "Age of the oldest document waiting in the spool (0 when it is empty).",
        es.oldest_age_s.unwrap_or(0) as f64,
    );
    let state = "shiwa_es_ship_state";
    page.family(
        state,
        "gauge",
        "1 for the shipper's current state (connecting, ok, backing_off), 0 for the others.",
    );
    for (name, value) in [
        ("connecting", ShipState::Connecting),
        ("ok", ShipState::Ok),
        ("backing_off", ShipState::BackingOff),
    ] {
        page.sample(
            state,
            &[("state", name)],
            f64::from(u8::from(es.state == value)),
        );
    }
    if let Some(ack) = es.last_ack {
        page.gauge(
            "shiwa_es_last_ack_timestamp_seconds",
            "When Elasticsearch last acknowledged a document (Unix time).",
            unix_seconds(ack),
        );
    }
}
