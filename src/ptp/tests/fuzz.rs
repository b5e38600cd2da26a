//! Property tests: no input makes the parser panic, whatever parses re-encodes to bytes
//! that parse equal, and every message the encoder can build parses back to itself.

use crate::ptp::{
    AnnounceBody, CancelUnicastTransmission, ClockIdentity, ClockQuality, CurrentDataSet,
    GrantUnicastTransmission, ManagementAction, ManagementBody, ManagementData, ManagementErrorId,
    ManagementErrorStatus, ManagementId, ManagementTlv, MessageBody, MessageType, ParentDataSet,
    PortIdentity, PtpFlags, PtpHeader, PtpMessage, PtpTimestamp, RequestUnicastTransmission,
    TimeInterval, TimePropertiesDataSet, TimePropertiesFlags, TimeSource, TimestampForPort, Tlv,
};
use proptest::collection::vec;
use proptest::prelude::*;

/// Parses `bytes`; when that works, the re-encoding must parse to the same message.
fn check_reparse(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(message) = PtpMessage::parse(bytes) {
        let again = PtpMessage::parse(&message.to_bytes());
        prop_assert_eq!(again, Ok(message));
    }
    Ok(())
}

/// One TLV as bytes, usually well framed: a known or random type, an even length that
/// usually matches the value, and management values with plausible data set sizes.
fn tlv_bytes() -> impl Strategy<Value = Vec<u8>> {
    let tlv_type = prop_oneof![1u16..=8, any::<u16>()];
    let value = prop_oneof![
        vec(any::<u8>(), 0..24),
        (
            prop_oneof![Just(0x2001u16), Just(0x2002), Just(0x2003), any::<u16>()],
            prop_oneof![Just(0usize), Just(4), Just(18), Just(32), 0usize..40],
        )
            .prop_flat_map(|(id, size)| {
                vec(any::<u8>(), size)
                    .prop_map(move |data| [id.to_be_bytes().to_vec(), data].concat())
            }),
    ];
    (tlv_type, value, -2i32..=2, any::<bool>()).prop_map(|(tlv_type, value, skew, honest)| {
        let length = if honest {
            value.len() as i32
        } else {
            value.len() as i32 + skew
        };
        let length = u16::try_from(length.max(0)).unwrap_or(0);
        [&tlv_type.to_be_bytes()[..], &length.to_be_bytes(), &value].concat()
    })
}

/// A datagram with a plausible header (version 2 mostly, any type nibble, a messageLength
/// near the real length) over a body of the type's size (mostly) and a TLV-shaped suffix.
fn near_valid_datagram() -> impl Strategy<Value = Vec<u8>> {
    let kind = prop_oneof![
        3 => (0u8..16, prop_oneof![0u8..4, 8u8..14]).prop_map(|(high, low)| (high << 4) | low),
        1 => any::<u8>(),
    ];
    let body =
        (kind, prop_oneof![4 => Just(true), 1 => Just(false)]).prop_flat_map(|(kind, fitting)| {
            let size = match MessageType::from_nibble(kind) {
                Some(message_type) if fitting => MessageBody::len_of(message_type),
                _ => usize::from(kind % 64),
            };
            (Just(kind), vec(any::<u8>(), size))
        });
    (
        any::<[u8; 34]>(),
        body,
        prop_oneof![9 => Just(2u8), 1 => any::<u8>()],
        vec(tlv_bytes(), 0..4),
        prop_oneof![4 => Just(0i32), 1 => -3i32..=3],
        vec(any::<u8>(), 0..4),
    )
        .prop_map(|(mut header, (kind, body), version, tlvs, skew, padding)| {
            header[0] = kind;
            header[1] = (header[1] & 0xf0) | (version & 0x0f);
            let mut bytes = [header.to_vec(), body, tlvs.concat()].concat();
            let length = u16::try_from((bytes.len() as i32 + skew).max(0)).unwrap_or(u16::MAX);
            bytes[2..4].copy_from_slice(&length.to_be_bytes());
            bytes.extend_from_slice(&padding);
            bytes
        })
}

fn any_port() -> impl Strategy<Value = PortIdentity> {
    (any::<[u8; 8]>(), any::<u16>())
        .prop_map(|(clock, port)| PortIdentity::new(ClockIdentity(clock), port))
}

fn any_time() -> impl Strategy<Value = PtpTimestamp> {
    (0..=PtpTimestamp::MAX_SECONDS, any::<u32>())
        .prop_map(|(seconds, nanos)| PtpTimestamp::new(seconds, nanos))
}

