//! Reference identifiers and kiss-o'-death codes.
//!
//! RFC 5905 §7.3: for stratum 0 (a kiss-o'-death packet) and stratum 1 the reference ID is
//! four ASCII characters (`GPS`, `PPS`, `RATE`); above stratum 1 it identifies the upstream
//! server: its IPv4 address, or the first four octets of the MD5 digest of its IPv6 address.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The 32-bit reference identifier of an NTP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RefId(pub [u8; 4]);

impl RefId {
    /// All zero (chrony sends this while unsynchronised).
    pub const ZERO: RefId = RefId([0; 4]);
    /// 127.127.1.1, the reference ID chrony uses when serving its free-running local clock.
    pub const LOCAL: RefId = RefId([127, 127, 1, 1]);

    /// Up to four ASCII characters, NUL-padded (`"GPS"`, `"PPS"`, `"PTP"`, `"LOCL"`).
    /// Longer codes are cut at four bytes.
    pub fn from_ascii(code: &str) -> Self {
        let mut bytes = [0; 4];
        for (slot, byte) in bytes.iter_mut().zip(code.bytes()) {
            *slot = byte;
        }
        RefId(bytes)
    }

    /// The reference ID a server synchronised to `upstream` advertises (RFC 5905 §7.3).
    pub fn from_ip(upstream: IpAddr) -> Self {
        match upstream {
            IpAddr::V4(v4) => RefId(v4.octets()),
            IpAddr::V6(v6) => RefId::from_ipv6(v6),
        }
    }

    fn from_ipv6(address: Ipv6Addr) -> Self {
        let digest = md5::digest(&address.octets());
        RefId([digest[0], digest[1], digest[2], digest[3]])
    }

    /// Big-endian value, as on the wire.
    pub const fn to_u32(self) -> u32 {
        u32::from_be_bytes(self.0)
    }

    /// As a kiss code (meaningful when the packet's stratum is 0).
    pub const fn as_kiss_code(self) -> KissCode {
        KissCode(self.0)
    }

    /// How chronyc and ntpq show it: ASCII for stratum 0 and 1, a dotted IPv4 address (or the
    /// IPv6 hash as such) above.
    pub fn display_for_stratum(self, stratum: u8) -> String {
        if stratum <= 1 {
            ascii_code(&self.0)
        } else {
            Ipv4Addr::from(self.0).to_string()
        }
    }
}

impl fmt::Display for RefId {
    /// ASCII when all four bytes are printable (or NUL padding), dotted IPv4 otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if is_ascii_code(&self.0) {
            f.write_str(&ascii_code(&self.0))
        } else {
            write!(f, "{}", Ipv4Addr::from(self.0))
        }
    }
}

fn is_ascii_code(bytes: &[u8; 4]) -> bool {
    let text_len = bytes.iter().position(|&b| b == 0).unwrap_or(4);
    text_len > 0
        && bytes[..text_len].iter().all(|b| b.is_ascii_graphic())
        && bytes[text_len..].iter().all(|&b| b == 0)
}

fn ascii_code(bytes: &[u8; 4]) -> String {
    bytes
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| {
            if b.is_ascii_graphic() {
                char::from(b)
            } else {
                '?'
            }
        })
        .collect()
}

/// A kiss-o'-death code: the reference ID of a stratum-0 packet (RFC 5905 §7.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KissCode(pub [u8; 4]);

impl KissCode {
    /// The server asks the client to poll less often.
    pub const RATE: KissCode = KissCode(*b"RATE");
    /// Access denied: stop sending to this server.
    pub const DENY: KissCode = KissCode(*b"DENY");
    /// Access restricted by policy: stop sending to this server.
    pub const RSTR: KissCode = KissCode(*b"RSTR");

    /// True for DENY and RSTR, after which a client must stop polling the server.
    pub fn is_access_denied(self) -> bool {
        self == KissCode::DENY || self == KissCode::RSTR
    }
}

