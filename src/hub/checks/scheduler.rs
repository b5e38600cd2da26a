//! The active-check scheduler, pure: which node:port to probe when, and what each result
//! means — consecutive failures before `port_down`, successes before `port_up`, a latency
//! sample per probe.
//!
//! A port starts `unknown`: its first successes make it `up` quietly; failures make it
//! `down` with a `port_down` event (a port that never answered is down too). Only a port
//! that was down raises `port_up`.

use super::settings::CheckSettings;
use crate::fleet::{CheckKind, DeclaredPort, Event, EventType, NodeId, Report};
use crate::hub::sweep::hub_event;
use crate::time::{Duration, Timestamp};
use serde::Serialize;
use serde_json::{Map, json};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Which port of which node.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct TargetKey {
    /// The node.
    pub node_id: NodeId,
    /// The port's declared name (`api`).
    pub name: String,
    /// The TCP port.
    pub port: u16,
}

/// What a prober needs to probe one port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeRequest {
    /// Which target (hand it back to [`CheckScheduler::record`]).
    pub key: TargetKey,
    /// The host to connect to: an IP address (v6 without brackets) or a name.
    pub host: String,
    /// TCP connect or HTTP GET.
    pub kind: CheckKind,
    /// For HTTP: the path.
    pub path: Option<String>,
}

/// What one probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResult {
    /// It answered (connect succeeded; HTTP status below 500).
    pub up: bool,
    /// How long it took (to the failure, for a failed probe).
    pub latency: Duration,
    /// The HTTP status, for HTTP checks that got one.
    pub http_status: Option<u16>,
    /// Why it failed.
    pub error: Option<String>,
}

/// Where a port stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PortState {
    /// Not decided yet.
    Unknown,
    /// Answering.
    Up,
    /// Not answering.
    Down,
}

/// One probe's result, for the latency history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatencySample {
    /// Which port.
    pub key: TargetKey,
    /// When the probe ended (hub clock).
    pub time: Timestamp,
    /// It answered.
    pub up: bool,
    /// Its latency, nanoseconds (also for failures: time to the failure).
    pub latency: Duration,
    /// Why it failed.
    pub error: Option<String>,
}

/// What [`CheckScheduler::record`] returns.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct CheckOutcome {
    /// The sample to store.
    pub sample: LatencySample,
    /// `port_down` or `port_up`, when the port changed state.
    pub event: Option<Event>,
}

#[derive(Debug, Clone)]
struct Tracked {
    host: String,
    kind: CheckKind,
    path: Option<String>,
    state: PortState,
    failures: u32,
    successes: u32,
    next_due: Timestamp,
    in_flight: bool,
    down_since: Option<Timestamp>,
}

/// The ports being watched and their state.
#[derive(Debug, Clone)]
pub struct CheckScheduler {
    interval: Duration,
    failures_before_down: u32,
    successes_before_up: u32,
    targets: BTreeMap<TargetKey, Tracked>,
    /// Ports known to be down before the hub restarted, by node and port name, applied when
    /// the target is (re)created.
    restored_down: BTreeMap<(NodeId, String), Timestamp>,
}

/// The host to probe a node on: the report's `host.address`, else the address the report
/// came from (`None` when neither is known).
pub fn probe_host(report: &Report, source: Option<IpAddr>) -> Option<String> {
    let declared = report.host.address.as_deref().map(str::trim);
    match declared.filter(|address| !address.is_empty()) {
        Some(address) => Some(address.trim_matches(['[', ']']).to_string()),
        None => source.map(|ip| ip.to_string()),
    }
}

impl CheckScheduler {
    /// A scheduler with no targets.
    pub fn new(settings: &CheckSettings) -> Self {
        CheckScheduler {
            interval: Duration::from_std(settings.interval.0),
            failures_before_down: settings.failures_before_down.max(1),
            successes_before_up: settings.successes_before_up.max(1),
            targets: BTreeMap::new(),
            restored_down: BTreeMap::new(),
        }
    }

    /// `node_id` now declares `ports` on `host` (from its latest report): new ports are due
    /// at once, ports it no longer declares are dropped, the others keep their state.
    pub fn update_node(
        &mut self,
        node_id: &NodeId,
        host: &str,
        ports: &[DeclaredPort],
        now: Timestamp,
    ) {
        let keys: Vec<TargetKey> = ports
            .iter()
            .map(|port| TargetKey {
                node_id: node_id.clone(),
                name: port.name.clone(),
                port: port.port,
            })
            .collect();
        self.targets
            .retain(|key, _| &key.node_id != node_id || keys.contains(key));
        for (key, port) in keys.into_iter().zip(ports) {
            let restored = self
                .restored_down
                .remove(&(node_id.clone(), port.name.clone()));
            let tracked = self.targets.entry(key).or_insert_with(|| Tracked {
                host: host.to_string(),
                kind: port.kind,
                path: None,
                state: if restored.is_some() {
                    PortState::Down
                } else {
                    PortState::Unknown
                },
                failures: 0,
                successes: 0,
                next_due: now,
                in_flight: false,
                down_since: restored,
            });
            tracked.host = host.to_string();
            tracked.kind = port.kind;
            tracked.path = port.path.clone();
        }
    }

