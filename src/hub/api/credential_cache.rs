//! [`CredentialCache`]: node credentials as the ingest endpoints last read them, so that a
//! node pushing often does not cost a database read per push.
//!
//! Bound: a short TTL, [`CREDENTIALS_TTL`] (1 s). The cache cannot see changes made by
//! another process (`shiwa hub node rotate-key|block|remove` opens the database directly),
//! so an entry is trusted only for 1 s after it was read: a rotated key, a blocked or a
//! removed node is refused at the latest 1 s after the change is committed. Only accepting
//! goes through the cache — a presented key that does not match the cached entry, or a
//! blocked entry, is checked against the database before the push is refused — so a new
//! key or an unblock works at once. Only nodes that exist are cached, at most
//! [`MAX_ENTRIES`] (then the cache starts over), so unknown node ids cannot grow it. Ages
//! are measured with the hub state's clock; an entry from the future (the clock stepped
//! back) counts as stale.

use crate::fleet::NodeId;
use crate::hub::store::NodeCredentials;
use crate::time::{Duration, Timestamp};
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a read of a node's credentials is trusted.
pub const CREDENTIALS_TTL: Duration = Duration::from_secs(1);
/// Most nodes cached at once.
pub const MAX_ENTRIES: usize = 100_000;

/// Credentials by node, each with the time it was read.
#[derive(Debug, Default)]
pub struct CredentialCache {
    entries: Mutex<HashMap<NodeId, (Timestamp, NodeCredentials)>>,
}

impl CredentialCache {
    /// The node's credentials, if read less than [`CREDENTIALS_TTL`] before `now`.
    pub fn get(&self, node: &NodeId, now: Timestamp) -> Option<NodeCredentials> {
        let entries = self.entries.lock().ok()?;
        let (read_at, credentials) = entries.get(node)?;
        let age = now.since(*read_at);
        (age >= Duration::ZERO && age < CREDENTIALS_TTL).then(|| credentials.clone())
    }

    /// Drops what is cached for `node` (a change made by this process: the next push reads
    /// the store).
    pub fn forget(&self, node: &NodeId) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(node);
        }
    }

    /// Remembers `credentials` of `node`, read at `now`.
    pub fn insert(&self, node: &NodeId, credentials: NodeCredentials, now: Timestamp) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(node) {
            entries.clear();
        }
        entries.insert(node.clone(), (now, credentials));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials(byte: u8) -> NodeCredentials {
        NodeCredentials {
            api_key_sha256: [byte; 32],
            retrieval_hash: String::new(),
            blocked: false,
        }
    }

    fn id(name: &str) -> NodeId {
        NodeId::new(name).expect("valid id")
    }

    #[test]
    fn an_entry_is_trusted_for_less_than_the_ttl_only() {
        let cache = CredentialCache::default();
        let read = Timestamp::from_secs_nanos(1_800_000_000, 0);
        assert!(cache.get(&id("n1"), read).is_none(), "empty");
        cache.insert(&id("n1"), credentials(1), read);
        let just_before = read + CREDENTIALS_TTL - Duration::from_nanos(1);
        assert_eq!(
            cache.get(&id("n1"), just_before).map(|c| c.api_key_sha256),
            Some([1; 32])
        );
        assert!(
            cache.get(&id("n1"), read + CREDENTIALS_TTL).is_none(),
            "expired"
        );
        assert!(
            cache
                .get(&id("n1"), read - Duration::from_millis(1))
                .is_none(),
            "clock stepped back"
        );
        assert!(cache.get(&id("n2"), read).is_none(), "other node");
        cache.insert(&id("n1"), credentials(2), read + CREDENTIALS_TTL);
        assert_eq!(
            cache
                .get(&id("n1"), read + CREDENTIALS_TTL)
                .map(|c| c.api_key_sha256),
            Some([2; 32]),
            "a fresh read replaces the entry"
        );
    }

    #[test]
    fn a_forgotten_node_is_read_again() {
        let cache = CredentialCache::default();
        let now = Timestamp::from_secs_nanos(1_800_000_000, 0);
        cache.insert(&id("n1"), credentials(1), now);
        cache.insert(&id("n2"), credentials(2), now);
        cache.forget(&id("n1"));
        assert!(cache.get(&id("n1"), now).is_none());
        assert!(cache.get(&id("n2"), now).is_some(), "others stay");
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = CredentialCache::default();
        let now = Timestamp::from_secs_nanos(1_800_000_000, 0);
        for n in 0..MAX_ENTRIES {
            cache.insert(&id(&format!("n{n}")), credentials(1), now);
        }
        assert!(cache.get(&id("n0"), now).is_some());
        cache.insert(&id("one-more"), credentials(1), now);
        assert!(cache.get(&id("n0"), now).is_none(), "started over");
        assert!(cache.get(&id("one-more"), now).is_some());
        assert_eq!(cache.entries.lock().expect("lock").len(), 1);
    }
}
