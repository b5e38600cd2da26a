//! Exact bytes: each message built here encodes to the bytes ptp4l or pmc put on the wire
//! (read off linuxptp's msg.h/tlv.h/ds.h and pmc_common.c), and those bytes parse back to it.

use crate::ptp::{
    AnnounceBody, CancelUnicastTransmission, ClockIdentity, ClockQuality, CurrentDataSet,
    GrantUnicastTransmission, ManagementAction, ManagementBody, ManagementData, ManagementErrorId,
    ManagementErrorStatus, ManagementId, ManagementTlv, MessageBody, MessageType, PortIdentity,
    PtpFlags, PtpMessage, PtpTimestamp, RequestUnicastTransmission, TimeInterval, TimeSource,
    TimestampForPort, Tlv, management_reply,
};

/// Bytes from whitespace-separated hex pairs.
pub(super) fn hex(text: &str) -> Vec<u8> {
    text.split_whitespace()
        .map(|pair| u8::from_str_radix(pair, 16).expect("test hex is valid"))
        .collect()
}

/// The clock of a NIC with MAC 00:11:22:33:44:55.
pub(super) fn source() -> PortIdentity {
    PortIdentity::new(
        ClockIdentity::from_mac([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]),
        1,
    )
}

/// Encodes `message`, compares with `expected`, and parses `expected` back to `message`.
fn assert_wire(message: &PtpMessage, expected: &[u8]) {
    assert_eq!(message.to_bytes(), expected, "encoding");
    assert_eq!(PtpMessage::parse(expected).as_ref(), Ok(message), "parsing");
}

#[test]
fn sync_from_a_two_step_master() {
    let mut sync = PtpMessage::new(
        MessageBody::Sync(PtpTimestamp::new(1_700_000_037, 123_456_789)),
        source(),
        7,
    );
    sync.header.flags = PtpFlags::TWO_STEP;
    sync.header.log_message_interval = 0;
    let expected = hex(
        "00 02 00 2c 00 00 02 00  00 00 00 00 00 00 00 00  00 00 00 00
         00 11 22 ff fe 33 44 55 00 01  00 07 00 00
         00 00 65 53 f1 25 07 5b cd 15",
    );
    assert_wire(&sync, &expected);
}

#[test]
fn announce_from_a_default_ptp4l_grandmaster() {
    let announce = AnnounceBody {
        origin_timestamp: PtpTimestamp::default(),
        current_utc_offset: 37,
        grandmaster_priority1: 128,
        grandmaster_clock_quality: ClockQuality {
            clock_class: 248,
            clock_accuracy: 0xfe,
            offset_scaled_log_variance: 0xffff,
        },
        grandmaster_priority2: 128,
        grandmaster_identity: source().clock_identity,
        steps_removed: 0,
        time_source: TimeSource::INTERNAL_OSCILLATOR,
    };
    let mut message = PtpMessage::new(MessageBody::Announce(announce), source(), 0x1234);
    message.header.flags = PtpFlags::PTP_TIMESCALE;
    message.header.log_message_interval = 1;
    let expected = hex(
        "0b 02 00 40 00 00 00 08  00 00 00 00 00 00 00 00  00 00 00 00
         00 11 22 ff fe 33 44 55 00 01  12 34 05 01
         00 00 00 00 00 00 00 00 00 00  00 25 00 80 f8 fe ff ff 80
         00 11 22 ff fe 33 44 55  00 00 a0",
    );
    assert_wire(&message, &expected);
}

#[test]
fn delay_resp_with_a_fractional_correction() {
    let requester = PortIdentity::new(ClockIdentity([0xaa; 8]), 2);
    let mut message = PtpMessage::new(
        MessageBody::DelayResp(TimestampForPort {
            timestamp: PtpTimestamp::new(1_700_000_037, 999_999_999),
            requesting_port_identity: requester,
        }),
        source(),
        0xfffe,
    );
    message.header.correction = TimeInterval(0x0001_8000);
    message.header.domain_number = 24;
    message.header.log_message_interval = 0;
    let expected = hex(
        "09 02 00 36 18 00 00 00  00 00 00 00 00 01 80 00  00 00 00 00
         00 11 22 ff fe 33 44 55 00 01  ff fe 03 00
         00 00 65 53 f1 25 3b 9a c9 ff  aa aa aa aa aa aa aa aa 00 02",
    );
    assert_wire(&message, &expected);
    assert_eq!(message.header.correction.to_nanos(), 2);
}

