//! The RFC 5905 packet header codec, with RFC 7822 extension fields and MAC trailers skipped.
//!
//! Parsing never panics: every slice access is bounds-checked, and a property test feeds it
//! arbitrary bytes. Only the 48-byte header is decoded; extension fields (NTS, chrony's
//! experimental fields) are validated for length and skipped, and a trailing MAC is tolerated
//! (shiwa does not authenticate NTP packets yet).

use crate::ntp::refid::{KissCode, RefId};
use crate::ntp::timestamp::{NtpShort, NtpTimestamp};
use crate::source::Leap;

/// Length of the NTP header; every packet shiwa sends is exactly this long.
pub const HEADER_LEN: usize = 48;
/// Shortest extension field (RFC 7822 §3).
const MIN_EXTENSION_LEN: usize = 16;
/// A MAC after the extension fields is a 4-byte key ID and a 16- or 20-byte digest.
const MAC_LENS: std::ops::RangeInclusive<usize> = 20..=24;
/// A crypto-NAK is a lone 4-byte zero key ID.
const CRYPTO_NAK_LEN: usize = 4;

/// Why a datagram is not an NTP packet shiwa can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Shorter than the header.
    #[error("NTP packet of {length} bytes is shorter than the {HEADER_LEN}-byte header")]
    Truncated {
        /// Bytes received.
        length: usize,
    },
    /// Version field outside 1–4.
    #[error("NTP version {version} is not supported (1 to 4)")]
    UnsupportedVersion {
        /// The version field.
        version: u8,
    },
    /// Total length not a multiple of 4 octets.
    #[error("NTP packet length {length} is not a multiple of 4")]
    Misaligned {
        /// Bytes received.
        length: usize,
    },
    /// An extension field whose length field is too small, unaligned or runs past the end.
    #[error(
        "NTP extension field at byte {offset} has length {field_length} with {remaining} bytes left"
    )]
    BadExtensionField {
        /// Where the field starts.
        offset: usize,
        /// Its length field.
        field_length: usize,
        /// Bytes from `offset` to the end of the packet.
        remaining: usize,
    },
}

/// The association mode field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// 0: reserved (NTPv1 used it for client requests).
    Reserved,
    /// 1: symmetric active.
    SymmetricActive,
    /// 2: symmetric passive.
    SymmetricPassive,
    /// 3: client request.
    Client,
    /// 4: server response.
    Server,
    /// 5: broadcast.
    Broadcast,
    /// 6: NTP control message (ntpq).
    Control,
    /// 7: private use (ntpdc).
    Private,
}

impl Mode {
    /// From the 3-bit field (higher bits ignored).
    pub const fn from_bits(bits: u8) -> Self {
        match bits & 0x7 {
            0 => Mode::Reserved,
            1 => Mode::SymmetricActive,
            2 => Mode::SymmetricPassive,
            3 => Mode::Client,
            4 => Mode::Server,
            5 => Mode::Broadcast,
            6 => Mode::Control,
            _ => Mode::Private,
        }
    }

    /// The 3-bit field.
    pub const fn to_bits(self) -> u8 {
        self as u8
    }
}

/// What followed the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PacketTrailer {
    /// Extension fields skipped.
    pub extension_fields: usize,
    /// Length of the MAC (key ID and digest) after them, 0 when there is none.
    pub mac_len: usize,
}

/// The NTP header (RFC 5905 figure 8), decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NtpPacket {
    /// Leap indicator (3 = the sender's clock is not synchronised).
    pub leap: Leap,
    /// Version, 1 to 4.
    pub version: u8,
    /// Association mode.
    pub mode: Mode,
    /// Stratum: 0 kiss-o'-death or unspecified, 1 primary, 2–15 secondary, 16+ invalid.
    pub stratum: u8,
    /// log2 of the poll interval in seconds.
    pub poll: i8,
    /// log2 of the sender's clock precision in seconds.
    pub precision: i8,
    /// Round-trip delay to the primary reference.
    pub root_delay: NtpShort,
    /// Dispersion to the primary reference.
    pub root_dispersion: NtpShort,
    /// Reference ID (kiss code when the stratum is 0).
    pub reference_id: RefId,
    /// When the sender's clock was last set or corrected.
    pub reference_time: NtpTimestamp,
    /// T1 echoed by a server (basic mode), or the request's marker (interleaved mode).
    pub origin: NtpTimestamp,
    /// When the request arrived at the server (T2).
    pub receive: NtpTimestamp,
    /// When the packet left its sender (T3), or a cookie in shiwa's basic client requests.
    pub transmit: NtpTimestamp,
}

impl NtpPacket {
    /// Decodes the header of `bytes`, validating and skipping what follows it.
    pub fn parse(bytes: &[u8]) -> Result<NtpPacket, PacketError> {
        Self::parse_with_trailer(bytes).map(|(packet, _)| packet)
    }

