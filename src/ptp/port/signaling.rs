//! Signaling messages: their unicast negotiation TLVs go to the server side (requests,
//! cancels from clients) or the client side (grants, cancels from a unicast master); the
//! grants and acknowledgements are answered in one Signaling message.

use super::{Port, PortAction};
use crate::net::ptp::PtpDestination;
use crate::ptp::{ClockIdentity, MessageBody, PortIdentity, PtpMessage, Tlv};
use crate::time::Timestamp;
use std::fmt::Debug;
use std::hash::Hash;

impl<A: Copy + Eq + Hash + Debug> Port<A> {
    /// True when `target` names this port, or every port (all ones) of this or every clock.
    pub(super) fn is_addressed_to_me(&self, target: PortIdentity) -> bool {
        let own = self.config.identity;
        let clock_matches = target.clock_identity == ClockIdentity::ALL
            || target.clock_identity == own.clock_identity;
        let port_matches = target.port_number == 0xffff || target.port_number == own.port_number;
        clock_matches && port_matches
    }

    pub(super) fn on_signaling(
        &mut self,
        message: &PtpMessage,
        from: A,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        let MessageBody::Signaling(target) = message.body else {
            return;
        };
        if !self.is_addressed_to_me(target) {
            return;
        }
        self.counters.signaling += 1;
        let source = message.header.source_port_identity;
        let mut answers = Vec::new();
        for tlv in &message.tlvs {
            match *tlv {
                Tlv::RequestUnicastTransmission(request) => {
                    answers.push(self.answer_request(from, source, request, now));
                }
                Tlv::GrantUnicastTransmission(grant) => self.on_grant(from, source, grant, now),
                Tlv::CancelUnicastTransmission(cancel) => {
                    self.counters.cancels_received += 1;
                    let ack = if self.is_unicast_master(from) {
                        self.on_master_cancel(from, cancel)
                    } else {
                        self.cancel_grant(from, cancel)
                    };
                    answers.push(ack);
                }
                _ => {}
            }
        }
        if answers.is_empty() {
            return;
        }
        let reply = self.signaling_message(source, answers);
        self.send(&reply, PtpDestination::Unicast(from), None, now, actions);
    }
}
