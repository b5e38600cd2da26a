//! Why a datagram is not a PTP message shiwa can read.

use crate::ptp::fields::MessageType;

/// Why [`PtpMessage::parse`](super::PtpMessage::parse) rejected a datagram. Offsets count
/// from the first byte of the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PtpParseError {
    /// Fewer bytes than the 34-byte common header.
    #[error("PTP message of {length} bytes is shorter than the 34-byte header")]
    ShorterThanHeader {
        /// Bytes received.
        length: usize,
    },
    /// versionPTP (low nibble of octet 1) is not 2.
    #[error("PTP version {version} is not supported (only 2)")]
    BadVersion {
        /// The versionPTP nibble.
        version: u8,
    },
    /// The messageType nibble is one of the reserved values.
    #[error("PTP messageType 0x{message_type:x} is reserved")]
    UnknownType {
        /// The messageType nibble.
        message_type: u8,
    },
    /// messageLength says more bytes than the datagram holds.
    #[error("PTP messageLength {message_length} exceeds the {received} bytes received")]
    LengthExceedsDatagram {
        /// The messageLength field.
        message_length: u16,
        /// Bytes received.
        received: usize,
    },
    /// messageLength is shorter than the header and fixed body of this message type.
    #[error("PTP {message_type} needs {needed} bytes but messageLength is {message_length}")]
    LengthTooShort {
        /// The message's type.
        message_type: MessageType,
        /// Header plus fixed body.
        needed: usize,
        /// The messageLength field.
        message_length: u16,
    },
    /// 1 to 3 bytes left after the last TLV, too few for another TLV header.
    #[error("PTP message has {count} stray bytes at offset {offset} after its TLVs")]
    StrayBytes {
        /// Where they start.
        offset: usize,
        /// How many.
        count: usize,
    },
    /// A TLV whose length field is odd or runs past messageLength, or whose value is too
    /// short for its type's fixed fields.
    #[error("PTP TLV 0x{tlv_type:04x} at offset {offset}: {problem}")]
    BadTlv {
        /// Where the TLV starts (its tlvType field).
        offset: usize,
        /// Its tlvType.
        tlv_type: u16,
        /// What is wrong with it.
        problem: TlvProblem,
    },
    /// A Management message whose actionField is not GET, SET, RESPONSE, COMMAND or
    /// ACKNOWLEDGE.
    #[error("PTP management actionField {action} is reserved")]
    BadManagementAction {
        /// The actionField nibble.
        action: u8,
    },
}

/// What is wrong with a TLV (see [`PtpParseError::BadTlv`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TlvProblem {
    /// lengthField is odd (§14.1.2 says every TLV is an even number of octets).
    #[error("lengthField {length} is odd")]
    OddLength {
        /// The lengthField.
        length: u16,
    },
    /// lengthField runs past the end of the message.
    #[error("lengthField {length} runs past the {remaining} bytes left in the message")]
    PastEnd {
        /// The lengthField.
        length: u16,
        /// Bytes after the TLV header up to messageLength.
        remaining: usize,
    },
    /// The value is shorter than the fixed fields of the TLV type.
    #[error("lengthField {length} is shorter than the {needed} bytes its fields need")]
    TooShort {
        /// The lengthField.
        length: u16,
        /// What the type needs.
        needed: usize,
    },
    /// A unicast negotiation TLV names a reserved messageType.
    #[error("messageType 0x{message_type:x} is reserved")]
    UnknownMessageType {
        /// The messageType nibble.
        message_type: u8,
    },
    /// A management data set whose length is neither 0 (a GET) nor the data set's size.
    #[error("managementId 0x{management_id:04x} carries {length} data bytes, not 0 or {expected}")]
    ManagementDataLength {
        /// The managementId.
        management_id: u16,
        /// Bytes of data after the managementId.
        length: usize,
        /// The data set's size.
        expected: usize,
    },
}
