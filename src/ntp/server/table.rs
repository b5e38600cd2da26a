//! Per-client memory of the server: rate-limit credit and the transmit timestamp saved for
//! the next interleaved response. Bounded; the least recently seen clients are evicted.

use crate::ntp::timestamp::NtpTimestamp;
use crate::time::{Duration, Timestamp};
use std::collections::HashMap;
use std::net::IpAddr;

/// Per-client rate limiting, as chrony's `ratelimit` directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Minimum average interval between answered requests (chrony `interval 1` = 2 s).
    pub interval: Duration,
    /// Requests answered in a burst above that rate (chrony `burst 8`).
    pub burst: u32,
    /// One limited request in 2^`leak` gets a kiss-o'-death RATE; the others are dropped
    /// (chrony `leak 2`: one in four).
    pub leak: u8,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            interval: Duration::from_secs(2),
            burst: 8,
            leak: 2,
        }
    }
}

/// What the rate limiter decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    /// Within the limit: answer.
    Pass,
    /// Over the limit: drop silently.
    Drop,
    /// Over the limit: answer with a kiss-o'-death RATE.
    Kiss,
}

/// The transmit timestamp of the last response to a client, for the next interleaved one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SavedTransmit {
    /// The receive timestamp that response carried: an interleaved request echoes it as its
    /// origin.
    pub receive: NtpTimestamp,
    /// When the response left: the estimate, replaced by the kernel TX timestamp.
    pub transmit: Timestamp,
    /// True once the kernel TX timestamp replaced the estimate.
    pub precise: bool,
}

#[derive(Debug, Clone, Copy)]
struct ClientRecord {
    last_seen: Timestamp,
    credit: Duration,
    limited_in_a_row: u32,
    saved: Option<SavedTransmit>,
}

/// Clients by IP address (not port: chrony's client opens a new socket for every request).
#[derive(Debug, Clone)]
pub struct ClientTable {
    records: HashMap<IpAddr, ClientRecord>,
    capacity: usize,
}

impl ClientTable {
    /// A table holding at most `capacity` clients (at least 1).
    pub fn new(capacity: usize) -> Self {
        ClientTable {
            records: HashMap::new(),
            capacity: capacity.max(1),
        }
    }

    /// Number of clients remembered.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// True when no client is remembered.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Records a request from `client` at `now`; with `limit`, decides whether to answer.
    pub fn admit(
        &mut self,
        client: IpAddr,
        now: Timestamp,
        limit: Option<&RateLimit>,
    ) -> RateDecision {
        let full_credit = limit.map_or(Duration::ZERO, |l| l.interval * i64::from(l.burst));
        if !self.records.contains_key(&client) {
            self.make_room();
        }
        let record = self.records.entry(client).or_insert(ClientRecord {
            last_seen: now,
            credit: full_credit,
            limited_in_a_row: 0,
            saved: None,
        });
        let elapsed = now.since(record.last_seen).max(Duration::ZERO);
        record.last_seen = now;
        let Some(limit) = limit else {
            return RateDecision::Pass;
        };
        record.credit = (record.credit + elapsed).min(full_credit);
        if record.credit >= limit.interval {
            record.credit -= limit.interval;
            record.limited_in_a_row = 0;
            return RateDecision::Pass;
        }
        record.limited_in_a_row = record.limited_in_a_row.saturating_add(1);
        let period = 1_u32 << limit.leak.min(16);
        if record.limited_in_a_row.is_multiple_of(period) {
            RateDecision::Kiss
        } else {
            RateDecision::Drop
        }
    }

    /// Takes (and forgets) the saved transmit timestamp of `client` if its response carried
    /// `receive`: each one serves a single interleaved response.
    pub fn take_saved(&mut self, client: IpAddr, receive: NtpTimestamp) -> Option<SavedTransmit> {
        let record = self.records.get_mut(&client)?;
        let saved = record.saved.filter(|saved| saved.receive == receive)?;
        record.saved = None;
        Some(saved)
    }

    /// Saves the transmit timestamp of the response just built for `client`.
    pub fn save(&mut self, client: IpAddr, saved: SavedTransmit) {
        if let Some(record) = self.records.get_mut(&client) {
            record.saved = Some(saved);
        }
    }

