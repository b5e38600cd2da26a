//! The alert task: events in, the [`AlertEngine`] decides, each notification is delivered
//! in its own task (a slow webhook holds up nobody), and every attempt record goes out on a
//! channel for the notification log.
#![expect(
    clippy::disallowed_methods,
    reason = "the alert task reads the clock and sleeps until the engine's next due time"
)]

use super::delivery::{AttemptRecord, WebhookSender, wall_now};
use super::engine::AlertEngine;
use crate::fleet::Event;
use std::future::Future;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Longest sleep between two engine ticks (the hub clock may be stepped meanwhile).
const MAX_IDLE: std::time::Duration = std::time::Duration::from_secs(30);

/// Runs the engine over `events` until `shutdown` resolves or the event channel closes;
/// attempt records are sent to `records`. Deliveries still running at shutdown are
/// abandoned (their records so far are not sent).
pub async fn run_alerts(
    mut engine: AlertEngine,
    sender: WebhookSender,
    mut events: mpsc::Receiver<Event>,
    records: mpsc::UnboundedSender<AttemptRecord>,
    shutdown: impl Future<Output = ()>,
) {
    let mut deliveries: JoinSet<Vec<AttemptRecord>> = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let now = wall_now();
        let wait = engine
            .next_due()
            .map(|due| due.since(now).to_std())
            .unwrap_or(MAX_IDLE)
            .min(MAX_IDLE);
        let notifications = tokio::select! {
            () = &mut shutdown => return,
            event = events.recv() => match event {
                Some(event) => engine.on_event(&event, wall_now()),
                None => break,
            },
            Some(done) = deliveries.join_next(), if !deliveries.is_empty() => {
                for record in done.unwrap_or_default() {
                    let _ = records.send(record);
                }
                continue;
            }
            () = tokio::time::sleep(wait) => engine.tick(wall_now()),
        };
        for notification in notifications {
            let sender = sender.clone();
            deliveries.spawn(async move { sender.deliver(&notification).await.attempts });
        }
    }
    // The event channel closed: let running deliveries finish.
    while let Some(done) = deliveries.join_next().await {
        for record in done.unwrap_or_default() {
            let _ = records.send(record);
        }
    }
}
