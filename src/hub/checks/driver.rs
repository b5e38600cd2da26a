//! The check task: keeps the [`CheckScheduler`] told which ports to watch, runs each due
//! probe in its own task, and sends every [`CheckOutcome`] (latency sample, port event) out
//! on a channel.
#![expect(
    clippy::disallowed_methods,
    reason = "the check task reads the clock and sleeps until the next probe is due"
)]

use super::prober::Prober;
use super::scheduler::{CheckOutcome, CheckScheduler, ProbeResult, TargetKey};
use crate::fleet::{DeclaredPort, NodeId};
use crate::hub::alerts::wall_now;
use std::future::Future;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Longest sleep between two looks at the schedule.
const MAX_IDLE: std::time::Duration = std::time::Duration::from_secs(30);

/// What the rest of the hub tells the check task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckCommand {
    /// A report arrived: watch these ports on this host (see `probe_host`).
    Watch {
        /// The node.
        node_id: NodeId,
        /// Where to probe it.
        host: String,
        /// Its declared ports.
        ports: Vec<DeclaredPort>,
    },
    /// Stop watching a node (removed, blocked, in maintenance).
    Forget {
        /// The node.
        node_id: NodeId,
    },
}

/// Runs the checks until `shutdown` resolves or the command channel closes.
pub async fn run_checks(
    mut scheduler: CheckScheduler,
    prober: Prober,
    mut commands: mpsc::Receiver<CheckCommand>,
    outcomes: mpsc::UnboundedSender<CheckOutcome>,
    shutdown: impl Future<Output = ()>,
) {
    let mut probes: JoinSet<(TargetKey, ProbeResult)> = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let now = wall_now();
        for request in scheduler.due(now) {
            let prober = prober.clone();
            probes.spawn(async move { (request.key.clone(), prober.probe(&request).await) });
        }
        let wait = scheduler
            .next_due()
            .map(|due| due.since(now).to_std())
            .unwrap_or(MAX_IDLE)
            .min(MAX_IDLE);
        tokio::select! {
            () = &mut shutdown => return,
            command = commands.recv() => match command {
                Some(CheckCommand::Watch { node_id, host, ports }) => {
                    scheduler.update_node(&node_id, &host, &ports, wall_now());
                }
                Some(CheckCommand::Forget { node_id }) => scheduler.remove_node(&node_id),
                None => return,
            },
            Some(done) = probes.join_next(), if !probes.is_empty() => {
                let Ok((key, result)) = done else { continue };
                if let Some(outcome) = scheduler.record(&key, &result, wall_now()) {
                    if let Some(event) = &outcome.event {
                        tracing::info!(node = %event.node_id, port = %key.name, kind = %event.event_type, "{}", event.message);
                    }
                    let _ = outcomes.send(outcome);
                }
            }
            () = tokio::time::sleep(wait) => {}
        }
    }
}
