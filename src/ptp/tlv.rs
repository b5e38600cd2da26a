//! TLVs (§14): the framing shared by every message's suffix, the unicast negotiation TLVs
//! of §16.1 and the management TLVs of §15 (decoded in [`management`](super::management)).
//!
//! ```text
//! octet 0–1  tlvType
//!       2–3  lengthField: bytes of value, even
//!       4…   value
//! ```
//!
//! Like ptp4l, the parser rejects an odd lengthField or one that runs past messageLength,
//! and a known TLV whose value is shorter than its fields; a longer value is accepted and
//! the extra bytes ignored. TLVs of other types are kept as raw bytes and skipped.

use crate::ptp::error::{PtpParseError, TlvProblem};
use crate::ptp::fields::MessageType;
use crate::ptp::management::{ManagementErrorStatus, ManagementTlv};
use crate::ptp::wire::{Reader, WriteExt, patch_u16};

/// Length of a TLV's type and length fields.
pub const TLV_HEADER_LEN: usize = 4;

/// One TLV of a message's suffix.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Tlv {
    /// 0x0001 MANAGEMENT: a managementId and its data (§15.5.2).
    Management(ManagementTlv),
    /// 0x0002 MANAGEMENT_ERROR_STATUS (§15.5.4).
    ManagementErrorStatus(ManagementErrorStatus),
    /// 0x0004 REQUEST_UNICAST_TRANSMISSION (§16.1.4.1).
    RequestUnicastTransmission(RequestUnicastTransmission),
    /// 0x0005 GRANT_UNICAST_TRANSMISSION (§16.1.4.2).
    GrantUnicastTransmission(GrantUnicastTransmission),
    /// 0x0006 CANCEL_UNICAST_TRANSMISSION (§16.1.4.3).
    CancelUnicastTransmission(CancelUnicastTransmission),
    /// 0x0007 ACKNOWLEDGE_CANCEL_UNICAST_TRANSMISSION (§16.1.4.4).
    AcknowledgeCancelUnicastTransmission(CancelUnicastTransmission),
    /// Any other type (PATH_TRACE, ORGANIZATION_EXTENSION, ...), kept as received. An odd
    /// value is padded with a zero byte when encoded.
    Other {
        /// tlvType.
        tlv_type: u16,
        /// The value bytes.
        value: Vec<u8>,
    },
}

impl Tlv {
    /// tlvType of MANAGEMENT.
    pub const MANAGEMENT: u16 = 0x0001;
    /// tlvType of MANAGEMENT_ERROR_STATUS.
    pub const MANAGEMENT_ERROR_STATUS: u16 = 0x0002;
    /// tlvType of ORGANIZATION_EXTENSION.
    pub const ORGANIZATION_EXTENSION: u16 = 0x0003;
    /// tlvType of REQUEST_UNICAST_TRANSMISSION.
    pub const REQUEST_UNICAST_TRANSMISSION: u16 = 0x0004;
    /// tlvType of GRANT_UNICAST_TRANSMISSION.
    pub const GRANT_UNICAST_TRANSMISSION: u16 = 0x0005;
    /// tlvType of CANCEL_UNICAST_TRANSMISSION.
    pub const CANCEL_UNICAST_TRANSMISSION: u16 = 0x0006;
    /// tlvType of ACKNOWLEDGE_CANCEL_UNICAST_TRANSMISSION.
    pub const ACKNOWLEDGE_CANCEL_UNICAST_TRANSMISSION: u16 = 0x0007;
    /// tlvType of PATH_TRACE.
    pub const PATH_TRACE: u16 = 0x0008;

    /// The tlvType this TLV is sent with.
    pub const fn tlv_type(&self) -> u16 {
        match self {
            Tlv::Management(_) => Tlv::MANAGEMENT,
            Tlv::ManagementErrorStatus(_) => Tlv::MANAGEMENT_ERROR_STATUS,
            Tlv::RequestUnicastTransmission(_) => Tlv::REQUEST_UNICAST_TRANSMISSION,
            Tlv::GrantUnicastTransmission(_) => Tlv::GRANT_UNICAST_TRANSMISSION,
            Tlv::CancelUnicastTransmission(_) => Tlv::CANCEL_UNICAST_TRANSMISSION,
            Tlv::AcknowledgeCancelUnicastTransmission(_) => {
                Tlv::ACKNOWLEDGE_CANCEL_UNICAST_TRANSMISSION
            }
            Tlv::Other { tlv_type, .. } => *tlv_type,
        }
    }

