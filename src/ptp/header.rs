//! The 34-byte common header of every PTP message (§13.3, table 18).
//!
//! ```text
//! octet  0     transportSpecific (high nibble) | messageType (low nibble)
//!        1     minorVersionPTP (high nibble, 1588-2019) | versionPTP = 2 (low nibble)
//!        2–3   messageLength (header + body + TLVs)
//!        4     domainNumber
//!        5     reserved (minorSdoId in 1588-2019)
//!        6–7   flagField
//!        8–15  correctionField (TimeInterval)
//!       16–19  reserved (messageTypeSpecific in 1588-2019)
//!       20–29  sourcePortIdentity
//!       30–31  sequenceId
//!       32     controlField
//!       33     logMessageInterval
//! ```
//!
//! The messageType and messageLength are not stored: they follow from the body and are
//! written by the encoder.

use crate::ptp::error::PtpParseError;
use crate::ptp::fields::{MessageType, PtpFlags};
use crate::ptp::types::{PortIdentity, TimeInterval};
use crate::ptp::wire::{Reader, WriteExt};

/// Length of the common header.
pub const HEADER_LEN: usize = 34;
/// The versionPTP every message carries.
pub const PTP_VERSION: u8 = 2;
/// logMessageInterval 0x7f: "not applicable" (Delay_Req, Signaling, Management).
pub const LOG_INTERVAL_UNSPECIFIED: i8 = 0x7f;

/// The common header without messageType and messageLength (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PtpHeader {
    /// transportSpecific nibble (0 for UDP; 1 for 802.1AS). Only 4 bits are encoded.
    pub transport_specific: u8,
    /// minorVersionPTP nibble: 0 from 1588-2008 senders, 1 from 1588-2019 ones (ptp4l 4
    /// sends 0x12). Only 4 bits are encoded.
    pub minor_version: u8,
    /// domainNumber.
    pub domain_number: u8,
    /// Octet 5: reserved in 1588-2008, minorSdoId in 1588-2019; kept as received.
    pub minor_sdo_id: u8,
    /// flagField.
    pub flags: PtpFlags,
    /// correctionField: residence and path corrections, in scaled nanoseconds.
    pub correction: TimeInterval,
    /// Octets 16–19: reserved in 1588-2008, messageTypeSpecific in 1588-2019; kept.
    pub message_type_specific: u32,
    /// The sending port.
    pub source_port_identity: PortIdentity,
    /// sequenceId.
    pub sequence_id: u16,
    /// controlField (1588-2008 table 23; 1588-2019 senders may put 0 everywhere). Kept as
    /// received; [`MessageType::control_field`] gives the value to send.
    pub control_field: u8,
    /// log₂ of the message interval in seconds (0x7f: not applicable).
    pub log_message_interval: i8,
}

impl PtpHeader {
    /// A header for a message of `message_type` from `source_port_identity`: domain 0, no
    /// flags, no correction, the 1588-2008 controlField of the type and an unspecified
    /// log interval. Set the other fields on the result.
    pub const fn new(
        message_type: MessageType,
        source_port_identity: PortIdentity,
        sequence_id: u16,
    ) -> Self {
        PtpHeader {
            transport_specific: 0,
            minor_version: 0,
            domain_number: 0,
            minor_sdo_id: 0,
            flags: PtpFlags::EMPTY,
            correction: TimeInterval::ZERO,
            message_type_specific: 0,
            source_port_identity,
            sequence_id,
            control_field: message_type.control_field(),
            log_message_interval: LOG_INTERVAL_UNSPECIFIED,
        }
    }

    /// Decodes the header at the start of `bytes`, returning it with the message type and
    /// the messageLength field. Checks the length against the header and `bytes` and the
    /// version; the body's length is the caller's to check.
    pub(crate) fn read(bytes: &[u8]) -> Result<(PtpHeader, MessageType, u16), PtpParseError> {
        let mut reader = Reader::new(bytes);
        let short = PtpParseError::ShorterThanHeader {
            length: bytes.len(),
        };
        let fields = read_fields(&mut reader).ok_or(short)?;
        let RawFields {
            type_octet,
            version_octet,
            message_length,
            header,
        } = fields;
        let version = version_octet & 0x0f;
        if version != PTP_VERSION {
            return Err(PtpParseError::BadVersion { version });
        }
        let message_type =
            MessageType::from_nibble(type_octet).ok_or(PtpParseError::UnknownType {
                message_type: type_octet & 0x0f,
            })?;
        if usize::from(message_length) > bytes.len() {
            return Err(PtpParseError::LengthExceedsDatagram {
                message_length,
                received: bytes.len(),
            });
        }
        Ok((header, message_type, message_length))
    }

    /// Appends the 34 header bytes with messageLength 0; the encoder patches it.
    pub(crate) fn write(&self, message_type: MessageType, out: &mut Vec<u8>) {
        out.push(((self.transport_specific & 0x0f) << 4) | message_type.nibble());
        out.push(((self.minor_version & 0x0f) << 4) | PTP_VERSION);
        out.put_u16(0);
        out.push(self.domain_number);
        out.push(self.minor_sdo_id);
        out.put_u16(self.flags.0);
        out.extend_from_slice(&self.correction.0.to_be_bytes());
        out.put_u32(self.message_type_specific);
        self.source_port_identity.write(out);
        out.put_u16(self.sequence_id);
        out.push(self.control_field);
        out.extend_from_slice(&self.log_message_interval.to_be_bytes());
    }
}

/// The header fields as read, before validation.
struct RawFields {
    type_octet: u8,
    version_octet: u8,
    message_length: u16,
    header: PtpHeader,
}

fn read_fields(reader: &mut Reader<'_>) -> Option<RawFields> {
    let type_octet = reader.u8()?;
    let version_octet = reader.u8()?;
    let message_length = reader.u16()?;
    let header = PtpHeader {
        transport_specific: type_octet >> 4,
        minor_version: version_octet >> 4,
        domain_number: reader.u8()?,
        minor_sdo_id: reader.u8()?,
        flags: PtpFlags(reader.u16()?),
        correction: TimeInterval(reader.i64()?),
        message_type_specific: reader.u32()?,
        source_port_identity: PortIdentity::read(reader)?,
        sequence_id: reader.u16()?,
        control_field: reader.u8()?,
        log_message_interval: reader.i8()?,
    };
    Some(RawFields {
        type_octet,
        version_octet,
        message_length,
        header,
    })
}
