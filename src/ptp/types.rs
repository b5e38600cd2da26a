//! The derived data types of IEEE 1588-2008 §5.3: identities, clock quality, the 80-bit
//! timestamp and the scaled-nanosecond time interval, with their conversions to
//! [`crate::time`].

use crate::ptp::wire::{Reader, WriteExt};
use crate::time::{Duration, NANOS_PER_SEC, Timestamp};
use std::fmt;

/// A clock's EUI-64 identity (§7.5.2.2), shown as ptp4l shows it: `001122.fffe.334455`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ClockIdentity(pub [u8; 8]);

impl ClockIdentity {
    /// Length on the wire.
    pub const LEN: usize = 8;
    /// All ones: "every clock" in a management message's target (§15.3.1.1).
    pub const ALL: ClockIdentity = ClockIdentity([0xff; 8]);

    /// The identity derived from an EUI-48 MAC address by inserting `ff:fe` in the middle,
    /// as ptp4l does (§7.5.2.2.2).
    pub const fn from_mac(mac: [u8; 6]) -> Self {
        ClockIdentity([mac[0], mac[1], mac[2], 0xff, 0xfe, mac[3], mac[4], mac[5]])
    }

    pub(crate) fn read(reader: &mut Reader<'_>) -> Option<Self> {
        reader.array().map(ClockIdentity)
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0);
    }
}

impl fmt::Display for ClockIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:02x}{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]
        )
    }
}

/// A port: its clock's identity and its number on that clock (§5.3.5). Ordered by clock
/// identity then port number, the order the BMCA compares them in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PortIdentity {
    /// The clock the port belongs to.
    pub clock_identity: ClockIdentity,
    /// 1-based port number; 0xffff means "every port" in a target field.
    pub port_number: u16,
}

impl PortIdentity {
    /// Length on the wire.
    pub const LEN: usize = 10;
    /// All ones: every port of every clock, the target `pmc` and unicast clients use.
    pub const ALL: PortIdentity = PortIdentity {
        clock_identity: ClockIdentity::ALL,
        port_number: 0xffff,
    };

    /// Port `port_number` of clock `clock_identity`.
    pub const fn new(clock_identity: ClockIdentity, port_number: u16) -> Self {
        PortIdentity {
            clock_identity,
            port_number,
        }
    }

    pub(crate) fn read(reader: &mut Reader<'_>) -> Option<Self> {
        Some(PortIdentity {
            clock_identity: ClockIdentity::read(reader)?,
            port_number: reader.u16()?,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        self.clock_identity.write(out);
        out.put_u16(self.port_number);
    }
}

impl fmt::Display for PortIdentity {
    /// ptp4l's form: `001122.fffe.334455-1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.clock_identity, self.port_number)
    }
}

/// How good a clock claims to be (§5.3.7, §7.6.2). Lower is better in every field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ClockQuality {
    /// clockClass: 6 locked to a primary reference, 7 holdover, 248 default, 255 slave-only.
    pub clock_class: u8,
    /// clockAccuracy enumeration: 0x20 within 25 ns … 0x31 beyond 10 s, 0xfe unknown.
    pub clock_accuracy: u8,
    /// offsetScaledLogVariance: the clock's stability (0xffff: not computed).
    pub offset_scaled_log_variance: u16,
}

impl ClockQuality {
    /// Length on the wire.
    pub const LEN: usize = 4;
    /// clockAccuracy 0xfe: unknown.
    pub const ACCURACY_UNKNOWN: u8 = 0xfe;

    pub(crate) fn read(reader: &mut Reader<'_>) -> Option<Self> {
        Some(ClockQuality {
            clock_class: reader.u8()?,
            clock_accuracy: reader.u8()?,
            offset_scaled_log_variance: reader.u16()?,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.push(self.clock_class);
        out.push(self.clock_accuracy);
        out.put_u16(self.offset_scaled_log_variance);
    }
}

/// The wire timestamp (§5.3.3): 48-bit seconds and 32-bit nanoseconds since the PTP epoch
/// (1970-01-01 TAI on the PTP timescale; on the ARB timescale, whatever the master says).
///
/// Parsing keeps the fields as received, even nanoseconds ≥ 10⁹; [`to_timestamp`]
/// rejects those. Only the low 48 bits of `seconds` are encoded.
///
/// [`to_timestamp`]: PtpTimestamp::to_timestamp
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PtpTimestamp {
    /// Seconds since the epoch (48 bits on the wire).
    pub seconds: u64,
    /// Nanoseconds within the second (valid below 10⁹).
    pub nanoseconds: u32,
}

impl PtpTimestamp {
    /// Length on the wire.
    pub const LEN: usize = 10;
    /// The largest seconds value the wire can carry.
    pub const MAX_SECONDS: u64 = (1 << 48) - 1;

    /// `seconds` and `nanoseconds` since the epoch.
    pub const fn new(seconds: u64, nanoseconds: u32) -> Self {
        PtpTimestamp {
            seconds,
            nanoseconds,
        }
    }

    /// The same count of nanoseconds since the epoch as a [`Timestamp`], with no timescale
    /// change: a PTP-timescale (TAI) value stays TAI, and the caller subtracts
    /// `currentUtcOffset` when it wants UTC. `None` when the nanoseconds are ≥ 10⁹ or the
    /// seconds lie past what `i64` nanoseconds hold (year 2262).
    pub fn to_timestamp(self) -> Option<Timestamp> {
        if i64::from(self.nanoseconds) >= NANOS_PER_SEC {
            return None;
        }
        let seconds = i64::try_from(self.seconds).ok()?;
        let nanos = seconds
            .checked_mul(NANOS_PER_SEC)?
            .checked_add(i64::from(self.nanoseconds))?;
        Some(Timestamp::from_nanos(nanos))
    }

    /// The wire form of `time` (no timescale change); `None` before the epoch, which the
    /// unsigned wire field cannot carry.
    pub fn from_timestamp(time: Timestamp) -> Option<Self> {
        let (seconds, nanoseconds) = time.to_secs_nanos();
        let seconds = u64::try_from(seconds).ok()?;
        Some(PtpTimestamp {
            seconds,
            nanoseconds,
        })
    }

    pub(crate) fn read(reader: &mut Reader<'_>) -> Option<Self> {
        Some(PtpTimestamp {
            seconds: reader.u48()?,
            nanoseconds: reader.u32()?,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u48(self.seconds);
        out.put_u32(self.nanoseconds);
    }
}

impl fmt::Display for PtpTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:09}", self.seconds, self.nanoseconds)
    }
}

/// A TimeInterval (§5.3.2): signed nanoseconds × 2¹⁶, as in the correctionField and the
/// management data sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TimeInterval(pub i64);

impl TimeInterval {
    /// Length on the wire.
    pub const LEN: usize = 8;
    /// No time.
    pub const ZERO: TimeInterval = TimeInterval(0);
    /// 0x7fff_ffff_ffff_ffff: "too large to represent" (§13.3.2.7).
    pub const TOO_LARGE: TimeInterval = TimeInterval(i64::MAX);