#[test]
fn signaling_requests_unicast_announce_like_ptp4l() {
    let mut message = PtpMessage::new(MessageBody::Signaling(PortIdentity::ALL), source(), 3);
    message.header.flags = PtpFlags::UNICAST;
    message.tlvs.push(Tlv::RequestUnicastTransmission(
        RequestUnicastTransmission {
            message_type: MessageType::Announce,
            log_inter_message_period: 1,
            duration_seconds: 60,
        },
    ));
    let expected = hex(
        "0c 02 00 36 00 00 04 00  00 00 00 00 00 00 00 00  00 00 00 00
         00 11 22 ff fe 33 44 55 00 01  00 03 05 7f
         ff ff ff ff ff ff ff ff ff ff
         00 04 00 06 b0 01 00 00 00 3c",
    );
    assert_wire(&message, &expected);
}

#[test]
fn signaling_grant_cancel_and_acknowledge() {
    let mut message = PtpMessage::new(MessageBody::Signaling(source()), source(), 4);
    message.tlvs = vec![
        Tlv::GrantUnicastTransmission(GrantUnicastTransmission {
            message_type: MessageType::Sync,
            log_inter_message_period: -4,
            duration_seconds: 300,
            renewal_invited: true,
        }),
        Tlv::CancelUnicastTransmission(CancelUnicastTransmission::new(MessageType::DelayResp)),
        Tlv::AcknowledgeCancelUnicastTransmission(CancelUnicastTransmission {
            message_type: MessageType::Announce,
            maintain_request: false,
            maintain_grant: true,
        }),
    ];
    let expected = hex(
        "0c 02 00 44 00 00 00 00  00 00 00 00 00 00 00 00  00 00 00 00
         00 11 22 ff fe 33 44 55 00 01  00 04 05 7f
         00 11 22 ff fe 33 44 55 00 01
         00 05 00 08 00 fc 00 00 01 2c 00 01
         00 06 00 02 90 00
         00 07 00 02 b2 00",
    );
    assert_wire(&message, &expected);
}

/// What `pmc -4 -b 0 'GET CURRENT_DATA_SET'` (linuxptp 3.x, UDP) sends from a NIC with MAC
/// 00:11:22:33:44:55 (source port 1 of the MAC's EUI-64): target all ones, both hop counts
/// 0, action GET, controlField 4, logMessageInterval 0x7f, and a MANAGEMENT TLV of length
/// 2 + 18 with 18 zero data bytes (`pmc -z` sends length 2 and no data). `pmc -u` sends
/// the same over a Unix socket with a zero clock identity and its pid as port number; see
/// `captured.rs` for both, captured from pmc 3.1.1.
fn pmc_get_current_data_set() -> Vec<u8> {
    hex(
        "0d 02 00 48 00 00 00 00  00 00 00 00 00 00 00 00  00 00 00 00
         00 11 22 ff fe 33 44 55 00 01  00 00 04 7f
         ff ff ff ff ff ff ff ff ff ff  00 00 00 00
         00 01 00 14 20 01
         00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
    )
}

fn get_current_data_set(data: ManagementData) -> PtpMessage {
    let mut message = PtpMessage::new(
        MessageBody::Management(ManagementBody {
            target_port_identity: PortIdentity::ALL,
            starting_boundary_hops: 0,
            boundary_hops: 0,
            action: ManagementAction::Get,
        }),
        source(),
        0,
    );
    message.tlvs.push(Tlv::Management(ManagementTlv {
        management_id: ManagementId::CURRENT_DATA_SET,
        data,
    }));
    message
}

#[test]
fn management_get_current_data_set_as_pmc_sends_it() {
    let expected = get_current_data_set(ManagementData::CurrentDataSet(CurrentDataSet::default()));
    assert_wire(&expected, &pmc_get_current_data_set());
}

#[test]
fn management_get_with_empty_data_as_pmc_z_sends_it() {
    let mut bytes = pmc_get_current_data_set();
    bytes.truncate(54);
    bytes[3] = 0x36;
    bytes[51] = 0x02;
    assert_wire(&get_current_data_set(ManagementData::Empty), &bytes);
}

