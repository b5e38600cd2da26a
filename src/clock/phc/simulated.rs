//! [`SimulatedPhc`]: a PTP hardware clock in virtual time, compared with a simulated system
//! clock through all three `PTP_SYS_OFFSET*` strategies, seeded.
//!
//! Two [`SimulatedClock`]s share one true time: the PHC (its own offset, frequency error,
//! wander) and the system clock (`CLOCK_REALTIME`). A comparison reads them as the kernel
//! does: a system reading, the PHC latched somewhere inside the read, a system reading after.
//! How long a read takes and where the latch falls is a [`ReadDelay`]; what a long read does
//! to the offset depends on which side of the latch the delay lands, which is exactly what
//! separates min-delay from median smoothing.

use super::device::PhcDevice;
use super::{PhcCapabilities, PhcSample, SysOffsetStrategy};
use crate::clock::system::check_frequency;
use crate::clock::{Clock, ClockError, SimulatedClock, SyncStatus};
use crate::sim::noise;
use crate::time::{Duration, Ppb, Timestamp};
use rand::rngs::StdRng;
use rand::{Rng, RngExt, SeedableRng};
use std::cell::RefCell;
use std::io;

/// Largest batch, as the kernel's `PTP_MAX_SAMPLES`.
const MAX_SAMPLES: usize = 25;
/// Between two `PTP_SYS_OFFSET_EXTENDED` triples (loop overhead in the driver).
const EXTENDED_GAP: Duration = Duration::from_nanos(60);
/// Between two `PTP_SYS_OFFSET_PRECISE` calls (one ioctl each).
const PRECISE_GAP: Duration = Duration::from_micros(2);
/// Keeps the PHC's wander draws apart from the read draws of the same seed.
const PHC_SEED_SALT: u64 = 0x5048_4300;

/// How long one PHC read takes, and where in it the PHC is latched.
///
/// A read's window (system before → system after) is `window` plus exponential extra delays
/// before and after the latch, plus now and then a heavy-tailed stall (an interrupt, a
/// preemption, an SMI) on one side. The PHC is latched `latch · window` plus the extra delay
/// before it into the window. Delay before the latch (lock contention, bus arbitration) makes
/// the PHC reading late against the window's midpoint; delay after it makes it early.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadDelay {
    /// The window of an undisturbed read.
    pub window: Duration,
    /// Where an undisturbed read latches the PHC: 0 at the start, 0.5 the midpoint, 1 the end.
    pub latch: f64,
    /// Mean of the exponential extra delay before the latch.
    pub before_latch_mean: Duration,
    /// Mean of the exponential extra delay after the latch.
    pub after_latch_mean: Duration,
    /// Probability that a read is hit by a stall.
    pub stall_probability: f64,
    /// Scale of a stall: Lomax (Pareto II) with shape 1.5, so its mean is twice this and
    /// its variance infinite.
    pub stall_scale: Duration,
    /// Fraction of stalls that land before the latch.
    pub stall_before_latch: f64,
}

impl ReadDelay {
    /// `PTP_SYS_OFFSET` on a typical NIC: the kernel brackets the driver's whole `gettime`
    /// (lock, register reads), about 1.5 µs; the lock can be contended (before the latch).
    pub const BASIC: ReadDelay = ReadDelay {
        window: Duration::from_nanos(1_500),
        latch: 0.5,
        before_latch_mean: Duration::from_nanos(150),
        after_latch_mean: Duration::from_nanos(50),
        stall_probability: 0.03,
        stall_scale: Duration::from_micros(3),
        stall_before_latch: 0.5,
    };
    /// `PTP_SYS_OFFSET_EXTENDED`: the driver brackets only the register read, about 300 ns,
    /// with the lock already held.
    pub const EXTENDED: ReadDelay = ReadDelay {
        window: Duration::from_nanos(300),
        latch: 0.5,
        before_latch_mean: Duration::from_nanos(20),
        after_latch_mean: Duration::from_nanos(20),
        stall_probability: 0.01,
        stall_scale: Duration::from_micros(1),
        stall_before_latch: 0.5,
    };

    /// A read that always takes `window` and latches at its midpoint.
    pub const fn quiet(window: Duration) -> Self {
        ReadDelay {
            window,
            latch: 0.5,
            before_latch_mean: Duration::ZERO,
            after_latch_mean: Duration::ZERO,
            stall_probability: 0.0,
            stall_scale: Duration::ZERO,
            stall_before_latch: 0.5,
        }
    }

    /// One read: (system before → latch, latch → system after), in true time.
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> (Duration, Duration) {
        let latch = self.latch.clamp(0.0, 1.0);
        let undisturbed_before =
            Duration::from_nanos((self.window.as_nanos() as f64 * latch).round() as i64);
        let mut before = undisturbed_before + noise::exponential(rng, self.before_latch_mean);
        let mut after =
            (self.window - undisturbed_before) + noise::exponential(rng, self.after_latch_mean);
        if self.stall_probability > 0.0 && rng.random::<f64>() < self.stall_probability {
            let stall = lomax(rng, self.stall_scale);
            if rng.random::<f64>() < self.stall_before_latch {
                before += stall;
            } else {
                after += stall;
            }
        }
        (before.max(Duration::ZERO), after.max(Duration::ZERO))
    }
}

