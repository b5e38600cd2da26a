//! The policy task: runs the dead-man's switch sweep on its interval, turns ingest notices
//! into recoveries and check targets, stores what the check and alert tasks produce, and
//! hands every newly stored hub or node event to the alert task. The wall clock comes from
//! [`wall_now`]; the sweep's interval from `tokio::time::interval`.

use super::link::PolicyInput;
use crate::fleet::{DeclaredPort, Event, NodeId};
use crate::hub::alerts::{AttemptRecord, wall_now};
use crate::hub::api::Counters;
use crate::hub::backup_watch::{BackupView, backups_missed};
use crate::hub::checks::{CheckCommand, CheckOutcome};
use crate::hub::store::{HubStore, Inserted, NodeRecord, Notification, PortCheck, StoreError};
use crate::hub::sweep::{self, DeadmanSettings, HubClock, NodeState, NodeView, Transition};
use crate::time::{Duration, Timestamp};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::mpsc;

/// The channels the policy task works between.
#[derive(Debug)]
pub struct PolicyChannels {
    /// Notices from ingest.
    pub inputs: mpsc::Receiver<PolicyInput>,
    /// Samples and port events from the check task.
    pub outcomes: mpsc::UnboundedReceiver<CheckOutcome>,
    /// Delivery attempts from the alert task, for the notification log.
    pub records: mpsc::UnboundedReceiver<AttemptRecord>,
    /// Events for the alert task.
    pub alerts: mpsc::Sender<Event>,
    /// Commands for the check task (`None`: checks are off).
    pub checks: Option<mpsc::Sender<CheckCommand>>,
}

/// Runs the policy until `shutdown` resolves.
pub async fn run_policy<S: HubStore>(
    store: S,
    deadman: DeadmanSettings,
    counters: Arc<Counters>,
    channels: PolicyChannels,
    shutdown: impl Future<Output = ()>,
) {
    let PolicyChannels {
        mut inputs,
        mut outcomes,
        mut records,
        alerts,
        checks,
    } = channels;
    let mut policy = Policy {
        store,
        started_at: wall_now(),
        deadman,
        counters,
        alerts,
        checks,
        healthy: HashSet::new(),
        watched: HashSet::new(),
        resting: HashSet::new(),
        operator_ports: HashMap::new(),
    };
    let mut tick = tokio::time::interval(policy.deadman.sweep_interval.0);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        let result = tokio::select! {
            () = &mut shutdown => return,
            _ = tick.tick() => policy.sweep(wall_now()).await,
            Some(input) = inputs.recv() => policy.on_input(input).await,
            Some(outcome) = outcomes.recv() => policy.on_outcome(outcome).await,
            Some(record) = records.recv() => policy.log_attempt(&record).await,
        };
        if let Err(err) = result {
            tracing::warn!(error = %err, "hub policy: the store failed; retrying on the next sweep");
        }
    }
}

struct Policy<S> {
    store: S,
    started_at: Timestamp,
    deadman: DeadmanSettings,
    counters: Arc<Counters>,
    alerts: mpsc::Sender<Event>,
    checks: Option<mpsc::Sender<CheckCommand>>,
    /// Nodes stored as ok: a report from one of them changes nothing. A report from any
    /// other node (new, stale, down, or added since the last sweep) is looked up: it may be a
    /// first report or a recovery.
    healthy: HashSet<NodeId>,
    /// Nodes the check task watches.
    watched: HashSet<NodeId>,
    /// Nodes in maintenance or blocked at the last sweep: not probed.
    resting: HashSet<NodeId>,
    /// Ports the operator declared (`shiwa hub node add --port`), by node, as of the last
    /// sweep: probed besides (and instead of same-named) ports the node declares.
    operator_ports: HashMap<NodeId, Vec<DeclaredPort>>,
}

