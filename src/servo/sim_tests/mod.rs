//! Simulation tests: the servo disciplining a [`SimulatedClock`] through hours of virtual time.
//!
//! Every assertion names its seed (`seed N: ...`); rerun one seed by narrowing `SEEDS`.

mod disturbances;
mod start;
mod steps;

use super::{PiServo, ServoAction, ServoAlert, ServoConfig, ServoState};
use crate::clock::{Clock, SimulatedClock};
use crate::sim::{OffsetSensor, SimulatedLink};
use crate::time::{Duration, Ppb, Timestamp};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// The seeds every simulation runs with.
const SEEDS: std::ops::Range<u64> = 1..11;
const START: Timestamp = Timestamp::from_secs_nanos(1_700_000_000, 0);
const SECOND: Duration = Duration::from_secs(1);
const HOUR: i64 = 3_600;

/// A servo driving a simulated clock; records what it did.
struct Run {
    clock: SimulatedClock,
    servo: PiServo,
    rng: StdRng,
    elapsed: Duration,
    frequencies: Vec<Ppb>,
    alerts: Vec<ServoAlert>,
}

/// One row per update, taken before the update is applied.
#[derive(Debug, Clone, Copy)]
struct Point {
    /// Virtual seconds since the run started.
    seconds: f64,
    /// The clock's true offset when the measurement was taken.
    true_offset_ns: f64,
    /// What the servo was fed, if anything.
    measured_ns: Option<f64>,
    /// The clock's frequency error left by the servo's estimate (integral term), after it.
    residual_ppb: f64,
    /// The servo's state after the update.
    state: ServoState,
}

impl Run {
    fn new(seed: u64, clock: SimulatedClock, config: ServoConfig) -> Self {
        let initial = clock.frequency().unwrap_or(Ppb::ZERO);
        Run {
            clock,
            servo: PiServo::new(config, initial),
            rng: StdRng::seed_from_u64(seed ^ 0x5eed),
            elapsed: Duration::ZERO,
            frequencies: Vec::new(),
            alerts: Vec::new(),
        }
    }

    /// The scenario: 100 ms ahead, 100 ppm fast, with the given wander.
    fn off_by_100ms_and_100ppm(seed: u64, config: ServoConfig, wander: Ppb) -> Self {
        let clock = SimulatedClock::new(seed, START)
            .with_offset(Duration::from_millis(100))
            .with_frequency_error(Ppb::from_ppm(100.0))
            .with_wander(wander);
        Run::new(seed, clock, config)
    }

    fn apply(&mut self, actions: &[ServoAction]) {
        for action in actions {
            match *action {
                ServoAction::Step(amount) => self.clock.step(amount).unwrap(),
                ServoAction::SetFrequency(frequency) => {
                    self.frequencies.push(frequency);
                    self.clock.adjust_frequency(frequency).unwrap();
                }
                ServoAction::Alert(alert) => self.alerts.push(alert),
            }
        }
    }

    /// Feeds `offset` (if any), applies the actions, then lets `interval` of true time pass.
    fn update(&mut self, offset: Option<Duration>, interval: Duration) -> Point {
        let true_offset = self.clock.true_offset();
        let state = match offset {
            Some(offset) => {
                let local = self.clock.now().unwrap();
                let update = self.servo.sample(offset, local, interval);
                self.apply(&update.actions);
                update.state
            }
            None => self.servo.state(),
        };
        let point = Point {
            seconds: self.elapsed.as_secs_f64(),
            true_offset_ns: true_offset.as_nanos() as f64,
            measured_ns: offset.map(|offset| offset.as_nanos() as f64),
            residual_ppb: self
                .clock
                .residual_frequency_error(self.servo.frequency_estimate())
                .0,
            state,
        };
        self.clock.advance(interval);
        self.elapsed += interval;
        point
    }

    /// Runs for `duration` with direct measurements from `sensor` every `interval`.
    fn run_sensor(
        &mut self,
        sensor: OffsetSensor,
        interval: Duration,
        duration: Duration,
    ) -> Vec<Point> {
        let end = self.elapsed + duration;
        let mut points = Vec::new();
        while self.elapsed < end {
            let offset = sensor.measure(&self.clock, &mut self.rng);
            points.push(self.update(offset, interval));
        }
        points
    }

    /// Runs for `duration` with one exchange over `link` every `interval`.
    fn run_link(
        &mut self,
        link: SimulatedLink,
        interval: Duration,
        duration: Duration,
    ) -> Vec<Point> {
        let end = self.elapsed + duration;
        let mut points = Vec::new();
        while self.elapsed < end {
            let exchange = link.exchange(&mut self.clock, &mut self.rng);
            let offset = exchange.map(|exchange| exchange.offset());
            points.push(self.update(offset, interval));
        }
        points
    }
}

fn after(points: &[Point], seconds: f64) -> impl Iterator<Item = &Point> {
    points.iter().filter(move |point| point.seconds >= seconds)
}

fn max_abs_offset(points: &[Point], from: f64) -> f64 {
    after(points, from)
        .map(|p| p.true_offset_ns.abs())
        .fold(0.0, f64::max)
}

fn max_abs_residual(points: &[Point], from: f64) -> f64 {
    after(points, from)
        .map(|p| p.residual_ppb.abs())
        .fold(0.0, f64::max)
}

fn rms(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0_usize), |(sum, count), v| (sum + v * v, count + 1));
    (sum / count.max(1) as f64).sqrt()
}

pub(super) fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = values.fold((0.0, 0_usize), |(sum, count), v| (sum + v, count + 1));
    sum / count.max(1) as f64
}

/// The time from which the true offset stays under `threshold_ns` to the end of the run.
fn settled_from(points: &[Point], threshold_ns: f64) -> f64 {
    let last_outside = points
        .iter()
        .rposition(|point| point.true_offset_ns.abs() >= threshold_ns);
    match last_outside {
        Some(index) => points
            .get(index + 1)
            .map_or(f64::INFINITY, |point| point.seconds),
        None => points.first().map_or(0.0, |point| point.seconds),
    }
}
