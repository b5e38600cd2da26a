//! `backup_missed`, pure: which nodes have gone without a backup for longer than
//! `deadman.backup_max_age`.
//!
//! Nodes push a backup daily and whenever their config or PKI changes, so a newest backup
//! older than the limit means the node's backups stopped (or the node did). Age counts from
//! the hub's receipt of the newest backup, or from when the node was added if it never sent
//! one, but never from before the hub started (nodes spool while it is away) plus the
//! dead-man's grace. Blocked nodes and nodes in maintenance are skipped.
//!
//! The event's time is the moment the backup became overdue, so its id (derived from node,
//! type and time by [`hub_event`]) is the same on every sweep until a new backup arrives:
//! the store keeps one, and only a newly stored event is alerted on.

use super::sweep::{HubClock, hub_event};
use crate::fleet::{Event, EventType, NodeId};
use crate::time::{Duration, Timestamp};
use serde_json::{Map, json};

/// What the check needs to know about one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupView {
    /// The node.
    pub node_id: NodeId,
    /// When it was added to the hub.
    pub added_at: Timestamp,
    /// When the hub received its newest backup (`None`: never).
    pub newest_backup: Option<Timestamp>,
    /// Its key is blocked: skipped.
    pub blocked: bool,
    /// In maintenance: skipped.
    pub maintenance: bool,
}

/// The `backup_missed` events due at `clock.now` (`max_age` zero: none).
#[must_use]
pub fn backups_missed(
    max_age: Duration,
    grace: Duration,
    clock: HubClock,
    nodes: &[BackupView],
) -> Vec<Event> {
    if max_age <= Duration::ZERO {
        return Vec::new();
    }
    nodes
        .iter()
        .filter(|node| !node.blocked && !node.maintenance)
        .filter_map(|node| {
            let since = node.newest_backup.unwrap_or(node.added_at);
            let counted_from = since.max(clock.started_at + grace);
            let overdue_at = counted_from + max_age;
            (clock.now >= overdue_at).then(|| missed_event(node, max_age, overdue_at))
        })
        .collect()
}

fn missed_event(node: &BackupView, max_age: Duration, overdue_at: Timestamp) -> Event {
    let newest = node.newest_backup.map(Timestamp::to_rfc3339);
    let message = match &newest {
        Some(newest) => format!(
            "node {}: no backup for more than {} h (newest received {newest})",
            node.node_id,
            max_age.as_secs() / 3600
        ),
        None => format!(
            "node {}: no backup received in the {} h since it was added",
            node.node_id,
            max_age.as_secs() / 3600
        ),
    };
    let mut details = Map::new();
    details.insert("newest_backup".into(), json!(newest));
    details.insert("backup_max_age_s".into(), json!(max_age.as_secs()));
    hub_event(
        &node.node_id,
        EventType::BackupMissed,
        overdue_at,
        message,
        details,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3600;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_nanos(secs * 1_000_000_000)
    }

    fn view(name: &str, added: i64, newest: Option<i64>) -> BackupView {
        BackupView {
            node_id: NodeId::new(name.to_string()).expect("node id"),
            added_at: at(added),
            newest_backup: newest.map(at),
            blocked: false,
            maintenance: false,
        }
    }

    fn run(now: i64, nodes: &[BackupView]) -> Vec<Event> {
        let clock = HubClock {
            started_at: at(0),
            now: at(now),
        };
        backups_missed(
            Duration::from_secs(48 * HOUR),
            Duration::from_secs(300),
            clock,
            nodes,
        )
    }

    #[test]
    fn an_old_backup_is_missed_and_a_fresh_one_is_not() {
        let nodes = [
            view("fresh", 0, Some(90 * HOUR)),
            view("old", 0, Some(50 * HOUR)),
        ];
        let events = run(100 * HOUR, &nodes);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].node_id.as_str(), "old");
        assert_eq!(events[0].event_type, EventType::BackupMissed);
        assert_eq!(events[0].time, at(98 * HOUR), "overdue 48 h after 50 h");
        assert!(events[0].message.contains("newest received"), "{events:?}");
    }

    #[test]
    fn the_same_overdue_backup_gives_the_same_event_id_on_every_sweep() {
        let nodes = [view("old", 0, Some(50 * HOUR))];
        let first = run(99 * HOUR, &nodes);
        let later = run(120 * HOUR, &nodes);
        assert_eq!(first[0].event_id, later[0].event_id);
        let newer = run(200 * HOUR, &[view("old", 0, Some(140 * HOUR))]);
        assert_ne!(
            first[0].event_id, newer[0].event_id,
            "a new backup, a new miss"
        );
    }

    #[test]
    fn age_never_counts_from_before_the_hub_started_plus_grace() {
        // Newest backup long before the hub started: overdue 48 h after start + grace.
        let nodes = [view("n", -1000 * HOUR, Some(-900 * HOUR))];
        assert!(run(48 * HOUR, &nodes).is_empty());
        let events = run(48 * HOUR + 300, &nodes);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].time, at(48 * HOUR + 300));
    }

    #[test]
    fn a_node_that_never_sent_a_backup_counts_from_when_it_was_added() {
        let nodes = [view("never", 10 * HOUR, None)];
        assert!(run(57 * HOUR, &nodes).is_empty());
        let events = run(58 * HOUR, &nodes);
        assert!(
            events[0].message.contains("since it was added"),
            "{events:?}"
        );
    }

    #[test]
    fn blocked_and_maintenance_nodes_and_a_zero_limit_are_skipped() {
        let mut blocked = view("b", 0, Some(0));
        blocked.blocked = true;
        let mut resting = view("m", 0, Some(0));
        resting.maintenance = true;
        assert!(run(500 * HOUR, &[blocked, resting]).is_empty());
        let clock = HubClock {
            started_at: at(0),
            now: at(500 * HOUR),
        };
        let off = backups_missed(Duration::ZERO, Duration::ZERO, clock, &[view("n", 0, None)]);
        assert!(off.is_empty());
    }
}
