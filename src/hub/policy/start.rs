//! Starts the policy, check and alert tasks for a hub: [`start`].

use super::link::PolicyLink;
use super::runner::{PolicyChannels, run_policy};
use crate::fleet::{Event, EventType};
use crate::hub::alerts::{AlertEngine, DeliveryError, WebhookSender, run_alerts, wall_now};
use crate::hub::api::Counters;
use crate::hub::checks::{CheckScheduler, Prober, ProberError, run_checks};
use crate::hub::config::HubConfig;
use crate::hub::store::{EventFilter, HubStore, StoreError};
use crate::time::Duration;
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
    /// Reading the stored events.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl crate::exit::HasExitStatus for PolicyStartError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        match self {
            PolicyStartError::Store(err) => err.exit_status(),
            _ => crate::exit::ExitStatus::Failure,
        }
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

/// How far back stored events are replayed to rebuild open problems at start.
pub const RESTORE_WINDOW: Duration = Duration::from_secs(30 * 86_400);
/// At most this many stored events are replayed.
pub const RESTORE_EVENTS: u32 = 50_000;

/// Starts the sweep, checks (when `checks.enabled`) and alerts over `store`; the link is for
/// the ingest handlers. Problems still open in the stored events (a node down, a port down)
/// are restored first, so a restart neither fires them again nor forgets to resolve them.
pub async fn start<S: HubStore>(
    store: S,
    config: &HubConfig,
    counters: Arc<Counters>,
) -> Result<(PolicyLink, PolicyTasks), PolicyStartError> {
    let sender = WebhookSender::new(&config.alerts)?;
    let mut engine = AlertEngine::new(&config.alerts);
    let mut scheduler = CheckScheduler::new(&config.checks);
    let filter = EventFilter {
        since: Some(wall_now() - RESTORE_WINDOW),
        min_severity: None,
        node: None,
        limit: RESTORE_EVENTS,
    };
    let mut stored: Vec<Event> = store
        .events(&filter)
        .await?
        .into_iter()
        .map(|stored| stored.event)
        .collect();
    stored.reverse();
    let open = engine.restore(&stored);
    for event in &open {
        let port = event.details.get("port_name").and_then(|v| v.as_str());
        if let (EventType::PortDown, Some(name)) = (event.event_type, port) {
            scheduler.restore_down(&event.node_id, name, event.time);
        }
    }
    if !open.is_empty() {
        tracing::info!(open = open.len(), "hub alerts: open problems restored");
    }
    let (link, inputs) = PolicyLink::channel();
    let (alerts, alert_inputs) = mpsc::channel(ALERT_QUEUE);
    let (record_sender, records) = mpsc::unbounded_channel();
    let (outcome_sender, outcomes) = mpsc::unbounded_channel();
    let mut handles = vec![tokio::spawn(run_alerts(
        engine,
        sender,
        alert_inputs,
        record_sender,
        pending(),
    ))];
    let checks = if config.checks.enabled {
        let prober = Prober::new(config.checks.timeout.0)?;
        let (commands, command_inputs) = mpsc::channel(CHECK_QUEUE);
        handles.push(tokio::spawn(run_checks(
            scheduler,
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