/// A Lomax (Pareto II, shape 1.5) draw with this scale: heavy-tailed, never negative.
fn lomax<R: Rng + ?Sized>(rng: &mut R, scale: Duration) -> Duration {
    const SHAPE: f64 = 1.5;
    let uniform = 1.0 - rng.random::<f64>(); // (0, 1]
    let draw = scale.as_nanos() as f64 * (uniform.powf(-1.0 / SHAPE) - 1.0);
    // A draw beyond a second would be a hung machine, not a slow read.
    Duration::from_nanos(draw.min(1e9).round() as i64)
}

/// A PTP hardware clock next to a simulated system clock, in virtual time.
///
/// [`Clock`] reads and steers the PHC; [`SimulatedPhc::system_mut`] reaches the system clock
/// (phc2sys steers that one). [`SimulatedPhc::advance`] moves both on. A comparison is taken
/// over the next few µs of virtual time without advancing it.
#[derive(Debug)]
pub struct SimulatedPhc {
    name: String,
    phc: SimulatedClock,
    system: SimulatedClock,
    capabilities: PhcCapabilities,
    extended: bool,
    basic_delay: ReadDelay,
    extended_delay: ReadDelay,
    read_noise: Duration,
    /// Comparisons take `&self` as on a real device; the draws still need a mutable RNG.
    rng: RefCell<StdRng>,
}