    /// The port `name` of `node_id` was down (since `since`) when the hub last ran: it starts
    /// as down, so its recovery is a `port_up` and a repeated failure is not a new `port_down`.
    pub fn restore_down(&mut self, node_id: &NodeId, name: &str, since: Timestamp) {
        for (key, tracked) in &mut self.targets {
            if &key.node_id == node_id && key.name == name && tracked.state == PortState::Unknown {
                tracked.state = PortState::Down;
                tracked.down_since = Some(since);
            }
        }
        self.restored_down
            .insert((node_id.clone(), name.to_string()), since);
    }

    /// Stops watching `node_id` (removed, blocked, in maintenance).
    pub fn remove_node(&mut self, node_id: &NodeId) {
        self.targets.retain(|key, _| &key.node_id != node_id);
    }

    /// The probes due at `now`; each is then in flight until its result is recorded, and
    /// next due one `interval` later.
    pub fn due(&mut self, now: Timestamp) -> Vec<ProbeRequest> {
        let interval = self.interval;
        self.targets
            .iter_mut()
            .filter(|(_, tracked)| !tracked.in_flight && tracked.next_due <= now)
            .map(|(key, tracked)| {
                tracked.in_flight = true;
                tracked.next_due = now + interval;
                ProbeRequest {
                    key: key.clone(),
                    host: tracked.host.clone(),
                    kind: tracked.kind,
                    path: tracked.path.clone(),
                }
            })
            .collect()
    }

    /// When the next probe is due (`None`: nothing to watch or all in flight).
    pub fn next_due(&self) -> Option<Timestamp> {
        self.targets
            .values()
            .filter(|tracked| !tracked.in_flight)
            .map(|tracked| tracked.next_due)
            .min()
    }

    /// A port's state.
    pub fn state(&self, key: &TargetKey) -> Option<PortState> {
        self.targets.get(key).map(|tracked| tracked.state)
    }

    /// How many ports are watched.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether no port is watched.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The result of the probe of `key`, at `now`. `None` when the target was dropped while
    /// the probe ran.
    pub fn record(
        &mut self,
        key: &TargetKey,
        result: &ProbeResult,
        now: Timestamp,
    ) -> Option<CheckOutcome> {
        let (failures_before_down, successes_before_up) =
            (self.failures_before_down, self.successes_before_up);
        let tracked = self.targets.get_mut(key)?;
        tracked.in_flight = false;
        let sample = LatencySample {
            key: key.clone(),
            time: now,
            up: result.up,
            latency: result.latency,
            error: result.error.clone(),
        };
        let changed_to = if result.up {
            tracked.failures = 0;
            tracked.successes = tracked.successes.saturating_add(1);
            (tracked.state != PortState::Up && tracked.successes >= successes_before_up)
                .then_some(PortState::Up)
        } else {
            tracked.successes = 0;
            tracked.failures = tracked.failures.saturating_add(1);
            (tracked.state != PortState::Down && tracked.failures >= failures_before_down)
                .then_some(PortState::Down)
        };
        let Some(new_state) = changed_to else {
            return Some(CheckOutcome {
                sample,
                event: None,
            });
        };
        let previous = std::mem::replace(&mut tracked.state, new_state);
        let event = match new_state {
            PortState::Down => {
                tracked.down_since = Some(now);
                Some(port_event(key, tracked, result, EventType::PortDown, now))
            }
            _ if previous == PortState::Down => {
                let event = port_event(key, tracked, result, EventType::PortUp, now);
                tracked.down_since = None;
                Some(event)
            }
            _ => None,
        };
        Some(CheckOutcome { sample, event })
    }
}

fn port_event(
    key: &TargetKey,
    tracked: &Tracked,
    result: &ProbeResult,
    event_type: EventType,
    now: Timestamp,
) -> Event {
    let kind = match tracked.kind {
        CheckKind::Tcp => "tcp",
        CheckKind::Http => "http",
    };
    let mut details = Map::new();
    details.insert("port_name".into(), json!(key.name));
    details.insert("port".into(), json!(key.port));
    details.insert("kind".into(), json!(kind));
    details.insert("address".into(), json!(tracked.host));
    if let Some(path) = &tracked.path {
        details.insert("path".into(), json!(path));
    }
    if let Some(status) = result.http_status {
        details.insert("http_status".into(), json!(status));
    }
    let message = if event_type == EventType::PortDown {
        let error = result.error.as_deref().unwrap_or("no answer");
        details.insert("failures".into(), json!(tracked.failures));
        details.insert("error".into(), json!(error));
        format!(
            "port {} ({kind} {}:{}) of {} is down after {} failed checks: {error}",
            key.name, tracked.host, key.port, key.node_id, tracked.failures
        )
    } else {
        let latency_us = result.latency.as_nanos() / 1000;
        details.insert("latency_us".into(), json!(latency_us));
        if let Some(since) = tracked.down_since {
            details.insert("down_since".into(), json!(since.to_rfc3339()));
            details.insert("down_for_s".into(), json!(now.since(since).as_secs()));
        }
        format!(
            "port {} ({kind} {}:{}) of {} answers again ({latency_us} µs)",
            key.name, tracked.host, key.port, key.node_id
        )
    };
    hub_event(&key.node_id, event_type, now, message, details)
}

#[cfg(test)]
#[path = "scheduler_tests.rs"]
mod tests;
