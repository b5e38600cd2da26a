//! Datagrams captured from linuxptp 3.1.1 (Debian `linuxptp 3.1.1-4+b2`): `pmc -u` over a
//! Unix socket, `pmc -4` on a veth interface, and two `ptp4l -S` instances (one master, one slave with a unicast master
//! table, both `free_running`) across a veth pair in private network namespaces. Each must
//! parse and re-encode to exactly the captured bytes.

use super::bytes::hex;
use crate::ptp::{
    ClockIdentity, CurrentDataSet, ManagementAction, ManagementData, ManagementId, MessageBody,
    MessageType, PortIdentity, PtpFlags, PtpMessage, PtpTimestamp, TimeSource, Tlv,
};

/// Parses `bytes`, checks the re-encoding is identical, and returns the message.
fn parse_exact(bytes: &[u8]) -> PtpMessage {
    let message = PtpMessage::parse(bytes).expect("captured datagram parses");
    assert_eq!(message.to_bytes(), bytes, "re-encoding of {message:?}");
    message
}

fn management_tlv(message: &PtpMessage) -> (ManagementAction, u8, &Tlv) {
    let MessageBody::Management(body) = &message.body else {
        panic!("not a management message: {message:?}");
    };
    assert_eq!(body.target_port_identity, PortIdentity::ALL);
    assert_eq!(message.tlvs.len(), 1);
    (body.action, body.boundary_hops, &message.tlvs[0])
}

#[test]
fn pmc_get_requests_over_uds() {
    // pmc -u -b 0 -t 1 'GET CURRENT_DATA_SET' 'GET PARENT_DATA_SET' 'GET TIME_PROPERTIES_DATA_SET'
    // pmc -u -z -b 0 'GET CURRENT_DATA_SET'; pmc -u 'GET DEFAULT_DATA_SET'
    let captures = [
        "1d 02 00 48 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 7e a2 00 00 04 7f ff ff ff ff ff ff ff ff ff ff 00 00 00 00 00 01 00 14 20 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
        "1d 02 00 56 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 7e a2 00 01 04 7f ff ff ff ff ff ff ff ff ff ff 00 00 00 00 00 01 00 22 20 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
        "1d 02 00 3a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 7e a2 00 02 04 7f ff ff ff ff ff ff ff ff ff ff 00 00 00 00 00 01 00 06 20 03 00 00 00 00",
        "0d 02 00 36 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 7e a4 00 00 04 7f ff ff ff ff ff ff ff ff ff ff 00 00 00 00 00 01 00 02 20 01",
        "0d 02 00 4a 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 7e a6 00 00 04 7f ff ff ff ff ff ff ff ff ff ff 01 01 00 00 00 01 00 16 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
    ];
    let messages: Vec<PtpMessage> = captures
        .iter()
        .map(|text| parse_exact(&hex(text)))
        .collect();

    assert_eq!(messages[0].header.transport_specific, 1);
    assert_eq!(messages[0].header.source_port_identity.port_number, 0x7ea2);
    let (action, hops, tlv) = management_tlv(&messages[0]);
    assert_eq!((action, hops), (ManagementAction::Get, 0));
    let Tlv::Management(current) = tlv else {
        panic!("{tlv:?}")
    };
    assert_eq!(current.management_id, ManagementId::CURRENT_DATA_SET);
    assert_eq!(
        current.data,
        ManagementData::CurrentDataSet(CurrentDataSet::default())
    );

    for (message, id) in [
        (&messages[1], ManagementId::PARENT_DATA_SET),
        (&messages[2], ManagementId::TIME_PROPERTIES_DATA_SET),
        (&messages[3], ManagementId::CURRENT_DATA_SET),
        (&messages[4], ManagementId::DEFAULT_DATA_SET),
    ] {
        let (_, _, Tlv::Management(tlv)) = management_tlv(message) else {
            panic!("{message:?}")
        };
        assert_eq!(tlv.management_id, id);
    }
    let (_, _, zero_length) = management_tlv(&messages[3]);
    assert!(matches!(zero_length, Tlv::Management(tlv) if tlv.data == ManagementData::Empty));
    let (_, hops, default_set) = management_tlv(&messages[4]);
    assert_eq!(hops, 1);
    assert!(
        matches!(default_set, Tlv::Management(tlv) if tlv.data == ManagementData::Raw(vec![0; 20]))
    );
}

#[test]
fn pmc_get_over_udp() {
    // pmc -4 -i veth-m -b 0 'GET CURRENT_DATA_SET' on an interface with MAC 9e:fb:1f:a7:af:04
    let message = parse_exact(&hex(
        "0d 02 00 48 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 9e fb 1f ff fe a7 af 04 00 01 00 00 04 7f ff ff ff ff ff ff ff ff ff ff 00 00 00 00 00 01 00 14 20 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
    ));
    let mac = ClockIdentity::from_mac([0x9e, 0xfb, 0x1f, 0xa7, 0xaf, 0x04]);
    assert_eq!(
        message.header.source_port_identity,
        PortIdentity::new(mac, 1)
    );
    let (action, hops, tlv) = management_tlv(&message);
    assert_eq!((action, hops), (ManagementAction::Get, 0));
    assert!(
        matches!(tlv, Tlv::Management(tlv) if tlv.management_id == ManagementId::CURRENT_DATA_SET)
    );
}

