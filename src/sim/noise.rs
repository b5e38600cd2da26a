//! Seeded random draws for simulations (the `rand` crate without `rand_distr`).

use crate::time::Duration;
use rand::{Rng, RngExt};

/// A draw from the standard normal distribution (Box–Muller).
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    // `random::<f64>()` is in [0, 1); 1 − u is in (0, 1], so the logarithm is finite.
    let radius = (-2.0 * (1.0 - rng.random::<f64>()).ln()).sqrt();
    let angle = std::f64::consts::TAU * rng.random::<f64>();
    radius * angle.cos()
}

/// A normal draw with mean zero and standard deviation `sigma`, rounded to whole ns.
pub fn gaussian<R: Rng + ?Sized>(rng: &mut R, sigma: Duration) -> Duration {
    if sigma <= Duration::ZERO {
        return Duration::ZERO;
    }
    Duration::from_nanos((standard_normal(rng) * sigma.as_nanos() as f64).round() as i64)
}

/// An exponential draw with the given mean (queueing delay), rounded to whole ns.
pub fn exponential<R: Rng + ?Sized>(rng: &mut R, mean: Duration) -> Duration {
    if mean <= Duration::ZERO {
        return Duration::ZERO;
    }
    let uniform = 1.0 - rng.random::<f64>();
    Duration::from_nanos((-uniform.ln() * mean.as_nanos() as f64).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn normal_and_exponential_have_the_asked_moments() {
        for seed in [1_u64, 2, 3] {
            let mut rng = StdRng::seed_from_u64(seed);
            let count = 20_000;
            let normals: Vec<f64> = (0..count).map(|_| standard_normal(&mut rng)).collect();
            let mean = normals.iter().sum::<f64>() / count as f64;
            let variance = normals.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / count as f64;
            assert!(mean.abs() < 0.03, "seed {seed}: normal mean {mean}");
            assert!(
                (variance - 1.0).abs() < 0.05,
                "seed {seed}: variance {variance}"
            );

            let mean_delay = Duration::from_micros(100);
            let delays: Vec<Duration> = (0..count)
                .map(|_| exponential(&mut rng, mean_delay))
                .collect();
            assert!(delays.iter().all(|d| *d >= Duration::ZERO), "seed {seed}");
            let average = delays.iter().map(|d| d.as_nanos()).sum::<i64>() / count as i64;
            assert!(
                (average - 100_000).abs() < 3_000,
                "seed {seed}: mean {average} ns"
            );
        }
    }

    #[test]
    fn zero_spread_draws_nothing() {
        let mut rng = StdRng::seed_from_u64(7);
        assert_eq!(gaussian(&mut rng, Duration::ZERO), Duration::ZERO);
        assert_eq!(exponential(&mut rng, Duration::ZERO), Duration::ZERO);
    }
}
