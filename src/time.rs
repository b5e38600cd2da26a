//! Time as integers: [`Timestamp`] and [`Duration`] in nanoseconds, [`Ppb`] for frequencies.
//!
//! No API of the time core takes or returns `f64` seconds: floating point only appears when a
//! value is displayed or inside a filter's arithmetic. NTP and PTP wire formats convert to and
//! from these types at their codecs.
//!
//! Sign convention used across shiwa: an **offset is local − reference** (positive: the local
//! clock is ahead), as `chronyc sources` and ptp4l's `master offset` report it. `ntpdate` and
//! `ntpdig` print the opposite sign.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub, SubAssign};

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: i64 = 1_000_000_000;

/// A point in time: nanoseconds since the Unix epoch (1970-01-01T00:00:00Z, UTC, no leap
/// seconds), on whichever clock produced it. `i64` nanoseconds cover 1677–2262.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(i64);

/// A signed span of time in nanoseconds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Duration(i64);

/// A frequency offset in parts per billion (ns/s). Positive: the clock runs fast.
///
/// Kept as `f64` because the kernel resolves frequency to 2⁻¹⁶ ppm (0.015 ppb) and a servo's
/// integral needs sub-ppb resolution; it is a rate, not a time.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Ppb(pub f64);

impl Timestamp {
    /// The Unix epoch.
    pub const EPOCH: Timestamp = Timestamp(0);

    /// A timestamp `nanos` nanoseconds after the Unix epoch.
    pub const fn from_nanos(nanos: i64) -> Self {
        Timestamp(nanos)
    }

    /// Seconds and nanoseconds after the epoch (as `timespec`).
    pub const fn from_secs_nanos(secs: i64, nanos: u32) -> Self {
        Timestamp(secs * NANOS_PER_SEC + nanos as i64)
    }

    /// Nanoseconds after the Unix epoch.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }

    /// Whole seconds after the epoch (floor) and the nanoseconds within that second.
    pub const fn to_secs_nanos(self) -> (i64, u32) {
        (
            self.0.div_euclid(NANOS_PER_SEC),
            self.0.rem_euclid(NANOS_PER_SEC) as u32,
        )
    }

    /// `self − earlier` as a signed duration.
    pub const fn since(self, earlier: Timestamp) -> Duration {
        Duration(self.0 - earlier.0)
    }

    /// RFC 3339 in UTC with nanoseconds, for logs and JSON (`2026-11-22T16:11:07.123456789Z`).
    pub fn to_rfc3339(self) -> String {
        let (secs, nanos) = self.to_secs_nanos();
        match time::OffsetDateTime::from_unix_timestamp(secs) {
            Ok(datetime) => {
                let datetime = datetime.replace_nanosecond(nanos).unwrap_or(datetime);
                datetime
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_else(|_| format!("{secs}.{nanos:09}"))
            }
            Err(_) => format!("{secs}.{nanos:09}"),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Duration {
    /// No time.
    pub const ZERO: Duration = Duration(0);
    /// The largest representable span.
    pub const MAX: Duration = Duration(i64::MAX);

    /// `nanos` nanoseconds.
    pub const fn from_nanos(nanos: i64) -> Self {
        Duration(nanos)
    }
    /// `micros` microseconds.
    pub const fn from_micros(micros: i64) -> Self {
        Duration(micros * 1_000)
    }
    /// `millis` milliseconds.
    pub const fn from_millis(millis: i64) -> Self {
        Duration(millis * 1_000_000)
    }
    /// `secs` seconds.
    pub const fn from_secs(secs: i64) -> Self {
        Duration(secs * NANOS_PER_SEC)
    }
    /// 2^`log2` seconds, the unit of NTP poll and PTP message intervals (−7 … 17 sensible).
    pub const fn from_log2_secs(log2: i8) -> Self {
        if log2 >= 0 {
            Duration(NANOS_PER_SEC << (log2 as u32))
        } else {
            Duration(NANOS_PER_SEC >> ((-(log2 as i32)) as u32))
        }
    }
    /// Whole seconds, truncated towards zero.
    pub const fn as_secs(self) -> i64 {
        self.0 / NANOS_PER_SEC
    }
    /// Seconds as a float: for display and filter arithmetic only.
    pub fn from_secs_f64(secs: f64) -> Self {
        Duration((secs * NANOS_PER_SEC as f64).round() as i64)
    }

    /// Signed nanoseconds.
    pub const fn as_nanos(self) -> i64 {
        self.0
    }
    /// Seconds as a float: for display and filter arithmetic only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }
    /// The magnitude.
    pub const fn abs(self) -> Duration {
        Duration(self.0.saturating_abs())
    }
    /// True for a negative span.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
    /// Sum that stops at the ends of the range instead of overflowing.
    pub const fn saturating_add(self, other: Duration) -> Duration {
        Duration(self.0.saturating_add(other.0))
    }
    /// A non-negative std duration (negative spans become zero), for timers in drivers.
    pub fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.0.max(0) as u64)
    }
    /// From a std duration, saturating at [`Duration::MAX`].
    pub fn from_std(duration: std::time::Duration) -> Self {
        Duration(i64::try_from(duration.as_nanos()).unwrap_or(i64::MAX))
    }
}

impl fmt::Display for Duration {
    /// Human form with a unit chosen by magnitude: `-1.234µs`, `15.2ms`, `3.000s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.0;
        let magnitude = nanos.unsigned_abs();
        if magnitude < 1_000 {
            write!(f, "{nanos}ns")
        } else if magnitude < 1_000_000 {
            write!(f, "{:.3}µs", nanos as f64 / 1e3)
        } else if magnitude < 1_000_000_000 {
            write!(f, "{:.3}ms", nanos as f64 / 1e6)
        } else {
            write!(f, "{:.3}s", nanos as f64 / 1e9)
        }
    }
}

