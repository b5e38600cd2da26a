//! The send loop: takes the oldest spooled documents, sends them as one bulk request, and
//! applies the verdict to the spool — acked and duplicate documents leave, refused ones go to
//! the dead-letter file first, retryable ones stay and the loop backs off; a 413 splits the
//! batch in halves until the one document at fault is found. What to do with an answer is
//! decided by the pure [`super::settle`]; this file only carries it out.

#![expect(
    clippy::disallowed_methods,
    reason = "the send loop waits out backoffs and stamps dead letters with the wall clock"
)]

mod pipeline;

use super::backoff::Backoff;
use super::bulk::{BatchVerdict, BulkBody, ItemVerdict};
use super::dead_letter::{self, DeadLetter, MAX_DEAD_LETTER_BYTES};
use super::settle::{Settlement, settle};
use super::spool::{EsSpool, EsSpoolError, SettledBatch, SpooledDocument};
use super::status::{EsSnapshot, ShipState};
use crate::time::{Duration, Timestamp};
use pipeline::{Prepared, all_stored, encode_batch, prepare, settle_stored};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{Notify, watch};

/// How long an idle loop waits before looking at the spool again without being woken.
const IDLE_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// A bulk request's answer, as the send loop needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    /// What the answer means, per item or for the whole request.
    pub verdict: BatchVerdict,
    /// `Retry-After`, when the server gave one.
    pub retry_after: Option<Duration>,
    /// Where it went (scheme, host, port).
    pub host: String,
}

/// Something that sends bulk requests: the Elasticsearch client, or a test's stand-in.
pub trait BulkTransport: Send + Sync + 'static {
    /// Sends `body` holding `count` documents.
    fn send(&self, body: &BulkBody, count: usize) -> impl Future<Output = Sent> + Send;
    /// Gets the cluster ready before the first request (installs the index template);
    /// `Err` is retried with backoff.
    fn prepare(&self) -> impl Future<Output = Result<(), String>> + Send;
}

/// What the send loop runs with.
#[derive(Debug, Clone)]
pub struct SendSettings {
    /// Documents per request.
    pub bulk_max_size: usize,
    /// gzip level (0 = off).
    pub compression_level: u8,
    /// First and longest retry wait.
    pub backoff: (Duration, Duration),
    /// Where refused documents go.
    pub dead_letter_file: PathBuf,
}

impl From<&super::settings::ShipperSettings> for SendSettings {
    fn from(settings: &super::settings::ShipperSettings) -> Self {
        SendSettings {
            bulk_max_size: settings.bulk_max_size,
            compression_level: settings.compression_level,
            backoff: settings.backoff,
            dead_letter_file: settings.dead_letter_file.clone(),
        }
    }
}

/// The send loop's state.
pub struct Sender<T> {
    transport: T,
    spool: EsSpool,
    settings: SendSettings,
    backoff: Backoff,
    status: watch::Sender<Option<EsSnapshot>>,
    host: Option<String>,
    last_ack: Option<Timestamp>,
    last_error: Option<String>,
}

/// What carrying out an answer left to do.
enum Round {
    /// Everything sent was settled; look for more.
    Done,
    /// Some documents must be retried after a backoff.
    Backoff(Option<Duration>),
}

fn now() -> Timestamp {
    crate::observe::logs::system_now()
}

fn unit_random() -> f64 {
    let mut bytes = [0u8; 4];
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX)
}

impl<T: BulkTransport> Sender<T> {
    /// A send loop over `spool`, publishing its state on `status`.
    pub fn new(
        transport: T,
        spool: EsSpool,
        settings: SendSettings,
        status: watch::Sender<Option<EsSnapshot>>,
    ) -> Self {
        let backoff = Backoff::new(settings.backoff.0, settings.backoff.1);
        Sender {
            transport,
            spool,
            settings,
            backoff,
            status,
            host: None,
            last_ack: None,
            last_error: None,
        }
    }

    /// Runs until `stop` turns true: prepares the cluster, then ships whatever the spool
    /// holds, woken by `wake` when the collector spooled something.
    pub async fn run(mut self, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
        self.publish(ShipState::Connecting).await;
        while let Err(reason) = self.transport.prepare().await {
            tracing::warn!(error = %reason, "Elasticsearch is not ready; retrying");
            self.last_error = Some(reason);
            self.publish(ShipState::Connecting).await;
            if self.wait(None, &mut stop).await {
                return;
            }
        }
        self.last_error = None;
        self.backoff.reset();
        self.ship(&wake, &mut stop).await;
    }

