//! The PHC source driver: the only code here that opens a device or waits. Once a second it
//! has [`PhcPoller`] read the PHC against the system clock and passes the measurement and
//! any change of status to the engine. The device is opened read-only: a `protocol: phc`
//! source is a reference, never steered.

use super::{PhcPollOutcome, PhcPoller, PhcSourceSettings};
use crate::clock::{PhcClock, ReadOnly};
use crate::source::{SourceId, SourceUpdate};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// How often a PHC is compared with the system clock.
pub const PHC_POLL: std::time::Duration = std::time::Duration::from_secs(1);

/// A running `protocol: phc` source.
pub struct PhcTask {
    /// The engine's id for the source.
    pub id: SourceId,
    /// The entry's label, for logs.
    pub name: String,
    /// Device and comparison settings.
    pub settings: PhcSourceSettings,
    /// Where measurements and status changes go.
    pub updates: mpsc::Sender<SourceUpdate>,
    /// Becomes true on shutdown.
    pub shutdown: watch::Receiver<bool>,
}

impl PhcTask {
    /// Polls until shutdown. A missing or failing device is reported in the source's status
    /// (the engine logs each change once, naming the device) and tried again at the next poll.
    pub async fn run(mut self) {
        let mut poller = PhcPoller::<ReadOnly<PhcClock>>::new(self.settings.clone());
        let mut last_status = None;
        let mut last_problem: Option<String> = None;
        let mut next_poll = Instant::now();
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(next_poll) => {}
                _ = self.shutdown.changed() => return,
            }
            next_poll += PHC_POLL;
            match poller.poll(|device| PhcClock::open_read_only(device)) {
                PhcPollOutcome::Sample(measurement) => {
                    if last_problem.take().is_some() {
                        tracing::info!(source = %self.name, "PHC readable again");
                    }
                    let sample = SourceUpdate::Sample {
                        id: self.id,
                        measurement,
                    };
                    if self.updates.send(sample).await.is_err() {
                        return;
                    }
                }
                PhcPollOutcome::Problem(problem) => {
                    // The engine logs the problem as an event when the status changes.
                    if last_problem.as_ref() != Some(&problem) {
                        tracing::debug!(source = %self.name, "{problem}");
                        last_problem = Some(problem);
                    }
                }
            }
            let status = poller.status();
            if last_status.as_ref() != Some(&status) {
                last_status = Some(status.clone());
                let update = SourceUpdate::Status {
                    id: self.id,
                    status,
                };
                if self.updates.send(update).await.is_err() {
                    return;
                }
            }
        }
    }
}
