//! [`MacAddress`]: Ethernet addresses for PTP over L2 (IEEE 1588-2008 Annex F).

use std::fmt;
use std::str::FromStr;

/// A 48-bit Ethernet (MAC) address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddress(pub [u8; 6]);

impl MacAddress {
    /// The PTP primary multicast address `01-1B-19-00-00-00` (all messages but peer delay).
    pub const PTP_PRIMARY_MULTICAST: MacAddress = MacAddress([0x01, 0x1b, 0x19, 0, 0, 0]);
    /// The PTP peer-delay multicast address `01-80-C2-00-00-0E` (never forwarded by bridges).
    pub const PTP_PDELAY_MULTICAST: MacAddress = MacAddress([0x01, 0x80, 0xc2, 0, 0, 0x0e]);

    /// The six octets, most significant first.
    pub fn octets(self) -> [u8; 6] {
        self.0
    }

    /// Whether this is a group (multicast or broadcast) address: the I/G bit is set.
    pub fn is_multicast(self) -> bool {
        self.0[0] & 1 != 0
    }

    /// The hardware address of the interface `name`, from `getifaddrs`; `None` when it has
    /// none (or is not a 6-byte link layer).
    pub fn of_interface(name: &str) -> Result<Option<MacAddress>, nix::errno::Errno> {
        let found = nix::ifaddrs::getifaddrs()?
            .filter(|entry| entry.interface_name == name)
            .find_map(|entry| {
                let link = *entry.address?.as_link_addr()?;
                (link.halen() == 6).then(|| link.addr().map(MacAddress))?
            });
        Ok(found)
    }
}

impl fmt::Display for MacAddress {
    /// `01:1b:19:00:00:00`, as `ip link` prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

/// A MAC address that did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a MAC address (six hex octets separated by `:` or `-`)")]
pub struct MacAddressParseError {
    /// The text as given.
    pub text: String,
}

impl FromStr for MacAddress {
    type Err = MacAddressParseError;

    /// Parses `01:1b:19:00:00:00` or `01-1B-19-00-00-00`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || MacAddressParseError {
            text: text.to_owned(),
        };
        let separator = if text.contains('-') { '-' } else { ':' };
        let mut octets = [0u8; 6];
        let mut parts = text.split(separator);
        for octet in &mut octets {
            let part = parts.next().ok_or_else(invalid)?;
            if part.len() != 2 {
                return Err(invalid());
            }
            *octet = u8::from_str_radix(part, 16).map_err(|_| invalid())?;
        }
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(MacAddress(octets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_print_and_parse_in_both_spellings() {
        let primary = MacAddress::PTP_PRIMARY_MULTICAST;
        assert_eq!(primary.to_string(), "01:1b:19:00:00:00");
        assert_eq!("01-1B-19-00-00-00".parse(), Ok(primary));
        assert_eq!(
            "01:80:c2:00:00:0e".parse(),
            Ok(MacAddress::PTP_PDELAY_MULTICAST)
        );
        for bad in [
            "",
            "01:1b:19:00:00",
            "01:1b:19:00:00:00:00",
            "1:1b:19:00:00:00",
            "zz:1b:19:00:00:00",
            "01:1b-19:00:00:00",
        ] {
            assert!(bad.parse::<MacAddress>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn group_bit_marks_multicast() {
        assert!(MacAddress::PTP_PRIMARY_MULTICAST.is_multicast());
        assert!(MacAddress::PTP_PDELAY_MULTICAST.is_multicast());
        assert!(!MacAddress([0x02, 0xfc, 0, 0, 0, 1]).is_multicast());
    }

    #[test]
    fn loopback_has_the_all_zero_address() {
        assert_eq!(MacAddress::of_interface("lo"), Ok(Some(MacAddress([0; 6]))));
        assert_eq!(MacAddress::of_interface("shiwa-nosuch0"), Ok(None));
    }
}