impl fmt::Display for KissCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&ascii_code(&self.0))
    }
}

/// MD5 (RFC 1321), only to derive IPv6 reference IDs as RFC 5905 prescribes. Not used for
/// anything that needs to be secure.
mod md5 {
    const SHIFTS: [u32; 16] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

    fn constant(index: usize) -> u32 {
        // K[i] = floor(|sin(i + 1)| · 2³²), as RFC 1321 defines the table.
        ((index as f64 + 1.0).sin().abs() * 4_294_967_296.0) as u32
    }

    pub fn digest(message: &[u8]) -> [u8; 16] {
        let mut state: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];
        let mut padded = message.to_vec();
        padded.push(0x80);
        while padded.len() % 64 != 56 {
            padded.push(0);
        }
        padded.extend_from_slice(&((message.len() as u64).wrapping_mul(8)).to_le_bytes());
        for block in padded.chunks_exact(64) {
            compress(&mut state, block);
        }
        let mut out = [0; 16];
        for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        out
    }

    fn compress(state: &mut [u32; 4], block: &[u8]) {
        let mut words = [0u32; 16];
        for (word, bytes) in words.iter_mut().zip(block.chunks_exact(4)) {
            *word = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        let [mut a, mut b, mut c, mut d] = *state;
        for i in 0..64 {
            let (f, g) = match i / 16 {
                0 => ((b & c) | (!b & d), i),
                1 => ((d & b) | (!d & c), (5 * i + 1) % 16),
                2 => (b ^ c ^ d, (3 * i + 5) % 16),
                _ => (c ^ (b | !d), (7 * i) % 16),
            };
            let shift = SHIFTS[(i / 16) * 4 + i % 4];
            let sum = a
                .wrapping_add(f)
                .wrapping_add(constant(i))
                .wrapping_add(words[g]);
            a = d;
            d = c;
            c = b;
            b = b.wrapping_add(sum.rotate_left(shift));
        }
        state[0] = state[0].wrapping_add(a);
        state[1] = state[1].wrapping_add(b);
        state[2] = state[2].wrapping_add(c);
        state[3] = state[3].wrapping_add(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn md5_matches_rfc_1321_test_vectors() {
        assert_eq!(hex(&md5::digest(b"")), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            hex(&md5::digest(b"abc")),
            "900150983cd24fb0d6963f7d28e17f72"
        );
        let long =
            b"12345678901234567890123456789012345678901234567890123456789012345678901234567890";
        assert_eq!(hex(&md5::digest(long)), "57edf4a22be3c955ac49da2e2107b67a");
    }

    #[test]
    fn ipv4_refid_is_the_address() {
        let refid = RefId::from_ip("192.0.2.7".parse().unwrap());
        assert_eq!(refid.0, [192, 0, 2, 7]);
        assert_eq!(refid.display_for_stratum(2), "192.0.2.7");
    }

    #[test]
    fn ipv6_refid_is_the_md5_prefix() {
        let address: Ipv6Addr = "::1".parse().unwrap();
        let digest = md5::digest(&address.octets());
        assert_eq!(RefId::from_ip(IpAddr::V6(address)).0, digest[..4]);
    }

    #[test]
    fn ascii_codes_display() {
        assert_eq!(RefId::from_ascii("GPS").display_for_stratum(1), "GPS");
        assert_eq!(RefId::from_ascii("GPS").to_string(), "GPS");
        assert_eq!(RefId::LOCAL.to_string(), "127.127.1.1");
        assert_eq!(RefId::from_ascii("RATE").as_kiss_code(), KissCode::RATE);
        assert_eq!(KissCode::RSTR.to_string(), "RSTR");
        assert!(KissCode::DENY.is_access_denied());
        assert!(!KissCode::RATE.is_access_denied());
        assert_eq!(RefId([b'A', 1, 0, 0]).display_for_stratum(0), "A?");
    }
}
