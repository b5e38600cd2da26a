use super::*;
use std::pin::Pin;
use std::sync::Mutex as StdMutex;
use std::task::Poll;
use tokio::sync::{Notify, Semaphore};

/// Records each batch, waits for a permit per batch, answers `Ok(x * 10)` or, for odd items
/// when `fail_odd`, `Err(x)`; answers only `answers` items per batch when set.
#[derive(Clone)]
struct FakeSink {
    batches: Arc<StdMutex<Vec<Vec<u32>>>>,
    gate: Arc<Semaphore>,
    entered: Arc<Notify>,
    fail_odd: bool,
    answers: Option<usize>,
}

impl FakeSink {
    fn new() -> Self {
        FakeSink {
            batches: Arc::default(),
            gate: Arc::new(Semaphore::new(0)),
            entered: Arc::new(Notify::new()),
            fail_odd: false,
            answers: None,
        }
    }

    fn batches(&self) -> Vec<Vec<u32>> {
        self.batches.lock().expect("lock").clone()
    }
}

impl BatchSink<u32, Result<u32, u32>> for FakeSink {
    async fn commit(&self, items: Vec<u32>) -> Vec<Result<u32, u32>> {
        self.batches.lock().expect("lock").push(items.clone());
        self.entered.notify_one();
        self.gate.acquire().await.expect("gate open").forget();
        let results = items
            .iter()
            .map(|&x| {
                if self.fail_odd && x % 2 == 1 {
                    Err(x)
                } else {
                    Ok(x * 10)
                }
            })
            .collect::<Vec<_>>();
        results
            .into_iter()
            .take(self.answers.unwrap_or(usize::MAX))
            .collect()
    }
}

type Pending = Pin<Box<dyn Future<Output = Result<Result<u32, u32>, BatchClosed>> + Send>>;

/// Starts `submit(item)` for each item in order, polling each once so that it is queued
/// before the next one starts; the futures are awaited later.
async fn queue_in_order(batcher: &Batcher<u32, Result<u32, u32>>, items: &[u32]) -> Vec<Pending> {
    let mut pending = Vec::new();
    for &item in items {
        let batcher = batcher.clone();
        let mut future: Pending = Box::pin(async move { batcher.submit(item).await });
        std::future::poll_fn(|cx| {
            assert!(
                future.as_mut().poll(cx).is_pending(),
                "answered while the sink is gated"
            );
            Poll::Ready(())
        })
        .await;
        pending.push(future);
    }
    pending
}

async fn answers(pending: Vec<Pending>) -> Vec<Result<Result<u32, u32>, BatchClosed>> {
    let mut out = Vec::new();
    for future in pending {
        out.push(future.await);
    }
    out
}

/// Queues item 0 and waits until the writer holds it in the (gated) sink, so that later
/// items pile up in the queue.
async fn first_item_held(batcher: &Batcher<u32, Result<u32, u32>>, sink: &FakeSink) -> Pending {
    let entered = sink.entered.notified();
    let first = queue_in_order(batcher, &[0]).await.remove(0);
    entered.await;
    first
}

#[tokio::test]
async fn items_reach_the_sink_in_order_in_batches_of_at_most_max_and_each_caller_gets_its_own_result()
 {
    let sink = FakeSink::new();
    let batcher = Batcher::spawn(sink.clone(), 8);
    let first = first_item_held(&batcher, &sink).await;
    let items: Vec<u32> = (1..=20).collect();
    let rest = queue_in_order(&batcher, &items).await;
    sink.gate.add_permits(100);
    assert_eq!(first.await, Ok(Ok(0)));
    let results = answers(rest).await;
    let expected: Vec<_> = items.iter().map(|x| Ok(Ok(x * 10))).collect();
    assert_eq!(results, expected);
    assert_eq!(
        sink.batches(),
        [
            vec![0],
            (1..=8).collect::<Vec<_>>(),
            (9..=16).collect(),
            (17..=20).collect()
        ]
    );
    batcher.close().await;
}

#[tokio::test]
async fn an_item_that_fails_does_not_fail_the_others_in_its_batch() {
    let sink = FakeSink {
        fail_odd: true,
        ..FakeSink::new()
    };
    let batcher = Batcher::spawn(sink.clone(), 64);
    let first = first_item_held(&batcher, &sink).await;
    let rest = queue_in_order(&batcher, &[1, 2, 3, 4]).await;
    sink.gate.add_permits(100);
    assert_eq!(first.await, Ok(Ok(0)));
    assert_eq!(
        answers(rest).await,
        [Ok(Err(1)), Ok(Ok(20)), Ok(Err(3)), Ok(Ok(40))]
    );
    assert_eq!(sink.batches(), [vec![0], vec![1, 2, 3, 4]]);
}

#[tokio::test]
async fn a_short_answer_fails_only_the_callers_left_without_one() {
    let sink = FakeSink {
        answers: Some(2),
        ..FakeSink::new()
    };
    let batcher = Batcher::spawn(sink.clone(), 64);
    let first = first_item_held(&batcher, &sink).await;
    let rest = queue_in_order(&batcher, &[1, 2, 3]).await;
    sink.gate.add_permits(100);
    assert_eq!(first.await, Ok(Ok(0)));
    assert_eq!(
        answers(rest).await,
        [Ok(Ok(10)), Ok(Ok(20)), Err(BatchClosed)]
    );
    assert_eq!(
        batcher.submit(7).await,
        Ok(Ok(70)),
        "the writer keeps going"
    );
}

#[tokio::test]
async fn close_commits_everything_already_queued_then_refuses_new_items() {
    let sink = FakeSink::new();
    let batcher = Batcher::spawn(sink.clone(), 4);
    let first = first_item_held(&batcher, &sink).await;
    let rest = queue_in_order(&batcher, &[1, 2, 3, 4, 5, 6]).await;
    let closing = tokio::spawn({
        let batcher = batcher.clone();
        async move { batcher.close().await }
    });
    tokio::task::yield_now().await;
    sink.gate.add_permits(100);
    closing.await.expect("close");
    assert_eq!(first.await, Ok(Ok(0)));
    assert_eq!(
        answers(rest).await,
        (1..=6).map(|x| Ok(Ok(x * 10))).collect::<Vec<_>>()
    );
    assert_eq!(sink.batches(), [vec![0], vec![1, 2, 3, 4], vec![5, 6]]);
    assert_eq!(batcher.submit(9).await, Err(BatchClosed));
    batcher.close().await;
}
