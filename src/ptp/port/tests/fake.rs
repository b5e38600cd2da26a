//! Crafted messages from a pretend master, and a slave-only port to feed them to.

use super::network::{config, identity, start};
use crate::net::ptp::{PtpDestination, PtpPort};
use crate::ptp::port::{Port, PortAction, PortRole, PortState, TxKey};
use crate::ptp::{
    AnnounceBody, ClockQuality, MessageBody, PortIdentity, PtpFlags, PtpHeader, PtpMessage,
    PtpTimestamp, TimeSource, TimestampForPort,
};
use crate::time::{Duration, Timestamp};

/// The pretend master's address and node number.
pub const FAKE: u8 = 7;
/// The port under test.
pub const LOCAL: u8 = 2;

/// Seconds after [`start`].
pub fn at(secs: i64) -> Timestamp {
    start() + Duration::from_secs(secs)
}

fn header_for(body: &MessageBody, sequence_id: u16) -> PtpHeader {
    let mut header = PtpHeader::new(body.message_type(), identity(FAKE), sequence_id);
    header.log_message_interval = 0;
    header
}

fn encode(header: PtpHeader, body: MessageBody) -> Vec<u8> {
    PtpMessage {
        header,
        body,
        tlvs: Vec::new(),
    }
    .to_bytes()
}

/// An Announce from the pretend master, ARB timescale (flags 0), priority1 50.
pub fn announce(sequence_id: u16) -> Vec<u8> {
    let body = MessageBody::Announce(AnnounceBody {
        origin_timestamp: PtpTimestamp::default(),
        current_utc_offset: 37,
        grandmaster_priority1: 50,
        grandmaster_clock_quality: ClockQuality {
            clock_class: 6,
            clock_accuracy: 0x21,
            offset_scaled_log_variance: 0x4e5d,
        },
        grandmaster_priority2: 128,
        grandmaster_identity: identity(FAKE).clock_identity,
        steps_removed: 0,
        time_source: TimeSource::GPS,
    });
    encode(header_for(&body, sequence_id), body)
}

/// A two-step Sync.
pub fn sync(sequence_id: u16) -> Vec<u8> {
    let body = MessageBody::Sync(PtpTimestamp::default());
    let mut header = header_for(&body, sequence_id);
    header.flags = PtpFlags::TWO_STEP;
    encode(header, body)
}

/// A Follow_Up with `origin`.
pub fn follow_up(sequence_id: u16, origin: Timestamp) -> Vec<u8> {
    let origin = PtpTimestamp::from_timestamp(origin).expect("after the epoch");
    let body = MessageBody::FollowUp(origin);
    encode(header_for(&body, sequence_id), body)
}

/// A Delay_Resp to `requester` with receive time `t4`.
pub fn delay_resp(sequence_id: u16, t4: Timestamp, requester: PortIdentity) -> Vec<u8> {
    let body = MessageBody::DelayResp(TimestampForPort {
        timestamp: PtpTimestamp::from_timestamp(t4).expect("after the epoch"),
        requesting_port_identity: requester,
    });
    encode(header_for(&body, sequence_id), body)
}

/// A slave-only port fed two Announces from the pretend master: UNCALIBRATED at +1 s.
pub fn following_port() -> Port<u8> {
    let mut local = config(LOCAL);
    local.role = PortRole::SlaveOnly;
    let mut port = Port::new(local, at(0));
    let _ = port.on_timer(at(0));
    let _ = general(&mut port, &announce(0), at(0));
    let _ = general(&mut port, &announce(1), at(1));
    assert_eq!(port.state(), PortState::Uncalibrated);
    port
}

/// Hands a general message to `port` at `now`.
pub fn general(port: &mut Port<u8>, bytes: &[u8], now: Timestamp) -> Vec<PortAction<u8>> {
    port.on_message(bytes, FAKE, PtpPort::General, None, now)
}

/// Hands an event message to `port`, received at `now`.
pub fn event(port: &mut Port<u8>, bytes: &[u8], now: Timestamp) -> Vec<PortAction<u8>> {
    port.on_message(bytes, FAKE, PtpPort::Event, Some(now), now)
}

/// The first Send of `actions`, parsed, with its destination and TX key.
pub fn first_sent(
    actions: &[PortAction<u8>],
) -> Option<(PtpMessage, PtpDestination<u8>, Option<TxKey>)> {
    actions.iter().find_map(|action| match action {
        PortAction::Send {
            bytes,
            destination,
            tx_key,
            ..
        } => Some((
            PtpMessage::parse(bytes).expect("valid"),
            *destination,
            *tx_key,
        )),
        _ => None,
    })
}

/// Runs `port`'s timers until it sends a Delay_Req (at most a minute).
pub fn next_delay_req(port: &mut Port<u8>) -> (PtpMessage, TxKey, Timestamp) {
    for _ in 0..1_000 {
        let now = port.next_deadline();
        assert!(now < at(60), "no Delay_Req within a minute");
        let actions = port.on_timer(now);
        if let Some((message, _, Some(key))) = first_sent(&actions)
            && matches!(message.body, MessageBody::DelayReq(_))
        {
            return (message, key, now);
        }
    }
    panic!("no Delay_Req");
}
