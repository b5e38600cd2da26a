//! What the send loop does beside a request in flight: read and encode the next batch, and
//! commit the removal of the previous one when every item of it was stored.

use crate::es::bulk::{BatchVerdict, BulkBody, BulkError, ItemVerdict, encode_sources};
use crate::es::settle::Settlement;
use crate::es::spool::{EsSpool, EsSpoolError, SettledBatch, SpooledDocument};

/// A batch read from the spool and encoded as one bulk request body.
pub(super) struct Prepared {
    pub batch: Vec<SpooledDocument>,
    pub body: BulkBody,
}

/// Reads the oldest `limit` documents after `after` (all of them when `None`) and encodes
/// them off the async threads; `None` when there are none.
pub(super) async fn prepare(
    spool: &EsSpool,
    after: Option<i64>,
    limit: usize,
    level: u8,
) -> Result<Option<Prepared>, String> {
    let batch = spool
        .next_batch_after(after.unwrap_or(i64::MIN), limit)
        .await
        .map_err(|err| format!("reading the spool: {err}"))?;
    if batch.is_empty() {
        return Ok(None);
    }
    let (batch, body) = tokio::task::spawn_blocking(move || {
        let body = encode_batch(&batch, level);
        (batch, body)
    })
    .await
    .map_err(|err| format!("encoding a bulk request: {err}"))?;
    let body = body.map_err(|err| format!("encoding a bulk request: {err}"))?;
    Ok(Some(Prepared { batch, body }))
}

pub(super) fn encode_batch(batch: &[SpooledDocument], level: u8) -> Result<BulkBody, BulkError> {
    encode_sources(
        batch
            .iter()
            .map(|d| (d.index.as_str(), d.id.as_str(), &d.source[..])),
        level,
    )
}

/// Whether every item of the answer was stored (now or before): nothing to retry, split or
/// dead-letter, so the spool update can run beside the next request.
pub(super) fn all_stored(verdict: &BatchVerdict) -> bool {
    matches!(verdict, BatchVerdict::Items(items)
        if items.iter().all(|item| matches!(item, ItemVerdict::Acked | ItemVerdict::Duplicate)))
}

/// Removes the documents of an answer where every item was stored.
pub(super) async fn settle_stored(
    spool: &EsSpool,
    stored: Option<&Settlement<i64>>,
) -> Result<(), EsSpoolError> {
    let Some(stored) = stored else {
        return Ok(());
    };
    spool
        .settle(&SettledBatch {
            acked: &stored.acked,
            duplicates: &stored.duplicates,
            dead: &[],
            retry: &[],
            item_429s: 0,
        })
        .await
}
