//! What a batch's answer means for the spool, pure: which records leave it (acked or
//! duplicate), which go to the dead-letter file and why, which stay for the next attempt, and
//! whether the batch must be split in halves first.

use super::bulk::{BatchVerdict, ItemVerdict};

/// The spool's decision for one batch of records, identified by `K` (the spool's row ids).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement<K> {
    /// Stored now: remove from the spool.
    pub acked: Vec<K>,
    /// Stored before (409): remove from the spool.
    pub duplicates: Vec<K>,
    /// Refused for good: move to the dead-letter file with (status, reason).
    pub dead: Vec<(K, u16, String)>,
    /// Keep and send again after the backoff.
    pub retry: Vec<K>,
    /// Send these two halves as their own batches, now.
    pub split: Option<(Vec<K>, Vec<K>)>,
    /// Why the batch (or some of it) failed, for logs and `last_error`.
    pub error: Option<String>,
}

impl<K> Settlement<K> {
    fn empty() -> Self {
        Settlement {
            acked: Vec::new(),
            duplicates: Vec::new(),
            dead: Vec::new(),
            retry: Vec::new(),
            split: None,
            error: None,
        }
    }

    /// Whether anything must be retried after a backoff.
    pub fn needs_backoff(&self) -> bool {
        !self.retry.is_empty()
    }
}

/// Settles the batch `keys` (in the order sent) by `verdict`.
pub fn settle<K: Clone>(keys: &[K], verdict: BatchVerdict) -> Settlement<K> {
    let mut settlement = Settlement::empty();
    match verdict {
        BatchVerdict::RetryAll { status, reason } => {
            settlement.retry = keys.to_vec();
            settlement.error = Some(format!("HTTP {status}: {reason}"));
        }
        BatchVerdict::Split { status, reason } if keys.len() == 1 => {
            let why = if status == 413 {
                format!("larger than the server accepts ({reason})")
            } else {
                reason
            };
            settlement.error = Some(format!("HTTP {status}: {why}"));
            settlement.dead = vec![(keys[0].clone(), status, why)];
        }
        BatchVerdict::Split { status, reason } => {
            let (first, second) = keys.split_at(keys.len() / 2);
            settlement.split = Some((first.to_vec(), second.to_vec()));
            settlement.error = Some(format!("HTTP {status}: {reason}; splitting the batch"));
        }
        BatchVerdict::Items(items) => {
            for (key, item) in keys.iter().zip(items) {
                match item {
                    ItemVerdict::Acked => settlement.acked.push(key.clone()),
                    ItemVerdict::Duplicate => settlement.duplicates.push(key.clone()),
                    ItemVerdict::Retry { status } => {
                        settlement.retry.push(key.clone());
                        settlement.error = Some(format!("item status {status}: retrying"));
                    }
                    ItemVerdict::DeadLetter { status, reason } => {
                        settlement.error = Some(format!("item status {status}: {reason}"));
                        settlement.dead.push((key.clone(), status, reason));
                    }
                }
            }
        }
    }
    settlement
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_items_are_settled_one_by_one() {
        let verdict = BatchVerdict::Items(vec![
            ItemVerdict::Acked,
            ItemVerdict::Duplicate,
            ItemVerdict::Retry { status: 429 },
            ItemVerdict::DeadLetter {
                status: 400,
                reason: "mapper_parsing_exception: bad".into(),
            },
            ItemVerdict::Acked,
        ]);
        let settled = settle(&[1, 2, 3, 4, 5], verdict);
        assert_eq!(settled.acked, [1, 5]);
        assert_eq!(settled.duplicates, [2]);
        assert_eq!(settled.retry, [3], "only the failed item is retried");
        assert_eq!(
            settled.dead,
            [(4, 400, "mapper_parsing_exception: bad".to_string())]
        );
        assert!(settled.needs_backoff());
        assert_eq!(settled.split, None);
    }

    #[test]
    fn a_refused_batch_is_split_down_to_the_one_bad_record() {
        let split = BatchVerdict::Split {
            status: 413,
            reason: "HTTP 413".into(),
        };
        let settled = settle(&[1, 2, 3, 4, 5], split.clone());
        assert_eq!(settled.split, Some((vec![1, 2], vec![3, 4, 5])));
        assert!(settled.dead.is_empty() && settled.retry.is_empty());
        let single = settle(&[9], split);
        assert_eq!(single.dead.len(), 1);
        assert_eq!(single.dead[0].0, 9);
        assert!(single.dead[0].2.contains("larger than the server accepts"));
    }

    #[test]
    fn a_failed_request_keeps_everything_for_the_retry() {
        let settled = settle(
            &["a", "b"],
            BatchVerdict::RetryAll {
                status: 503,
                reason: "unavailable".into(),
            },
        );
        assert_eq!(settled.retry, ["a", "b"]);
        assert!(settled.acked.is_empty() && settled.dead.is_empty());
        assert_eq!(settled.error.as_deref(), Some("HTTP 503: unavailable"));
    }
}