fn any_quality() -> impl Strategy<Value = ClockQuality> {
    (any::<u8>(), any::<u8>(), any::<u16>()).prop_map(|(clock_class, clock_accuracy, variance)| {
        ClockQuality {
            clock_class,
            clock_accuracy,
            offset_scaled_log_variance: variance,
        }
    })
}

fn any_header() -> impl Strategy<Value = PtpHeader> {
    (
        (
            0u8..16,
            0u8..16,
            any::<u8>(),
            any::<u8>(),
            any::<u16>(),
            any::<i64>(),
        ),
        (
            any::<u32>(),
            any_port(),
            any::<u16>(),
            any::<u8>(),
            any::<i8>(),
        ),
    )
        .prop_map(
            |(
                (transport, minor, domain, sdo, flags, correction),
                (specific, source, sequence, control, interval),
            )| PtpHeader {
                transport_specific: transport,
                minor_version: minor,
                domain_number: domain,
                minor_sdo_id: sdo,
                flags: PtpFlags(flags),
                correction: TimeInterval(correction),
                message_type_specific: specific,
                source_port_identity: source,
                sequence_id: sequence,
                control_field: control,
                log_message_interval: interval,
            },
        )
}

fn any_announce() -> impl Strategy<Value = AnnounceBody> {
    (
        any_time(),
        any::<i16>(),
        any::<u8>(),
        any_quality(),
        any::<u8>(),
        any::<[u8; 8]>(),
        any::<u16>(),
        any::<u8>(),
    )
        .prop_map(
            |(origin, utc, p1, quality, p2, gm, steps, source)| AnnounceBody {
                origin_timestamp: origin,
                current_utc_offset: utc,
                grandmaster_priority1: p1,
                grandmaster_clock_quality: quality,
                grandmaster_priority2: p2,
                grandmaster_identity: ClockIdentity(gm),
                steps_removed: steps,
                time_source: TimeSource(source),
            },
        )
}

fn any_answer() -> impl Strategy<Value = TimestampForPort> {
    (any_time(), any_port()).prop_map(|(timestamp, port)| TimestampForPort {
        timestamp,
        requesting_port_identity: port,
    })
}

fn any_body() -> impl Strategy<Value = MessageBody> {
    let management =
        (any_port(), any::<u8>(), any::<u8>(), 0u8..5).prop_map(|(target, start, hops, action)| {
            ManagementBody {
                target_port_identity: target,
                starting_boundary_hops: start,
                boundary_hops: hops,
                action: ManagementAction::from_nibble(action).unwrap_or(ManagementAction::Get),
            }
        });
    prop_oneof![
        any_time().prop_map(MessageBody::Sync),
        any_time().prop_map(MessageBody::DelayReq),
        any_time().prop_map(MessageBody::PdelayReq),
        any_time().prop_map(MessageBody::FollowUp),
        any_answer().prop_map(MessageBody::PdelayResp),
        any_answer().prop_map(MessageBody::DelayResp),
        any_answer().prop_map(MessageBody::PdelayRespFollowUp),
        any_announce().prop_map(MessageBody::Announce),
        any_port().prop_map(MessageBody::Signaling),
        management.prop_map(MessageBody::Management),
    ]
}

fn any_message_type() -> impl Strategy<Value = MessageType> {
    prop_oneof![0u8..4, 8u8..14]
        .prop_map(|nibble| MessageType::from_nibble(nibble).unwrap_or(MessageType::Sync))
}

fn even_bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<[u8; 2]>(), 0..12).prop_map(|pairs| pairs.concat())
}

