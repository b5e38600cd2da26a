//! The dead-man's switch, pure: from each node's view and `now`, which nodes go
//! ok → stale → down, which recover, and the events the hub raises for each transition.
//!
//! Silence is measured from the node's last report, but never from before the hub started
//! (it may have been down itself, and the nodes spool while it is away), and nothing goes
//! stale or down during the start-up `grace`. A stale or down node recovers when a report
//! arrives ([`report_received`] on ingest; [`sweep`] catches it too). Blocked nodes and
//! nodes in maintenance are skipped. Time is an argument; event ids are derived from the
//! node, type and time, so raising the same transition twice is harmless (the store keeps
//! one).

pub use super::store::NodeState;
use crate::config::ConfigDuration;
use crate::fleet::{Event, EventType, NodeId, RecordId, WIRE_VERSION};
use crate::time::{Duration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The `deadman:` section of `hub.yaml`.
///
/// ```yaml
/// deadman:
///   stale_after: 2        # multiples of the node's declared report interval
///   down_after: 4
///   grace: 5m             # after the hub starts, nobody goes stale or down
///   sweep_interval: 60s
///   default_report_interval: 15m  # for nodes that never reported
///   backup_max_age: 48h   # backup_missed when a node's newest backup is older (0s: off)
///   overrides:            # per-node thresholds
///     gm-1: { stale_after: 3, down_after: 6 }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeadmanSettings {
    /// A node is stale after this many report intervals of silence (default 2).
    pub stale_after: u32,
    /// ... and down after this many (default 4; more than `stale_after`).
    pub down_after: u32,
    /// No node goes stale or down until this long after the hub started (default 5 min).
    pub grace: ConfigDuration,
    /// How often the hub sweeps (default 60 s).
    pub sweep_interval: ConfigDuration,
    /// The interval assumed for a node that has never reported (default 15 min, the node
    /// side's default).
    pub default_report_interval: ConfigDuration,
    /// A node whose newest backup is older than this gets a `backup_missed` event (default
    /// 48 h: nodes push one daily and on every change; `0s` turns the check off).
    pub backup_max_age: ConfigDuration,
    /// Thresholds for particular nodes, by node id.
    pub overrides: std::collections::BTreeMap<String, Multiples>,
}

impl Default for DeadmanSettings {
    fn default() -> Self {
        DeadmanSettings {
            stale_after: 2,
            down_after: 4,
            grace: ConfigDuration(std::time::Duration::from_secs(300)),
            sweep_interval: ConfigDuration(std::time::Duration::from_secs(60)),
            default_report_interval: ConfigDuration(std::time::Duration::from_secs(900)),
            backup_max_age: ConfigDuration(std::time::Duration::from_secs(48 * 3600)),
            overrides: std::collections::BTreeMap::new(),
        }
    }
}

/// A `deadman:` value the hub cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("deadman.{key}: {reason}")]
pub struct DeadmanSettingsError {
    /// The key under `deadman:`.
    pub key: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl crate::exit::HasExitStatus for DeadmanSettingsError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Config
    }
}

impl DeadmanSettings {
    /// Checks the values across keys.
    pub fn validate(&self) -> Result<(), DeadmanSettingsError> {
        Multiples {
            stale_after: self.stale_after,
            down_after: self.down_after,
        }
        .validate()?;
        for (node, multiples) in &self.overrides {
            multiples.validate().map_err(|err| DeadmanSettingsError {
                key: "overrides",
                reason: format!("{node}: {}: {}", err.key, err.reason),
            })?;
        }
        for (key, value) in [
            ("sweep_interval", self.sweep_interval),
            ("default_report_interval", self.default_report_interval),
        ] {
            if value.0.is_zero() {
                return Err(DeadmanSettingsError {
                    key,
                    reason: "must be more than 0s".into(),
                });
            }
        }
        Ok(())
    }

    /// The thresholds as [`Multiples`].
    pub fn multiples(&self) -> Multiples {
        Multiples {
            stale_after: self.stale_after,
            down_after: self.down_after,
        }
    }
}

