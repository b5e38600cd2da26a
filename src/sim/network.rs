//! A simulated network path between a [`SimulatedClock`] (the client) and a reference server.
//!
//! [`SimulatedLink::exchange`] produces the four timestamps of one NTP-style request/response
//! (PTP's Sync + Delay_Req exchange has the same shape):
//!
//! ```text
//! t1  client sends      (client clock, with its timestamp noise)
//! t2  server receives   (server clock = true time + server_offset)
//! t3  server sends      (t2 + processing)
//! t4  client receives   (client clock, with its timestamp noise)
//! ```
//!
//! Each direction takes `delay ± asymmetry / 2` plus a jitter draw; each packet is lost with
//! probability `loss`. The offset measured from an exchange (local − reference) is the clock's
//! true offset minus `server_offset` minus `asymmetry / 2` plus half the jitter difference:
//! asymmetry is a bias no exchange can see, which is why PTP and NTP configs let operators
//! enter it.
//!
//! [`OffsetSensor`] skips the packets and measures the offset directly with normal noise, for
//! servo tests that want an exact noise level.

use super::noise;
use crate::clock::SimulatedClock;
use crate::time::{Duration, Timestamp};
use rand::{Rng, RngExt};

/// Extra delay each packet picks up on its way, drawn independently per packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// No jitter: every packet takes the base delay.
    None,
    /// Exponentially distributed queueing delay with this mean (always ≥ 0, as real queues).
    Exponential {
        /// Mean extra delay.
        mean: Duration,
    },
    /// Normally distributed delay variation with this standard deviation (a packet's total
    /// delay never goes below zero).
    Gaussian {
        /// Standard deviation.
        sigma: Duration,
    },
}

impl Jitter {
    /// One draw.
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> Duration {
        match *self {
            Jitter::None => Duration::ZERO,
            Jitter::Exponential { mean } => noise::exponential(rng, mean),
            Jitter::Gaussian { sigma } => noise::gaussian(rng, sigma),
        }
    }
}

/// One request/response exchange's timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exchange {
    /// Request sent (client clock).
    pub t1: Timestamp,
    /// Request received (server clock).
    pub t2: Timestamp,
    /// Response sent (server clock).
    pub t3: Timestamp,
    /// Response received (client clock).
    pub t4: Timestamp,
}

impl Exchange {
    /// Measured offset, local − reference: `((t1 − t2) + (t4 − t3)) / 2`.
    pub fn offset(&self) -> Duration {
        ((self.t1 - self.t2) + (self.t4 - self.t3)) / 2
    }

    /// Round-trip delay: `(t4 − t1) − (t3 − t2)`.
    pub fn delay(&self) -> Duration {
        (self.t4 - self.t1) - (self.t3 - self.t2)
    }
}

/// A network path to one reference server. Build with [`SimulatedLink::new`] and `with_*`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimulatedLink {
    /// Mean one-way delay before asymmetry and jitter.
    pub delay: Duration,
    /// Forward (client → server) delay minus backward delay.
    pub asymmetry: Duration,
    /// Extra delay per packet.
    pub jitter: Jitter,
    /// Probability (0–1) that a packet is lost; an exchange fails if either packet is.
    pub loss: f64,
    /// Time the server takes between receiving and answering (`t3 − t2`).
    pub processing: Duration,
    /// The server's clock minus true time (zero for a perfect reference; a falseticker's
    /// error otherwise).
    pub server_offset: Duration,
}

impl SimulatedLink {
    /// A symmetric, lossless path without jitter, `delay` each way, to a perfect server that
    /// answers in 10 µs.
    pub fn new(delay: Duration) -> Self {
        SimulatedLink {
            delay,
            asymmetry: Duration::ZERO,
            jitter: Jitter::None,
            loss: 0.0,
            processing: Duration::from_micros(10),
            server_offset: Duration::ZERO,
        }
    }

    /// Forward delay minus backward delay.
    pub fn with_asymmetry(mut self, asymmetry: Duration) -> Self {
        self.asymmetry = asymmetry;
        self
    }

    /// Per-packet jitter.
    pub fn with_jitter(mut self, jitter: Jitter) -> Self {
        self.jitter = jitter;
        self
    }

    /// Per-packet loss probability (clamped to 0–1).
    pub fn with_loss(mut self, probability: f64) -> Self {
        self.loss = probability.clamp(0.0, 1.0);
        self
    }

    /// The server's processing time.
    pub fn with_processing(mut self, processing: Duration) -> Self {
        self.processing = processing;
        self
    }

    /// The server's clock error.
    pub fn with_server_offset(mut self, offset: Duration) -> Self {
        self.server_offset = offset;
        self
    }

    /// The offset an exchange over this path would measure with a perfect client clock and no
    /// jitter: `−server_offset − asymmetry / 2`.
    pub fn bias(&self) -> Duration {
        -self.server_offset - self.asymmetry / 2
    }

    /// One exchange started now, or `None` when a packet is lost. The client clock is not
    /// advanced: the exchange's few ms are part of the caller's next [`SimulatedClock::advance`].
    pub fn exchange<R: Rng + ?Sized>(
        &self,
        clock: &mut SimulatedClock,
        rng: &mut R,
    ) -> Option<Exchange> {
        let forward = self.one_way(self.delay + self.asymmetry / 2, rng)?;
        let backward = self.one_way(self.delay - self.asymmetry / 2, rng)?;
        let t1 = clock.read_timestamp();
        let t2 = clock.true_time() + forward + self.server_offset;
        let t3 = t2 + self.processing;
        let t4 = clock.read_timestamp_after(forward + self.processing + backward);
        Some(Exchange { t1, t2, t3, t4 })
    }

    /// One packet's delay, or `None` if it is lost.
    fn one_way<R: Rng + ?Sized>(&self, base: Duration, rng: &mut R) -> Option<Duration> {
        if rng.random::<f64>() < self.loss {
            return None;
        }
        Some((base + self.jitter.draw(rng)).max(Duration::ZERO))
    }
}

/// Direct offset measurement with normal noise, bias and loss: what a servo sees from a
/// filtered source, without modelling packets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OffsetSensor {
    /// Standard deviation of the measurement noise.
    pub noise: Duration,
    /// Constant error added to every measurement.
    pub bias: Duration,
    /// Probability (0–1) that a measurement is missing.
    pub loss: f64,
}

impl OffsetSensor {
    /// Unbiased, lossless measurements with this noise.
    pub fn new(noise: Duration) -> Self {
        OffsetSensor {
            noise,
            bias: Duration::ZERO,
            loss: 0.0,
        }
    }

    /// The clock's true offset plus bias plus noise, or `None` when lost.
    pub fn measure<R: Rng + ?Sized>(
        &self,
        clock: &SimulatedClock,
        rng: &mut R,
    ) -> Option<Duration> {
        if rng.random::<f64>() < self.loss {
            return None;
        }
        Some(clock.true_offset() + self.bias + noise::gaussian(rng, self.noise))
    }
}
