//! Unicast negotiation: a client and a server in virtual time (grant, deny, the subscriber
//! limit, renewal), and a server port fed requests directly (cancel, expiry, caps).

use super::network::{Network, config, identity, start};
use crate::net::ptp::{PtpDestination, PtpPort};
use crate::ptp::port::{MAX_GRANT_DURATION_SECS, Port, PortAction, PortRole, PortState};
use crate::ptp::{
    CancelUnicastTransmission, GrantUnicastTransmission, MessageBody, MessageType, PortIdentity,
    PtpFlags, PtpHeader, PtpMessage, RequestUnicastTransmission, Tlv,
};
use crate::time::{Duration, Timestamp};

const SERVER: u8 = 1;

fn secs(secs: i64) -> Timestamp {
    start() + Duration::from_secs(secs)
}

fn server_config(serve: bool, limit: u32) -> crate::ptp::port::PortConfig<u8> {
    let mut server = config(SERVER);
    server.role = PortRole::MasterOnly;
    server.multicast = false;
    server.serve_unicast = serve;
    server.max_unicast_subscribers = limit;
    server
}

fn add_client(network: &mut Network, address: u8, offset: Duration) {
    let mut client = config(address);
    client.role = PortRole::SlaveOnly;
    client.multicast = false;
    client.unicast_masters = vec![SERVER];
    network.add(client, offset);
}

fn requested(message: &PtpMessage) -> Vec<MessageType> {
    message
        .tlvs
        .iter()
        .filter_map(|tlv| match tlv {
            Tlv::RequestUnicastTransmission(request) => Some(request.message_type),
            _ => None,
        })
        .collect()
}

#[test]
fn a_unicast_client_negotiates_and_synchronises() {
    let mut network = Network::new(Duration::from_micros(30));
    network.add(server_config(true, 4), Duration::ZERO);
    let offset = Duration::from_micros(9);
    add_client(&mut network, 2, offset);
    network.run_until(secs(30));

    let client = network.node(2);
    assert_eq!(client.port.state(), PortState::Slave);
    assert_eq!(client.samples.last().map(|s| s.offset), Some(offset));
    assert_eq!(client.port.status().unicast_masters_granted, 1);
    assert_eq!(network.node(SERVER).port.status().unicast_subscribers, 1);

    for (sent, message) in network.sent_by(SERVER) {
        assert_eq!(sent.destination, PtpDestination::Unicast(2), "{message:?}");
        assert!(message.header.flags.contains(PtpFlags::UNICAST));
    }
    let client_sent = network.sent_by(2);
    assert!(
        client_sent
            .iter()
            .all(|(s, _)| s.destination == PtpDestination::Unicast(SERVER))
    );
    let requests: Vec<Vec<MessageType>> = client_sent
        .iter()
        .filter(|(_, m)| matches!(m.body, MessageBody::Signaling(_)))
        .map(|(_, m)| requested(m))
        .collect();
    assert_eq!(requests[0], vec![MessageType::Announce]);
    assert!(requests.contains(&vec![MessageType::Sync, MessageType::DelayResp]));
    assert!(
        client_sent
            .iter()
            .any(|(_, m)| matches!(m.body, MessageBody::DelayReq(_))
                && m.header.flags.contains(PtpFlags::UNICAST))
    );
}

#[test]
fn requests_are_denied_when_unicast_service_is_off() {
    let mut network = Network::new(Duration::from_micros(30));
    network.add(server_config(false, 4), Duration::ZERO);
    add_client(&mut network, 2, Duration::ZERO);
    network.run_until(secs(10));
    let server = network.node(SERVER).port.counters();
    assert!(server.grants_denied >= 5, "{server:?}");
    assert_eq!(server.grants_given, 0);
    let client = network.node(2).port.status();
    assert_eq!(client.state, PortState::Listening);
    assert!(client.counters.denials_received >= 5);
    assert_eq!(client.unicast_masters_granted, 0);
    assert!(network.sent_by(SERVER).iter().all(|(_, m)| matches!(
        m.tlvs.as_slice(),
        [Tlv::GrantUnicastTransmission(GrantUnicastTransmission {
            duration_seconds: 0,
            ..
        })]
    )));
}