impl Ppb {
    /// No frequency offset.
    pub const ZERO: Ppb = Ppb(0.0);

    /// From parts per million.
    pub fn from_ppm(ppm: f64) -> Self {
        Ppb(ppm * 1_000.0)
    }
    /// In parts per million.
    pub fn as_ppm(self) -> f64 {
        self.0 / 1_000.0
    }
    /// The magnitude.
    pub fn abs(self) -> Ppb {
        Ppb(self.0.abs())
    }
    /// Limited to ±`limit`.
    pub fn clamp(self, limit: Ppb) -> Ppb {
        let limit = limit.0.abs();
        Ppb(self.0.clamp(-limit, limit))
    }
    /// The time this frequency offset accumulates over `span` (ppb × s = ns).
    pub fn drift_over(self, span: Duration) -> Duration {
        Duration((self.0 * span.0 as f64 / 1e9).round() as i64)
    }
}

impl fmt::Display for Ppb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:+.3}ppm", self.as_ppm())
    }
}

impl Add<Duration> for Timestamp {
    type Output = Timestamp;
    fn add(self, rhs: Duration) -> Timestamp {
        Timestamp(self.0.saturating_add(rhs.0))
    }
}
impl AddAssign<Duration> for Timestamp {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}
impl Sub<Duration> for Timestamp {
    type Output = Timestamp;
    fn sub(self, rhs: Duration) -> Timestamp {
        Timestamp(self.0.saturating_sub(rhs.0))
    }
}
impl SubAssign<Duration> for Timestamp {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}
impl Sub for Timestamp {
    type Output = Duration;
    fn sub(self, rhs: Timestamp) -> Duration {
        Duration(self.0.saturating_sub(rhs.0))
    }
}
impl Add for Duration {
    type Output = Duration;
    fn add(self, rhs: Duration) -> Duration {
        Duration(self.0.saturating_add(rhs.0))
    }
}
impl AddAssign for Duration {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}
impl Sub for Duration {
    type Output = Duration;
    fn sub(self, rhs: Duration) -> Duration {
        Duration(self.0.saturating_sub(rhs.0))
    }
}
impl SubAssign for Duration {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}
impl Neg for Duration {
    type Output = Duration;
    fn neg(self) -> Duration {
        Duration(self.0.saturating_neg())
    }
}
impl Mul<i64> for Duration {
    type Output = Duration;
    fn mul(self, rhs: i64) -> Duration {
        Duration(self.0.saturating_mul(rhs))
    }
}
impl Div<i64> for Duration {
    type Output = Duration;
    fn div(self, rhs: i64) -> Duration {
        Duration(self.0 / rhs)
    }
}
impl Add for Ppb {
    type Output = Ppb;
    fn add(self, rhs: Ppb) -> Ppb {
        Ppb(self.0 + rhs.0)
    }
}
impl Sub for Ppb {
    type Output = Ppb;
    fn sub(self, rhs: Ppb) -> Ppb {
        Ppb(self.0 - rhs.0)
    }
}
impl Neg for Ppb {
    type Output = Ppb;
    fn neg(self) -> Ppb {
        Ppb(-self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secs_nanos_round_trip_before_and_after_the_epoch() {
        let after = Timestamp::from_secs_nanos(1_700_000_000, 123_456_789);
        assert_eq!(after.to_secs_nanos(), (1_700_000_000, 123_456_789));
        let before = Timestamp::from_nanos(-1);
        assert_eq!(before.to_secs_nanos(), (-1, 999_999_999));
    }

    #[test]
    fn arithmetic_saturates_instead_of_wrapping() {
        assert_eq!(Duration::MAX + Duration::from_secs(1), Duration::MAX);
        assert_eq!(
            Timestamp::from_nanos(i64::MIN) - Duration::from_secs(1),
            Timestamp::from_nanos(i64::MIN)
        );
        assert_eq!(-Duration::from_nanos(i64::MIN), Duration::MAX);
    }

    #[test]
    fn log2_intervals() {
        assert_eq!(Duration::from_log2_secs(0), Duration::from_secs(1));
        assert_eq!(Duration::from_log2_secs(4), Duration::from_secs(16));
        assert_eq!(Duration::from_log2_secs(-2), Duration::from_millis(250));
    }

    #[test]
    fn display_picks_a_unit() {
        assert_eq!(Duration::from_nanos(-850).to_string(), "-850ns");
        assert_eq!(Duration::from_nanos(1_234).to_string(), "1.234µs");
        assert_eq!(Duration::from_millis(-15).to_string(), "-15.000ms");
        assert_eq!(Duration::from_secs(3).to_string(), "3.000s");
        assert_eq!(Ppb(12_500.0).to_string(), "+12.500ppm");
    }

    #[test]
    fn rfc3339_has_nanoseconds() {
        let ts = Timestamp::from_secs_nanos(0, 5);
        assert_eq!(ts.to_rfc3339(), "1970-01-01T00:00:00.000000005Z");
    }

    #[test]
    fn frequency_drift() {
        assert_eq!(
            Ppb(100.0).drift_over(Duration::from_secs(10)),
            Duration::from_nanos(1_000)
        );
        assert_eq!(Ppb(150.0).clamp(Ppb(100.0)), Ppb(100.0));
        assert_eq!(Ppb(-150.0).clamp(Ppb(100.0)), Ppb(-100.0));
    }
}
