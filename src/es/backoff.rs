//! Retry waits, pure: exponential from `backoff.init` (1 s) to `backoff.max` (60 s) with
//! "equal jitter" (a random point in the upper half of the window, so a fleet that lost its
//! cluster at once does not come back at once), and a server's `Retry-After` honoured up to
//! `backoff.max`. The randomness is an argument, so tests are exact.

use crate::time::{Duration, Timestamp};

/// The backoff state of one shipper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    init: Duration,
    max: Duration,
    failures: u32,
}

impl Backoff {
    /// Starts at `init`, never waits longer than `max`.
    pub fn new(init: Duration, max: Duration) -> Self {
        Backoff {
            init: init.max(Duration::from_millis(1)),
            max: max.max(init),
            failures: 0,
        }
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Counts one more failure and returns the wait before the next attempt. `unit_random` in
    /// [0, 1) picks the point in the window's upper half; a `retry_after` longer than that
    /// wins, capped at `max`.
    pub fn next_wait(&mut self, retry_after: Option<Duration>, unit_random: f64) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let doublings = (self.failures - 1).min(40);
        let ceiling = Duration::from_nanos(
            self.init
                .as_nanos()
                .saturating_mul(1_i64 << doublings.min(62))
                .min(self.max.as_nanos()),
        );
        let half = ceiling.as_nanos() / 2;
        let jitter = (half as f64 * unit_random.clamp(0.0, 1.0)) as i64;
        let wait = Duration::from_nanos(half + jitter);
        match retry_after {
            Some(asked) if asked > wait => asked.min(self.max),
            _ => wait,
        }
    }

    /// A success: the next failure starts from `init` again.
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// A `Retry-After` header: delay seconds, or an HTTP date (RFC 9110 IMF-fixdate) relative to
/// `now`. `None` when it is neither.
pub fn parse_retry_after(value: &str, now: Timestamp) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u32>() {
        return Some(Duration::from_secs(i64::from(seconds)));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let date = time::PrimitiveDateTime::parse(value, &format).ok()?;
    let at = date.assume_utc().unix_timestamp();
    let now_s = now.as_nanos().div_euclid(1_000_000_000);
    Some(Duration::from_secs((at - now_s).max(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_nanos((s * 1e9) as i64)
    }

    #[test]
    fn waits_double_from_init_to_max_within_the_upper_half() {
        let mut backoff = Backoff::new(secs(1.0), secs(60.0));
        let lows: Vec<Duration> = (0..8).map(|_| backoff.next_wait(None, 0.0)).collect();
        assert_eq!(
            lows,
            [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0].map(secs),
            "half of 1, 2, 4 ... capped at 60"
        );
        let mut backoff = Backoff::new(secs(1.0), secs(60.0));
        let highs: Vec<Duration> = (0..8).map(|_| backoff.next_wait(None, 0.999_999)).collect();
        assert!(highs[0] > secs(0.99) && highs[0] <= secs(1.0), "{highs:?}");
        assert!(highs[7] > secs(59.9) && highs[7] <= secs(60.0), "{highs:?}");
        assert_eq!(backoff.failures(), 8);
        backoff.reset();
        assert_eq!(backoff.next_wait(None, 0.0), secs(0.5));
    }

    #[test]
    fn retry_after_wins_when_longer_and_is_capped_at_max() {
        let mut backoff = Backoff::new(secs(1.0), secs(60.0));
        assert_eq!(backoff.next_wait(Some(secs(7.0)), 0.0), secs(7.0));
        assert_eq!(backoff.next_wait(Some(secs(0.1)), 0.0), secs(1.0));
        assert_eq!(backoff.next_wait(Some(secs(3600.0)), 0.0), secs(60.0));
    }

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = crate::observe::rfc3339::parse("2026-11-23T10:00:00Z").expect("now");
        assert_eq!(parse_retry_after("30", now), Some(secs(30.0)));
        assert_eq!(
            parse_retry_after("Mon, 23 Nov 2026 10:00:45 GMT", now),
            Some(secs(45.0))
        );
        assert_eq!(
            parse_retry_after("Mon, 23 Nov 2026 09:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past: no wait"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