fn any_management_data() -> impl Strategy<Value = ManagementTlv> {
    let current = (any::<u16>(), any::<i64>(), any::<i64>()).prop_map(|(steps, offset, delay)| {
        CurrentDataSet {
            steps_removed: steps,
            offset_from_master: TimeInterval(offset),
            mean_path_delay: TimeInterval(delay),
        }
    });
    let parent = (
        any_port(),
        any::<bool>(),
        any::<u16>(),
        any::<i32>(),
        any::<u8>(),
        any_quality(),
        any::<u8>(),
        any::<[u8; 8]>(),
    )
        .prop_map(
            |(parent, stats, variance, rate, p1, quality, p2, gm)| ParentDataSet {
                parent_port_identity: parent,
                parent_stats: stats,
                observed_parent_offset_scaled_log_variance: variance,
                observed_parent_clock_phase_change_rate: rate,
                grandmaster_priority1: p1,
                grandmaster_clock_quality: quality,
                grandmaster_priority2: p2,
                grandmaster_identity: ClockIdentity(gm),
            },
        );
    let properties = (any::<i16>(), any::<u8>(), any::<u8>()).prop_map(|(utc, flags, source)| {
        TimePropertiesDataSet {
            current_utc_offset: utc,
            flags: TimePropertiesFlags(flags),
            time_source: TimeSource(source),
        }
    });
    let raw_id = any::<u16>().prop_filter("typed ids decode", |id| !(0x2001..=0x2003).contains(id));
    prop_oneof![
        any::<u16>().prop_map(|id| ManagementTlv::empty(ManagementId(id))),
        current.prop_map(|set| ManagementTlv {
            management_id: ManagementId::CURRENT_DATA_SET,
            data: ManagementData::CurrentDataSet(set)
        }),
        parent.prop_map(|set| ManagementTlv {
            management_id: ManagementId::PARENT_DATA_SET,
            data: ManagementData::ParentDataSet(set)
        }),
        properties.prop_map(|set| ManagementTlv {
            management_id: ManagementId::TIME_PROPERTIES_DATA_SET,
            data: ManagementData::TimePropertiesDataSet(set)
        }),
        (
            raw_id,
            even_bytes().prop_filter("empty data is Empty", |bytes| !bytes.is_empty())
        )
            .prop_map(|(id, bytes)| ManagementTlv {
                management_id: ManagementId(id),
                data: ManagementData::Raw(bytes)
            }),
    ]
}

fn any_cancel() -> impl Strategy<Value = CancelUnicastTransmission> {
    (any_message_type(), any::<bool>(), any::<bool>()).prop_map(|(kind, request, grant)| {
        CancelUnicastTransmission {
            message_type: kind,
            maintain_request: request,
            maintain_grant: grant,
        }
    })
}

fn any_tlv() -> impl Strategy<Value = Tlv> {
    prop_oneof![
        (any_message_type(), any::<i8>(), any::<u32>()).prop_map(|(kind, period, duration)| {
            Tlv::RequestUnicastTransmission(RequestUnicastTransmission {
                message_type: kind,
                log_inter_message_period: period,
                duration_seconds: duration,
            })
        }),
        (any_message_type(), any::<i8>(), any::<u32>(), any::<bool>()).prop_map(
            |(kind, period, duration, renewal)| {
                Tlv::GrantUnicastTransmission(GrantUnicastTransmission {
                    message_type: kind,
                    log_inter_message_period: period,
                    duration_seconds: duration,
                    renewal_invited: renewal,
                })
            }
        ),
        any_cancel().prop_map(Tlv::CancelUnicastTransmission),
        any_cancel().prop_map(Tlv::AcknowledgeCancelUnicastTransmission),
        any_management_data().prop_map(Tlv::Management),
        (any::<u16>(), any::<u16>(), even_bytes()).prop_map(|(error, id, display)| {
            Tlv::ManagementErrorStatus(ManagementErrorStatus {
                error: ManagementErrorId(error),
                management_id: ManagementId(id),
                display_data: display,
            })
        }),
        (
            any::<u16>().prop_filter("known types decode", |kind| !(1..=7).contains(kind)),
            even_bytes()
        )
            .prop_map(|(tlv_type, value)| Tlv::Other { tlv_type, value }),
    ]
}

fn any_message() -> impl Strategy<Value = PtpMessage> {
    (any_header(), any_body(), vec(any_tlv(), 0..4)).prop_map(|(header, body, tlvs)| PtpMessage {
        header,
        body,
        tlvs,
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..200)) {
        check_reparse(&bytes)?;
    }

    #[test]
    fn near_valid_datagrams_never_panic_and_reparse_equal(bytes in near_valid_datagram()) {
        check_reparse(&bytes)?;
    }

    #[test]
    fn every_buildable_message_round_trips(message in any_message()) {
        let bytes = message.to_bytes();
        prop_assert_eq!(usize::from(u16::from_be_bytes([bytes[2], bytes[3]])), bytes.len());
        prop_assert_eq!(PtpMessage::parse(&bytes), Ok(message));
    }

    #[test]
    fn truncations_and_bit_flips_never_panic(message in any_message(), cut in any::<prop::sample::Index>(), flip in any::<(prop::sample::Index, u8)>()) {
        let mut bytes = message.to_bytes();
        let (at, mask) = flip;
        let at = at.index(bytes.len());
        bytes[at] ^= mask;
        check_reparse(&bytes)?;
        bytes.truncate(cut.index(bytes.len()));
        check_reparse(&bytes)?;
    }
}
