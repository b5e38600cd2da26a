use super::*;
use crate::time::{Duration, Timestamp};

fn sample_packet() -> NtpPacket {
    let now = Timestamp::from_secs_nanos(1_700_000_000, 123_456_789);
    NtpPacket {
        leap: Leap::Insert,
        version: 4,
        mode: Mode::Server,
        stratum: 2,
        poll: 6,
        precision: -23,
        root_delay: NtpShort::from_duration(Duration::from_micros(1_500)),
        root_dispersion: NtpShort::from_duration(Duration::from_micros(800)),
        reference_id: RefId([192, 0, 2, 1]),
        reference_time: NtpTimestamp::from_timestamp(now - Duration::from_secs(30)),
        origin: NtpTimestamp::from_bits(0x0123_4567_89ab_cdef),
        receive: NtpTimestamp::from_timestamp(now),
        transmit: NtpTimestamp::from_timestamp(now + Duration::from_micros(20)),
    }
}

/// An extension field of `len` bytes (type 0x0104, as chrony's experimental fields).
fn extension(len: u16) -> Vec<u8> {
    let mut field = vec![0x01, 0x04];
    field.extend_from_slice(&len.to_be_bytes());
    field.resize(usize::from(len), 0xAA);
    field
}

#[test]
fn header_round_trips() {
    let packet = sample_packet();
    let bytes = packet.to_bytes();
    assert_eq!(NtpPacket::parse(&bytes), Ok(packet));
}

#[test]
fn wire_layout_matches_rfc_5905() {
    let bytes = sample_packet().to_bytes();
    // LI = 1, VN = 4, mode = 4: 01 100 100.
    assert_eq!(bytes[0], 0b0110_0100);
    assert_eq!(bytes[1], 2);
    assert_eq!(bytes[2], 6);
    assert_eq!(bytes[3] as i8, -23);
    assert_eq!(&bytes[12..16], &[192, 0, 2, 1]);
    assert_eq!(&bytes[24..32], &0x0123_4567_89ab_cdef_u64.to_be_bytes());
}

#[test]
fn every_truncation_is_rejected() {
    let bytes = sample_packet().to_bytes();
    for length in 0..HEADER_LEN {
        assert_eq!(
            NtpPacket::parse(&bytes[..length]),
            Err(PacketError::Truncated { length })
        );
    }
}

#[test]
fn versions_outside_one_to_four_are_rejected() {
    for version in [0, 5, 6, 7] {
        let mut packet = sample_packet();
        packet.version = version;
        assert_eq!(
            NtpPacket::parse(&packet.to_bytes()),
            Err(PacketError::UnsupportedVersion { version })
        );
    }
    for version in 1..=4 {
        let mut packet = sample_packet();
        packet.version = version;
        assert!(NtpPacket::parse(&packet.to_bytes()).is_ok());
    }
}

#[test]
fn unaligned_length_is_rejected() {
    let mut bytes = sample_packet().to_bytes().to_vec();
    bytes.push(0);
    assert_eq!(
        NtpPacket::parse(&bytes),
        Err(PacketError::Misaligned { length: 49 })
    );
}

#[test]
fn extension_fields_are_skipped() {
    let packet = sample_packet();
    let mut bytes = packet.to_bytes().to_vec();
    bytes.extend(extension(16));
    bytes.extend(extension(28));
    let (parsed, trailer) = NtpPacket::parse_with_trailer(&bytes).unwrap();
    assert_eq!(parsed, packet);
    assert_eq!(
        trailer,
        PacketTrailer {
            extension_fields: 2,
            mac_len: 0
        }
    );
}

#[test]
fn extension_fields_followed_by_a_mac() {
    let mut bytes = sample_packet().to_bytes().to_vec();
    bytes.extend(extension(32));
    bytes.extend([0u8; 20]);
    let (_, trailer) = NtpPacket::parse_with_trailer(&bytes).unwrap();
    assert_eq!(
        trailer,
        PacketTrailer {
            extension_fields: 1,
            mac_len: 20
        }
    );
}

#[test]
fn mac_only_and_crypto_nak_are_tolerated() {
    for mac_len in [4, 20, 24] {
        let mut bytes = sample_packet().to_bytes().to_vec();
        bytes.resize(HEADER_LEN + mac_len, 0x55);
        let (_, trailer) = NtpPacket::parse_with_trailer(&bytes).unwrap();
        assert_eq!(trailer.mac_len, mac_len);
        assert_eq!(trailer.extension_fields, 0);
    }
}

#[test]
fn ntpv3_trailer_is_a_mac_whatever_its_length() {
    let mut packet = sample_packet();
    packet.version = 3;
    let mut bytes = packet.to_bytes().to_vec();
    bytes.resize(HEADER_LEN + 12, 0);
    let (_, trailer) = NtpPacket::parse_with_trailer(&bytes).unwrap();
    assert_eq!(trailer.mac_len, 12);
}

#[test]
fn bad_extension_lengths_are_rejected() {
    let header = sample_packet().to_bytes();
    let cases: [(Vec<u8>, usize); 4] = [
        // Length field 8: below the 16-byte minimum.
        ([vec![0, 1, 0, 8], vec![0; 12]].concat(), 8),
        // Length field 18: not a multiple of 4.
        ([vec![0, 1, 0, 18], vec![0; 12]].concat(), 18),
        // Length field 64 with only 16 bytes present.
        ([vec![0, 1, 0, 64], vec![0; 12]].concat(), 64),
        // Length field 0 would loop forever if accepted.
        (vec![0; 16], 0),
    ];
    for (field, field_length) in cases {
        let bytes = [header.as_slice(), &field].concat();
        assert_eq!(
            NtpPacket::parse(&bytes),
            Err(PacketError::BadExtensionField {
                offset: HEADER_LEN,
                field_length,
                remaining: field.len(),
            })
        );
    }
}

#[test]
fn a_short_tail_after_a_valid_field_is_rejected() {
    let mut bytes = sample_packet().to_bytes().to_vec();
    bytes.extend(extension(32));
    bytes.extend([0, 0, 0, 0, 0, 0, 0, 0]);
    assert!(matches!(
        NtpPacket::parse(&bytes),
        Err(PacketError::BadExtensionField { offset: 80, .. })
    ));
    // 16 + 8 bytes would be read as a 24-byte MAC: RFC 7822's known ambiguity, resolved as
    // chrony resolves it.
    let mut ambiguous = sample_packet().to_bytes().to_vec();
    ambiguous.extend(extension(16));
    ambiguous.extend([0; 8]);
    let (_, trailer) = NtpPacket::parse_with_trailer(&ambiguous).unwrap();
    assert_eq!(trailer.mac_len, 24);
}

#[test]
fn kiss_codes() {
    let mut packet = sample_packet();
    assert_eq!(packet.kiss_code(), None);
    packet.stratum = 0;
    packet.leap = Leap::Unsynchronized;
    packet.reference_id = RefId::from_ascii("RATE");
    let parsed = NtpPacket::parse(&packet.to_bytes()).unwrap();
    assert_eq!(parsed.kiss_code(), Some(KissCode::RATE));
    packet.reference_id = RefId::from_ascii("DENY");
    assert_eq!(packet.kiss_code(), Some(KissCode::DENY));
}

#[test]
fn every_mode_and_leap_round_trips() {
    for bits in 0..8 {
        assert_eq!(Mode::from_bits(bits).to_bits(), bits);
    }
    for bits in 0..4 {
        assert_eq!(leap_to_bits(leap_from_bits(bits)), bits);
    }
}
