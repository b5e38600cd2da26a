//! Unicast negotiation, server side (IEEE 1588-2008 §16.1): grants of Announce, Sync and
//! Delay_Resp to clients, and the unicast streams they pay for.
//!
//! - A REQUEST_UNICAST_TRANSMISSION is granted when the port is master, `serve_unicast`
//!   is on, the message type is Announce, Sync or Delay_Resp, the interval lies within
//!   [`MIN_LOG_INTERVAL`]..=[`MAX_LOG_INTERVAL`], the duration is not 0, and the client
//!   already holds a grant or fewer than `max_unicast_subscribers` clients do. The grant
//!   echoes the requested interval and caps the duration at [`MAX_GRANT_DURATION_SECS`]
//!   (the ITU-T G.8265.1 default), with renewal invited; a refusal is a grant of
//!   duration 0. A renewal extends the grant (ptp4l's `unicast_service_extend`).
//! - A client is known by its address (as ptp4l keys it).
//! - CANCEL_UNICAST_TRANSMISSION ends the grant and is acknowledged.
//! - Grants expire at the end of their duration; the Announce and Sync streams are sent
//!   at the granted interval while the port is master.

use super::config::{MAX_LOG_INTERVAL, MIN_LOG_INTERVAL};
use super::{Port, PortAction, PortState};
use crate::net::ptp::PtpDestination;
use crate::ptp::{
    CancelUnicastTransmission, GrantUnicastTransmission, MessageType, PortIdentity,
    RequestUnicastTransmission, Tlv,
};
use crate::time::{Duration, Timestamp};
use std::fmt::Debug;
use std::hash::Hash;

/// The longest grant given, in seconds; longer requests get this much.
pub const MAX_GRANT_DURATION_SECS: u32 = 300;

/// One granted stream.
#[derive(Debug, Clone, Copy)]
struct Grant {
    log_period: i8,
    expires: Timestamp,
    next_send: Timestamp,
    sequence_id: u16,
}

/// A client and its grants (Announce, Sync, Delay_Resp).
#[derive(Debug, Clone)]
struct Subscriber<A> {
    address: A,
    port_identity: PortIdentity,
    announce: Option<Grant>,
    sync: Option<Grant>,
    delay_resp: Option<Grant>,
}

impl<A> Subscriber<A> {
    fn slot(&mut self, message_type: MessageType) -> Option<&mut Option<Grant>> {
        match message_type {
            MessageType::Announce => Some(&mut self.announce),
            MessageType::Sync => Some(&mut self.sync),
            MessageType::DelayResp => Some(&mut self.delay_resp),
            _ => None,
        }
    }

    fn grants(&self) -> impl Iterator<Item = &Grant> {
        [&self.announce, &self.sync, &self.delay_resp]
            .into_iter()
            .flatten()
    }

    fn is_empty(&self) -> bool {
        self.grants().next().is_none()
    }
}

/// The grant table of one port.
#[derive(Debug, Clone)]
pub(crate) struct UnicastServer<A> {
    subscribers: Vec<Subscriber<A>>,
}

impl<A: Copy + Eq> UnicastServer<A> {
    pub fn new() -> Self {
        UnicastServer {
            subscribers: Vec::new(),
        }
    }

    /// Clients holding at least one grant.
    pub fn subscribers(&self) -> usize {
        self.subscribers.len()
    }

    /// The earliest send or expiry among the grants.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        let sends = self.subscribers.iter().flat_map(|subscriber| {
            [subscriber.announce, subscriber.sync]
                .into_iter()
                .flatten()
                .map(|grant| grant.next_send)
        });
        let expiries = self
            .subscribers
            .iter()
            .flat_map(|subscriber| subscriber.grants().map(|grant| grant.expires));
        sends.chain(expiries).min()
    }

    fn index_of(&self, address: A) -> Option<usize> {
        self.subscribers.iter().position(|s| s.address == address)
    }

    /// Drops the grants expired at `now`, returning how many.
    fn expire(&mut self, now: Timestamp) -> u64 {
        let mut expired = 0;
        for subscriber in &mut self.subscribers {
            for slot in [
                &mut subscriber.announce,
                &mut subscriber.sync,
                &mut subscriber.delay_resp,
            ] {
                if slot.is_some_and(|grant| grant.expires <= now) {
                    *slot = None;
                    expired += 1;
                }
            }
        }
        self.subscribers.retain(|subscriber| !subscriber.is_empty());
        expired
    }

    /// The streams due at `now`, each grant advanced to its next send.
    fn take_due(&mut self, now: Timestamp) -> Vec<DueStream<A>> {
        let mut due = Vec::new();
        for subscriber in &mut self.subscribers {
            let address = subscriber.address;
            for (message_type, slot) in [
                (MessageType::Announce, &mut subscriber.announce),
                (MessageType::Sync, &mut subscriber.sync),
            ] {
                let Some(grant) = slot.as_mut().filter(|grant| grant.next_send <= now) else {
                    continue;
                };
                let interval = Duration::from_log2_secs(grant.log_period);
                grant.next_send += interval;
                if grant.next_send <= now {
                    grant.next_send = now + interval;
                }
                due.push(DueStream {
                    address,
                    message_type,
                    sequence_id: grant.sequence_id,
                    log_period: grant.log_period,
                });
                grant.sequence_id = grant.sequence_id.wrapping_add(1);
            }
        }
        due
    }
}