/// Stale and down thresholds as multiples of a report interval (a node's override, or the
/// settings' defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Multiples {
    /// Intervals of silence before stale.
    pub stale_after: u32,
    /// Intervals of silence before down.
    pub down_after: u32,
}

impl Multiples {
    /// Both at least 1, down after stale.
    pub fn validate(&self) -> Result<(), DeadmanSettingsError> {
        if self.stale_after == 0 {
            return Err(DeadmanSettingsError {
                key: "stale_after",
                reason: "must be at least 1".into(),
            });
        }
        if self.down_after <= self.stale_after {
            return Err(DeadmanSettingsError {
                key: "down_after",
                reason: format!(
                    "{} must be more than stale_after ({})",
                    self.down_after, self.stale_after
                ),
            });
        }
        Ok(())
    }
}

/// What the sweep needs to know about one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeView {
    /// The node.
    pub node_id: NodeId,
    /// The report interval it declared in its last report (`None`: never reported).
    pub report_interval: Option<Duration>,
    /// Its own thresholds, if the operator set them.
    pub thresholds: Option<Multiples>,
    /// When its last report arrived, by the hub's clock (`None`: never).
    pub last_report: Option<Timestamp>,
    /// When it was added to the hub (silence of a node that never reported counts from here).
    pub added_at: Timestamp,
    /// Its state as stored.
    pub state: NodeState,
    /// Its key is blocked: skipped.
    pub blocked: bool,
    /// In maintenance: skipped.
    pub maintenance: bool,
}

/// One state change and the event that records it.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The node.
    pub node_id: NodeId,
    /// Its stored state.
    pub from: NodeState,
    /// Its new state, to store.
    pub to: NodeState,
    /// `node_stale`, `node_down` or `node_recovered`, to store and alert on (`None` for a new
    /// node's first report: `new` → `ok` is not news).
    pub event: Option<Event>,
}

/// When the hub started, for the grace period and to count silence from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HubClock {
    /// The hub process's start.
    pub started_at: Timestamp,
    /// The sweep's time.
    pub now: Timestamp,
}

/// One sweep over `nodes`: the transitions to store, in the order given.
#[must_use]
pub fn sweep(settings: &DeadmanSettings, clock: HubClock, nodes: &[NodeView]) -> Vec<Transition> {
    nodes
        .iter()
        .filter_map(|node| sweep_node(settings, clock, node))
        .collect()
}

/// A report from `node` arrived at `now` (the view is from before it): the recovery, if
/// the node was stale or down and is not skipped; a new node's first report makes it `ok`
/// without an event.
#[must_use]
pub fn report_received(node: &NodeView, now: Timestamp) -> Option<Transition> {
    if node.blocked || node.maintenance || node.state == NodeState::Ok {
        return None;
    }
    if node.state == NodeState::New {
        return Some(Transition {
            node_id: node.node_id.clone(),
            from: NodeState::New,
            to: NodeState::Ok,
            event: None,
        });
    }
    let details = details_of(node, None, now);
    let message = format!(
        "node {} reports again (was {})",
        node.node_id,
        node.state.as_str()
    );
    Some(Transition {
        node_id: node.node_id.clone(),
        from: node.state,
        to: NodeState::Ok,
        event: Some(hub_event(
            &node.node_id,
            EventType::NodeRecovered,
            now,
            message,
            details,
        )),
    })
}

/// The stale and down thresholds of `node`, as durations.
pub fn thresholds(settings: &DeadmanSettings, node: &NodeView) -> (Duration, Duration) {
    let interval = node
        .report_interval
        .unwrap_or_else(|| Duration::from_std(settings.default_report_interval.0));
    let multiples = node.thresholds.unwrap_or_else(|| settings.multiples());
    let times = |n: u32| Duration::from_nanos(interval.as_nanos().saturating_mul(i64::from(n)));
    (times(multiples.stale_after), times(multiples.down_after))
}

