//! Sending: headers, Send actions, and the TX timestamps the port waits for.

use super::{Port, PortAction, TxKey};
use crate::net::ptp::{PtpDestination, PtpPort};
use crate::ptp::{MessageBody, PtpHeader, PtpMessage};
use crate::time::{Duration, Timestamp};
use std::fmt::Debug;
use std::hash::Hash;

/// A TX timestamp later than this after the send is not waited for: the message's
/// exchange is abandoned and counted in
/// [`PortCounters::missing_tx_timestamp`](super::PortCounters::missing_tx_timestamp).
pub const TX_TIMESTAMP_TIMEOUT: Duration = Duration::from_secs(1);

/// What a sent event message's TX timestamp is for.
#[derive(Debug, Clone, Copy)]
pub(super) enum TxPurpose<A> {
    /// A two-step Sync: send its Follow_Up.
    Sync {
        destination: PtpDestination<A>,
        sequence_id: u16,
        log_interval: i8,
    },
    /// A Delay_Req: its t3.
    DelayReq { sequence_id: u16 },
}

#[derive(Debug, Clone, Copy)]
pub(super) struct PendingTx<A> {
    pub key: TxKey,
    pub purpose: TxPurpose<A>,
    pub sent_at: Timestamp,
}

impl<A: Copy + Eq + Hash + Debug> Port<A> {
    /// The next firing of a periodic timer of interval 2^`log`: one interval after the
    /// last, or after `now` when the driver fell behind (no catch-up bursts).
    pub(super) fn next_after(&self, last: Option<Timestamp>, now: Timestamp, log: i8) -> Timestamp {
        let interval = Duration::from_log2_secs(log);
        let next = last.unwrap_or(now) + interval;
        if next <= now { now + interval } else { next }
    }

    /// A header for a message of this port.
    pub(super) fn header(&self, body: &MessageBody, sequence_id: u16) -> PtpHeader {
        let mut header = PtpHeader::new(body.message_type(), self.config.identity, sequence_id);
        header.domain_number = self.config.domain;
        header
    }

    /// Encodes `message` into a Send action; with `purpose`, asks for its TX timestamp.
    pub(super) fn send(
        &mut self,
        message: &PtpMessage,
        destination: PtpDestination<A>,
        purpose: Option<TxPurpose<A>>,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        let port = if message.message_type().is_event() {
            PtpPort::Event
        } else {
            PtpPort::General
        };
        let tx_key = purpose.map(|purpose| {
            let key = TxKey(self.next_tx_key);
            self.next_tx_key += 1;
            self.pending_tx.push_back(PendingTx {
                key,
                purpose,
                sent_at: now,
            });
            key
        });
        self.counters.sent += 1;
        actions.push(PortAction::Send {
            bytes: message.to_bytes(),
            port,
            destination,
            tx_key,
        });
    }

    /// Drops TX timestamp requests older than [`TX_TIMESTAMP_TIMEOUT`].
    pub(super) fn expire_pending_tx(&mut self, now: Timestamp) {
        while self
            .pending_tx
            .front()
            .is_some_and(|pending| now - pending.sent_at >= TX_TIMESTAMP_TIMEOUT)
        {
            self.pending_tx.pop_front();
            self.counters.missing_tx_timestamp += 1;
        }
    }
}
