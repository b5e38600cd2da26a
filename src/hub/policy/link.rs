//! [`PolicyLink`]: how the ingest handlers tell the policy task what arrived, without
//! waiting for it: a bounded channel, `try_send`, and a counter of what did not fit.

use crate::fleet::{DeclaredPort, Event, NodeId, Report};
use crate::hub::checks::probe_host;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::mpsc;

/// Inputs queued between ingest and the policy task.
pub const LINK_CAPACITY: usize = 10_000;

/// What ingest tells the policy task.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyInput {
    /// A new report from `node_id` was stored.
    Reported {
        /// The node.
        node_id: NodeId,
        /// Where to probe its ports (`None`: unknown).
        host: Option<String>,
        /// The ports it declares.
        ports: Vec<DeclaredPort>,
    },
    /// A new event from a node was stored: route it to the alerts.
    NodeEvent(Event),
}

/// The ingest side of the policy task; [`PolicyLink::disconnected`] when the hub runs
/// without one (unit tests of the API).
#[derive(Debug, Clone, Default)]
pub struct PolicyLink {
    sender: Option<mpsc::Sender<PolicyInput>>,
    dropped: Arc<AtomicU64>,
}

impl PolicyLink {
    /// A link to nobody: every input is ignored.
    pub fn disconnected() -> Self {
        PolicyLink::default()
    }

    /// A link and the receiving end for the policy task.
    pub fn channel() -> (Self, mpsc::Receiver<PolicyInput>) {
        let (sender, receiver) = mpsc::channel(LINK_CAPACITY);
        let link = PolicyLink {
            sender: Some(sender),
            dropped: Arc::new(AtomicU64::new(0)),
        };
        (link, receiver)
    }

    /// A new report was stored; `peer` is the address it came from.
    pub fn report_stored(&self, report: &Report, peer: Option<IpAddr>) {
        self.send(PolicyInput::Reported {
            node_id: report.node_id.clone(),
            host: probe_host(report, peer),
            ports: report.host.ports.clone(),
        });
    }

    /// A new event from a node was stored.
    pub fn event_stored(&self, event: &Event) {
        self.send(PolicyInput::NodeEvent(event.clone()));
    }

    /// Inputs dropped because the policy task was behind by [`LINK_CAPACITY`] (the next
    /// sweep still sees every report; an event dropped here is stored but not alerted on).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn send(&self, input: PolicyInput) {
        let Some(sender) = &self.sender else { return };
        if let Err(mpsc::error::TrySendError::Full(input)) = sender.try_send(input) {
            let total = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::warn!(
                total,
                input = ?std::mem::discriminant(&input),
                "hub policy task is behind: an ingest notice was dropped"
            );
        }
    }
}