impl<S: HubStore> Policy<S> {
    /// One sweep: dead-man's transitions, overdue backups, check targets of skipped nodes.
    async fn sweep(&mut self, now: Timestamp) -> Result<(), StoreError> {
        let nodes = self.store.list_nodes().await?;
        let clock = HubClock {
            started_at: self.started_at,
            now,
        };
        let views: Vec<NodeView> = nodes.iter().map(|n| self.view(n)).collect();
        self.healthy = nodes
            .iter()
            .filter(|n| n.state == NodeState::Ok)
            .map(|n| n.node_id.clone())
            .collect();
        for transition in sweep::sweep(&self.deadman, clock, &views) {
            self.apply(transition, now).await?;
        }
        let newest: BTreeMap<NodeId, Timestamp> =
            self.store.backup_times().await?.into_iter().collect();
        let backups: Vec<BackupView> = nodes
            .iter()
            .map(|n| BackupView {
                node_id: n.node_id.clone(),
                added_at: n.created_at,
                newest_backup: newest.get(&n.node_id).copied(),
                blocked: n.blocked,
                maintenance: n.maintenance,
            })
            .collect();
        let max_age = Duration::from_std(self.deadman.backup_max_age.0);
        let grace = Duration::from_std(self.deadman.grace.0);
        for event in backups_missed(max_age, grace, clock, &backups) {
            self.raise(event, now).await?;
        }
        self.update_watches(&nodes).await;
        self.counters.set_last_sweep(now);
        Ok(())
    }

    fn view(&self, node: &NodeRecord) -> NodeView {
        NodeView {
            node_id: node.node_id.clone(),
            report_interval: (node.report_interval_s > 0)
                .then(|| Duration::from_secs(i64::try_from(node.report_interval_s).unwrap_or(0))),
            thresholds: self.deadman.overrides.get(node.node_id.as_str()).copied(),
            last_report: node.last_seen,
            added_at: node.created_at,
            state: node.state,
            blocked: node.blocked,
            maintenance: node.maintenance,
        }
    }

    /// Stores a transition's state and event, and alerts on it.
    async fn apply(&mut self, transition: Transition, now: Timestamp) -> Result<(), StoreError> {
        tracing::info!(
            node = %transition.node_id,
            from = transition.from.as_str(),
            to = transition.to.as_str(),
            "{}",
            transition.event.as_ref().map_or("first report", |e| e.message.as_str())
        );
        self.store
            .set_node_state(&transition.node_id, transition.to, now)
            .await?;
        if transition.to == NodeState::Ok {
            self.healthy.insert(transition.node_id.clone());
        } else {
            self.healthy.remove(&transition.node_id);
        }
        match transition.event {
            Some(event) => self.raise(event, now).await,
            None => Ok(()),
        }
    }

    /// Stores a hub event; a newly stored one goes to the alerts.
    async fn raise(&self, event: Event, now: Timestamp) -> Result<(), StoreError> {
        if self.store.insert_event(&event, now).await? == Inserted::New {
            self.alert(event).await;
        }
        Ok(())
    }

    async fn alert(&self, event: Event) {
        if self.alerts.send(event).await.is_err() {
            tracing::warn!("hub policy: the alert task has stopped");
        }
    }

    async fn on_input(&mut self, input: PolicyInput) -> Result<(), StoreError> {
        match input {
            PolicyInput::NodeEvent(event) => {
                self.alert(event).await;
                Ok(())
            }
            PolicyInput::Reported {
                node_id,
                host,
                ports,
            } => {
                let resting = self.resting.contains(&node_id);
                if let (Some(checks), Some(host), false) = (&self.checks, host, resting) {
                    self.watched.insert(node_id.clone());
                    let operator = self.operator_ports.get(&node_id);
                    let watch = CheckCommand::Watch {
                        node_id: node_id.clone(),
                        host,
                        ports: merge_ports(operator.map_or(&[], Vec::as_slice), ports),
                    };
                    let _ = checks.send(watch).await;
                }
                if self.healthy.contains(&node_id) {
                    return Ok(());
                }
                let now = wall_now();
                let Some(node) = self.store.get_node(&node_id).await? else {
                    return Ok(());
                };
                match sweep::report_received(&self.view(&node), now) {
                    Some(transition) => self.apply(transition, now).await,
                    None => Ok(()),
                }
            }
        }
    }

