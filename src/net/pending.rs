//! TX timestamp reports read from the error queue before anyone asked for them.
//!
//! Reading the error queue for one datagram may yield reports for others (sent earlier, or
//! asked for by another task); they wait here until their token is presented. Reports for
//! tokens that were dropped unasked are never claimed, so the store is bounded and forgets the
//! oldest first.

use super::control::TxReport;
use std::collections::VecDeque;

/// How many unclaimed reports are kept. A driver claims each timestamp within one exchange,
/// so more than a handful waiting means they were abandoned.
pub(super) const CAPACITY: usize = 64;

/// Unclaimed TX timestamp reports, oldest first.
#[derive(Debug, Default)]
pub(super) struct PendingTxReports {
    reports: VecDeque<TxReport>,
}

impl PendingTxReports {
    /// Keeps `report` until claimed, forgetting the oldest report when full. A report with the
    /// same id (left over from before the 32-bit counter wrapped) is replaced.
    pub(super) fn insert(&mut self, report: TxReport) {
        self.reports.retain(|kept| kept.id != report.id);
        if self.reports.len() >= CAPACITY {
            self.reports.pop_front();
        }
        self.reports.push_back(report);
    }

    /// Removes and returns the report for datagram `id`, if it has arrived.
    pub(super) fn take(&mut self, id: u32) -> Option<TxReport> {
        let position = self.reports.iter().position(|report| report.id == id)?;
        self.reports.remove(position)
    }

    /// How many reports are waiting.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.reports.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn report(id: u32) -> TxReport {
        TxReport {
            id,
            timestamp: Some(Timestamp::from_nanos(1_000 + i64::from(id))),
        }
    }

    #[test]
    fn reports_are_claimed_in_any_order_exactly_once() {
        let mut pending = PendingTxReports::default();
        for id in 0..5 {
            pending.insert(report(id));
        }
        for id in [3, 0, 4, 1, 2] {
            assert_eq!(pending.take(id), Some(report(id)));
        }
        assert_eq!(pending.take(3), None);
        assert_eq!(pending.len(), 0);
    }

    #[test]
    fn unknown_id_is_not_found() {
        let mut pending = PendingTxReports::default();
        pending.insert(report(1));
        assert_eq!(pending.take(2), None);
        assert_eq!(pending.len(), 1);
    }

    #[test]
    fn full_store_forgets_the_oldest_report() {
        let mut pending = PendingTxReports::default();
        let count = u32::try_from(CAPACITY).unwrap_or(u32::MAX) + 3;
        for id in 0..count {
            pending.insert(report(id));
        }
        assert_eq!(pending.len(), CAPACITY);
        assert_eq!(pending.take(0), None);
        assert_eq!(pending.take(2), None);
        assert_eq!(pending.take(3), Some(report(3)));
        assert_eq!(pending.take(count - 1), Some(report(count - 1)));
    }

    #[test]
    fn a_newer_report_with_the_same_id_replaces_the_old_one() {
        let mut pending = PendingTxReports::default();
        pending.insert(report(9));
        let newer = TxReport {
            id: 9,
            timestamp: None,
        };
        pending.insert(newer);
        assert_eq!(pending.len(), 1);
        assert_eq!(pending.take(9), Some(newer));
    }
}
