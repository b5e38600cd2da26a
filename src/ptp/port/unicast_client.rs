//! Unicast negotiation, client side, as ptp4l's `unicast_client.c`: for every address of
//! the unicast master table, request Announce; once the BMCA selects that master as
//! parent, request Sync and Delay_Resp too; renew at 3/4 of the shortest grant.
//!
//! Requests go out on the query timer every [`UNICAST_QUERY_INTERVAL`] (ptp4l's
//! `logQueryInterval 0`), each for [`UNICAST_REQUEST_DURATION_SECS`] at the configured
//! intervals. A refusal sends the master back to the start (ptp4l's `UC_WAIT`); so does a
//! lapsed Announce grant. A master that is no longer parent keeps its Announce grant; its
//! Sync and Delay_Resp grants are left to run out rather than cancelled (as ptp4l).

use super::{Port, PortAction};
use crate::net::ptp::PtpDestination;
use crate::ptp::{
    CancelUnicastTransmission, GrantUnicastTransmission, MessageBody, MessageType, PortIdentity,
    PtpFlags, PtpMessage, RequestUnicastTransmission, Tlv,
};
use crate::time::{Duration, Timestamp};
use std::fmt::Debug;
use std::hash::Hash;

/// How often the client (re)sends its requests.
pub const UNICAST_QUERY_INTERVAL: Duration = Duration::from_secs(1);
/// The duration asked for in every request, in seconds (the ITU-T G.8265.1 default).
pub const UNICAST_REQUEST_DURATION_SECS: u32 = 300;

/// Where the negotiation with one master stands (ptp4l's `enum unicast_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Negotiation {
    /// No Announce grant: ask for one.
    Wait,
    /// Announces granted; not the parent.
    HaveAnnounce,
    /// Selected as parent: ask for Sync and Delay_Resp.
    NeedSyncDelay,
    /// Everything granted.
    HaveSyncDelay,
}

#[derive(Debug, Clone)]
struct MasterEntry<A> {
    address: A,
    negotiation: Negotiation,
    port_identity: Option<PortIdentity>,
    /// Expiry of the Announce, Sync and Delay_Resp grants.
    announce: Option<Timestamp>,
    sync: Option<Timestamp>,
    delay_resp: Option<Timestamp>,
    renewal_at: Option<Timestamp>,
}

/// The unicast master table's negotiation state.
#[derive(Debug, Clone)]
pub(crate) struct UnicastClient<A> {
    masters: Vec<MasterEntry<A>>,
}

impl<A: Copy + Eq> UnicastClient<A> {
    pub fn new(addresses: &[A]) -> Self {
        let masters = addresses
            .iter()
            .map(|&address| MasterEntry {
                address,
                negotiation: Negotiation::Wait,
                port_identity: None,
                announce: None,
                sync: None,
                delay_resp: None,
                renewal_at: None,
            })
            .collect();
        UnicastClient { masters }
    }

    /// Masters holding a live Announce grant for this port.
    pub fn granted_masters(&self) -> usize {
        self.masters
            .iter()
            .filter(|master| master.negotiation != Negotiation::Wait)
            .count()
    }

    fn entry(&mut self, address: A) -> Option<&mut MasterEntry<A>> {
        self.masters
            .iter_mut()
            .find(|master| master.address == address)
    }
}

impl<A> MasterEntry<A> {
    /// Forgets lapsed grants at `now`.
    fn expire(&mut self, now: Timestamp) {
        let lapsed = |expiry: &mut Option<Timestamp>| {
            if expiry.is_some_and(|at| at <= now) {
                *expiry = None;
            }
        };
        lapsed(&mut self.announce);
        lapsed(&mut self.sync);
        lapsed(&mut self.delay_resp);
        if self.announce.is_none() {
            self.negotiation = Negotiation::Wait;
        } else if self.negotiation == Negotiation::HaveSyncDelay
            && (self.sync.is_none() || self.delay_resp.is_none())
        {
            self.negotiation = Negotiation::NeedSyncDelay;
        }
    }

    /// The message types to request at `now`.
    fn wanted(&mut self, now: Timestamp) -> Vec<MessageType> {
        let renew = self.renewal_at.is_some_and(|at| at <= now);
        if renew {
            self.renewal_at = None;
        }
        let all = vec![
            MessageType::Announce,
            MessageType::Sync,
            MessageType::DelayResp,
        ];
        match self.negotiation {
            Negotiation::Wait => vec![MessageType::Announce],
            Negotiation::HaveAnnounce if renew => vec![MessageType::Announce],
            Negotiation::NeedSyncDelay if renew => all,
            Negotiation::NeedSyncDelay => vec![MessageType::Sync, MessageType::DelayResp],
            Negotiation::HaveSyncDelay if renew => all,
            Negotiation::HaveAnnounce | Negotiation::HaveSyncDelay => Vec::new(),
        }
    }
}