    /// Nodes removed, blocked or in maintenance are no longer probed; nodes known from a
    /// stored report with a declared address are probed from the hub's start, before they
    /// report again.
    async fn update_watches(&mut self, nodes: &[NodeRecord]) {
        self.operator_ports = nodes
            .iter()
            .filter(|n| !n.ports.is_empty())
            .map(|n| (n.node_id.clone(), n.ports.clone()))
            .collect();
        self.resting = nodes
            .iter()
            .filter(|n| n.blocked || n.maintenance)
            .map(|n| n.node_id.clone())
            .collect();
        let Some(checks) = &self.checks else { return };
        for node in nodes.iter().filter(|n| !n.blocked && !n.maintenance) {
            let Some(host) = &node.host else { continue };
            let address = host.address.as_deref().map(str::trim).unwrap_or("");
            let ports = merge_ports(&node.ports, host.ports.clone());
            if self.watched.contains(&node.node_id) || address.is_empty() || ports.is_empty() {
                continue;
            }
            self.watched.insert(node.node_id.clone());
            let watch = CheckCommand::Watch {
                node_id: node.node_id.clone(),
                host: address.trim_matches(['[', ']']).to_string(),
                ports,
            };
            let _ = checks.send(watch).await;
        }
        let keep: HashSet<&NodeId> = nodes
            .iter()
            .filter(|n| !n.blocked && !n.maintenance)
            .map(|n| &n.node_id)
            .collect();
        let gone: Vec<NodeId> = self
            .watched
            .iter()
            .filter(|id| !keep.contains(id))
            .cloned()
            .collect();
        for node_id in gone {
            self.watched.remove(&node_id);
            let _ = checks.send(CheckCommand::Forget { node_id }).await;
        }
    }

    async fn on_outcome(&mut self, outcome: CheckOutcome) -> Result<(), StoreError> {
        let sample = &outcome.sample;
        let check = PortCheck {
            node_id: sample.key.node_id.clone(),
            name: sample.key.name.clone(),
            port: sample.key.port,
            checked_at: sample.time,
            up: sample.up,
            latency_us: sample
                .up
                .then(|| u64::try_from(sample.latency.as_nanos() / 1_000).unwrap_or(0)),
            error: sample.error.clone(),
        };
        match self.store.record_port_check(&check).await {
            Ok(_) => {}
            // The node was removed while its probe ran.
            Err(StoreError::UnknownNode(_)) => return Ok(()),
            Err(err) => return Err(err),
        }
        match outcome.event {
            Some(event) => self.raise(event, sample.time).await,
            None => Ok(()),
        }
    }

    async fn log_attempt(&self, record: &AttemptRecord) -> Result<(), StoreError> {
        let entry = notification_entry(record);
        self.store.log_notification(&entry).await.map(|_| ())
    }
}

/// The operator's ports, then the node's own whose names the operator did not use.
pub fn merge_ports(operator: &[DeclaredPort], reported: Vec<DeclaredPort>) -> Vec<DeclaredPort> {
    let mut ports = operator.to_vec();
    for port in reported {
        if !ports.iter().any(|known| known.name == port.name) {
            ports.push(port);
        }
    }
    ports
}

/// A delivery attempt as a notification-log entry.
pub fn notification_entry(record: &AttemptRecord) -> Notification {
    let label = |value: serde_json::Value| value.as_str().unwrap_or("?").to_string();
    let kind = label(serde_json::to_value(record.kind).unwrap_or_default());
    let outcome = label(serde_json::to_value(record.outcome).unwrap_or_default());
    let mut detail = format!(
        "{kind} {} attempt {} to {} in {} ms",
        record.event_type,
        record.attempt,
        record.target,
        record.duration.as_nanos() / 1_000_000
    );
    if let Some(status) = record.http_status {
        detail.push_str(&format!(", HTTP {status}"));
    }
    if let Some(error) = &record.error {
        detail.push_str(&format!(": {error}"));
    }
    Notification {
        id: 0,
        time: record.started_at,
        node_id: Some(record.node_id.clone()),
        event_id: Some(record.event_id.as_str().to_string()),
        channel: record.webhook.clone(),
        outcome,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::CheckKind;

    fn port(name: &str, number: u16) -> DeclaredPort {
        DeclaredPort {
            name: name.into(),
            port: number,
            kind: CheckKind::Tcp,
            path: None,
        }
    }

    #[test]
    fn the_operators_ports_win_over_same_named_reported_ones() {
        let merged = merge_ports(
            &[port("api", 9000)],
            vec![port("api", 8088), port("ssh", 65129)],
        );
        assert_eq!(merged, [port("api", 9000), port("ssh", 65129)]);
        assert_eq!(merge_ports(&[], vec![port("ssh", 1)]), [port("ssh", 1)]);
    }
}
