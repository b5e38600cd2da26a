//! Interference detection (Timebeat's interference monitor): noticing that another process
//! steps or slews the clock shiwa disciplines.
//!
//! The detector is pure. The engine tells it what shiwa wrote ([`frequency_set`],
//! [`stepped`]) and feeds it [`ClockReading`]s taken after those writes
//! ([`SystemClock::interference_reading`](super::SystemClock::interference_reading)).
//! A reading that disagrees with what shiwa wrote is another process's doing:
//!
//! - **frequency**: the kernel's frequency differs from the last one shiwa set (or the last
//!   one read, before shiwa set any) by more than [`InterferenceConfig::frequency_tolerance`]
//!   (default 1 ppb; the kernel itself resolves 0.015 ppb, so only a write moves it further);
//! - **tick**: the kernel's tick length changed (shiwa never writes it; chrony does for large
//!   corrections);
//! - **step**: `clock − reference` moved by more than [`InterferenceConfig::step_tolerance`]
//!   (default 1 ms) beyond shiwa's own steps. The reference must be slewed with the clock but
//!   never stepped (`CLOCK_MONOTONIC` for `CLOCK_REALTIME`), so its difference to the clock
//!   only moves with steps; a ±1 s jump while the kernel had a leap second armed is the
//!   leap second, not interference.
//!
//! On interference the detector returns [`InterferenceEvent::Detected`] and backs off for
//! [`InterferenceConfig::back_off`] (default 60 s): the engine raises an alert and only
//! monitors, writing nothing, until [`InterferenceEvent::BackOffEnded`]. Further interference
//! during the back-off restarts it ([`InterferenceEvent::Extended`]). What the other process
//! set becomes the new expectation, so one change is reported once.
//!
//! [`frequency_set`]: InterferenceDetector::frequency_set
//! [`stepped`]: InterferenceDetector::stepped

use crate::source::Leap;
use crate::time::{Duration, Ppb, Timestamp};
use std::fmt;

#[cfg(test)]
mod tests;

/// Thresholds and back-off of interference detection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InterferenceConfig {
    /// Largest difference between the frequency shiwa set and the one read back that is not
    /// interference (default 1 ppb).
    pub frequency_tolerance: Ppb,
    /// Largest unexplained jump of `clock − reference` that is not interference (default
    /// 1 ms; covers the jitter of reading two clocks one after the other).
    pub step_tolerance: Duration,
    /// How long to only monitor after interference (default 60 s).
    pub back_off: Duration,
}

impl Default for InterferenceConfig {
    fn default() -> Self {
        InterferenceConfig {
            frequency_tolerance: Ppb(1.0),
            step_tolerance: Duration::from_millis(1),
            back_off: Duration::from_secs(60),
        }
    }
}

/// What the kernel says about the disciplined clock, read after shiwa's last write.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClockReading {
    /// The clock's frequency correction.
    pub frequency: Ppb,
    /// The kernel's tick length (`timex.tick`).
    pub tick: Duration,
    /// The leap second the kernel has armed (`STA_INS` / `STA_DEL`).
    pub leap_armed: Leap,
    /// The clock minus a reference clock that is slewed with it but never stepped
    /// (`CLOCK_REALTIME − CLOCK_MONOTONIC`).
    pub clock_minus_reference: Duration,
}

/// A value shiwa expected and the one it found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change<T> {
    /// What shiwa last set (or last saw).
    pub expected: T,
    /// What the kernel reported.
    pub found: T,
}

/// What another process did to the clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InterferenceAlert {
    /// The frequency was changed.
    pub frequency: Option<Change<Ppb>>,
    /// The tick length was changed.
    pub tick: Option<Change<Duration>>,
    /// The clock was stepped by this much (beyond shiwa's own steps).
    pub step: Option<Duration>,
    /// How long shiwa now only monitors.
    pub back_off: Duration,
    /// When the back-off ends, on the caller's monotonic time.
    pub back_off_until: Timestamp,
}

impl fmt::Display for InterferenceAlert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("another process changed the clock:")?;
        if let Some(Change { expected, found }) = self.frequency {
            let by = (found - expected).0;
            write!(f, " frequency {expected} -> {found} ({by:+.3} ppb);")?;
        }
        if let Some(Change { expected, found }) = self.tick {
            write!(f, " tick {expected} -> {found};")?;
        }
        if let Some(step) = self.step {
            write!(f, " stepped by {step};")?;
        }
        write!(f, " monitoring only for {}", self.back_off)
    }
}

/// What an observation revealed.
#[must_use = "interference must raise an alert and stop clock writes"]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InterferenceEvent {
    /// Another process changed the clock: raise an alert, stop writing it until
    /// [`InterferenceEvent::BackOffEnded`].
    Detected(InterferenceAlert),
    /// Another process changed the clock again during the back-off, which starts over.
    Extended(InterferenceAlert),
    /// The back-off is over: shiwa disciplines the clock again.
    BackOffEnded,
}

/// Compares what shiwa wrote to a clock with what the kernel reports; see the module docs.
#[derive(Debug, Clone)]
pub struct InterferenceDetector {
    config: InterferenceConfig,
    expected_frequency: Option<Ppb>,
    expected_tick: Option<Duration>,
    expected_offset: Option<Duration>,
    leap_armed: Leap,
    back_off_until: Option<Timestamp>,
}

