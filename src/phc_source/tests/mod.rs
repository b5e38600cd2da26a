//! Tests of the PHC source: settings and strategy resolution, the batch estimator, and the
//! two steering directions over simulated clocks. Simulations name their seed on failure.

mod estimator;
mod settings;
mod steering;

use crate::clock::phc::SimulatedPhc;
use crate::clock::{PhcCapabilities, PhcSample, SimulatedClock};
use crate::time::{Duration, Timestamp};

const START: Timestamp = Timestamp::from_secs_nanos(1_700_000_000, 0);

/// A reading `at_ns` after [`START`] by the system clock, with this window and PHC − system.
fn reading(at_ns: i64, window_ns: i64, phc_minus_system_ns: i64) -> PhcSample {
    let system = START + Duration::from_nanos(at_ns);
    PhcSample {
        phc: system + Duration::from_nanos(phc_minus_system_ns),
        system,
        delay: Duration::from_nanos(window_ns),
    }
}

/// A simulated PHC named `name`, with or without cross-timestamping and extended reads.
fn device(name: &str, cross_timestamping: bool, extended: bool) -> SimulatedPhc {
    let phc = SimulatedPhc::new(1, SimulatedClock::new(1, START)).with_name(name);
    let capabilities = PhcCapabilities {
        cross_timestamping,
        ..*crate::clock::phc::PhcDevice::capabilities(&phc)
    };
    let phc = phc.with_capabilities(capabilities);
    if extended {
        phc
    } else {
        phc.without_extended()
    }
}
