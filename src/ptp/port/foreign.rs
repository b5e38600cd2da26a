//! The foreign master table (IEEE 1588-2008 §9.3.2.4–§9.3.2.5): the latest Announce of
//! each port heard, and whether it is qualified — at least
//! [`FOREIGN_MASTER_THRESHOLD`] Announces within [`FOREIGN_MASTER_TIME_WINDOW`] announce
//! intervals. Erbest is the best qualified record by the data set comparison.

use crate::ptp::{
    AnnounceBody, ForeignMasterDataset, PortIdentity, PtpHeader, best_foreign_master,
};
use crate::time::{Duration, Timestamp};
use std::collections::VecDeque;

/// Announces within the window that qualify a foreign master (§9.3.2.4.6).
pub const FOREIGN_MASTER_THRESHOLD: usize = 2;
/// The qualification window in announce intervals (§9.3.2.4.6).
pub const FOREIGN_MASTER_TIME_WINDOW: i64 = 4;
/// Records kept at most; when full, the one heard from longest ago is dropped.
pub const MAX_FOREIGN_MASTERS: usize = 32;

/// One foreign master port: its latest Announce and when Announces arrived.
#[derive(Debug, Clone)]
pub(crate) struct ForeignRecord<A> {
    /// Where its messages come from.
    pub address: A,
    /// The latest Announce's header (flags, logMessageInterval, sender).
    pub header: PtpHeader,
    /// The latest Announce's body.
    pub announce: AnnounceBody,
    /// Receipt times within the window, oldest first.
    arrivals: VecDeque<Timestamp>,
}

impl<A> ForeignRecord<A> {
    /// The sending port.
    pub fn sender(&self) -> PortIdentity {
        self.header.source_port_identity
    }

    /// The comparison data set of this record as received on `receiver`.
    pub fn dataset(&self, receiver: PortIdentity) -> ForeignMasterDataset {
        ForeignMasterDataset::from_announce(&self.header, &self.announce, receiver)
    }
}

/// The table of one port.
#[derive(Debug, Clone)]
pub(crate) struct ForeignMasters<A> {
    records: Vec<ForeignRecord<A>>,
    receiver: PortIdentity,
    log_announce_interval: i8,
}

impl<A: Copy> ForeignMasters<A> {
    /// An empty table for port `receiver` whose own announce interval is
    /// `log_announce_interval`.
    pub fn new(receiver: PortIdentity, log_announce_interval: i8) -> Self {
        ForeignMasters {
            records: Vec::new(),
            receiver,
            log_announce_interval,
        }
    }

    /// The qualification window of a sender announcing at `log_interval`: four of the
    /// longer of its interval and this port's, so a master announcing slower than this
    /// port is configured for still qualifies.
    fn window(&self, log_interval: i8) -> Duration {
        let log = log_interval
            .clamp(
                super::config::MIN_LOG_INTERVAL,
                super::config::MAX_LOG_INTERVAL,
            )
            .max(self.log_announce_interval);
        Duration::from_log2_secs(log) * FOREIGN_MASTER_TIME_WINDOW
    }

    /// Records an Announce received at `now` from `address`.
    pub fn record(
        &mut self,
        header: PtpHeader,
        announce: AnnounceBody,
        address: A,
        now: Timestamp,
    ) {
        let sender = header.source_port_identity;
        let window = self.window(header.log_message_interval);
        let index = match self.records.iter().position(|r| r.sender() == sender) {
            Some(index) => index,
            None => {
                if self.records.len() >= MAX_FOREIGN_MASTERS {
                    self.drop_stalest();
                }
                self.records.push(ForeignRecord {
                    address,
                    header,
                    announce,
                    arrivals: VecDeque::new(),
                });
                self.records.len() - 1
            }
        };
        let record = &mut self.records[index];
        record.address = address;
        record.header = header;
        record.announce = announce;
        record.arrivals.push_back(now);
        while record
            .arrivals
            .front()
            .is_some_and(|first| now - *first > window)
        {
            record.arrivals.pop_front();
        }
    }

    fn drop_stalest(&mut self) {
        let stalest = self
            .records
            .iter()
            .enumerate()
            .min_by_key(|(_, record)| record.arrivals.back().copied())
            .map(|(index, _)| index);
        if let Some(index) = stalest {
            self.records.swap_remove(index);
        }
    }

