//! Whole messages: the common header, the fixed body of each message type (§13.5–§13.12)
//! and the TLV suffix.
//!
//! | type | body after the 34-byte header | total |
//! |---|---|---|
//! | Sync, Delay_Req, Follow_Up | a timestamp | 44 |
//! | Delay_Resp, Pdelay_Resp(_Follow_Up) | a timestamp, requestingPortIdentity | 54 |
//! | Pdelay_Req | a timestamp, 10 reserved bytes | 54 |
//! | Announce | originTimestamp, currentUtcOffset, reserved, grandmasterPriority1, grandmasterClockQuality, grandmasterPriority2, grandmasterIdentity, stepsRemoved, timeSource | 64 |
//! | Signaling | targetPortIdentity | 44 |
//! | Management | see [`management`](super::management) | 48 |
//!
//! Bytes after messageLength (UDP or Ethernet padding) are ignored; bytes between the fixed
//! body and messageLength must be whole TLVs. Reserved fields are ignored when read and
//! sent as zeros.

use crate::ptp::error::PtpParseError;
use crate::ptp::fields::{MessageType, TimeSource};
use crate::ptp::header::{HEADER_LEN, PtpHeader};
use crate::ptp::management::ManagementBody;
use crate::ptp::tlv::{Tlv, read_tlvs};
use crate::ptp::types::{ClockIdentity, ClockQuality, PortIdentity, PtpTimestamp};
use crate::ptp::wire::{Reader, WriteExt, patch_u16};

/// A PTP message: header, typed body and TLVs. The messageType and messageLength of the
/// header follow from `body` and `tlvs` when encoding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PtpMessage {
    /// The common header.
    pub header: PtpHeader,
    /// The fixed fields of the message type.
    pub body: MessageBody,
    /// The TLVs after the body: the point of Signaling and Management messages, optional
    /// (PATH_TRACE, organisation extensions) on the others.
    pub tlvs: Vec<Tlv>,
}

/// The fixed body of each message type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageBody {
    /// Sync: originTimestamp (zero, or an estimate, from a two-step master).
    Sync(PtpTimestamp),
    /// Delay_Req: originTimestamp (ptp4l sends zeros).
    DelayReq(PtpTimestamp),
    /// Pdelay_Req: originTimestamp (the 10 reserved bytes after it are dropped).
    PdelayReq(PtpTimestamp),
    /// Pdelay_Resp: requestReceiptTimestamp and requestingPortIdentity.
    PdelayResp(TimestampForPort),
    /// Follow_Up: preciseOriginTimestamp of the Sync with the same sequenceId.
    FollowUp(PtpTimestamp),
    /// Delay_Resp: receiveTimestamp of the Delay_Req and its requestingPortIdentity.
    DelayResp(TimestampForPort),
    /// Pdelay_Resp_Follow_Up: responseOriginTimestamp and requestingPortIdentity.
    PdelayRespFollowUp(TimestampForPort),
    /// Announce: the grandmaster's properties.
    Announce(AnnounceBody),
    /// Signaling: targetPortIdentity (the TLVs are in [`PtpMessage::tlvs`]).
    Signaling(PortIdentity),
    /// Management: target, boundary hops and action (the TLV is in [`PtpMessage::tlvs`]).
    Management(ManagementBody),
}

/// A timestamp answering one port's request: Delay_Resp's receiveTimestamp, or the
/// peer-delay responses' timestamps, with the requestingPortIdentity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimestampForPort {
    /// When the master received the request (Delay_Resp), or the peer-delay timestamp.
    pub timestamp: PtpTimestamp,
    /// The port that sent the request.
    pub requesting_port_identity: PortIdentity,
}

