//! Selector tests over a small deterministic harness: sources with a true offset, per-poll
//! noise from a seeded `StdRng`, and a root distance of about 1 ms. The harness prints its
//! seed when a test fails.

mod groups;
mod hysteresis;
mod majority;
mod usability;

use super::{SourceId, SourceInput};
use crate::config::Protocol;
use crate::source::{Group, Leap, Measurement};
use crate::time::{Duration, Timestamp};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

pub(super) const POLL: Duration = Duration::from_secs(16);
pub(super) const SEEDS: std::ops::Range<u64> = 0..20;

/// Virtual time and seeded noise. Prints its seed if the test panics while it is alive.
pub(super) struct Harness {
    seed: u64,
    rng: StdRng,
    pub(super) now: Timestamp,
}

impl Drop for Harness {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("selection harness seed: {}", self.seed);
        }
    }
}

impl Harness {
    pub(super) fn new(seed: u64) -> Self {
        Harness {
            seed,
            rng: StdRng::seed_from_u64(seed),
            now: Timestamp::from_secs_nanos(1_800_000_000, 0),
        }
    }

    pub(super) fn tick(&mut self) {
        self.now += POLL;
    }

    /// A measurement taken now of a source whose true offset is `offset`: ±5 µs of offset
    /// noise, and a root distance of 0.89–1.09 ms (delay 1 ms, root delay 0.5 ms, dispersion
    /// 50–250 µs, root dispersion 100 µs, jitter 20 µs).
    pub(super) fn measure(&mut self, offset: Duration) -> Measurement {
        Measurement {
            offset: offset + Duration::from_nanos(self.rng.random_range(-5_000..=5_000)),
            delay: Duration::from_millis(1),
            dispersion: Duration::from_micros(self.rng.random_range(50..=250)),
            jitter: Duration::from_micros(20),
            root_delay: Duration::from_micros(500),
            root_dispersion: Duration::from_micros(100),
            stratum: 2,
            leap: Leap::None,
            local_time: self.now,
        }
    }

    /// One input per `(id, group, protocol, true offset)`, freshly measured, reachable.
    pub(super) fn inputs(
        &mut self,
        sources: &[(usize, Group, Protocol, Duration)],
    ) -> Vec<SourceInput> {
        sources
            .iter()
            .map(|&(id, group, protocol, offset)| SourceInput {
                measurement: Some(self.measure(offset)),
                ..source(id, group, protocol)
            })
            .collect()
    }
}

/// A reachable source with no measurement yet.
fn source(id: usize, group: Group, protocol: Protocol) -> SourceInput {
    SourceInput {
        id: SourceId(id),
        group,
        protocol,
        disabled: false,
        monitor_only: false,
        reachable: true,
        poll_interval: POLL,
        measurement: None,
        sampled_at: None,
    }
}

pub(super) const GOOD: Duration = Duration::ZERO;
pub(super) const BAD: Duration = Duration::from_millis(50);
pub(super) const P: Group = Group::Primary;
pub(super) const S: Group = Group::Secondary;
pub(super) const NTP: Protocol = Protocol::Ntp;
