//! Starts the policy, check and alert tasks for a hub: [`start`].

use super::link::PolicyLink;
use super::runner::{PolicyChannels, run_policy};
use crate::hub::alerts::{AlertEngine, DeliveryError, WebhookSender, run_alerts};
use crate::hub::api::Counters;
use crate::hub::checks::{CheckScheduler, Prober, ProberError, run_checks};
use crate::hub::config::HubConfig;
use crate::hub::store::HubStore;
use std::future::pending;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Events waiting for the alert task.
pub const ALERT_QUEUE: usize = 1_024;
/// Commands waiting for the check task.
pub const CHECK_QUEUE: usize = 1_024;

/// Why the policy tasks could not start.
#[derive(Debug, thiserror::Error)]
pub enum PolicyStartError {
    /// The webhook client.
    #[error(transparent)]
    Alerts(#[from] DeliveryError),
    /// The port-check client.
    #[error(transparent)]
    Checks(#[from] ProberError),
}

impl crate::exit::HasExitStatus for PolicyStartError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Failure
    }
}

/// The running tasks; dropping this stops them.
#[derive(Debug)]
pub struct PolicyTasks {
    handles: Vec<JoinHandle<()>>,
}

impl Drop for PolicyTasks {
    fn drop(&mut self) {
        for handle in &self.handles {
            handle.abort();
        }
    }
}

/// Starts the sweep, checks (when `checks.enabled`) and alerts over `store`; the link is for
/// the ingest handlers.
pub fn start<S: HubStore>(
    store: S,
    config: &HubConfig,
    counters: Arc<Counters>,
) -> Result<(PolicyLink, PolicyTasks), PolicyStartError> {
    let sender = WebhookSender::new(&config.alerts)?;
    let (link, inputs) = PolicyLink::channel();
    let (alerts, alert_inputs) = mpsc::channel(ALERT_QUEUE);
    let (record_sender, records) = mpsc::unbounded_channel();
    let (outcome_sender, outcomes) = mpsc::unbounded_channel();
    let mut handles = vec![tokio::spawn(run_alerts(
        AlertEngine::new(&config.alerts),
        sender,
        alert_inputs,
        record_sender,
        pending(),
    ))];
    let checks = if config.checks.enabled {
        let prober = Prober::new(config.checks.timeout.0)?;
        let (commands, command_inputs) = mpsc::channel(CHECK_QUEUE);
        handles.push(tokio::spawn(run_checks(
            CheckScheduler::new(&config.checks),
            prober,
            command_inputs,
            outcome_sender,
            pending(),
        )));
        Some(commands)
    } else {
        None
    };
    let channels = PolicyChannels {
        inputs,
        outcomes,
        records,
        alerts,
        checks,
    };
    handles.push(tokio::spawn(run_policy(
        store,
        config.deadman.clone(),
        counters,
        channels,
        pending(),
    )));
    tracing::info!(
        sweep_interval_s = config.deadman.sweep_interval.0.as_secs(),
        checks = config.checks.enabled,
        webhooks = config.alerts.webhooks.len(),
        "hub policy running"
    );
    Ok((link, PolicyTasks { handles }))
}