    /// Decodes one TLV's value.
    fn decode(tlv_type: u16, value: &[u8]) -> Result<Tlv, TlvProblem> {
        Ok(match tlv_type {
            Tlv::MANAGEMENT => Tlv::Management(ManagementTlv::decode(value)?),
            Tlv::MANAGEMENT_ERROR_STATUS => {
                Tlv::ManagementErrorStatus(ManagementErrorStatus::decode(value)?)
            }
            Tlv::REQUEST_UNICAST_TRANSMISSION => {
                Tlv::RequestUnicastTransmission(RequestUnicastTransmission::decode(value)?)
            }
            Tlv::GRANT_UNICAST_TRANSMISSION => {
                Tlv::GrantUnicastTransmission(GrantUnicastTransmission::decode(value)?)
            }
            Tlv::CANCEL_UNICAST_TRANSMISSION => {
                Tlv::CancelUnicastTransmission(CancelUnicastTransmission::decode(value)?)
            }
            Tlv::ACKNOWLEDGE_CANCEL_UNICAST_TRANSMISSION => {
                Tlv::AcknowledgeCancelUnicastTransmission(CancelUnicastTransmission::decode(value)?)
            }
            _ => Tlv::Other {
                tlv_type,
                value: value.to_vec(),
            },
        })
    }

    /// Appends the TLV: type, length, value, and a zero pad byte when the value is odd.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u16(self.tlv_type());
        let length_at = out.len();
        out.put_u16(0);
        let value_start = out.len();
        match self {
            Tlv::Management(tlv) => tlv.write_value(out),
            Tlv::ManagementErrorStatus(tlv) => tlv.write_value(out),
            Tlv::RequestUnicastTransmission(tlv) => tlv.write_value(out),
            Tlv::GrantUnicastTransmission(tlv) => tlv.write_value(out),
            Tlv::CancelUnicastTransmission(tlv)
            | Tlv::AcknowledgeCancelUnicastTransmission(tlv) => tlv.write_value(out),
            Tlv::Other { value, .. } => out.extend_from_slice(value),
        }
        if (out.len() - value_start) % 2 == 1 {
            out.push(0);
        }
        let value_length = out.len() - value_start;
        patch_u16(out, length_at, value_length);
    }
}

/// Decodes the TLVs filling `suffix`, which starts `base_offset` bytes into the message.
pub(crate) fn read_tlvs(suffix: &[u8], base_offset: usize) -> Result<Vec<Tlv>, PtpParseError> {
    let mut reader = Reader::new(suffix);
    let mut tlvs = Vec::new();
    while reader.remaining() > 0 {
        let offset = base_offset + reader.position();
        let (Some(tlv_type), Some(length)) = (reader.u16(), reader.u16()) else {
            return Err(PtpParseError::StrayBytes {
                offset,
                count: suffix.len() - (offset - base_offset),
            });
        };
        let bad = |problem| PtpParseError::BadTlv {
            offset,
            tlv_type,
            problem,
        };
        if length % 2 == 1 {
            return Err(bad(TlvProblem::OddLength { length }));
        }
        let remaining = reader.remaining();
        let value = reader
            .take(usize::from(length))
            .ok_or(bad(TlvProblem::PastEnd { length, remaining }))?;
        tlvs.push(Tlv::decode(tlv_type, value).map_err(bad)?);
    }
    Ok(tlvs)
}

/// Runs `read` over `value`; running out of bytes is [`TlvProblem::TooShort`] against the
/// `needed` bytes of the type's fixed fields.
pub(crate) fn read_value<'a, T>(
    value: &'a [u8],
    needed: usize,
    read: impl FnOnce(&mut Reader<'a>) -> Option<T>,
) -> Result<T, TlvProblem> {
    read(&mut Reader::new(value)).ok_or(TlvProblem::TooShort {
        length: u16::try_from(value.len()).unwrap_or(u16::MAX),
        needed,
    })
}

/// The messageType in the high nibble of a unicast negotiation TLV's first octet.
fn message_type_of(octet: u8) -> Result<MessageType, TlvProblem> {
    MessageType::from_nibble(octet >> 4).ok_or(TlvProblem::UnknownMessageType {
        message_type: octet >> 4,
    })
}

