//! How fast simulated time runs: the PI servo steering a `SimulatedClock` from 100 ms and
//! 100 ppm off, measured at 1 Hz with 1 µs noise, for 24 hours of virtual time.
//!
//!   cargo bench --bench simulation
//!
//! Prints virtual hours per wall-clock second and the final state, so `docs/BENCHMARKS.md` can
//! quote a number and anyone can reproduce it.
#![expect(
    clippy::disallowed_methods,
    reason = "a benchmark measures wall-clock time"
)]

use rand::SeedableRng;
use rand::rngs::StdRng;
use shiwa::clock::{Clock, SimulatedClock};
use shiwa::servo::{PiServo, ServoAction, ServoConfig, Timestamping};
use shiwa::sim::OffsetSensor;
use shiwa::time::{Duration, Ppb, Timestamp};
use std::time::Instant;

const VIRTUAL_HOURS: i64 = 24;

fn main() {
    let start = Timestamp::from_secs_nanos(1_800_000_000, 0);
    let mut runs = Vec::new();
    for seed in 0..5u64 {
        let began = Instant::now();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut clock = SimulatedClock::new(seed, start)
            .with_offset(Duration::from_millis(100))
            .with_frequency_error(Ppb::from_ppm(100.0))
            .with_wander(Ppb(0.1));
        let sensor = OffsetSensor::new(Duration::from_micros(1));
        let mut servo = PiServo::new(ServoConfig::new(Timestamping::Software), Ppb::ZERO);
        let mut steps = 0;
        let mut worst_after_120s = Duration::ZERO;
        for second in 0..VIRTUAL_HOURS * 3600 {
            clock.advance(Duration::from_secs(1));
            let Some(offset) = sensor.measure(&clock, &mut rng) else {
                continue;
            };
            let now = clock.now().expect("a simulated clock reads");
            let update = servo.sample(offset, now, Duration::from_secs(1));
            for action in update.actions {
                match action {
                    ServoAction::Step(delta) => {
                        clock.step(delta).expect("simulated step");
                        steps += 1;
                    }
                    ServoAction::SetFrequency(f) => {
                        clock.adjust_frequency(f).expect("simulated frequency")
                    }
                    ServoAction::Alert(_) => {}
                }
            }
            if second >= 120 {
                worst_after_120s = worst_after_120s.max(clock.true_offset().abs());
            }
        }
        let wall = began.elapsed();
        runs.push(wall.as_secs_f64());
        println!(
            "seed {seed}: {VIRTUAL_HOURS} h virtual in {:.1} ms ({:.0} virtual h per wall s); steps {steps}; worst |offset| after 120 s {worst_after_120s}",
            wall.as_secs_f64() * 1e3,
            VIRTUAL_HOURS as f64 / wall.as_secs_f64()
        );
    }
    runs.sort_by(f64::total_cmp);
    println!(
        "median: {VIRTUAL_HOURS} h of virtual time in {:.1} ms",
        runs[runs.len() / 2] * 1e3
    );
}
