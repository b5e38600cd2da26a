//! Enumerations and bit fields of the common header and the Announce body: message types,
//! the flagField, the time-properties flags and the timeSource enumeration.

use std::fmt;

/// The messageType nibble (§13.3.2.2, table 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MessageType {
    /// 0x0: Sync (event).
    Sync,
    /// 0x1: Delay_Req (event).
    DelayReq,
    /// 0x2: Pdelay_Req (event).
    PdelayReq,
    /// 0x3: Pdelay_Resp (event).
    PdelayResp,
    /// 0x8: Follow_Up.
    FollowUp,
    /// 0x9: Delay_Resp.
    DelayResp,
    /// 0xA: Pdelay_Resp_Follow_Up.
    PdelayRespFollowUp,
    /// 0xB: Announce.
    Announce,
    /// 0xC: Signaling.
    Signaling,
    /// 0xD: Management.
    Management,
}

impl MessageType {
    /// From the low nibble of `bits`; `None` for the reserved values 4–7, 0xE and 0xF.
    pub const fn from_nibble(bits: u8) -> Option<Self> {
        Some(match bits & 0x0f {
            0x0 => MessageType::Sync,
            0x1 => MessageType::DelayReq,
            0x2 => MessageType::PdelayReq,
            0x3 => MessageType::PdelayResp,
            0x8 => MessageType::FollowUp,
            0x9 => MessageType::DelayResp,
            0xa => MessageType::PdelayRespFollowUp,
            0xb => MessageType::Announce,
            0xc => MessageType::Signaling,
            0xd => MessageType::Management,
            _ => return None,
        })
    }

    /// The nibble value.
    pub const fn nibble(self) -> u8 {
        match self {
            MessageType::Sync => 0x0,
            MessageType::DelayReq => 0x1,
            MessageType::PdelayReq => 0x2,
            MessageType::PdelayResp => 0x3,
            MessageType::FollowUp => 0x8,
            MessageType::DelayResp => 0x9,
            MessageType::PdelayRespFollowUp => 0xa,
            MessageType::Announce => 0xb,
            MessageType::Signaling => 0xc,
            MessageType::Management => 0xd,
        }
    }

    /// Event messages are timestamped and go to UDP port 319; the others to 320.
    pub const fn is_event(self) -> bool {
        self.nibble() < 0x8
    }

    /// The controlField a 1588-2008 sender puts in the header (table 23): 0 Sync,
    /// 1 Delay_Req, 2 Follow_Up, 3 Delay_Resp, 4 Management, 5 everything else.
    pub const fn control_field(self) -> u8 {
        match self {
            MessageType::Sync => 0,
            MessageType::DelayReq => 1,
            MessageType::FollowUp => 2,
            MessageType::DelayResp => 3,
            MessageType::Management => 4,
            _ => 5,
        }
    }
}

impl fmt::Display for MessageType {
    /// The names ptp4l logs: `SYNC`, `DELAY_REQ`, `ANNOUNCE`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MessageType::Sync => "SYNC",
            MessageType::DelayReq => "DELAY_REQ",
            MessageType::PdelayReq => "PDELAY_REQ",
            MessageType::PdelayResp => "PDELAY_RESP",
            MessageType::FollowUp => "FOLLOW_UP",
            MessageType::DelayResp => "DELAY_RESP",
            MessageType::PdelayRespFollowUp => "PDELAY_RESP_FOLLOW_UP",
            MessageType::Announce => "ANNOUNCE",
            MessageType::Signaling => "SIGNALING",
            MessageType::Management => "MANAGEMENT",
        })
    }
}

/// The two-octet flagField (§13.3.2.6, table 20), octet 0 in the high byte. Every bit is
/// kept as received, including the profile-specific and reserved ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PtpFlags(pub u16);

impl PtpFlags {
    /// No flag set.
    pub const EMPTY: PtpFlags = PtpFlags(0);
    /// alternateMasterFlag (octet 0, bit 0).
    pub const ALTERNATE_MASTER: PtpFlags = PtpFlags(0x0100);
    /// twoStepFlag (octet 0, bit 1): a Follow_Up carries the precise origin timestamp.
    pub const TWO_STEP: PtpFlags = PtpFlags(0x0200);
    /// unicastFlag (octet 0, bit 2).
    pub const UNICAST: PtpFlags = PtpFlags(0x0400);
    /// leap61 (octet 1, bit 0): the last minute of the current UTC day has 61 seconds.
    pub const LEAP_61: PtpFlags = PtpFlags(0x0001);
    /// leap59 (octet 1, bit 1): the last minute of the current UTC day has 59 seconds.
    pub const LEAP_59: PtpFlags = PtpFlags(0x0002);
    /// currentUtcOffsetValid (octet 1, bit 2).
    pub const UTC_OFFSET_VALID: PtpFlags = PtpFlags(0x0004);
    /// ptpTimescale (octet 1, bit 3): the grandmaster's timescale is PTP (TAI), not ARB.
    pub const PTP_TIMESCALE: PtpFlags = PtpFlags(0x0008);
    /// timeTraceable (octet 1, bit 4).
    pub const TIME_TRACEABLE: PtpFlags = PtpFlags(0x0010);
    /// frequencyTraceable (octet 1, bit 5).
    pub const FREQUENCY_TRACEABLE: PtpFlags = PtpFlags(0x0020);

