//! How one NTP client association polls and what it accepts.

use crate::config::SourceConfig;
use crate::time::Duration;

/// Poll interval when `pollinterval` is not set: 16 s.
///
/// Timebeat examples set `pollinterval: 4s`; chrony's default `minpoll 6` is 64 s, tuned for
/// public servers. 16 s (ntpd's `minpoll 4`) is a LAN-friendly middle: the filter of eight
/// samples spans two minutes.
pub const DEFAULT_POLL: Duration = Duration::from_secs(16);
/// Spacing of the initial burst (chrony's and ntpd's `iburst`), unless the poll is shorter.
pub const IBURST_SPACING: Duration = Duration::from_secs(2);
/// The initial burst ends after this many usable samples…
pub const IBURST_GOOD_SAMPLES: u32 = 4;
/// …or after this many requests, answered or not.
pub const IBURST_MAX_REQUESTS: u32 = 8;
/// Largest root distance accepted: RFC 5905's MAXDIST (ntpd's default). chrony's
/// `maxdistance` defaults to 3 s.
pub const DEFAULT_MAX_ROOT_DISTANCE: Duration = Duration::from_millis(1_500);
/// Shortest poll interval accepted (2⁻⁶ s, as the config loader allows).
pub const MIN_POLL: Duration = Duration::from_millis(15);
/// Longest poll interval accepted (2¹⁷ s, about 36 h).
pub const MAX_POLL: Duration = Duration::from_secs(131_072);
/// A server asking for a slower rate (KoD RATE) never pushes the poll above this (1024 s,
/// chrony's limit), unless the configured poll is already longer.
pub const MAX_RATE_LIMITED_POLL: Duration = Duration::from_secs(1_024);

/// A client association's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientConfig {
    /// Interval between requests (Timebeat `pollinterval`); any length from 15 ms to 36 h,
    /// not only powers of two. The packet's poll field carries the nearest log2.
    pub poll: Duration,
    /// Start with a burst of requests [`IBURST_SPACING`] apart (or `poll` apart when shorter)
    /// until four samples are in.
    pub iburst: bool,
    /// Ask for interleaved responses (chrony's `xleave`; Timebeat `interleaved`).
    pub interleaved: bool,
    /// Samples whose root distance exceeds this are rejected.
    pub max_root_distance: Duration,
    /// Samples from servers above this stratum are rejected (1–15).
    pub max_stratum: u8,
    /// NTP version of requests (4; 3 for very old servers).
    pub version: u8,
    /// log2 seconds of the local clock's reading precision, added to each sample's
    /// dispersion. −20 (about 1 µs) suits Linux with kernel timestamps.
    pub local_precision: i8,
    /// One-shot query of this many requests (`shiwa query --count N`) instead of polling
    /// forever. Requests are `poll` apart; the association finishes after the last answer
    /// or `response_timeout` after the last request.
    pub query_count: Option<u32>,
    /// In query mode, how long to wait for the last answer.
    pub response_timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            poll: DEFAULT_POLL,
            iburst: true,
            interleaved: false,
            max_root_distance: DEFAULT_MAX_ROOT_DISTANCE,
            max_stratum: 15,
            version: 4,
            local_precision: -20,
            query_count: None,
            response_timeout: Duration::from_secs(2),
        }
    }
}

/// A configuration value an association cannot run with; names the peer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("NTP server {peer}: {field} {problem}")]
pub struct ClientConfigError {
    /// The server's name as configured.
    pub peer: String,
    /// The offending field.
    pub field: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

impl ClientConfig {
    /// A one-shot probe of `count` requests 1 s apart, as `ntpdig`/`chronyd -Q` do: no
    /// initial burst, every raw sample reported.
    pub fn query(count: u32) -> Self {
        ClientConfig {
            poll: Duration::from_secs(1),
            iburst: false,
            query_count: Some(count),
            ..ClientConfig::default()
        }
    }

    /// The association an `ntp` source of the config file describes: its `pollinterval`
    /// and `interleaved` keys over the defaults.
    pub fn from_source(source: &SourceConfig) -> Self {
        ClientConfig {
            poll: source
                .pollinterval
                .map_or(DEFAULT_POLL, |poll| Duration::from_std(poll.0)),
            interleaved: source.interleaved.unwrap_or(false),
            ..ClientConfig::default()
        }
    }

    /// Checks every field, naming `peer` in the error.
    pub fn validate(&self, peer: &str) -> Result<(), ClientConfigError> {
        let error = |field: &'static str, problem: String| ClientConfigError {
            peer: peer.to_owned(),
            field,
            problem,
        };
        if self.poll < MIN_POLL || self.poll > MAX_POLL {
            return Err(error(
                "poll",
                format!("{} is outside 15ms to 36h", self.poll),
            ));
        }
        if !(1..=4).contains(&self.version) {
            return Err(error("version", format!("{} is not 1 to 4", self.version)));
        }
        if !(1..=15).contains(&self.max_stratum) {
            return Err(error(
                "max_stratum",
                format!("{} is not 1 to 15", self.max_stratum),
            ));
        }
        if self.max_root_distance <= Duration::ZERO {
            return Err(error("max_root_distance", "must be positive".into()));
        }
        if self.query_count == Some(0) {
            return Err(error("query_count", "must be at least 1".into()));
        }
        if self.response_timeout <= Duration::ZERO {
            return Err(error("response_timeout", "must be positive".into()));
        }
        Ok(())
    }

    /// The poll field of requests: log2 of the poll interval, rounded to the nearest.
    pub fn poll_log2(&self) -> i8 {
        log2_rounded(self.poll)
    }
}

/// The nearest log2 seconds of `interval`, within −7 … 17.
pub fn log2_rounded(interval: Duration) -> i8 {
    let secs = interval.as_secs_f64().max(1e-9);
    // The clamp keeps the cast in range.
    secs.log2().round().clamp(-7.0, 17.0) as i8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigDuration, Protocol};

    #[test]
    fn defaults_validate() {
        assert_eq!(ClientConfig::default().validate("ntp1"), Ok(()));
        assert_eq!(ClientConfig::query(4).validate("ntp1"), Ok(()));
    }

    #[test]
    fn errors_name_the_peer_and_field() {
        let config = ClientConfig {
            poll: Duration::from_millis(1),
            ..ClientConfig::default()
        };
        let error = config.validate("time.example").unwrap_err();
        assert_eq!(error.field, "poll");
        assert!(
            error
                .to_string()
                .starts_with("NTP server time.example: poll")
        );
        let zero = ClientConfig::query(0).validate("x").unwrap_err();
        assert_eq!(zero.field, "query_count");
    }

    #[test]
    fn source_keys_map_to_the_config() {
        let mut source = SourceConfig::new(Protocol::Ntp);
        source.pollinterval = Some(ConfigDuration(std::time::Duration::from_secs(4)));
        source.interleaved = Some(true);
        let config = ClientConfig::from_source(&source);
        assert_eq!(config.poll, Duration::from_secs(4));
        assert!(config.interleaved);
        assert_eq!(config.poll_log2(), 2);
    }

    #[test]
    fn poll_field_is_the_nearest_log2() {
        assert_eq!(log2_rounded(Duration::from_secs(16)), 4);
        assert_eq!(log2_rounded(Duration::from_secs(5)), 2);
        assert_eq!(log2_rounded(Duration::from_millis(125)), -3);
        assert_eq!(log2_rounded(Duration::from_millis(15)), -6);
        assert_eq!(log2_rounded(Duration::ZERO), -7);
    }
}
