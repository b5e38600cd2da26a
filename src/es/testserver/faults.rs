//! Fault injection, settable while the server runs: whole-request failures for the next N
//! `_bulk` requests, per-item failures chosen by a predicate (for the first N attempts of each
//! matching document, or for ever), a largest accepted body, and a delay before each answer.

use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

/// A whole `_bulk` request refused before any document is looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFault {
    /// The status (429, 500, 503, ...).
    pub status: u16,
    /// A `Retry-After` header value (seconds or an HTTP date).
    pub retry_after: Option<String>,
}

impl RequestFault {
    /// 429 `es_rejected_execution_exception`, with `Retry-After` when given.
    pub fn too_many_requests(retry_after: Option<&str>) -> Self {
        RequestFault {
            status: 429,
            retry_after: retry_after.map(str::to_string),
        }
    }

    /// 503 `unavailable_shards_exception`-style: the cluster cannot take writes.
    pub fn unavailable() -> Self {
        RequestFault {
            status: 503,
            retry_after: None,
        }
    }

    /// 500: an internal error.
    pub fn internal_error() -> Self {
        RequestFault {
            status: 500,
            retry_after: None,
        }
    }
}

/// What a per-item predicate sees.
#[derive(Debug, Clone, Copy)]
pub struct ItemView<'a> {
    /// The index the item is written to.
    pub index: &'a str,
    /// Its `_id`.
    pub id: &'a str,
    /// Its source, as sent (a JSON object).
    pub source: &'a RawValue,
}

type Matcher = Arc<dyn Fn(&ItemView<'_>) -> bool + Send + Sync>;

/// One per-item failure rule.
#[derive(Clone)]
pub struct ItemFault {
    status: u16,
    error_type: String,
    reason: String,
    attempts: Option<u32>,
    matcher: Matcher,
}

impl std::fmt::Debug for ItemFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemFault")
            .field("status", &self.status)
            .field("error_type", &self.error_type)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl ItemFault {
    /// Items for which `matcher` holds are answered `status` with `error_type: reason`, every
    /// time (see [`ItemFault::first_attempts`]).
    pub fn new(
        status: u16,
        error_type: &str,
        reason: &str,
        matcher: impl Fn(&ItemView<'_>) -> bool + Send + Sync + 'static,
    ) -> Self {
        ItemFault {
            status,
            error_type: error_type.to_string(),
            reason: reason.to_string(),
            attempts: None,
            matcher: Arc::new(matcher),
        }
    }

    /// 429 `es_rejected_execution_exception` for the items `matcher` picks.
    pub fn rejected(matcher: impl Fn(&ItemView<'_>) -> bool + Send + Sync + 'static) -> Self {
        ItemFault::new(
            429,
            "es_rejected_execution_exception",
            "rejected execution of coordinating operation",
            matcher,
        )
    }

    /// 400 `document_parsing_exception` (Elasticsearch 8's mapping error) for documents whose
    /// source has the top-level field `field`.
    pub fn mapping_error_on_field(field: &str) -> Self {
        let name = field.to_string();
        ItemFault::new(
            400,
            "document_parsing_exception",
            &format!("[1:2] failed to parse field [{field}] of type [long] in document"),
            move |item| {
                serde_json::from_str::<Map<String, Value>>(item.source.get())
                    .is_ok_and(|fields| fields.contains_key(&name))
            },
        )
    }

    /// Fails only the first `attempts` tries of each matching document, then lets it through.
    pub fn first_attempts(mut self, attempts: u32) -> Self {
        self.attempts = Some(attempts);
        self
    }
}

/// The item failure to answer, when a rule applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ItemFailure {
    pub status: u16,
    pub error_type: String,
    pub reason: String,
}

/// Attempts seen per (index, id), for rules limited to the first attempts.
type AttemptsSeen = HashMap<(String, String), u32>;

#[derive(Debug, Default)]
struct FaultState {
    requests: VecDeque<RequestFault>,
    items: Vec<(ItemFault, AttemptsSeen)>,
    max_body: Option<usize>,
    delay: std::time::Duration,
}

/// The server's fault settings; clones share them.
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Mutex<FaultState>>);

impl Faults {
    fn state(&self) -> MutexGuard<'_, FaultState> {
        // A panic while the lock was held leaves plain data; keep using it.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next `count` `_bulk` requests fail with `fault` (queued after earlier ones).
    pub fn fail_next_requests(&self, count: usize, fault: RequestFault) {
        let mut state = self.state();
        state.requests.extend(std::iter::repeat_n(fault, count));
    }

    /// Adds a per-item rule (rules are checked in the order added).
    pub fn fail_items(&self, fault: ItemFault) {
        self.state().items.push((fault, HashMap::new()));
    }

    /// Bodies larger than `bytes` (as sent, and after decompression) are answered 413.
    pub fn set_max_body(&self, bytes: Option<usize>) {
        self.state().max_body = bytes;
    }

    /// Every answer waits `delay` first.
    pub fn set_delay(&self, delay: std::time::Duration) {
        self.state().delay = delay;
    }

    /// Removes every fault.
    pub fn clear(&self) {
        *self.state() = FaultState::default();
    }

    pub(super) fn next_request_fault(&self) -> Option<RequestFault> {
        self.state().requests.pop_front()
    }

    pub(super) fn max_body(&self) -> Option<usize> {
        self.state().max_body
    }

    pub(super) fn delay(&self) -> std::time::Duration {
        self.state().delay
    }

    /// The failure for one item, counting the attempt against the rule that applies.
    pub(super) fn item_failure(&self, item: &ItemView<'_>) -> Option<ItemFailure> {
        let mut state = self.state();
        for (rule, tries) in &mut state.items {
            if !(rule.matcher)(item) {
                continue;
            }
            if let Some(limit) = rule.attempts {
                let seen = tries
                    .entry((item.index.to_string(), item.id.to_string()))
                    .or_insert(0);
                if *seen >= limit {
                    continue;
                }
                *seen += 1;
            }
            return Some(ItemFailure {
                status: rule.status,
                error_type: rule.error_type.clone(),
                reason: rule.reason.clone(),
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn item_rules_count_attempts_per_document() {
        let faults = Faults::default();
        faults.fail_items(ItemFault::rejected(|item| item.id == "x").first_attempts(2));
        faults.fail_items(ItemFault::mapping_error_on_field("bad"));
        let source = RawValue::from_string(json!({"ok": 1}).to_string()).expect("json");
        let x = ItemView {
            index: "i",
            id: "x",
            source: &source,
        };
        let y = ItemView {
            index: "i",
            id: "y",
            source: &source,
        };
        assert_eq!(faults.item_failure(&x).map(|f| f.status), Some(429));
        assert_eq!(faults.item_failure(&y), None);
        assert_eq!(faults.item_failure(&x).map(|f| f.status), Some(429));
        assert_eq!(
            faults.item_failure(&x),
            None,
            "the third attempt goes through"
        );
        let bad = RawValue::from_string(json!({"bad": "text"}).to_string()).expect("json");
        let z = ItemView {
            index: "i",
            id: "z",
            source: &bad,
        };
        for _ in 0..3 {
            assert_eq!(faults.item_failure(&z).map(|f| f.status), Some(400));
        }
        faults.fail_next_requests(2, RequestFault::unavailable());
        assert_eq!(faults.next_request_fault().map(|f| f.status), Some(503));
        faults.clear();
        assert_eq!(faults.next_request_fault(), None);
        assert_eq!(faults.item_failure(&z), None);
    }
}