/// The Announce body (§13.5.1, table 25).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AnnounceBody {
    /// originTimestamp (ptp4l sends zeros).
    pub origin_timestamp: PtpTimestamp,
    /// TAI − UTC in seconds.
    pub current_utc_offset: i16,
    /// The grandmaster's priority1.
    pub grandmaster_priority1: u8,
    /// The grandmaster's quality.
    pub grandmaster_clock_quality: ClockQuality,
    /// The grandmaster's priority2.
    pub grandmaster_priority2: u8,
    /// The grandmaster.
    pub grandmaster_identity: ClockIdentity,
    /// Boundary clocks between the sender and the grandmaster.
    pub steps_removed: u16,
    /// Where the grandmaster's time comes from.
    pub time_source: TimeSource,
}

impl AnnounceBody {
    /// Length of the body.
    pub const LEN: usize = 30;

    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        let origin_timestamp = PtpTimestamp::read(reader)?;
        let current_utc_offset = reader.i16()?;
        let _reserved = reader.u8()?;
        Some(AnnounceBody {
            origin_timestamp,
            current_utc_offset,
            grandmaster_priority1: reader.u8()?,
            grandmaster_clock_quality: ClockQuality::read(reader)?,
            grandmaster_priority2: reader.u8()?,
            grandmaster_identity: ClockIdentity::read(reader)?,
            steps_removed: reader.u16()?,
            time_source: TimeSource(reader.u8()?),
        })
    }

    fn write(&self, out: &mut Vec<u8>) {
        self.origin_timestamp.write(out);
        out.extend_from_slice(&self.current_utc_offset.to_be_bytes());
        out.push(0);
        out.push(self.grandmaster_priority1);
        self.grandmaster_clock_quality.write(out);
        out.push(self.grandmaster_priority2);
        self.grandmaster_identity.write(out);
        out.put_u16(self.steps_removed);
        out.push(self.time_source.0);
    }
}

impl TimestampForPort {
    fn read(reader: &mut Reader<'_>) -> Option<Self> {
        Some(TimestampForPort {
            timestamp: PtpTimestamp::read(reader)?,
            requesting_port_identity: PortIdentity::read(reader)?,
        })
    }

    fn write(&self, out: &mut Vec<u8>) {
        self.timestamp.write(out);
        self.requesting_port_identity.write(out);
    }
}

impl MessageBody {
    /// The messageType this body is sent with.
    pub const fn message_type(&self) -> MessageType {
        match self {
            MessageBody::Sync(_) => MessageType::Sync,
            MessageBody::DelayReq(_) => MessageType::DelayReq,
            MessageBody::PdelayReq(_) => MessageType::PdelayReq,
            MessageBody::PdelayResp(_) => MessageType::PdelayResp,
            MessageBody::FollowUp(_) => MessageType::FollowUp,
            MessageBody::DelayResp(_) => MessageType::DelayResp,
            MessageBody::PdelayRespFollowUp(_) => MessageType::PdelayRespFollowUp,
            MessageBody::Announce(_) => MessageType::Announce,
            MessageBody::Signaling(_) => MessageType::Signaling,
            MessageBody::Management(_) => MessageType::Management,
        }
    }

    /// Length of the fixed body of `message_type`.
    pub const fn len_of(message_type: MessageType) -> usize {
        match message_type {
            MessageType::Sync | MessageType::DelayReq | MessageType::FollowUp => PtpTimestamp::LEN,
            MessageType::Signaling => PortIdentity::LEN,
            MessageType::PdelayReq
            | MessageType::PdelayResp
            | MessageType::DelayResp
            | MessageType::PdelayRespFollowUp => PtpTimestamp::LEN + PortIdentity::LEN,
            MessageType::Announce => AnnounceBody::LEN,
            MessageType::Management => ManagementBody::LEN,
        }
    }

