//! The fleet reporter's figures on `/metrics` (when `hub:` is configured): what reached the
//! hub, what waits in the spool, and whether pushes are failing — so the same Prometheus
//! that watches the clock sees a node that cannot report.

use super::metrics::{Page, unix_seconds};
use crate::fleet::reporter::{HubPushState, HubSnapshot};

/// Appends the `shiwa_hub_*` families for `hub`.
pub(super) fn render_hub(page: &mut Page, hub: &HubSnapshot) {
    let records = "shiwa_hub_records_total";
    page.family(
        records,
        "counter",
        "Records (reports, events, backups) by how the hub took them: stored, duplicate, dead-lettered (refused for good), or dropped from a full spool.",
    );
    for (outcome, count) in [
        ("stored", hub.sent),
        ("duplicate", hub.duplicates),
        ("dead_lettered", hub.dead_lettered),
        ("dropped", hub.dropped),
    ] {
        page.sample(records, &[("outcome", outcome)], count as f64);
    }
    page.family(
        "shiwa_hub_push_retries_total",
        "counter",
        "Pushes to the hub that failed and were retried.",
    );
    page.sample("shiwa_hub_push_retries_total", &[], hub.retries as f64);
    page.gauge(
        "shiwa_hub_spool_records",
        "Records waiting in the spool for the hub.",
        hub.queued as f64,
    );
    page.gauge(
        "shiwa_hub_spool_oldest_age_seconds",
        "Age of the oldest record waiting in the spool (0 when it is empty).",
        hub.oldest_age_s.unwrap_or(0) as f64,
    );
    let state = "shiwa_hub_push_state";
    page.family(
        state,
        "gauge",
        "1 for the reporter's current push state (ok, backing_off, unauthorized), 0 for the others.",
    );
    for (name, value) in [
        ("ok", HubPushState::Ok),
        ("backing_off", HubPushState::BackingOff),
        ("unauthorized", HubPushState::Unauthorized),
    ] {
        page.sample(
            state,
            &[("state", name)],
            f64::from(u8::from(hub.state == value)),
        );
    }
    if let Some(ack) = hub.last_ack {
        page.gauge(
            "shiwa_hub_last_ack_timestamp_seconds",
            "When the hub last acknowledged a record (Unix time).",
            unix_seconds(ack),
        );
    }
}