    /// Replaces the estimate saved for the response that carried `receive` with the kernel
    /// TX timestamp, if it is within `max_delay` of the estimate.
    pub fn update_transmit(
        &mut self,
        client: IpAddr,
        receive: NtpTimestamp,
        transmit: Timestamp,
        max_delay: Duration,
    ) -> bool {
        let Some(saved) = self
            .records
            .get_mut(&client)
            .and_then(|record| record.saved.as_mut())
            .filter(|saved| saved.receive == receive)
        else {
            return false;
        };
        if (transmit - saved.transmit).abs() > max_delay {
            return false;
        }
        saved.transmit = transmit;
        saved.precise = true;
        true
    }

    /// When full, forgets the least recently seen eighth of the clients.
    fn make_room(&mut self) {
        if self.records.len() < self.capacity {
            return;
        }
        let mut seen: Vec<Timestamp> = self.records.values().map(|r| r.last_seen).collect();
        let evict = (self.capacity / 8).max(1).min(seen.len());
        let (_, &mut cutoff, _) = seen.select_nth_unstable(evict - 1);
        let mut removed = 0;
        self.records.retain(|_, record| {
            let old = record.last_seen <= cutoff && removed < evict;
            removed += usize::from(old);
            !old
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_secs_nanos(1_700_000_000, 0) + Duration::from_millis(millis)
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([192, 0, 2, last])
    }

    #[test]
    fn burst_then_one_request_per_interval() {
        let limit = RateLimit::default();
        let mut table = ClientTable::new(16);
        let decisions: Vec<RateDecision> = (0..12)
            .map(|_| table.admit(ip(1), at(0), Some(&limit)))
            .collect();
        assert!(
            decisions[..8].iter().all(|d| *d == RateDecision::Pass),
            "{decisions:?}"
        );
        assert_eq!(
            decisions[8..],
            [
                RateDecision::Drop,
                RateDecision::Drop,
                RateDecision::Drop,
                RateDecision::Kiss
            ]
        );
        // Two seconds later one more request is allowed, then limited again.
        assert_eq!(
            table.admit(ip(1), at(2_000), Some(&limit)),
            RateDecision::Pass
        );
        assert_eq!(
            table.admit(ip(1), at(2_000), Some(&limit)),
            RateDecision::Drop
        );
        // Another client is not affected.
        assert_eq!(
            table.admit(ip(2), at(2_000), Some(&limit)),
            RateDecision::Pass
        );
    }

    #[test]
    fn a_client_at_the_limit_is_never_refused() {
        let limit = RateLimit::default();
        let mut table = ClientTable::new(16);
        for step in 0..100 {
            assert_eq!(
                table.admit(ip(1), at(step * 2_000), Some(&limit)),
                RateDecision::Pass
            );
        }
    }

    #[test]
    fn without_a_limit_everything_passes() {
        let mut table = ClientTable::new(16);
        for _ in 0..100 {
            assert_eq!(table.admit(ip(1), at(0), None), RateDecision::Pass);
        }
    }

    #[test]
    fn the_table_is_bounded_and_evicts_the_oldest() {
        let mut table = ClientTable::new(16);
        for last in 0..40 {
            let _ = table.admit(ip(last), at(i64::from(last)), None);
        }
        assert!(table.len() <= 16);
        table.save(
            ip(39),
            SavedTransmit {
                receive: NtpTimestamp::from_bits(7),
                transmit: at(0),
                precise: false,
            },
        );
        assert!(
            table
                .take_saved(ip(39), NtpTimestamp::from_bits(7))
                .is_some(),
            "newest kept"
        );
        assert!(
            table
                .take_saved(ip(0), NtpTimestamp::from_bits(7))
                .is_none()
        );
    }

    #[test]
    fn saved_transmit_is_used_once_and_updated_only_when_close() {
        let mut table = ClientTable::new(4);
        let _ = table.admit(ip(1), at(0), None);
        let receive = NtpTimestamp::from_bits(0x55);
        table.save(
            ip(1),
            SavedTransmit {
                receive,
                transmit: at(0),
                precise: false,
            },
        );
        let max = Duration::from_secs(1);
        assert!(
            !table.update_transmit(ip(1), receive, at(5_000), max),
            "too far"
        );
        assert!(!table.update_transmit(ip(1), NtpTimestamp::from_bits(1), at(1), max));
        assert!(table.update_transmit(ip(1), receive, at(1), max));
        let saved = table.take_saved(ip(1), receive).unwrap();
        assert_eq!(saved.transmit, at(1));
        assert!(saved.precise);
        assert_eq!(table.take_saved(ip(1), receive), None);
    }
}
