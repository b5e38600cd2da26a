//! NTP wire time formats and their conversion to [`Timestamp`] and [`Duration`].
//!
//! The 64-bit timestamp carries seconds since 1900-01-01 modulo 2³² (one *era* is 136 years;
//! era 0 ends on 2036-02-07T06:28:16Z) and a 32-bit binary fraction. Which era a wire value
//! belongs to is not on the wire: [`NtpTimestamp::to_timestamp`] picks the value closest to a
//! *pivot* (the local time at which the packet was handled), so any timestamp within ±68 years
//! of the local clock converts correctly across the 2036 rollover.
//!
//! The 32-bit short format (root delay and root dispersion) is 16.16 fixed-point seconds.

use crate::time::{Duration, NANOS_PER_SEC, Timestamp};

/// Seconds from the NTP epoch (1900-01-01) to the Unix epoch (1970-01-01).
pub const NTP_UNIX_OFFSET_SECS: i64 = 2_208_988_800;

const FRACTION_SCALE: u128 = 1 << 32;

/// A 64-bit NTP timestamp exactly as on the wire (era-relative seconds and a fraction).
///
/// Zero is special in NTP: it means "not known" (e.g. the origin timestamp of a first request).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct NtpTimestamp(u64);

impl NtpTimestamp {
    /// The "unknown" timestamp.
    pub const ZERO: NtpTimestamp = NtpTimestamp(0);

    /// The raw 64 bits (seconds in the upper half, fraction in the lower).
    pub const fn from_bits(bits: u64) -> Self {
        NtpTimestamp(bits)
    }

    /// The raw 64 bits.
    pub const fn to_bits(self) -> u64 {
        self.0
    }

    /// True for the "unknown" value 0.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// The wire form of `time` (rounded to the nearest 2⁻³² s; era information is dropped).
    pub fn from_timestamp(time: Timestamp) -> Self {
        let (secs, nanos) = time.to_secs_nanos();
        // Truncation to 32 bits is the era wrap the format defines.
        let era_secs = secs.wrapping_add(NTP_UNIX_OFFSET_SECS) as u32;
        // nanos < 10⁹, so the rounded fraction stays below 2³².
        let fraction = ((u128::from(nanos) * FRACTION_SCALE + 500_000_000) / 1_000_000_000) as u64;
        NtpTimestamp((u64::from(era_secs) << 32) | fraction)
    }

    /// The time this wire value denotes in the era that puts it closest to `pivot`
    /// (within ±2³¹ s). Conversion from and back to a [`Timestamp`] is exact to the nanosecond.
    pub fn to_timestamp(self, pivot: Timestamp) -> Timestamp {
        let pivot_ntp_secs = pivot.to_secs_nanos().0 + NTP_UNIX_OFFSET_SECS;
        let wire_secs = (self.0 >> 32) as u32;
        let delta = i64::from(wire_secs.wrapping_sub(pivot_ntp_secs as u32) as i32);
        let unix_secs = i128::from(pivot_ntp_secs + delta - NTP_UNIX_OFFSET_SECS);
        let fraction = u128::from(self.0 & 0xFFFF_FFFF);
        let nanos = (fraction * 1_000_000_000 + FRACTION_SCALE / 2) >> 32;
        let total = unix_secs * i128::from(NANOS_PER_SEC) + nanos as i128;
        let clamped = total.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        Timestamp::from_nanos(clamped)
    }

    /// The same value with the least significant fraction bit set or cleared (a 0.23 ns
    /// change). The server marks its receive timestamps with 1 and transmit timestamps with 0,
    /// as chrony does, so an origin timestamp that echoes a receive timestamp is recognisable.
    pub const fn with_low_bit(self, set: bool) -> Self {
        if set {
            NtpTimestamp(self.0 | 1)
        } else {
            NtpTimestamp(self.0 & !1)
        }
    }

    /// The least significant fraction bit.
    pub const fn low_bit(self) -> bool {
        self.0 & 1 == 1
    }
}

/// The NTP short format (16.16 fixed-point seconds) used for root delay and root dispersion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct NtpShort(u32);

impl NtpShort {
    /// The raw 32 bits.
    pub const fn from_bits(bits: u32) -> Self {
        NtpShort(bits)
    }

    /// The raw 32 bits.
    pub const fn to_bits(self) -> u32 {
        self.0
    }

    /// `duration` rounded to 2⁻¹⁶ s (15.3 µs); negative spans become 0 and spans above
    /// 65 536 s saturate.
    pub fn from_duration(duration: Duration) -> Self {
        let nanos = u128::try_from(duration.as_nanos()).unwrap_or(0);
        let units = (nanos * (1 << 16) + 500_000_000) / 1_000_000_000;
        NtpShort(u32::try_from(units).unwrap_or(u32::MAX))
    }

