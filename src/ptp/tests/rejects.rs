//! Malformed messages: each is rejected with the error that names what is wrong.

use super::bytes::{hex, source};
use crate::ptp::{
    MessageBody, MessageType, PortIdentity, PtpMessage, PtpParseError, PtpTimestamp, TlvProblem,
};

/// A Signaling message to every port with `tlv_bytes` as its suffix and messageLength
/// covering them.
fn signaling_with(tlv_bytes: &[u8]) -> Vec<u8> {
    let mut bytes =
        PtpMessage::new(MessageBody::Signaling(PortIdentity::ALL), source(), 1).to_bytes();
    bytes.extend_from_slice(tlv_bytes);
    let length = u16::try_from(bytes.len()).expect("small test message");
    bytes[2..4].copy_from_slice(&length.to_be_bytes());
    bytes
}

fn sync_bytes() -> Vec<u8> {
    PtpMessage::new(MessageBody::Sync(PtpTimestamp::new(1, 2)), source(), 1).to_bytes()
}

#[test]
fn shorter_than_the_header() {
    let bytes = sync_bytes();
    assert_eq!(
        PtpMessage::parse(&bytes[..33]),
        Err(PtpParseError::ShorterThanHeader { length: 33 })
    );
    assert_eq!(
        PtpMessage::parse(&[]),
        Err(PtpParseError::ShorterThanHeader { length: 0 })
    );
}

#[test]
fn versions_other_than_2() {
    let mut bytes = sync_bytes();
    bytes[1] = 0x01;
    assert_eq!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::BadVersion { version: 1 })
    );
    bytes[1] = 0x13;
    assert_eq!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::BadVersion { version: 3 })
    );
}

#[test]
fn reserved_message_types() {
    let mut bytes = sync_bytes();
    for nibble in [0x4, 0x7, 0xe, 0xf] {
        bytes[0] = 0x10 | nibble;
        assert_eq!(
            PtpMessage::parse(&bytes),
            Err(PtpParseError::UnknownType {
                message_type: nibble
            })
        );
    }
}

#[test]
fn message_length_past_the_datagram() {
    let bytes = sync_bytes();
    for cut in 34..bytes.len() {
        assert_eq!(
            PtpMessage::parse(&bytes[..cut]),
            Err(PtpParseError::LengthExceedsDatagram {
                message_length: 44,
                received: cut
            })
        );
    }
}

#[test]
fn message_length_shorter_than_the_body() {
    let mut bytes = sync_bytes();
    bytes[0] = MessageType::Announce.nibble();
    assert_eq!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::LengthTooShort {
            message_type: MessageType::Announce,
            needed: 64,
            message_length: 44
        })
    );
    let mut bytes = sync_bytes();
    bytes[3] = 10;
    assert_eq!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::LengthTooShort {
            message_type: MessageType::Sync,
            needed: 44,
            message_length: 10
        })
    );
}

#[test]
fn stray_bytes_after_the_tlvs() {
    let bytes = signaling_with(&hex("00 06 00 02 90 00  00 06"));
    assert_eq!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::StrayBytes {
            offset: 50,
            count: 2
        })
    );
}

#[test]
fn tlv_with_odd_length_or_past_the_end() {
    let bytes = signaling_with(&hex("00 08 00 03 00 00 00"));
    assert_eq!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::BadTlv {
            offset: 44,
            tlv_type: 8,
            problem: TlvProblem::OddLength { length: 3 }
        })
    );
    let bytes = signaling_with(&hex("00 06 00 02 90 00  00 08 00 08 00 00"));
    let error = PtpMessage::parse(&bytes).expect_err("runs past the end");
    assert_eq!(
        error,
        PtpParseError::BadTlv {
            offset: 50,
            tlv_type: 8,
            problem: TlvProblem::PastEnd {
                length: 8,
                remaining: 2
            }
        }
    );
    assert_eq!(
        error.to_string(),
        "PTP TLV 0x0008 at offset 50: lengthField 8 runs past the 2 bytes left in the message"
    );
}

#[test]
fn known_tlvs_too_short_or_naming_reserved_types() {
    let bytes = signaling_with(&hex("00 04 00 04 b0 01 00 00"));
    assert_eq!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::BadTlv {
            offset: 44,
            tlv_type: 4,
            problem: TlvProblem::TooShort {
                length: 4,
                needed: 6
            }
        })
    );
    let bytes = signaling_with(&hex("00 05 00 08 40 00 00 00 00 3c 00 00"));
    assert_eq!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::BadTlv {
            offset: 44,
            tlv_type: 5,
            problem: TlvProblem::UnknownMessageType { message_type: 4 }
        })
    );
    let bytes = signaling_with(&hex("00 02 00 06 00 06 20 01 00 00"));
    assert!(matches!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::BadTlv {
            problem: TlvProblem::TooShort {
                length: 6,
                needed: 8
            },
            ..
        })
    ));
}

#[test]
fn known_tlvs_may_be_longer_than_their_fields() {
    let bytes = signaling_with(&hex("00 04 00 08 b0 01 00 00 00 3c ee ee"));
    let message = PtpMessage::parse(&bytes).expect("extra bytes ignored");
    assert_eq!(message.to_bytes().len(), bytes.len() - 2);
}

#[test]
fn management_data_set_of_the_wrong_size() {
    let bytes = signaling_with(&hex("00 01 00 06 20 01 00 00 00 00"));
    assert_eq!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::BadTlv {
            offset: 44,
            tlv_type: 1,
            problem: TlvProblem::ManagementDataLength {
                management_id: 0x2001,
                length: 4,
                expected: 18
            }
        })
    );
}

#[test]
fn management_tlv_without_an_id() {
    let bytes = signaling_with(&hex("00 01 00 00"));
    assert!(matches!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::BadTlv {
            problem: TlvProblem::TooShort {
                length: 0,
                needed: 2
            },
            ..
        })
    ));
}

#[test]
fn reserved_management_actions() {
    let mut bytes = hex(
        "0d 02 00 36 00 00 00 00  00 00 00 00 00 00 00 00  00 00 00 00
         00 11 22 ff fe 33 44 55 00 01  00 00 04 7f
         ff ff ff ff ff ff ff ff ff ff  00 00 00 00
         00 01 00 02 20 01",
    );
    assert!(PtpMessage::parse(&bytes).is_ok());
    bytes[46] = 0xf5;
    assert_eq!(
        PtpMessage::parse(&bytes),
        Err(PtpParseError::BadManagementAction { action: 5 })
    );
}