    /// Ships until `stop`. The requests are pipelined: while one is in flight, the batch
    /// behind it is read and encoded and the previous one's spool update is committed, so the
    /// shipper's work overlaps the server's. Only an answer where every item was stored is
    /// settled that way; any other is carried out before anything else is sent.
    async fn ship(&mut self, wake: &Notify, stop: &mut watch::Receiver<bool>) {
        let (limit, level) = (self.settings.bulk_max_size, self.settings.compression_level);
        let mut ahead: Option<Prepared> = None;
        let mut stored: Option<Settlement<i64>> = None;
        while !*stop.borrow() {
            let current = match ahead.take() {
                Some(prepared) => prepared,
                None => {
                    self.settle_in_hand(stored.take()).await;
                    match prepare(&self.spool, None, limit, level).await {
                        Ok(Some(prepared)) => prepared,
                        Ok(None) => {
                            self.publish(ShipState::Ok).await;
                            tokio::select! {
                                () = wake.notified() => {}
                                _ = stop.changed() => {}
                                () = tokio::time::sleep(IDLE_POLL) => {}
                            }
                            continue;
                        }
                        Err(err) => {
                            tracing::error!(error = %err, "preparing an Elasticsearch bulk request");
                            self.last_error = Some(err);
                            if self.wait(None, stop).await {
                                break;
                            }
                            continue;
                        }
                    }
                }
            };
            let after = current.batch.last().map(|d| d.seq);
            // Polled in this order: the request goes out first, then the next batch is read
            // (its encoding runs on a blocking thread while the spool update commits).
            let (sent, next, settled) = tokio::join!(
                self.transport.send(&current.body, current.batch.len()),
                prepare(&self.spool, after, limit, level),
                settle_stored(&self.spool, stored.as_ref()),
            );
            if let Some(done) = stored.take() {
                self.note_settled(&done, settled);
            }
            self.host = Some(sent.host.clone());
            if all_stored(&sent.verdict) {
                let seqs: Vec<i64> = current.batch.iter().map(|d| d.seq).collect();
                stored = Some(settle(&seqs, sent.verdict));
                ahead = next.ok().flatten();
                self.backoff.reset();
                self.last_error = None;
                continue;
            }
            self.settle_in_hand(stored.take()).await;
            match self.resolve(current.batch, sent).await {
                Round::Done => {
                    self.backoff.reset();
                    self.last_error = None;
                }
                Round::Backoff(retry_after) => {
                    self.publish(ShipState::BackingOff).await;
                    if self.wait(retry_after, stop).await {
                        break;
                    }
                }
            }
        }
        self.settle_in_hand(stored.take()).await;
    }

    /// Commits the removal of a stored batch now (before reading the spool from its start).
    async fn settle_in_hand(&mut self, stored: Option<Settlement<i64>>) {
        if let Some(done) = stored {
            let settled = settle_stored(&self.spool, Some(&done)).await;
            self.note_settled(&done, settled);
        }
    }

    /// Records how a stored batch's spool update went. On failure the documents stay in the
    /// spool and go out again (answered 409, counted as duplicates): nothing is lost.
    fn note_settled(&mut self, done: &Settlement<i64>, settled: Result<(), EsSpoolError>) {
        match settled {
            Ok(()) if !done.acked.is_empty() || !done.duplicates.is_empty() => {
                self.last_ack = Some(now());
            }
            Ok(()) => {}
            Err(err) => {
                tracing::error!(error = %err, "updating the Elasticsearch spool");
                self.last_error = Some(err.to_string());
            }
        }
    }

    /// Waits out the next backoff; true when `stop` came first.
    async fn wait(
        &mut self,
        retry_after: Option<Duration>,
        stop: &mut watch::Receiver<bool>,
    ) -> bool {
        let wait = self.backoff.next_wait(retry_after, unit_random());
        let wait = std::time::Duration::from_nanos(u64::try_from(wait.as_nanos()).unwrap_or(0));
        tokio::select! {
            () = tokio::time::sleep(wait) => *stop.borrow(),
            _ = stop.changed() => true,
        }
    }

    /// Carries out the answer `sent` to `batch` when not every item was stored: dead
    /// letters, retries, and the halves of a batch the server found too large, sent one after
    /// the other until each is settled.
    async fn resolve(&mut self, batch: Vec<SpooledDocument>, sent: Sent) -> Round {
        let mut answered = Some((batch, sent));
        let mut pending: Vec<Vec<SpooledDocument>> = Vec::new();
        loop {
            let (batch, sent) = match answered.take() {
                Some(answered) => answered,
                None => {
                    let Some(batch) = pending.pop() else {
                        return Round::Done;
                    };
                    let body = match encode_batch(&batch, self.settings.compression_level) {
                        Ok(body) => body,
                        Err(err) => {
                            self.last_error = Some(err.to_string());
                            return Round::Backoff(None);
                        }
                    };
                    let sent = self.transport.send(&body, batch.len()).await;
                    self.host = Some(sent.host.clone());
                    (batch, sent)
                }
            };
            let applied = match self.apply(batch, sent.verdict).await {
                Ok(applied) => applied,
                Err(err) => {
                    tracing::error!(error = %err, "updating the Elasticsearch spool");
                    self.last_error = Some(err.to_string());
                    return Round::Backoff(None);
                }
            };
            if let Some(error) = applied.error {
                self.last_error = Some(error);
            }
            if let Some((first, second)) = applied.split {
                pending.push(second);
                pending.push(first);
            }
            if applied.retry {
                return Round::Backoff(sent.retry_after);
            }
        }
    }

