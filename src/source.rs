//! What every time source (NTP, PTP, PHC, PPS, NMEA) hands to selection and the servo.

use crate::time::{Duration, Timestamp};
use serde::{Deserialize, Serialize};

/// Index of a source in the config: primary sources first, then secondary, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourceId(pub usize);

/// The group a source belongs to (`primary_clocks` or `secondary_clocks`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    /// `primary_clocks`: used while any of them is usable.
    Primary,
    /// `secondary_clocks`: used when no primary is usable.
    Secondary,
}

/// Leap second warning carried by NTP's LI field and PTP's leap flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Leap {
    /// No leap second pending.
    #[default]
    None,
    /// The last minute of the day has 61 seconds.
    Insert,
    /// The last minute of the day has 59 seconds.
    Delete,
    /// The source's clock is not synchronised (NTP LI = 3).
    Unsynchronized,
}

/// One filtered measurement of the local clock against a source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Local clock minus the source's clock (positive: local is ahead).
    pub offset: Duration,
    /// Round-trip delay (NTP) or mean path delay × 2 (PTP).
    pub delay: Duration,
    /// Dispersion of this measurement (error growing with age and precision).
    pub dispersion: Duration,
    /// Jitter: RMS of offset differences in the source's filter.
    pub jitter: Duration,
    /// The source's root delay to its primary reference.
    pub root_delay: Duration,
    /// The source's root dispersion.
    pub root_dispersion: Duration,
    /// The source's stratum (PTP sources report 0 for a grandmaster with a primary reference).
    pub stratum: u8,
    /// The source's leap indicator.
    pub leap: Leap,
    /// When the measurement was taken, by the local clock.
    pub local_time: Timestamp,
}

impl Measurement {
    /// Root distance as RFC 5905 defines it: half the total round-trip delay plus all the
    /// dispersion and jitter. The bound on the error of time taken from this source.
    pub fn root_distance(&self) -> Duration {
        let delay = (self.root_delay + self.delay) / 2;
        delay + self.root_dispersion + self.dispersion + self.jitter
    }
}

/// How a source driver describes its peer between samples.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceStatus {
    /// The peer answered recently (any bit of the reach register set).
    pub reachable: bool,
    /// The reach register: one bit per poll, 1 = answered.
    pub reach: u8,
    /// The peer's stratum.
    pub stratum: Option<u8>,
    /// The peer's reference id, rendered.
    pub refid: Option<String>,
    /// The current poll interval.
    pub poll: Option<Duration>,
    /// The resolved peer address.
    pub address: Option<String>,
    /// The master port a PTP source follows (its parent port identity,
    /// `001122.fffe.334455-1`), while it follows one.
    pub parent: Option<String>,
    /// Why the peer cannot be used (kiss-o'-death DENY, resolution failure, ...).
    pub problem: Option<String>,
    /// The peer refused service (kiss-o'-death DENY or RSTR).
    pub denied: bool,
    /// Replies rejected (bad origin, unsynchronised, stratum, distance, ...).
    pub rejected: u64,
    /// Requests that got no reply in time.
    pub timeouts: u64,
}

/// What a source driver sends to the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum SourceUpdate {
    /// A new filtered measurement.
    Sample {
        /// Which source.
        id: SourceId,
        /// The measurement.
        measurement: Measurement,
    },
    /// The peer's status changed.
    Status {
        /// Which source.
        id: SourceId,
        /// The new status.
        status: SourceStatus,
    },
}

/// What the engine tells running sources.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SourceCommand {
    /// The clock was stepped by this amount: shift every offset held in filters.
    ShiftOffsets(Duration),
}