#[test]
fn the_subscriber_limit_turns_the_next_client_away() {
    let mut network = Network::new(Duration::from_micros(30));
    network.add(server_config(true, 1), Duration::ZERO);
    add_client(&mut network, 2, Duration::ZERO);
    add_client(&mut network, 3, Duration::ZERO);
    network.run_until(secs(30));
    assert_eq!(network.node(SERVER).port.status().unicast_subscribers, 1);
    let states = [network.node(2).port.state(), network.node(3).port.state()];
    assert!(states.contains(&PortState::Slave), "{states:?}");
    assert!(states.contains(&PortState::Listening), "{states:?}");
    assert!(network.node(SERVER).port.counters().grants_denied > 0);
}

#[test]
fn grants_are_renewed_before_they_expire() {
    let mut network = Network::new(Duration::from_micros(30));
    network.add(server_config(true, 4), Duration::ZERO);
    add_client(&mut network, 2, Duration::ZERO);
    network.run_until(secs(700));
    let server = network.node(SERVER).port.counters();
    assert_eq!(server.grants_expired, 0);
    assert!(server.grants_given >= 6, "{server:?}");
    let client = network.node(2);
    assert_eq!(client.transitions.len(), 3, "{:?}", client.transitions);
    assert!(client.samples.last().expect("samples").t2 > secs(698));
}

/// A server port fed Signaling from client 5 directly.
struct Server {
    port: Port<u8>,
    sequence: u16,
}

impl Server {
    fn new(limit: u32) -> Self {
        let mut port = Port::new(server_config(true, limit), secs(0));
        let _ = port.on_timer(secs(0));
        Server { port, sequence: 0 }
    }

    fn signal(&mut self, tlv: Tlv, now: Timestamp) -> Option<PtpMessage> {
        let body = MessageBody::Signaling(PortIdentity::ALL);
        let mut header = PtpHeader::new(MessageType::Signaling, identity(5), self.sequence);
        self.sequence += 1;
        header.flags = PtpFlags::UNICAST;
        let bytes = PtpMessage {
            header,
            body,
            tlvs: vec![tlv],
        }
        .to_bytes();
        let actions = self.port.on_message(&bytes, 5, PtpPort::General, None, now);
        actions.into_iter().find_map(|action| match action {
            PortAction::Send {
                bytes, destination, ..
            } => {
                assert_eq!(destination, PtpDestination::Unicast(5));
                Some(PtpMessage::parse(&bytes).expect("valid"))
            }
            _ => None,
        })
    }

    fn request(
        &mut self,
        message_type: MessageType,
        period: i8,
        seconds: u32,
        now: Timestamp,
    ) -> GrantUnicastTransmission {
        let tlv = Tlv::RequestUnicastTransmission(RequestUnicastTransmission {
            message_type,
            log_inter_message_period: period,
            duration_seconds: seconds,
        });
        let reply = self.signal(tlv, now).expect("an answer");
        assert_eq!(reply.body, MessageBody::Signaling(identity(5)));
        match reply.tlvs.as_slice() {
            [Tlv::GrantUnicastTransmission(grant)] => *grant,
            other => panic!("{other:?}"),
        }
    }

    /// Unicast messages of `message_type` sent to 5 by the timers up to `until`.
    fn streamed(&mut self, message_type: MessageType, until: Timestamp) -> usize {
        let mut count = 0;
        while self.port.next_deadline() <= until {
            let now = self.port.next_deadline();
            for action in self.port.on_timer(now) {
                if let PortAction::Send {
                    bytes,
                    destination: PtpDestination::Unicast(5),
                    ..
                } = action
                {
                    let message = PtpMessage::parse(&bytes).expect("valid");
                    count += usize::from(message.message_type() == message_type);
                }
            }
        }
        count
    }
}

#[test]
fn a_cancel_ends_the_grant_and_is_acknowledged() {
    let mut server = Server::new(2);
    let grant = server.request(MessageType::Sync, -1, 60, secs(1));
    assert_eq!(
        (grant.duration_seconds, grant.log_inter_message_period),
        (60, -1)
    );
    assert!(grant.renewal_invited);
    assert_eq!(server.port.status().unicast_subscribers, 1);
    assert_eq!(
        server.streamed(MessageType::Sync, secs(3)),
        5,
        "2 per second from +1 s"
    );

    let cancel = Tlv::CancelUnicastTransmission(CancelUnicastTransmission::new(MessageType::Sync));
    let ack = server.signal(cancel, secs(3)).expect("an acknowledgement");
    assert_eq!(
        ack.tlvs,
        vec![Tlv::AcknowledgeCancelUnicastTransmission(
            CancelUnicastTransmission::new(MessageType::Sync)
        )]
    );
    assert_eq!(server.port.status().unicast_subscribers, 0);
    assert_eq!(server.streamed(MessageType::Sync, secs(10)), 0);
    assert_eq!(server.port.counters().cancels_received, 1);
}