    /// True when every bit of `other` is set.
    pub const fn contains(self, other: PtpFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// `self` with the bits of `other` set (`on`) or cleared.
    #[must_use]
    pub const fn with(self, other: PtpFlags, on: bool) -> PtpFlags {
        if on {
            PtpFlags(self.0 | other.0)
        } else {
            PtpFlags(self.0 & !other.0)
        }
    }

    /// Octet 1: the time-properties bits, in the layout the TIME_PROPERTIES_DATA_SET uses.
    pub const fn time_properties(self) -> TimePropertiesFlags {
        TimePropertiesFlags(self.0 as u8)
    }

    /// `self` with octet 1 replaced by `properties`.
    #[must_use]
    pub const fn with_time_properties(self, properties: TimePropertiesFlags) -> PtpFlags {
        PtpFlags((self.0 & 0xff00) | properties.0 as u16)
    }
}

/// The time-properties flags as one octet (octet 1 of the flagField; also the flags octet
/// of TIME_PROPERTIES_DATA_SET, §15.5.3.3.4): leap61 bit 0 … frequencyTraceable bit 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TimePropertiesFlags(pub u8);

impl TimePropertiesFlags {
    /// leap61.
    pub const LEAP_61: u8 = 0x01;
    /// leap59.
    pub const LEAP_59: u8 = 0x02;
    /// currentUtcOffsetValid.
    pub const UTC_OFFSET_VALID: u8 = 0x04;
    /// ptpTimescale.
    pub const PTP_TIMESCALE: u8 = 0x08;
    /// timeTraceable.
    pub const TIME_TRACEABLE: u8 = 0x10;
    /// frequencyTraceable.
    pub const FREQUENCY_TRACEABLE: u8 = 0x20;

    /// True when the bit `mask` (one of the constants) is set.
    pub const fn has(self, mask: u8) -> bool {
        self.0 & mask == mask
    }
}

/// The timeSource enumeration (§7.6.2.6, table 7); unknown values are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TimeSource(pub u8);

impl TimeSource {
    /// 0x10: atomic clock.
    pub const ATOMIC_CLOCK: TimeSource = TimeSource(0x10);
    /// 0x20: GPS (GNSS in 1588-2019).
    pub const GPS: TimeSource = TimeSource(0x20);
    /// 0x30: terrestrial radio.
    pub const TERRESTRIAL_RADIO: TimeSource = TimeSource(0x30);
    /// 0x40: PTP from another domain.
    pub const PTP: TimeSource = TimeSource(0x40);
    /// 0x50: NTP.
    pub const NTP: TimeSource = TimeSource(0x50);
    /// 0x60: set by hand.
    pub const HAND_SET: TimeSource = TimeSource(0x60);
    /// 0x90: other.
    pub const OTHER: TimeSource = TimeSource(0x90);
    /// 0xA0: the clock's own oscillator (ptp4l's default).
    pub const INTERNAL_OSCILLATOR: TimeSource = TimeSource(0xa0);
}

#[cfg(test)]
mod tests {
    use super::{MessageType, PtpFlags, TimePropertiesFlags};

    #[test]
    fn every_message_type_round_trips_its_nibble() {
        for nibble in 0u8..16 {
            match MessageType::from_nibble(nibble) {
                Some(kind) => assert_eq!(kind.nibble(), nibble),
                None => assert!(matches!(nibble, 4..=7 | 0xe | 0xf), "{nibble}"),
            }
        }
        assert!(MessageType::DelayReq.is_event());
        assert!(!MessageType::DelayResp.is_event());
        assert_eq!(MessageType::Announce.control_field(), 5);
        assert_eq!(MessageType::Management.to_string(), "MANAGEMENT");
    }

    #[test]
    fn flags_set_clear_and_split_octets() {
        let flags = PtpFlags::EMPTY
            .with(PtpFlags::TWO_STEP, true)
            .with(PtpFlags::UNICAST, true)
            .with(PtpFlags::PTP_TIMESCALE, true)
            .with(PtpFlags::UNICAST, false);
        assert_eq!(flags, PtpFlags(0x0208));
        assert!(flags.contains(PtpFlags::TWO_STEP));
        assert!(!flags.contains(PtpFlags::UNICAST));
        let properties = flags.time_properties();
        assert!(properties.has(TimePropertiesFlags::PTP_TIMESCALE));
        assert!(!properties.has(TimePropertiesFlags::LEAP_61));
        assert_eq!(
            flags.with_time_properties(TimePropertiesFlags(0x21)),
            PtpFlags(0x0221)
        );
    }
}