#[test]
fn ptp_1588_2019_minor_version_is_kept() {
    let mut bytes = pmc_get_current_data_set();
    bytes[1] = 0x12;
    let message = PtpMessage::parse(&bytes).expect("version 2.1 parses");
    assert_eq!(message.header.minor_version, 1);
    assert_eq!(message.to_bytes(), bytes);
}

#[test]
fn management_response_carries_the_current_data_set() {
    let request = PtpMessage::parse(&pmc_get_current_data_set()).expect("pmc request parses");
    let responder = PortIdentity::new(ClockIdentity([0x66; 8]), 1);
    let data_set = CurrentDataSet {
        steps_removed: 1,
        offset_from_master: TimeInterval::from_nanos(-12),
        mean_path_delay: TimeInterval::from_nanos(3_456),
    };
    let tlv = Tlv::Management(ManagementTlv {
        management_id: ManagementId::CURRENT_DATA_SET,
        data: ManagementData::CurrentDataSet(data_set),
    });
    let response = management_reply(&request, responder, tlv).expect("GET gets a RESPONSE");
    let expected = hex(
        "0d 02 00 48 00 00 00 00  00 00 00 00 00 00 00 00  00 00 00 00
         66 66 66 66 66 66 66 66 00 01  00 00 04 7f
         00 11 22 ff fe 33 44 55 00 01  00 00 02 00
         00 01 00 14 20 01
         00 01  ff ff ff ff ff f4 00 00  00 00 00 00 0d 80 00 00",
    );
    assert_wire(&response, &expected);
}

#[test]
fn management_error_status_for_an_unsupported_id() {
    let mut request = get_current_data_set(ManagementData::Empty);
    request.header.sequence_id = 9;
    if let MessageBody::Management(body) = &mut request.body {
        body.starting_boundary_hops = 3;
        body.boundary_hops = 1;
        body.action = ManagementAction::Command;
    }
    let responder = PortIdentity::new(ClockIdentity([0x66; 8]), 1);
    let error = ManagementErrorStatus::new(
        ManagementErrorId::NOT_SUPPORTED,
        ManagementId::CURRENT_DATA_SET,
    );
    let reply = management_reply(&request, responder, Tlv::ManagementErrorStatus(error))
        .expect("COMMAND gets an ACKNOWLEDGE");
    let expected = hex(
        "0d 02 00 3c 00 00 00 00  00 00 00 00 00 00 00 00  00 00 00 00
         66 66 66 66 66 66 66 66 00 01  00 09 04 7f
         00 11 22 ff fe 33 44 55 00 01  02 02 04 00
         00 02 00 08 00 06 20 01 00 00 00 00",
    );
    assert_wire(&reply, &expected);
    assert_eq!(
        management_reply(
            &reply,
            responder,
            Tlv::Other {
                tlv_type: 0,
                value: vec![]
            }
        ),
        None
    );
}

#[test]
fn unknown_tlvs_are_kept_and_odd_raw_data_is_padded() {
    let mut message = PtpMessage::new(MessageBody::Signaling(PortIdentity::ALL), source(), 1);
    message.tlvs = vec![
        Tlv::Other {
            tlv_type: Tlv::PATH_TRACE,
            value: vec![0x11; 8],
        },
        Tlv::Management(ManagementTlv {
            management_id: ManagementId::USER_DESCRIPTION,
            data: ManagementData::Raw(vec![0x01, b'x', 0x00]),
        }),
    ];
    let bytes = message.to_bytes();
    assert_eq!(bytes.len(), 44 + 12 + 10);
    assert_eq!(&bytes[44..48], &[0x00, 0x08, 0x00, 0x08]);
    assert_eq!(&bytes[56..], &hex("00 01 00 06 00 02 01 78 00 00"));
    let parsed = PtpMessage::parse(&bytes).expect("parses");
    assert_eq!(parsed.tlvs[0], message.tlvs[0]);
    assert_eq!(
        parsed.tlvs[1],
        Tlv::Management(ManagementTlv {
            management_id: ManagementId::USER_DESCRIPTION,
            data: ManagementData::Raw(vec![0x01, b'x', 0x00, 0x00]),
        })
    );
}

#[test]
fn padding_after_message_length_is_ignored() {
    let mut bytes = pmc_get_current_data_set();
    let message = PtpMessage::parse(&bytes).expect("parses");
    bytes.extend_from_slice(&[0xde, 0xad, 0xbe]);
    assert_eq!(PtpMessage::parse(&bytes), Ok(message));
}