    /// Reads the body of `message_type`; `Ok(None)` when the bytes run out.
    fn read(
        message_type: MessageType,
        reader: &mut Reader<'_>,
    ) -> Result<Option<MessageBody>, PtpParseError> {
        let body = match message_type {
            MessageType::Sync => PtpTimestamp::read(reader).map(MessageBody::Sync),
            MessageType::DelayReq => PtpTimestamp::read(reader).map(MessageBody::DelayReq),
            MessageType::PdelayReq => {
                let origin = PtpTimestamp::read(reader);
                let reserved = reader.take(PortIdentity::LEN);
                origin
                    .zip(reserved)
                    .map(|(origin, _)| MessageBody::PdelayReq(origin))
            }
            MessageType::PdelayResp => TimestampForPort::read(reader).map(MessageBody::PdelayResp),
            MessageType::FollowUp => PtpTimestamp::read(reader).map(MessageBody::FollowUp),
            MessageType::DelayResp => TimestampForPort::read(reader).map(MessageBody::DelayResp),
            MessageType::PdelayRespFollowUp => {
                TimestampForPort::read(reader).map(MessageBody::PdelayRespFollowUp)
            }
            MessageType::Announce => AnnounceBody::read(reader).map(MessageBody::Announce),
            MessageType::Signaling => PortIdentity::read(reader).map(MessageBody::Signaling),
            MessageType::Management => match ManagementBody::read(reader) {
                Some(Ok(body)) => Some(MessageBody::Management(body)),
                Some(Err(action)) => return Err(PtpParseError::BadManagementAction { action }),
                None => None,
            },
        };
        Ok(body)
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            MessageBody::Sync(origin)
            | MessageBody::DelayReq(origin)
            | MessageBody::FollowUp(origin) => origin.write(out),
            MessageBody::PdelayReq(origin) => {
                origin.write(out);
                out.extend_from_slice(&[0; PortIdentity::LEN]);
            }
            MessageBody::PdelayResp(answer)
            | MessageBody::DelayResp(answer)
            | MessageBody::PdelayRespFollowUp(answer) => answer.write(out),
            MessageBody::Announce(announce) => announce.write(out),
            MessageBody::Signaling(target) => target.write(out),
            MessageBody::Management(management) => management.write(out),
        }
    }
}

impl PtpMessage {
    /// A message with `body` from `source_port_identity`, a header from
    /// [`PtpHeader::new`] and no TLVs.
    pub fn new(body: MessageBody, source_port_identity: PortIdentity, sequence_id: u16) -> Self {
        PtpMessage {
            header: PtpHeader::new(body.message_type(), source_port_identity, sequence_id),
            body,
            tlvs: Vec::new(),
        }
    }

    /// The messageType.
    pub const fn message_type(&self) -> MessageType {
        self.body.message_type()
    }

    /// Decodes one message from a datagram. Never panics; bytes after messageLength are
    /// ignored.
    pub fn parse(bytes: &[u8]) -> Result<PtpMessage, PtpParseError> {
        let (header, message_type, message_length) = PtpHeader::read(bytes)?;
        let needed = HEADER_LEN + MessageBody::len_of(message_type);
        let too_short = PtpParseError::LengthTooShort {
            message_type,
            needed,
            message_length,
        };
        if usize::from(message_length) < needed {
            return Err(too_short);
        }
        let message = bytes
            .get(HEADER_LEN..usize::from(message_length))
            .ok_or_else(|| too_short.clone())?;
        let mut reader = Reader::new(message);
        let body = MessageBody::read(message_type, &mut reader)?.ok_or(too_short)?;
        let tlvs = read_tlvs(reader.rest(), needed)?;
        Ok(PtpMessage { header, body, tlvs })
    }

    /// Appends the encoded message to `out`, messageLength included.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let start = out.len();
        self.header.write(self.message_type(), out);
        self.body.write(out);
        for tlv in &self.tlvs {
            tlv.write(out);
        }
        let length = out.len() - start;
        patch_u16(out, start + 2, length);
    }

    /// The encoded message.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + MessageBody::len_of(self.message_type()));
        self.encode_into(&mut out);
        out
    }
}