/// REQUEST_UNICAST_TRANSMISSION: ask a master for a stream of one message type (value:
/// messageType << 4, logInterMessagePeriod, durationField; 6 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestUnicastTransmission {
    /// Announce, Sync, Delay_Resp or Pdelay_Resp.
    pub message_type: MessageType,
    /// log₂ of the requested interval in seconds.
    pub log_inter_message_period: i8,
    /// Seconds the grant should last.
    pub duration_seconds: u32,
}

impl RequestUnicastTransmission {
    /// Length of the value.
    pub const VALUE_LEN: usize = 6;

    fn decode(value: &[u8]) -> Result<Self, TlvProblem> {
        let (octet, period, duration) = read_value(value, Self::VALUE_LEN, |reader| {
            Some((reader.u8()?, reader.i8()?, reader.u32()?))
        })?;
        Ok(RequestUnicastTransmission {
            message_type: message_type_of(octet)?,
            log_inter_message_period: period,
            duration_seconds: duration,
        })
    }

    fn write_value(&self, out: &mut Vec<u8>) {
        out.push(self.message_type.nibble() << 4);
        out.extend_from_slice(&self.log_inter_message_period.to_be_bytes());
        out.put_u32(self.duration_seconds);
    }
}

/// GRANT_UNICAST_TRANSMISSION: a master's answer (value: messageType << 4,
/// logInterMessagePeriod, durationField, reserved, flags with R = renewalInvited in bit 0;
/// 8 bytes). A duration of 0 refuses the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GrantUnicastTransmission {
    /// The granted message type.
    pub message_type: MessageType,
    /// log₂ of the granted interval in seconds.
    pub log_inter_message_period: i8,
    /// Seconds granted; 0 is a refusal.
    pub duration_seconds: u32,
    /// The master invites renewal before the grant runs out.
    pub renewal_invited: bool,
}

impl GrantUnicastTransmission {
    /// Length of the value.
    pub const VALUE_LEN: usize = 8;

    fn decode(value: &[u8]) -> Result<Self, TlvProblem> {
        let (octet, period, duration, flags) = read_value(value, Self::VALUE_LEN, |reader| {
            let fields = (reader.u8()?, reader.i8()?, reader.u32()?);
            let _reserved = reader.u8()?;
            Some((fields.0, fields.1, fields.2, reader.u8()?))
        })?;
        Ok(GrantUnicastTransmission {
            message_type: message_type_of(octet)?,
            log_inter_message_period: period,
            duration_seconds: duration,
            renewal_invited: flags & 0x01 != 0,
        })
    }

    fn write_value(&self, out: &mut Vec<u8>) {
        out.push(self.message_type.nibble() << 4);
        out.extend_from_slice(&self.log_inter_message_period.to_be_bytes());
        out.put_u32(self.duration_seconds);
        out.push(0);
        out.push(u8::from(self.renewal_invited));
    }
}

/// CANCEL_UNICAST_TRANSMISSION and its acknowledgement (value: messageType << 4 with the
/// 1588-2019 maintain flags in bits 0–1, reserved; 2 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CancelUnicastTransmission {
    /// The message type whose grant ends.
    pub message_type: MessageType,
    /// 1588-2019 maintainRequest (bit 0): the canceller keeps its own request running.
    pub maintain_request: bool,
    /// 1588-2019 maintainGrant (bit 1): the canceller keeps its own grant running.
    pub maintain_grant: bool,
}

impl CancelUnicastTransmission {
    /// Length of the value.
    pub const VALUE_LEN: usize = 2;

    /// A plain 1588-2008 cancel of `message_type`.
    pub const fn new(message_type: MessageType) -> Self {
        CancelUnicastTransmission {
            message_type,
            maintain_request: false,
            maintain_grant: false,
        }
    }

    fn decode(value: &[u8]) -> Result<Self, TlvProblem> {
        let octet = read_value(value, Self::VALUE_LEN, |reader| {
            let octet = reader.u8()?;
            let _reserved = reader.u8()?;
            Some(octet)
        })?;
        Ok(CancelUnicastTransmission {
            message_type: message_type_of(octet)?,
            maintain_request: octet & 0x01 != 0,
            maintain_grant: octet & 0x02 != 0,
        })
    }

    fn write_value(&self, out: &mut Vec<u8>) {
        let flags = u8::from(self.maintain_request) | (u8::from(self.maintain_grant) << 1);
        out.push((self.message_type.nibble() << 4) | flags);
        out.push(0);
    }
}