    /// Carries out the verdict on `batch` in the spool (dead letters written first).
    async fn apply(
        &mut self,
        mut batch: Vec<SpooledDocument>,
        verdict: BatchVerdict,
    ) -> Result<Applied, EsSpoolError> {
        let item_429s = match &verdict {
            BatchVerdict::Items(items) => items
                .iter()
                .filter(|item| matches!(item, ItemVerdict::Retry { status: 429 }))
                .count(),
            _ => 0,
        };
        if let BatchVerdict::RetryAll { status, reason } = &verdict {
            tracing::warn!(status, error = %reason, documents = batch.len(), "bulk request failed; retrying");
            self.spool.count_request_failure(*status == 429).await?;
        }
        let seqs: Vec<i64> = batch.iter().map(|d| d.seq).collect();
        let settlement = settle(&seqs, verdict);
        let mut retry = settlement.retry.clone();
        let mut dead: Vec<i64> = Vec::new();
        if !settlement.dead.is_empty() {
            match self.write_dead_letters(&batch, &settlement.dead).await {
                Ok(()) => dead = settlement.dead.iter().map(|(seq, _, _)| *seq).collect(),
                Err(err) => {
                    tracing::error!(error = %err, "keeping refused documents in the spool");
                    retry.extend(settlement.dead.iter().map(|(seq, _, _)| *seq));
                }
            }
        }
        self.spool
            .settle(&SettledBatch {
                acked: &settlement.acked,
                duplicates: &settlement.duplicates,
                dead: &dead,
                retry: &retry,
                item_429s,
            })
            .await?;
        if !settlement.acked.is_empty() || !settlement.duplicates.is_empty() {
            self.last_ack = Some(now());
        }
        let split = settlement.split.map(|(first, _)| {
            let second = batch.split_off(first.len());
            (batch, second)
        });
        Ok(Applied {
            split,
            retry: !retry.is_empty(),
            error: settlement.error,
        })
    }

    /// Appends the refused documents of `batch` to the dead-letter file, off the async threads.
    async fn write_dead_letters(
        &self,
        batch: &[SpooledDocument],
        dead: &[(i64, u16, String)],
    ) -> Result<(), String> {
        let refused: Vec<(SpooledDocument, u16, String)> = dead
            .iter()
            .filter_map(|(seq, status, reason)| {
                let document = batch.iter().find(|d| d.seq == *seq)?;
                Some((document.clone(), *status, reason.clone()))
            })
            .collect();
        for (document, status, reason) in &refused {
            tracing::warn!(index = %document.index, id = %document.id, status, reason = %reason, "document refused; written to the dead-letter file");
        }
        let file = self.settings.dead_letter_file.clone();
        let time = now();
        tokio::task::spawn_blocking(move || {
            let letters: Vec<DeadLetter<'_>> = refused
                .iter()
                .map(|(document, status, reason)| DeadLetter {
                    time,
                    index: &document.index,
                    id: &document.id,
                    status: *status,
                    reason,
                    source: &document.source,
                })
                .collect();
            dead_letter::append(&file, &letters, MAX_DEAD_LETTER_BYTES)
        })
        .await
        .map_err(|err| err.to_string())?
        .map_err(|err| err.to_string())
    }

    /// Publishes the counters and state for the snapshot's `elasticsearch` section.
    async fn publish(&self, state: ShipState) {
        let counters = match self.spool.counters().await {
            Ok(counters) => counters,
            Err(err) => {
                tracing::error!(error = %err, "reading the Elasticsearch spool's counters");
                return;
            }
        };
        let mut snapshot = EsSnapshot::new(&counters, state, now());
        snapshot.host = self.host.clone();
        snapshot.last_ack = self.last_ack;
        snapshot.last_error = self.last_error.clone();
        self.status.send_replace(Some(snapshot));
    }
}

/// What applying one verdict left to do.
struct Applied {
    /// The two halves to send now.
    split: Option<(Vec<SpooledDocument>, Vec<SpooledDocument>)>,
    /// Some documents wait for a retry.
    retry: bool,
    /// Why some or all failed.
    error: Option<String>,
}

#[cfg(test)]
#[path = "sender_tests.rs"]
mod tests;