/// One unicast message due to a client.
#[derive(Debug, Clone, Copy)]
pub(super) struct DueStream<A> {
    address: A,
    message_type: MessageType,
    sequence_id: u16,
    log_period: i8,
}

impl<A: Copy + Eq + Hash + Debug> Port<A> {
    /// The GRANT answering `request` from `requester` at `from`.
    pub(super) fn answer_request(
        &mut self,
        from: A,
        requester: PortIdentity,
        request: RequestUnicastTransmission,
        now: Timestamp,
    ) -> Tlv {
        let granted = self.admit(from, requester, request, now);
        if granted.is_some() {
            self.counters.grants_given += 1;
        } else {
            self.counters.grants_denied += 1;
        }
        Tlv::GrantUnicastTransmission(GrantUnicastTransmission {
            message_type: request.message_type,
            log_inter_message_period: request.log_inter_message_period,
            duration_seconds: granted.unwrap_or(0),
            renewal_invited: granted.is_some(),
        })
    }

    /// Records the grant; the seconds granted, or `None` for a refusal.
    fn admit(
        &mut self,
        from: A,
        requester: PortIdentity,
        request: RequestUnicastTransmission,
        now: Timestamp,
    ) -> Option<u32> {
        let period = request.log_inter_message_period;
        let acceptable_type = matches!(
            request.message_type,
            MessageType::Announce | MessageType::Sync | MessageType::DelayResp
        );
        if !self.config.serve_unicast
            || self.state != PortState::Master
            || !acceptable_type
            || !(MIN_LOG_INTERVAL..=MAX_LOG_INTERVAL).contains(&period)
            || request.duration_seconds == 0
        {
            return None;
        }
        let server = &mut self.server;
        let index = match server.index_of(from) {
            Some(index) => index,
            None => {
                let limit =
                    usize::try_from(self.config.max_unicast_subscribers).unwrap_or(usize::MAX);
                if server.subscribers.len() >= limit {
                    return None;
                }
                server.subscribers.push(Subscriber {
                    address: from,
                    port_identity: requester,
                    announce: None,
                    sync: None,
                    delay_resp: None,
                });
                server.subscribers.len() - 1
            }
        };
        let duration = request.duration_seconds.min(MAX_GRANT_DURATION_SECS);
        let expires = now + Duration::from_secs(i64::from(duration));
        let subscriber = &mut server.subscribers[index];
        subscriber.port_identity = requester;
        let slot = subscriber.slot(request.message_type)?;
        match slot.as_mut() {
            Some(grant) if grant.log_period == period => grant.expires = grant.expires.max(expires),
            _ => {
                *slot = Some(Grant {
                    log_period: period,
                    expires,
                    next_send: now,
                    sequence_id: 0,
                });
            }
        }
        Some(duration)
    }

    /// A client's CANCEL: its grant ends. Returns the acknowledgement.
    pub(super) fn cancel_grant(&mut self, from: A, cancel: CancelUnicastTransmission) -> Tlv {
        if let Some(index) = self.server.index_of(from) {
            let subscriber = &mut self.server.subscribers[index];
            if let Some(slot) = subscriber.slot(cancel.message_type) {
                *slot = None;
            }
            if subscriber.is_empty() {
                self.server.subscribers.swap_remove(index);
            }
        }
        Tlv::AcknowledgeCancelUnicastTransmission(CancelUnicastTransmission::new(
            cancel.message_type,
        ))
    }

    /// Expires grants and takes the unicast streams due at `now`: none unless master.
    pub(super) fn take_unicast_due(&mut self, now: Timestamp) -> Vec<DueStream<A>> {
        self.counters.grants_expired += self.server.expire(now);
        let due = self.server.take_due(now);
        if self.state != PortState::Master {
            return Vec::new();
        }
        due
    }

    /// Sends the streams of `due` that are of `message_type` (Announce or Sync).
    pub(super) fn send_unicast_streams(
        &mut self,
        due: &[DueStream<A>],
        message_type: MessageType,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        for stream in due
            .iter()
            .filter(|stream| stream.message_type == message_type)
        {
            let destination = PtpDestination::Unicast(stream.address);
            if message_type == MessageType::Announce {
                let message = self.announce_message(stream.sequence_id, stream.log_period, true);
                self.send(&message, destination, None, now, actions);
            } else {
                self.send_sync(
                    destination,
                    stream.sequence_id,
                    stream.log_period,
                    now,
                    actions,
                );
            }
        }
    }
}