fn sweep_node(settings: &DeadmanSettings, clock: HubClock, node: &NodeView) -> Option<Transition> {
    if node.blocked || node.maintenance {
        return None;
    }
    let (stale_after, down_after) = thresholds(settings, node);
    let seen = node.last_report.unwrap_or(node.added_at);
    // A report newer than the stale threshold while stale/down: it recovered (the ingest
    // path normally says so first through `report_received`).
    if node.state != NodeState::Ok
        && node.last_report.is_some()
        && clock.now.since(seen) < stale_after
    {
        return report_received(node, clock.now);
    }
    let grace_end = clock.started_at + Duration::from_std(settings.grace.0);
    if clock.now < grace_end {
        return None;
    }
    let silent_for = clock.now.since(seen.max(clock.started_at));
    let target = if silent_for >= down_after {
        NodeState::Down
    } else if silent_for >= stale_after {
        NodeState::Stale
    } else {
        NodeState::Ok
    };
    // Only a report makes a node better; silence only makes it worse (a new node stays new
    // until its first report or its stale threshold).
    if target == NodeState::Ok || target <= node.state {
        return None;
    }
    let event_type = match target {
        NodeState::Down => EventType::NodeDown,
        _ => EventType::NodeStale,
    };
    let last_seen = node
        .last_report
        .map_or_else(|| "never".to_string(), Timestamp::to_rfc3339);
    let message = format!(
        "node {} is {}: no report for {} s (last seen {last_seen}; {} after {} s)",
        node.node_id,
        target.as_str(),
        clock.now.since(seen).as_secs(),
        target.as_str(),
        if target == NodeState::Down {
            down_after.as_secs()
        } else {
            stale_after.as_secs()
        },
    );
    let details = details_of(node, Some((stale_after, down_after)), clock.now);
    Some(Transition {
        node_id: node.node_id.clone(),
        from: node.state,
        to: target,
        event: Some(hub_event(
            &node.node_id,
            event_type,
            clock.now,
            message,
            details,
        )),
    })
}

fn details_of(
    node: &NodeView,
    thresholds: Option<(Duration, Duration)>,
    now: Timestamp,
) -> Map<String, Value> {
    let mut details = Map::new();
    let last_seen = node.last_report.map(Timestamp::to_rfc3339);
    details.insert("last_seen".into(), json!(last_seen));
    details.insert("previous_state".into(), json!(node.state.as_str()));
    if let Some(seen) = node.last_report {
        details.insert("silent_for_s".into(), json!(now.since(seen).as_secs()));
    }
    if let Some(interval) = node.report_interval {
        details.insert("report_interval_s".into(), json!(interval.as_secs()));
    }
    if let Some((stale_after, down_after)) = thresholds {
        details.insert("stale_after_s".into(), json!(stale_after.as_secs()));
        details.insert("down_after_s".into(), json!(down_after.as_secs()));
    }
    details
}

/// An event the hub raises about `node_id`, with the type's default severity and an id
/// derived from node, type and time (so the same transition raised twice is stored once).
pub fn hub_event(
    node_id: &NodeId,
    event_type: EventType,
    time: Timestamp,
    message: String,
    details: Map<String, Value>,
) -> Event {
    Event {
        wire_version: WIRE_VERSION,
        node_id: node_id.clone(),
        event_id: derived_id(&[
            node_id.as_str(),
            event_type.name(),
            &time.as_nanos().to_string(),
            details
                .get("port_name")
                .and_then(Value::as_str)
                .unwrap_or(""),
        ]),
        time,
        event_type,
        severity: event_type.default_severity(),
        message,
        details,
    }
}

/// 32 hex digits of the SHA-256 of `parts` (each length-prefixed, so parts cannot collide by
/// shifting characters between them).
pub(crate) fn derived_id(parts: &[&str]) -> RecordId {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    let hex: String = hasher.finalize()[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    RecordId::new(format!("h{hex}"))
        .expect("`h` and 32 hex digits are a valid record id (8 to 64 of [a-z0-9])")
}

#[cfg(test)]
#[path = "sweep_tests.rs"]
mod tests;