impl InterferenceDetector {
    /// A detector that learns the clock's state from its first reading.
    pub fn new(config: InterferenceConfig) -> Self {
        InterferenceDetector {
            config,
            expected_frequency: None,
            expected_tick: None,
            expected_offset: None,
            leap_armed: Leap::None,
            back_off_until: None,
        }
    }

    /// Records that shiwa successfully set the clock's frequency.
    pub fn frequency_set(&mut self, frequency: Ppb) {
        self.expected_frequency = Some(frequency);
    }

    /// Records that shiwa successfully stepped the clock by `delta`.
    pub fn stepped(&mut self, delta: Duration) {
        if let Some(offset) = self.expected_offset.as_mut() {
            *offset += delta;
        }
    }

    /// Whether shiwa must leave the clock alone (between `Detected` and `BackOffEnded`).
    pub fn is_backing_off(&self) -> bool {
        self.back_off_until.is_some()
    }

    /// When the current back-off ends, on the caller's monotonic time.
    pub fn back_off_until(&self) -> Option<Timestamp> {
        self.back_off_until
    }

    /// Compares `reading`, taken after shiwa's last recorded write, with what shiwa expects.
    /// `now` is monotonic time (it only times the back-off). Logs what it finds.
    #[must_use = "interference must raise an alert and stop clock writes"]
    pub fn observe(&mut self, reading: ClockReading, now: Timestamp) -> Option<InterferenceEvent> {
        let frequency = self.frequency_change(reading.frequency);
        let tick = self.tick_change(reading.tick);
        let jump = self.offset_jump(reading.clock_minus_reference);
        // What was within tolerance keeps its expectation, so small foreign changes add up
        // until they show; what another process set (or the kernel's leap second) is adopted.
        if frequency.is_some() || self.expected_frequency.is_none() {
            self.expected_frequency = Some(reading.frequency);
        }
        self.expected_tick = Some(reading.tick);
        if jump != OffsetJump::Within {
            self.expected_offset = Some(reading.clock_minus_reference);
        }
        self.leap_armed = reading.leap_armed;
        let step = match jump {
            OffsetJump::Foreign(step) => Some(step),
            OffsetJump::Within | OffsetJump::LeapSecond | OffsetJump::First => None,
        };

        if frequency.is_none() && tick.is_none() && step.is_none() {
            return self.end_back_off(now);
        }
        let was_backing_off = self.back_off_until.is_some_and(|until| now < until);
        let back_off_until = now + self.config.back_off;
        self.back_off_until = Some(back_off_until);
        let alert = InterferenceAlert {
            frequency,
            tick,
            step,
            back_off: self.config.back_off,
            back_off_until,
        };
        Some(if was_backing_off {
            tracing::info!(%alert, "clock interference continues; back-off restarted");
            InterferenceEvent::Extended(alert)
        } else {
            tracing::warn!(%alert, "clock interference: another process writes the clock");
            InterferenceEvent::Detected(alert)
        })
    }

    fn frequency_change(&self, found: Ppb) -> Option<Change<Ppb>> {
        let expected = self.expected_frequency?;
        let difference = (found - expected).abs().0;
        // NaN (never from the kernel) counts as a change.
        let within = difference <= self.config.frequency_tolerance.0;
        let differs = !within;
        differs.then_some(Change { expected, found })
    }

    fn tick_change(&self, found: Duration) -> Option<Change<Duration>> {
        let expected = self.expected_tick?;
        (found != expected).then_some(Change { expected, found })
    }

    fn offset_jump(&self, found: Duration) -> OffsetJump {
        let Some(expected) = self.expected_offset else {
            return OffsetJump::First;
        };
        let jump = found - expected;
        let tolerance = self.config.step_tolerance;
        let leap = match self.leap_armed {
            Leap::Insert => -Duration::from_secs(1),
            Leap::Delete => Duration::from_secs(1),
            Leap::None | Leap::Unsynchronized => return OffsetJump::classify(jump, tolerance),
        };
        if (jump - leap).abs() <= tolerance {
            OffsetJump::LeapSecond
        } else {
            OffsetJump::classify(jump, tolerance)
        }
    }

    fn end_back_off(&mut self, now: Timestamp) -> Option<InterferenceEvent> {
        let until = self.back_off_until?;
        if now < until {
            return None;
        }
        self.back_off_until = None;
        tracing::info!("clock interference back-off over; disciplining the clock again");
        Some(InterferenceEvent::BackOffEnded)
    }
}

/// How `clock − reference` moved since the last reading, beyond shiwa's own steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OffsetJump {
    /// There was no earlier reading.
    First,
    /// Within the tolerance.
    Within,
    /// By the leap second the kernel had armed.
    LeapSecond,
    /// Someone else stepped the clock by this much.
    Foreign(Duration),
}

impl OffsetJump {
    fn classify(jump: Duration, tolerance: Duration) -> Self {
        if jump.abs() <= tolerance {
            OffsetJump::Within
        } else {
            OffsetJump::Foreign(jump)
        }
    }
}

impl Default for InterferenceDetector {
    fn default() -> Self {
        InterferenceDetector::new(InterferenceConfig::default())
    }
}