    /// As [`NtpPacket::parse`], also telling what followed the header.
    pub fn parse_with_trailer(bytes: &[u8]) -> Result<(NtpPacket, PacketTrailer), PacketError> {
        let Some(header) = bytes.first_chunk::<HEADER_LEN>() else {
            return Err(PacketError::Truncated {
                length: bytes.len(),
            });
        };
        let packet = Self::decode_header(header);
        if !(1..=4).contains(&packet.version) {
            return Err(PacketError::UnsupportedVersion {
                version: packet.version,
            });
        }
        if !bytes.len().is_multiple_of(4) {
            return Err(PacketError::Misaligned {
                length: bytes.len(),
            });
        }
        let trailer = parse_trailer(bytes, packet.version)?;
        Ok((packet, trailer))
    }

    fn decode_header(header: &[u8; HEADER_LEN]) -> NtpPacket {
        let word = |at: usize| {
            u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
        };
        let timestamp = |at: usize| {
            NtpTimestamp::from_bits((u64::from(word(at)) << 32) | u64::from(word(at + 4)))
        };
        NtpPacket {
            leap: leap_from_bits(header[0] >> 6),
            version: (header[0] >> 3) & 0x7,
            mode: Mode::from_bits(header[0]),
            stratum: header[1],
            poll: header[2] as i8,
            precision: header[3] as i8,
            root_delay: NtpShort::from_bits(word(4)),
            root_dispersion: NtpShort::from_bits(word(8)),
            reference_id: RefId([header[12], header[13], header[14], header[15]]),
            reference_time: timestamp(16),
            origin: timestamp(24),
            receive: timestamp(32),
            transmit: timestamp(40),
        }
    }

    /// The 48-byte wire form (no extension fields, no MAC). The version is written modulo 8.
    pub fn to_bytes(&self) -> [u8; HEADER_LEN] {
        let mut out = [0; HEADER_LEN];
        out[0] = (leap_to_bits(self.leap) << 6) | ((self.version & 0x7) << 3) | self.mode.to_bits();
        out[1] = self.stratum;
        out[2] = self.poll as u8;
        out[3] = self.precision as u8;
        out[4..8].copy_from_slice(&self.root_delay.to_bits().to_be_bytes());
        out[8..12].copy_from_slice(&self.root_dispersion.to_bits().to_be_bytes());
        out[12..16].copy_from_slice(&self.reference_id.0);
        out[16..24].copy_from_slice(&self.reference_time.to_bits().to_be_bytes());
        out[24..32].copy_from_slice(&self.origin.to_bits().to_be_bytes());
        out[32..40].copy_from_slice(&self.receive.to_bits().to_be_bytes());
        out[40..48].copy_from_slice(&self.transmit.to_bits().to_be_bytes());
        out
    }

    /// The kiss code of a kiss-o'-death packet (stratum 0), `None` otherwise.
    pub fn kiss_code(&self) -> Option<KissCode> {
        (self.stratum == 0).then_some(self.reference_id.as_kiss_code())
    }
}

fn parse_trailer(bytes: &[u8], version: u8) -> Result<PacketTrailer, PacketError> {
    let mut trailer = PacketTrailer::default();
    let mut offset = HEADER_LEN;
    let mut remaining = bytes.len() - HEADER_LEN;
    // Before NTPv4 there are no extension fields: whatever follows is a MAC.
    if version < 4 || remaining == CRYPTO_NAK_LEN {
        trailer.mac_len = remaining;
        return Ok(trailer);
    }
    while remaining > 0 {
        if MAC_LENS.contains(&remaining) {
            trailer.mac_len = remaining;
            break;
        }
        let field_length = match bytes.get(offset + 2..offset + 4) {
            Some(&[high, low]) => usize::from(u16::from_be_bytes([high, low])),
            _ => 0,
        };
        if field_length < MIN_EXTENSION_LEN
            || !field_length.is_multiple_of(4)
            || field_length > remaining
        {
            return Err(PacketError::BadExtensionField {
                offset,
                field_length,
                remaining,
            });
        }
        trailer.extension_fields += 1;
        offset += field_length;
        remaining -= field_length;
    }
    Ok(trailer)
}

/// The leap indicator's 2-bit field as a [`Leap`].
pub const fn leap_from_bits(bits: u8) -> Leap {
    match bits & 0x3 {
        0 => Leap::None,
        1 => Leap::Insert,
        2 => Leap::Delete,
        _ => Leap::Unsynchronized,
    }
}

/// A [`Leap`] as the 2-bit leap indicator.
pub const fn leap_to_bits(leap: Leap) -> u8 {
    match leap {
        Leap::None => 0,
        Leap::Insert => 1,
        Leap::Delete => 2,
        Leap::Unsynchronized => 3,
    }
}

#[cfg(test)]
mod tests;
