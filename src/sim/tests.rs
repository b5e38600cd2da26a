//! Tests of the simulated network against the simulated clock.

use super::network::{Jitter, OffsetSensor, SimulatedLink};
use crate::clock::{Clock, SimulatedClock};
use crate::time::{Duration, Ppb, Timestamp};
use rand::SeedableRng;
use rand::rngs::StdRng;

const START: Timestamp = Timestamp::from_secs_nanos(1_700_000_000, 0);

#[test]
fn exchange_without_jitter_measures_offset_minus_half_the_asymmetry() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut clock = SimulatedClock::new(1, START).with_offset(Duration::from_millis(5));
    let link = SimulatedLink::new(Duration::from_millis(2))
        .with_asymmetry(Duration::from_micros(300))
        .with_server_offset(Duration::from_micros(-40));
    let exchange = link.exchange(&mut clock, &mut rng).unwrap();
    assert_eq!(exchange.delay(), Duration::from_millis(4));
    // 5 ms true offset, + 40 µs because the server is behind, − 150 µs of asymmetry.
    assert_eq!(exchange.offset(), Duration::from_micros(5_000 + 40 - 150));
    assert_eq!(link.bias(), Duration::from_micros(40 - 150));
    assert_eq!(exchange.t3 - exchange.t2, Duration::from_micros(10));
    // The exchange does not move the clock.
    assert_eq!(clock.now().unwrap(), START + Duration::from_millis(5));
}

#[test]
fn a_fast_clock_is_measured_at_the_exchange_midpoint() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut clock = SimulatedClock::new(1, START).with_frequency_error(Ppb::from_ppm(100.0));
    let link = SimulatedLink::new(Duration::from_millis(50)).with_processing(Duration::ZERO);
    let exchange = link.exchange(&mut clock, &mut rng).unwrap();
    // 100 ppm over the 50 ms to the server: 5 µs ahead when t2 is taken.
    assert_eq!(exchange.offset(), Duration::from_micros(5));
}

#[test]
fn loss_drops_the_asked_fraction_of_exchanges() {
    for seed in [1_u64, 2, 3] {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut clock = SimulatedClock::new(seed, START);
        let link = SimulatedLink::new(Duration::from_millis(1)).with_loss(0.1);
        let delivered = (0..10_000)
            .filter(|_| link.exchange(&mut clock, &mut rng).is_some())
            .count();
        // Both packets must survive: 0.9² = 81 %.
        assert!(
            (7_900..8_300).contains(&delivered),
            "seed {seed}: {delivered} of 10000 delivered"
        );
    }
}

#[test]
fn exponential_jitter_only_adds_delay_and_averages_out_of_the_offset() {
    for seed in [4_u64, 5, 6] {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut clock = SimulatedClock::new(seed, START).with_offset(Duration::from_micros(70));
        let mean = Duration::from_micros(100);
        let link =
            SimulatedLink::new(Duration::from_millis(1)).with_jitter(Jitter::Exponential { mean });
        let exchanges: Vec<_> = (0..5_000)
            .filter_map(|_| link.exchange(&mut clock, &mut rng))
            .collect();
        assert!(
            exchanges
                .iter()
                .all(|e| e.delay() >= Duration::from_millis(2)),
            "seed {seed}"
        );
        let mean_offset =
            exchanges.iter().map(|e| e.offset().as_nanos()).sum::<i64>() / exchanges.len() as i64;
        // Each offset errs by half the difference of two 100 µs exponentials (σ ≈ 71 µs);
        // the mean of 5000 is within ~1 µs of the truth.
        assert!(
            (mean_offset - 70_000).abs() < 5_000,
            "seed {seed}: mean offset {mean_offset} ns"
        );
    }
}

#[test]
fn gaussian_jitter_never_makes_a_negative_delay() {
    let mut rng = StdRng::seed_from_u64(9);
    let mut clock = SimulatedClock::new(9, START);
    let link = SimulatedLink::new(Duration::from_micros(10)).with_jitter(Jitter::Gaussian {
        sigma: Duration::from_micros(50),
    });
    for _ in 0..2_000 {
        let exchange = link.exchange(&mut clock, &mut rng).unwrap();
        assert!(exchange.delay() >= Duration::ZERO);
    }
}

#[test]
fn offset_sensor_has_the_asked_noise_bias_and_loss() {
    let mut rng = StdRng::seed_from_u64(11);
    let clock = SimulatedClock::new(11, START).with_offset(Duration::from_micros(-3));
    let sensor = OffsetSensor {
        noise: Duration::from_micros(1),
        bias: Duration::from_nanos(500),
        loss: 0.25,
    };
    let readings: Vec<i64> = (0..20_000)
        .filter_map(|_| sensor.measure(&clock, &mut rng))
        .map(|offset| offset.as_nanos())
        .collect();
    assert!(
        (14_500..15_500).contains(&readings.len()),
        "{}",
        readings.len()
    );
    let mean = readings.iter().sum::<i64>() as f64 / readings.len() as f64;
    let rms = (readings
        .iter()
        .map(|r| (*r as f64 - mean).powi(2))
        .sum::<f64>()
        / readings.len() as f64)
        .sqrt();
    assert!((mean + 2_500.0).abs() < 30.0, "mean {mean}");
    assert!((950.0..1_050.0).contains(&rms), "rms {rms}");
    assert_eq!(
        OffsetSensor::new(Duration::ZERO).measure(&clock, &mut rng),
        Some(Duration::from_micros(-3))
    );
}
