//! Group commit: a [`Batcher`] queues items from many concurrent callers to one writer task,
//! which hands them to a [`BatchSink`] in batches (up to `max_batch` items, or whatever is
//! queued when the writer gets to it) and answers each caller with its own result once the
//! sink returns — for the stores, once the batch's transaction is committed.
//!
//! One writer fits SQLite's single-writer model, and for PostgreSQL it saves a round trip
//! and a WAL flush per item. Under light load a batch is one item, so nothing waits for a
//! batch to fill: the writer takes what is there and commits at once.
//!
//! Order: items reach the sink in the order their callers' [`Batcher::submit`] calls were
//! queued. A caller that goes away (an HTTP client disconnecting) does not take its item
//! back: it is committed anyway, and its answer dropped. [`Batcher::close`] stops taking
//! items, commits everything already queued, and waits for the writer to finish.

use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};
use tokio::task::JoinHandle;

/// Items queued before [`Batcher::submit`] waits for room (back-pressure on the callers).
pub const QUEUE_CAPACITY: usize = 4096;

/// What commits a batch: one result per item, in the items' order. A missing result (a
/// shorter vector) answers that item's caller with [`BatchClosed`].
pub trait BatchSink<T, R>: Send + Sync + 'static {
    /// Commits `items` and returns each item's outcome.
    fn commit(&self, items: Vec<T>) -> impl Future<Output = Vec<R>> + Send;
}

/// The batcher is closed, or its writer stopped before answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the hub's writer is shut down")]
pub struct BatchClosed;

enum Message<T, R> {
    Item(T, oneshot::Sender<R>),
    Close,
}

/// A handle on one writer task; clones share it.
#[derive(Debug)]
pub struct Batcher<T, R> {
    queue: mpsc::Sender<Message<T, R>>,
    writer: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl<T, R> Clone for Batcher<T, R> {
    fn clone(&self) -> Self {
        Batcher {
            queue: self.queue.clone(),
            writer: Arc::clone(&self.writer),
        }
    }
}

impl<T, R> std::fmt::Debug for Message<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Message::Item(..) => "Item",
            Message::Close => "Close",
        })
    }
}

impl<T: Send + 'static, R: Send + 'static> Batcher<T, R> {
    /// Spawns the writer task (on the current tokio runtime) over `sink`.
    pub fn spawn(sink: impl BatchSink<T, R>, max_batch: usize) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let writer = tokio::spawn(write_batches(sink, receiver, max_batch.max(1)));
        Batcher {
            queue,
            writer: Arc::new(Mutex::new(Some(writer))),
        }
    }

    /// Queues `item` and waits for its result, which comes once its batch is committed.
    pub async fn submit(&self, item: T) -> Result<R, BatchClosed> {
        let (answer, result) = oneshot::channel();
        self.queue
            .send(Message::Item(item, answer))
            .await
            .map_err(|_| BatchClosed)?;
        result.await.map_err(|_| BatchClosed)
    }

    /// Stops taking items, commits those already queued, and waits for the writer to end.
    /// Later [`submit`](Self::submit)s fail with [`BatchClosed`]. Idempotent.
    pub async fn close(&self) {
        let mut writer = self.writer.lock().await;
        let _ = self.queue.send(Message::Close).await;
        if let Some(task) = writer.take()
            && let Err(error) = task.await
        {
            tracing::error!(%error, "hub writer task failed");
        }
    }
}

/// The writer: takes the first queued item, then whatever else is queued (up to
/// `max_batch`), commits, answers, repeats; on `Close` it stops the queue and drains it.
async fn write_batches<T, R>(
    sink: impl BatchSink<T, R>,
    mut receiver: mpsc::Receiver<Message<T, R>>,
    max_batch: usize,
) {
    let mut items = Vec::with_capacity(max_batch);
    let mut answers = Vec::with_capacity(max_batch);
    while let Some(first) = receiver.recv().await {
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Item(item, answer) => {
                    items.push(item);
                    answers.push(answer);
                }
                Message::Close => receiver.close(),
            }
            if items.len() < max_batch {
                next = receiver.try_recv().ok();
            }
        }
        if items.is_empty() {
            continue;
        }
        let results = sink.commit(std::mem::take(&mut items)).await;
        for (answer, result) in answers.drain(..).zip(results) {
            let _ = answer.send(result);
        }
    }
}

#[cfg(test)]
#[path = "batch_tests.rs"]
mod tests;