impl SimulatedPhc {
    /// A perfect PHC, `/dev/ptp-sim`, next to `system`, at its true time: 500 ppm frequency
    /// range, no cross-timestamping, extended comparisons supported, typical read delays
    /// ([`ReadDelay::BASIC`], [`ReadDelay::EXTENDED`]), no read noise.
    pub fn new(seed: u64, system: SimulatedClock) -> Self {
        let capabilities = PhcCapabilities {
            max_adj: Ppb(500_000.0),
            n_alarm: 0,
            n_ext_ts: 0,
            n_per_out: 0,
            pps: false,
            n_pins: 0,
            cross_timestamping: false,
            adjust_phase: false,
            max_phase_adj: Duration::ZERO,
        };
        SimulatedPhc {
            name: "/dev/ptp-sim".to_owned(),
            phc: SimulatedClock::new(seed ^ PHC_SEED_SALT, system.true_time())
                .with_max_frequency(capabilities.max_adj),
            system,
            capabilities,
            extended: true,
            basic_delay: ReadDelay::BASIC,
            extended_delay: ReadDelay::EXTENDED,
            read_noise: Duration::ZERO,
            rng: RefCell::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// Names the device (for errors and logs).
    pub fn with_name(mut self, name: &str) -> Self {
        name.clone_into(&mut self.name);
        self
    }

    /// Starts the PHC `offset` away from true time (positive: ahead).
    pub fn with_offset(mut self, offset: Duration) -> Self {
        self.phc = self.phc.with_offset(offset);
        self
    }

    /// Runs the PHC `error` fast (positive) or slow before any correction.
    pub fn with_frequency_error(mut self, error: Ppb) -> Self {
        self.phc = self.phc.with_frequency_error(error);
        self
    }

    /// Adds random-walk wander to the PHC's frequency (see [`SimulatedClock::with_wander`]).
    pub fn with_wander(mut self, per_sqrt_second: Ppb) -> Self {
        self.phc = self.phc.with_wander(per_sqrt_second);
        self
    }

    /// Adds normal noise with this standard deviation to every PHC reading of a basic or
    /// extended comparison (cross-timestamps stay exact).
    pub fn with_read_noise(mut self, sigma: Duration) -> Self {
        self.read_noise = sigma;
        self
    }

    /// How reads take time under `strategy` (`Precise` has no window and ignores this).
    pub fn with_read_delay(mut self, strategy: SysOffsetStrategy, delay: ReadDelay) -> Self {
        match strategy {
            SysOffsetStrategy::Basic => self.basic_delay = delay,
            SysOffsetStrategy::Extended => self.extended_delay = delay,
            SysOffsetStrategy::Precise => {}
        }
        self
    }

    /// Replaces the capabilities (cross-timestamping, frequency range...).
    pub fn with_capabilities(mut self, capabilities: PhcCapabilities) -> Self {
        self.phc = self.phc.with_max_frequency(capabilities.max_adj);
        self.capabilities = capabilities;
        self
    }

    /// A driver without `gettimex64`: extended comparisons fail with `EOPNOTSUPP`.
    pub fn without_extended(mut self) -> Self {
        self.extended = false;
        self
    }

    /// Moves true time on for both clocks.
    pub fn advance(&mut self, true_elapsed: Duration) {
        self.phc.advance(true_elapsed);
        self.system.advance(true_elapsed);
    }

    /// The system clock.
    pub fn system(&self) -> &SimulatedClock {
        &self.system
    }

    /// The system clock, to steer it.
    pub fn system_mut(&mut self) -> &mut SimulatedClock {
        &mut self.system
    }

    /// The PHC as a plain simulated clock (its true offset, frequency error...).
    pub fn phc(&self) -> &SimulatedClock {
        &self.phc
    }

    /// PHC − system clock now, exactly.
    pub fn true_offset(&self) -> Duration {
        self.phc.true_offset() - self.system.true_offset()
    }

    /// PHC − system clock, exactly, when the system clock reads `system_time` (within a
    /// comparison's few µs of now, where both clocks run at their current rates).
    pub fn true_offset_at(&self, system_time: Timestamp) -> Duration {
        let after = system_time - self.system.predict(Duration::ZERO);
        self.phc.predict(after) - self.system.predict(after)
    }

    fn unsupported(&self, operation: &'static str) -> ClockError {
        ClockError::Os {
            clock: self.name.clone(),
            operation,
            source: io::Error::from_raw_os_error(libc::EOPNOTSUPP),
        }
    }

    /// `count` bracketed readings, one after the other, `gap` apart; with no gap a read's
    /// system reading after is the next one's before, as in `PTP_SYS_OFFSET`.
    fn bracketed(&self, delay: &ReadDelay, count: usize, gap: Duration) -> Vec<PhcSample> {
        let mut rng = self.rng.borrow_mut();
        let mut cursor = Duration::ZERO;
        (0..count)
            .map(|_| {
                let (before, after) = delay.draw(&mut *rng);
                let latch = cursor + before;
                let end = latch + after;
                let sys_before = self.system.predict(cursor);
                let phc = self.phc.predict(latch) + noise::gaussian(&mut *rng, self.read_noise);
                let sys_after = self.system.predict(end);
                cursor = end + gap;
                let window = sys_after - sys_before;
                PhcSample {
                    phc,
                    system: sys_before + window / 2,
                    delay: window,
                }
            })
            .collect()
    }

    fn cross_timestamps(&self, count: usize) -> Vec<PhcSample> {
        (0..count)
            .map(|index| {
                let at = PRECISE_GAP * index as i64;
                PhcSample {
                    phc: self.phc.predict(at),
                    system: self.system.predict(at),
                    delay: Duration::ZERO,
                }
            })
            .collect()
    }
}

impl Clock for SimulatedPhc {
    fn name(&self) -> &str {
        &self.name
    }

    fn now(&self) -> Result<Timestamp, ClockError> {
        self.phc.now()
    }

    fn frequency(&self) -> Result<Ppb, ClockError> {
        self.phc.frequency()
    }

    fn step(&mut self, delta: Duration) -> Result<(), ClockError> {
        self.phc.step(delta)
    }

    fn adjust_frequency(&mut self, frequency: Ppb) -> Result<(), ClockError> {
        check_frequency(&self.name, frequency, self.capabilities.max_adj)?;
        self.phc.adjust_frequency(frequency)
    }

    fn max_frequency(&self) -> Ppb {
        self.capabilities.max_adj
    }

    /// A PHC has no kernel status: nothing to publish (as [`super::PhcClock`]).
    fn set_sync_status(&mut self, _status: SyncStatus) -> Result<(), ClockError> {
        Ok(())
    }
}

impl PhcDevice for SimulatedPhc {
    fn capabilities(&self) -> &PhcCapabilities {
        &self.capabilities
    }

    fn supports(&self, strategy: SysOffsetStrategy) -> bool {
        match strategy {
            SysOffsetStrategy::Precise => self.capabilities.cross_timestamping,
            SysOffsetStrategy::Extended => self.extended,
            SysOffsetStrategy::Basic => true,
        }
    }

    /// As the kernel: an unsupported strategy fails with `EOPNOTSUPP`; `samples` is clamped
    /// to 1 … 25.
    fn sys_offset(
        &self,
        strategy: SysOffsetStrategy,
        samples: usize,
    ) -> Result<Vec<PhcSample>, ClockError> {
        let count = samples.clamp(1, MAX_SAMPLES);
        match strategy {
            SysOffsetStrategy::Basic => {
                Ok(self.bracketed(&self.basic_delay, count, Duration::ZERO))
            }
            SysOffsetStrategy::Extended if self.extended => {
                Ok(self.bracketed(&self.extended_delay, count, EXTENDED_GAP))
            }
            SysOffsetStrategy::Extended => Err(self.unsupported("PTP_SYS_OFFSET_EXTENDED")),
            SysOffsetStrategy::Precise if self.capabilities.cross_timestamping => {
                Ok(self.cross_timestamps(count))
            }
            SysOffsetStrategy::Precise => Err(self.unsupported("PTP_SYS_OFFSET_PRECISE")),
        }
    }
}

#[cfg(test)]
mod tests;
