//! What the server says about its own clock: built by the engine from the selected source.

use crate::ntp::filter::grown_dispersion;
use crate::ntp::refid::RefId;
use crate::source::{Leap, Measurement};
use crate::time::{Duration, Timestamp};

/// Stratum meaning "unsynchronised" (sent as 0 on the wire).
pub const UNSYNCHRONIZED_STRATUM: u8 = 16;

/// The server's view of its clock, as it goes into every response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerState {
    /// Leap indicator; [`Leap::Unsynchronized`] when the clock follows no source.
    pub leap: Leap,
    /// Stratum: the source's + 1, `local_stratum` when serving a free-running clock, 16 when
    /// unsynchronised. 16 and above go on the wire as 0.
    pub stratum: u8,
    /// Reference ID: the upstream server's address, a refclock code, or [`RefId::LOCAL`].
    pub reference_id: RefId,
    /// Root delay to the primary reference.
    pub root_delay: Duration,
    /// Root dispersion at `reference_time`; responses add 15 ppm of the time since then.
    pub root_dispersion: Duration,
    /// When the clock was last updated from its source.
    pub reference_time: Timestamp,
    /// log2 seconds of the clock's reading precision.
    pub precision: i8,
}

impl ServerState {
    /// A server whose clock follows no source: leap 3, stratum 16 (0 on the wire) and a
    /// zero reference ID, as chrony sends. Clients will not synchronise to it.
    pub fn unsynchronized(precision: i8) -> Self {
        ServerState {
            leap: Leap::Unsynchronized,
            stratum: UNSYNCHRONIZED_STRATUM,
            reference_id: RefId::ZERO,
            root_delay: Duration::ZERO,
            root_dispersion: Duration::ZERO,
            reference_time: Timestamp::EPOCH,
            precision,
        }
    }

    /// Serving the free-running local clock at `local_stratum` (chrony's `local stratum N`):
    /// reference ID 127.127.1.1, zero root delay and dispersion, reference time `now`.
    pub fn free_running(local_stratum: u8, precision: i8, now: Timestamp) -> Self {
        ServerState {
            leap: Leap::None,
            stratum: local_stratum,
            reference_id: RefId::LOCAL,
            root_delay: Duration::ZERO,
            root_dispersion: Duration::ZERO,
            reference_time: now,
            precision,
        }
    }

    /// Synchronised to a source seen through `measurement` (its stratum, leap, root delay
    /// and dispersion): stratum + 1, root delay + path delay, root dispersion + dispersion,
    /// jitter and the remaining offset (RFC 5905 §11.2.2's system variables).
    pub fn synchronized_to(
        measurement: &Measurement,
        reference_id: RefId,
        precision: i8,
        updated_at: Timestamp,
    ) -> Self {
        ServerState {
            leap: measurement.leap,
            stratum: measurement
                .stratum
                .saturating_add(1)
                .min(UNSYNCHRONIZED_STRATUM),
            reference_id,
            root_delay: measurement.root_delay + measurement.delay,
            root_dispersion: measurement.root_dispersion
                + measurement.dispersion
                + measurement.jitter
                + measurement.offset.abs(),
            reference_time: updated_at,
            precision,
        }
    }

    /// The stratum field as sent: 16 and above become 0.
    pub fn wire_stratum(&self) -> u8 {
        if self.stratum >= UNSYNCHRONIZED_STRATUM {
            0
        } else {
            self.stratum
        }
    }

    /// Root dispersion at `now`: grown by 15 ppm since the reference time.
    pub fn root_dispersion_at(&self, now: Timestamp) -> Duration {
        if self.reference_time == Timestamp::EPOCH {
            return self.root_dispersion;
        }
        grown_dispersion(self.root_dispersion, now.since(self.reference_time))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synchronised_state_adds_one_stratum_and_the_path() {
        let measurement = Measurement {
            offset: Duration::from_micros(-5),
            delay: Duration::from_micros(300),
            dispersion: Duration::from_micros(20),
            jitter: Duration::from_micros(3),
            root_delay: Duration::from_micros(700),
            root_dispersion: Duration::from_micros(100),
            stratum: 1,
            leap: Leap::None,
            local_time: Timestamp::from_secs_nanos(1_700_000_000, 0),
        };
        let now = Timestamp::from_secs_nanos(1_700_000_001, 0);
        let state = ServerState::synchronized_to(&measurement, RefId([10, 0, 0, 1]), -20, now);
        assert_eq!(state.stratum, 2);
        assert_eq!(state.root_delay, Duration::from_micros(1_000));
        assert_eq!(state.root_dispersion, Duration::from_micros(128));
        assert_eq!(state.wire_stratum(), 2);
        let later = now + Duration::from_secs(100);
        assert_eq!(
            state.root_dispersion_at(later),
            Duration::from_micros(1_628)
        );
    }

    #[test]
    fn unsynchronised_goes_out_as_stratum_zero() {
        let state = ServerState::unsynchronized(-20);
        assert_eq!(state.wire_stratum(), 0);
        assert_eq!(state.leap, Leap::Unsynchronized);
        let local = ServerState::free_running(10, -20, Timestamp::EPOCH);
        assert_eq!(local.wire_stratum(), 10);
        assert_eq!(local.reference_id, RefId::LOCAL);
    }
}
