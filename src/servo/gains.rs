//! PI gains and how they scale with the update interval, exactly as linuxptp's `pi.c` does.
//!
//! linuxptp computes, for an update interval of `T` seconds (`pi_sync_interval`):
//!
//! ```text
//! kp = min(kp_scale · T^kp_exponent, kp_norm_max / T)
//! ki = min(ki_scale · T^ki_exponent, ki_norm_max / T)
//! ```
//!
//! with `kp_exponent −0.3`, `ki_exponent 0.4`, `kp_norm_max 0.7`, `ki_norm_max 0.3`, and scales
//! 0.1 / 0.001 for software timestamps, 0.7 / 0.3 for hardware timestamps. The servo then
//! computes, per sample, `frequency (ppb) = drift − kp · offset (ns) − ki · offset (ns)`, so
//! `kp · T` is the fraction of the offset corrected per interval (at most 0.7) and `ki · T` the
//! fraction folded into the drift (at most 0.3). At `T = 1 s` that gives kp 0.1 / ki 0.001
//! (software) and kp 0.7 / ki 0.3 (hardware); at `T = 16 s` (NTP poll 4) with software
//! timestamps kp 0.0435 / ki 0.00303.

use super::Timestamping;
use crate::time::Duration;

/// linuxptp's `FREQ_EST_MARGIN`: the first two samples must be this fraction further apart
/// than the estimation interval asks for.
const FREQ_EST_MARGIN: f64 = 0.001;

/// The longest the servo waits between its first two samples (linuxptp: 1000 s).
const MAX_FREQ_EST_INTERVAL_SECS: f64 = 1000.0;

/// PI gain parameters in linuxptp's form (`pi_proportional_scale`, `..._exponent`,
/// `..._norm_max`, and the same for the integral term).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PiGains {
    /// `pi_proportional_scale`.
    pub kp_scale: f64,
    /// `pi_proportional_exponent` (default −0.3).
    pub kp_exponent: f64,
    /// `pi_proportional_norm_max` (default 0.7): upper bound of `kp · T`.
    pub kp_norm_max: f64,
    /// `pi_integral_scale`.
    pub ki_scale: f64,
    /// `pi_integral_exponent` (default 0.4).
    pub ki_exponent: f64,
    /// `pi_integral_norm_max` (default 0.3): upper bound of `ki · T`.
    pub ki_norm_max: f64,
}

/// The gains in effect for one update interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PiConstants {
    /// Proportional gain, ppb per ns of offset.
    pub kp: f64,
    /// Integral gain, ppb per ns of offset.
    pub ki: f64,
}

impl PiGains {
    /// linuxptp's defaults for software timestamps (`SWTS_KP_SCALE 0.1`, `SWTS_KI_SCALE 0.001`).
    pub const SOFTWARE: PiGains = PiGains::scaled(0.1, 0.001);
    /// linuxptp's defaults for hardware timestamps (`HWTS_KP_SCALE 0.7`, `HWTS_KI_SCALE 0.3`).
    pub const HARDWARE: PiGains = PiGains::scaled(0.7, 0.3);

    /// Interval-scaled gains with linuxptp's default exponents and norm maxima.
    pub const fn scaled(kp_scale: f64, ki_scale: f64) -> Self {
        PiGains {
            kp_scale,
            kp_exponent: -0.3,
            kp_norm_max: 0.7,
            ki_scale,
            ki_exponent: 0.4,
            ki_norm_max: 0.3,
        }
    }

    /// Fixed constants, as linuxptp's `pi_proportional_const` / `pi_integral_const`: used at
    /// every interval unless `kp · T > 1` or `ki · T > 2` would make the loop unstable.
    pub const fn fixed(kp: f64, ki: f64) -> Self {
        PiGains {
            kp_scale: kp,
            kp_exponent: 0.0,
            kp_norm_max: 1.0,
            ki_scale: ki,
            ki_exponent: 0.0,
            ki_norm_max: 2.0,
        }
    }

    /// The defaults for this kind of timestamping.
    pub const fn for_timestamping(timestamping: Timestamping) -> Self {
        match timestamping {
            Timestamping::Software => PiGains::SOFTWARE,
            Timestamping::Hardware => PiGains::HARDWARE,
        }
    }

    /// `kp` and `ki` for updates every `interval` (linuxptp's `pi_sync_interval`). A
    /// non-positive interval is meaningless and is treated as 1 s.
    pub fn at_interval(&self, interval: Duration) -> PiConstants {
        let seconds = if interval > Duration::ZERO {
            interval.as_secs_f64()
        } else {
            1.0
        };
        let kp = (self.kp_scale * seconds.powf(self.kp_exponent)).min(self.kp_norm_max / seconds);
        let ki = (self.ki_scale * seconds.powf(self.ki_exponent)).min(self.ki_norm_max / seconds);
        PiConstants { kp, ki }
    }
}

impl PiConstants {
    /// Whether two samples `apart` (local time) are far enough apart to estimate the frequency
    /// from: linuxptp waits `0.016 / ki` seconds (at most 1000 s), with a 0.1 % margin. With
    /// software gains at 1 s that is 16 s; with hardware gains, the next sample.
    pub fn can_estimate_frequency(&self, apart: Duration) -> bool {
        let wanted = if self.ki > 0.0 {
            (0.016 / self.ki).min(MAX_FREQ_EST_INTERVAL_SECS)
        } else {
            MAX_FREQ_EST_INTERVAL_SECS
        };
        let seconds = apart.as_secs_f64();
        seconds + seconds * FREQ_EST_MARGIN >= wanted
    }
}