fn master() -> PortIdentity {
    PortIdentity::new(
        ClockIdentity::from_mac([0x5e, 0x50, 0x71, 0x2f, 0xac, 0xd8]),
        1,
    )
}

fn slave() -> PortIdentity {
    PortIdentity::new(
        ClockIdentity::from_mac([0x6e, 0xcd, 0xfa, 0x38, 0x04, 0xf4]),
        1,
    )
}

#[test]
fn ptp4l_multicast_exchange() {
    let announce = parse_exact(&hex(
        "0b 02 00 40 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 5e 50 71 ff fe 2f ac d8 00 01 00 00 05 00 00 00 00 00 00 00 00 00 00 00 00 25 00 80 f8 fe ff ff 80 5e 50 71 ff fe 2f ac d8 00 00 a0",
    ));
    let MessageBody::Announce(body) = announce.body else {
        panic!("{announce:?}")
    };
    assert_eq!(announce.header.source_port_identity, master());
    assert_eq!(body.current_utc_offset, 37);
    assert_eq!(body.grandmaster_clock_quality.clock_class, 248);
    assert_eq!(body.grandmaster_identity, master().clock_identity);
    assert_eq!(body.time_source, TimeSource::INTERNAL_OSCILLATOR);

    let sync = parse_exact(&hex(
        "00 02 00 2c 00 00 02 00 00 00 00 00 00 00 00 00 00 00 00 00 5e 50 71 ff fe 2f ac d8 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
    ));
    assert!(sync.header.flags.contains(PtpFlags::TWO_STEP));
    assert_eq!(sync.body, MessageBody::Sync(PtpTimestamp::default()));

    let follow_up = parse_exact(&hex(
        "08 02 00 2c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 5e 50 71 ff fe 2f ac d8 00 01 00 00 02 00 00 00 6b 03 2e 0d 18 7f e6 ac",
    ));
    assert_eq!(
        follow_up.body,
        MessageBody::FollowUp(PtpTimestamp::new(0x6b03_2e0d, 0x187f_e6ac))
    );

    let delay_req = parse_exact(&hex(
        "01 02 00 2c 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 6e cd fa ff fe 38 04 f4 00 01 00 00 01 7f 00 00 00 00 00 00 00 00 00 00",
    ));
    assert_eq!(delay_req.message_type(), MessageType::DelayReq);
    assert_eq!(delay_req.header.source_port_identity, slave());

    let delay_resp = parse_exact(&hex(
        "09 02 00 36 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 5e 50 71 ff fe 2f ac d8 00 01 00 00 03 00 00 00 6b 03 2e 0f 07 e0 a0 cf 6e cd fa ff fe 38 04 f4 00 01",
    ));
    let MessageBody::DelayResp(answer) = delay_resp.body else {
        panic!("{delay_resp:?}")
    };
    assert_eq!(answer.requesting_port_identity, slave());
    assert_eq!(
        answer.timestamp,
        PtpTimestamp::new(0x6b03_2e0f, 0x07e0_a0cf)
    );
}

#[test]
fn ptp4l_unicast_negotiation() {
    let request = parse_exact(&hex(
        "0c 02 00 36 00 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 6e cd fa ff fe 38 04 f4 00 01 00 00 05 7f ff ff ff ff ff ff ff ff ff ff 00 04 00 06 b0 01 00 00 0e 10",
    ));
    assert_eq!(request.body, MessageBody::Signaling(PortIdentity::ALL));
    assert!(request.header.flags.contains(PtpFlags::UNICAST));
    let [Tlv::RequestUnicastTransmission(asked)] = request.tlvs.as_slice() else {
        panic!("{request:?}")
    };
    assert_eq!(asked.message_type, MessageType::Announce);
    assert_eq!(asked.log_inter_message_period, 1);
    assert_eq!(asked.duration_seconds, 3600);

    let grant = parse_exact(&hex(
        "0c 02 00 38 00 00 04 00 00 00 00 00 00 00 00 00 00 00 00 00 5e 50 71 ff fe 2f ac d8 00 01 00 00 05 7f 6e cd fa ff fe 38 04 f4 00 01 00 05 00 08 b0 01 00 00 0e 10 00 01",
    ));
    assert_eq!(grant.body, MessageBody::Signaling(slave()));
    let [Tlv::GrantUnicastTransmission(granted)] = grant.tlvs.as_slice() else {
        panic!("{grant:?}")
    };
    assert_eq!(granted.message_type, MessageType::Announce);
    assert_eq!(granted.duration_seconds, 3600);
    assert!(granted.renewal_invited);
}