    /// True when `record` has enough Announces within the window ending at `now`.
    fn is_qualified(&self, record: &ForeignRecord<A>, now: Timestamp) -> bool {
        let window = self.window(record.header.log_message_interval);
        let recent = record
            .arrivals
            .iter()
            .filter(|arrival| now - **arrival <= window)
            .count();
        recent >= FOREIGN_MASTER_THRESHOLD
    }

    /// Erbest at `now`: the best qualified record and its data set.
    pub fn best(&self, now: Timestamp) -> Option<(&ForeignRecord<A>, ForeignMasterDataset)> {
        let qualified: Vec<ForeignMasterDataset> = self
            .records
            .iter()
            .filter(|record| self.is_qualified(record, now))
            .map(|record| record.dataset(self.receiver))
            .collect();
        let best = *best_foreign_master(&qualified)?;
        let record = self.get(best.sender)?;
        Some((record, best))
    }

    /// The record of `sender`.
    pub fn get(&self, sender: PortIdentity) -> Option<&ForeignRecord<A>> {
        self.records.iter().find(|record| record.sender() == sender)
    }

    /// Forgets `sender` (its Announces stopped).
    pub fn remove(&mut self, sender: PortIdentity) {
        self.records.retain(|record| record.sender() != sender);
    }

    /// Forgets records with no Announce within their window before `now`.
    pub fn prune(&mut self, now: Timestamp) {
        let windows: Vec<Duration> = self
            .records
            .iter()
            .map(|record| self.window(record.header.log_message_interval))
            .collect();
        let mut windows = windows.into_iter();
        self.records.retain(|record| {
            let window = windows.next().unwrap_or(Duration::ZERO);
            record
                .arrivals
                .back()
                .is_some_and(|last| now - *last <= window)
        });
    }

    /// Records held.
    pub fn len(&self) -> usize {
        self.records.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ptp::{ClockIdentity, ClockQuality, MessageType, TimeSource};

    fn announce_from(clock: u8, priority1: u8) -> (PtpHeader, AnnounceBody) {
        let sender = PortIdentity::new(ClockIdentity([clock; 8]), 1);
        let mut header = PtpHeader::new(MessageType::Announce, sender, 0);
        header.log_message_interval = 0;
        let body = AnnounceBody {
            origin_timestamp: Default::default(),
            current_utc_offset: 37,
            grandmaster_priority1: priority1,
            grandmaster_clock_quality: ClockQuality::default(),
            grandmaster_priority2: 128,
            grandmaster_identity: ClockIdentity([clock; 8]),
            steps_removed: 0,
            time_source: TimeSource::GPS,
        };
        (header, body)
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_secs_nanos(1_000 + secs, 0)
    }

    #[test]
    fn two_announces_within_four_intervals_qualify() {
        let receiver = PortIdentity::new(ClockIdentity([9; 8]), 1);
        let mut table = ForeignMasters::new(receiver, 0);
        let (header, body) = announce_from(1, 100);
        table.record(header, body, 1u8, at(0));
        assert!(table.best(at(0)).is_none(), "one Announce does not qualify");
        table.record(header, body, 1u8, at(1));
        assert!(table.best(at(1)).is_some());
        assert!(table.best(at(4)).is_some(), "both within the 4 s window");
        assert!(table.best(at(5)).is_none(), "the first fell out of it");
        table.prune(at(6));
        assert_eq!(table.len(), 0);
    }

    #[test]
    fn erbest_is_the_better_priority() {
        let receiver = PortIdentity::new(ClockIdentity([9; 8]), 1);
        let mut table = ForeignMasters::new(receiver, 0);
        for secs in 0..2 {
            let (header, body) = announce_from(1, 200);
            table.record(header, body, 1u8, at(secs));
            let (header, body) = announce_from(2, 100);
            table.record(header, body, 2u8, at(secs));
        }
        let (record, dataset) = table.best(at(2)).expect("two qualified masters");
        assert_eq!(record.address, 2);
        assert_eq!(dataset.grandmaster_priority1, 100);
        table.remove(record.sender());
        assert_eq!(table.best(at(2)).map(|(record, _)| record.address), Some(1));
    }
}