#[test]
fn grants_expire_and_long_requests_are_capped() {
    let mut server = Server::new(2);
    let announce = server.request(MessageType::Announce, 0, 1_000, secs(0));
    assert_eq!(announce.duration_seconds, MAX_GRANT_DURATION_SECS);
    let sync = server.request(MessageType::Sync, 0, 10, secs(0));
    assert_eq!(sync.duration_seconds, 10);
    assert_eq!(server.streamed(MessageType::Sync, secs(9)), 10);
    assert_eq!(
        server.streamed(MessageType::Sync, secs(20)),
        0,
        "expired at +10 s"
    );
    assert_eq!(server.port.counters().grants_expired, 1);
    assert_eq!(server.port.status().unicast_subscribers, 1);
    // One a second from 0 s to 299 s; those up to 20 s went by above.
    assert_eq!(server.streamed(MessageType::Announce, secs(400)), 279);
    assert_eq!(server.port.status().unicast_subscribers, 0);
    assert_eq!(server.port.counters().grants_expired, 2);
}

#[test]
fn unservable_requests_are_denied() {
    let mut server = Server::new(1);
    for (message_type, period, seconds) in [
        (MessageType::FollowUp, 0, 60),
        (MessageType::Sync, 20, 60),
        (MessageType::Sync, 0, 0),
    ] {
        let grant = server.request(message_type, period, seconds, secs(1));
        assert_eq!(
            grant.duration_seconds, 0,
            "{message_type:?} {period} {seconds}"
        );
        assert!(!grant.renewal_invited);
    }
    assert_eq!(server.port.counters().grants_denied, 3);
    assert_eq!(server.port.status().unicast_subscribers, 0);
}

#[test]
fn a_port_that_is_not_master_grants_nothing() {
    let mut auto = config(SERVER);
    auto.serve_unicast = true;
    auto.max_unicast_subscribers = 4;
    let mut server = Server {
        port: Port::new(auto, secs(0)),
        sequence: 0,
    };
    let _ = server.port.on_timer(secs(0));
    assert_eq!(server.port.state(), PortState::Listening);
    let grant = server.request(MessageType::Announce, 0, 60, secs(1));
    assert_eq!(grant.duration_seconds, 0);
}

/// Event messages first: a Sync queued behind an Announce leaves after its software TX
/// timestamp (on a veth bridge it even crossed 17 µs faster, and ptp4l read −10 µs).
#[test]
fn every_sync_due_goes_out_before_the_announces_due_with_it() {
    let mut both = server_config(true, 2);
    both.multicast = true;
    both.log_announce_interval = 0;
    both.log_sync_interval = 0;
    let mut server = Server {
        port: Port::new(both, secs(0)),
        sequence: 0,
    };
    let _ = server.port.on_timer(secs(0));
    server.request(MessageType::Announce, 0, 60, secs(1));
    server.request(MessageType::Sync, 0, 60, secs(1));
    let mut moments_with_both = 0;
    while server.port.next_deadline() <= secs(10) {
        let now = server.port.next_deadline();
        let sent: Vec<(MessageType, PtpDestination<u8>)> = server
            .port
            .on_timer(now)
            .into_iter()
            .filter_map(|action| match action {
                PortAction::Send {
                    bytes, destination, ..
                } => Some((PtpMessage::parse(&bytes).ok()?.message_type(), destination)),
                _ => None,
            })
            .collect();
        let last_sync = sent.iter().rposition(|(t, _)| *t == MessageType::Sync);
        let first_announce = sent.iter().position(|(t, _)| *t == MessageType::Announce);
        if let (Some(last_sync), Some(first_announce)) = (last_sync, first_announce) {
            assert!(last_sync < first_announce, "at {now:?}: {sent:?}");
            assert_eq!(sent.len(), 4, "multicast and unicast, each: {sent:?}");
            moments_with_both += 1;
        }
    }
    assert!(moments_with_both >= 9, "{moments_with_both} moments");
}