impl<A: Copy + Eq + Hash + Debug> Port<A> {
    /// The query timer fired: expire, then request what each master should send.
    pub(super) fn query_unicast_masters(
        &mut self,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        for index in 0..self.client.masters.len() {
            let master = &mut self.client.masters[index];
            master.expire(now);
            let wanted = master.wanted(now);
            let (address, target) = (master.address, master.port_identity);
            if wanted.is_empty() {
                continue;
            }
            let tlvs = wanted
                .into_iter()
                .map(|message_type| {
                    Tlv::RequestUnicastTransmission(RequestUnicastTransmission {
                        message_type,
                        log_inter_message_period: self.requested_interval(message_type),
                        duration_seconds: UNICAST_REQUEST_DURATION_SECS,
                    })
                })
                .collect::<Vec<_>>();
            self.counters.unicast_requests += tlvs.len() as u64;
            let message = self.signaling_message(target.unwrap_or(PortIdentity::ALL), tlvs);
            self.send(
                &message,
                PtpDestination::Unicast(address),
                None,
                now,
                actions,
            );
        }
    }

    fn requested_interval(&self, message_type: MessageType) -> i8 {
        match message_type {
            MessageType::Announce => self.config.log_announce_interval,
            MessageType::Sync => self.config.log_sync_interval,
            _ => self.config.log_min_delay_req_interval,
        }
    }

    /// A unicast Signaling message to `target` carrying `tlvs`.
    pub(super) fn signaling_message(&self, target: PortIdentity, tlvs: Vec<Tlv>) -> PtpMessage {
        let body = MessageBody::Signaling(target);
        let mut header = self.header(&body, 0);
        header.flags = PtpFlags::UNICAST;
        PtpMessage { header, body, tlvs }
    }

    /// True when `from` is in the unicast master table.
    pub(super) fn is_unicast_master(&self, from: A) -> bool {
        self.client
            .masters
            .iter()
            .any(|master| master.address == from)
    }

    /// A GRANT from master `from` (port `source`).
    pub(super) fn on_grant(
        &mut self,
        from: A,
        source: PortIdentity,
        grant: GrantUnicastTransmission,
        now: Timestamp,
    ) {
        let Some(master) = self.client.entry(from) else {
            return;
        };
        if grant.duration_seconds == 0 {
            self.counters.denials_received += 1;
            master.negotiation = Negotiation::Wait;
            return;
        }
        self.counters.grants_received += 1;
        let expires = now + Duration::from_secs(i64::from(grant.duration_seconds));
        let renewal = now + Duration::from_secs(i64::from(grant.duration_seconds)) * 3 / 4;
        master.renewal_at = Some(master.renewal_at.map_or(renewal, |at| at.min(renewal)));
        match grant.message_type {
            MessageType::Announce => {
                master.announce = Some(expires);
                master.port_identity = Some(source);
                if master.negotiation == Negotiation::Wait {
                    master.negotiation = Negotiation::HaveAnnounce;
                }
            }
            MessageType::Sync => master.sync = Some(expires),
            MessageType::DelayResp => master.delay_resp = Some(expires),
            _ => {}
        }
        if master.negotiation == Negotiation::NeedSyncDelay
            && master.sync.is_some()
            && master.delay_resp.is_some()
        {
            master.negotiation = Negotiation::HaveSyncDelay;
        }
        self.update_unicast_selection();
    }

    /// A master cancelled a grant. Returns the acknowledgement.
    pub(super) fn on_master_cancel(&mut self, from: A, cancel: CancelUnicastTransmission) -> Tlv {
        if let Some(master) = self.client.entry(from) {
            match cancel.message_type {
                MessageType::Announce => {
                    master.announce = None;
                    master.negotiation = Negotiation::Wait;
                }
                MessageType::Sync => master.sync = None,
                MessageType::DelayResp => master.delay_resp = None,
                _ => {}
            }
            if master.negotiation == Negotiation::HaveSyncDelay {
                master.negotiation = Negotiation::NeedSyncDelay;
            }
        }
        Tlv::AcknowledgeCancelUnicastTransmission(CancelUnicastTransmission::new(
            cancel.message_type,
        ))
    }

    /// Tells the negotiation which master is parent (ptp4l's `unicast_client_state_changed`).
    pub(super) fn update_unicast_selection(&mut self) {
        let parent = self
            .parent
            .filter(|_| self.is_following())
            .map(|parent| parent.address);
        for master in &mut self.client.masters {
            let selected = Some(master.address) == parent;
            master.negotiation = match (master.negotiation, selected) {
                (Negotiation::HaveAnnounce, true) => Negotiation::NeedSyncDelay,
                (Negotiation::NeedSyncDelay | Negotiation::HaveSyncDelay, false) => {
                    Negotiation::HaveAnnounce
                }
                (unchanged, _) => unchanged,
            };
        }
    }
}