    /// The span this value denotes, to the nearest nanosecond.
    pub fn to_duration(self) -> Duration {
        let nanos = (u64::from(self.0) * 1_000_000_000 + (1 << 15)) >> 16;
        // At most 65 536 s in nanoseconds: far below i64::MAX.
        Duration::from_nanos(nanos as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2036-02-07T06:28:16Z: the first second of NTP era 1.
    const ERA1_UNIX_SECS: i64 = (1 << 32) - NTP_UNIX_OFFSET_SECS;

    #[test]
    fn unix_epoch_is_ntp_second_2208988800() {
        let wire = NtpTimestamp::from_timestamp(Timestamp::EPOCH);
        assert_eq!(wire.to_bits(), (NTP_UNIX_OFFSET_SECS as u64) << 32);
    }

    #[test]
    fn half_second_is_half_the_fraction() {
        let wire = NtpTimestamp::from_timestamp(Timestamp::from_secs_nanos(0, 500_000_000));
        assert_eq!(wire.to_bits() & 0xFFFF_FFFF, 1 << 31);
    }

    #[test]
    fn round_trip_is_exact_to_the_nanosecond() {
        let pivot = Timestamp::from_secs_nanos(1_700_000_000, 0);
        for nanos in [0, 1, 2, 499_999_999, 500_000_000, 999_999_998, 999_999_999] {
            let time = Timestamp::from_secs_nanos(1_700_000_123, nanos);
            let back = NtpTimestamp::from_timestamp(time).to_timestamp(pivot);
            assert_eq!(back, time, "nanos {nanos}");
        }
    }

    #[test]
    fn era_rollover_2036_converts_relative_to_the_pivot() {
        let before = Timestamp::from_secs_nanos(ERA1_UNIX_SECS - 2, 250_000_000);
        let after = Timestamp::from_secs_nanos(ERA1_UNIX_SECS + 3, 750_000_000);
        let wire_after = NtpTimestamp::from_timestamp(after);
        assert_eq!(
            wire_after.to_bits() >> 32,
            3,
            "era 1 starts again at second 0"
        );
        // A local clock still in era 0 sees a server already in era 1, and the reverse.
        assert_eq!(wire_after.to_timestamp(before), after);
        assert_eq!(
            NtpTimestamp::from_timestamp(before).to_timestamp(after),
            before
        );
        let exactly = Timestamp::from_secs_nanos(ERA1_UNIX_SECS, 0);
        assert_eq!(NtpTimestamp::from_timestamp(exactly).to_bits(), 0);
        assert_eq!(NtpTimestamp::ZERO.to_timestamp(before), exactly);
    }

    #[test]
    fn pivot_far_from_the_value_picks_the_nearest_era() {
        let time = Timestamp::from_secs_nanos(1_700_000_000, 0);
        let wire = NtpTimestamp::from_timestamp(time);
        let sixty_years = Duration::from_secs(60 * 365 * 86_400);
        assert_eq!(wire.to_timestamp(time + sixty_years), time);
        assert_eq!(wire.to_timestamp(time - sixty_years), time);
    }

    #[test]
    fn extreme_pivots_do_not_panic() {
        for bits in [0, u64::MAX, 1 << 63] {
            let wire = NtpTimestamp::from_bits(bits);
            let _ = wire.to_timestamp(Timestamp::from_nanos(i64::MAX));
            let _ = wire.to_timestamp(Timestamp::from_nanos(i64::MIN));
        }
        let _ = NtpTimestamp::from_timestamp(Timestamp::from_nanos(i64::MIN));
    }

    #[test]
    fn low_bit_marks() {
        let wire = NtpTimestamp::from_bits(0x10);
        assert!(wire.with_low_bit(true).low_bit());
        assert!(!wire.with_low_bit(true).with_low_bit(false).low_bit());
    }

    #[test]
    fn short_format_round_trip_and_limits() {
        assert_eq!(
            NtpShort::from_bits(0x0001_0000).to_duration(),
            Duration::from_secs(1)
        );
        assert_eq!(
            NtpShort::from_bits(0x0000_8000).to_duration(),
            Duration::from_millis(500)
        );
        assert_eq!(
            NtpShort::from_duration(Duration::from_millis(250)).to_bits(),
            0x4000
        );
        assert_eq!(
            NtpShort::from_duration(Duration::from_secs(-1)).to_bits(),
            0
        );
        assert_eq!(NtpShort::from_duration(Duration::MAX).to_bits(), u32::MAX);
        let delay = Duration::from_micros(1_234);
        let back = NtpShort::from_duration(delay).to_duration();
        assert!(
            (back - delay).abs() <= Duration::from_nanos(7_630),
            "{back}"
        );
    }
}