    /// The raw field: nanoseconds × 2¹⁶.
    pub const fn scaled(self) -> i64 {
        self.0
    }

    /// Whole nanoseconds, saturating (at [`TimeInterval::TOO_LARGE`] for positive spans
    /// past ±2⁴⁷ ns, about 39 hours).
    pub const fn from_nanos(nanos: i64) -> Self {
        TimeInterval(nanos.saturating_mul(1 << 16))
    }

    /// The span of `duration`, saturating like [`TimeInterval::from_nanos`].
    pub const fn from_duration(duration: Duration) -> Self {
        Self::from_nanos(duration.as_nanos())
    }

    /// Whole nanoseconds, rounded to the nearest (halves toward +∞).
    pub const fn to_nanos(self) -> i64 {
        // i128 so that adding the half cannot overflow at the top of the range.
        ((self.0 as i128 + (1 << 15)) >> 16) as i64
    }

    /// As a [`Duration`], rounded to the nearest nanosecond (halves toward +∞).
    pub const fn to_duration(self) -> Duration {
        Duration::from_nanos(self.to_nanos())
    }
}

impl fmt::Display for TimeInterval {
    /// Nanoseconds with the fraction in 2⁻¹⁶ steps shown to three decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.3}ns", self.0 as f64 / 65_536.0)
    }
}

#[cfg(test)]
mod tests {
    use super::{ClockIdentity, PortIdentity, PtpTimestamp, TimeInterval};
    use crate::time::{Duration, Timestamp};

    #[test]
    fn clock_identity_prints_like_ptp4l() {
        let identity = ClockIdentity::from_mac([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
        assert_eq!(identity.to_string(), "001122.fffe.334455");
        assert_eq!(
            PortIdentity::new(identity, 1).to_string(),
            "001122.fffe.334455-1"
        );
    }

    #[test]
    fn port_identities_order_by_clock_then_port() {
        let low = PortIdentity::new(ClockIdentity([0, 0, 0, 0, 0, 0, 0, 1]), 9);
        let high = PortIdentity::new(ClockIdentity([0, 0, 0, 0, 0, 0, 0, 2]), 1);
        assert!(low < high);
        assert!(PortIdentity::new(low.clock_identity, 10) > low);
    }

    #[test]
    fn timestamps_convert_both_ways() {
        let wire = PtpTimestamp::new(1_700_000_037, 123_456_789);
        let time = wire.to_timestamp().expect("in range");
        assert_eq!(time, Timestamp::from_secs_nanos(1_700_000_037, 123_456_789));
        assert_eq!(PtpTimestamp::from_timestamp(time), Some(wire));
    }

    #[test]
    fn timestamps_reject_bad_nanoseconds_and_range() {
        assert_eq!(PtpTimestamp::new(1, 1_000_000_000).to_timestamp(), None);
        assert!(PtpTimestamp::new(1, 999_999_999).to_timestamp().is_some());
        assert_eq!(
            PtpTimestamp::new(PtpTimestamp::MAX_SECONDS, 0).to_timestamp(),
            None
        );
        assert_eq!(
            PtpTimestamp::from_timestamp(Timestamp::from_nanos(-1)),
            None
        );
    }

    #[test]
    fn time_intervals_round_to_the_nearest_nanosecond() {
        assert_eq!(TimeInterval(0x0001_8000).to_nanos(), 2);
        assert_eq!(TimeInterval(0x0001_7fff).to_nanos(), 1);
        assert_eq!(TimeInterval(-0x0001_8000).to_nanos(), -1);
        assert_eq!(TimeInterval(-0x0001_8001).to_nanos(), -2);
        assert_eq!(TimeInterval(i64::MAX).to_nanos(), 1 << 47);
        assert_eq!(TimeInterval(i64::MIN).to_nanos(), -(1 << 47));
        assert_eq!(
            TimeInterval::from_duration(Duration::from_nanos(-1_500)).to_duration(),
            Duration::from_nanos(-1_500)
        );
    }

    #[test]
    fn time_intervals_saturate() {
        assert_eq!(TimeInterval::from_nanos(i64::MAX), TimeInterval::TOO_LARGE);
        assert_eq!(TimeInterval::from_nanos(i64::MIN), TimeInterval(i64::MIN));
        assert_eq!(TimeInterval::from_nanos(3).scaled(), 3 << 16);
    }
}
