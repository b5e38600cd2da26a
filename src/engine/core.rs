//! The engine's pure core: source updates in, clock actions out.
//!
//! Fed by the source drivers (samples and status) and a periodic tick, it runs selection and
//! the servo and returns [`EngineAction`]s for the driver to apply to the clock. It never
//! reads a clock or does I/O: `now` is an argument, so whole days of engine behaviour run in
//! simulated time.
//!
//! Monitor mode (`adjust_clock: false`) runs selection but not the servo: the clock state is
//! `monitoring` while a source is selected, and no clock action is ever produced (the driver
//! also holds a read-only clock, so a bug here still could not write the clock).

use super::events::EventLog;
use super::plan::SourceSpec;
use crate::clock::SyncStatus;
use crate::observe::ClockState;
use crate::observe::EventKind;
use crate::selection::{SelectionOutcome, Selector, SelectorConfig, SourceInput, SourceState};
use crate::servo::{PiServo, ServoAction, ServoAlert, ServoConfig, ServoState};
use crate::source::{Group, Measurement, SourceId, SourceStatus, SourceUpdate};
use crate::time::{Duration, Ppb, Timestamp};

/// What the driver must do.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub enum EngineAction {
    /// Step the clock by this amount (added to the clock).
    Step(Duration),
    /// Set the clock's frequency correction.
    SetFrequency(Ppb),
    /// Publish error estimates and sync status to the kernel.
    SetSyncStatus(SyncStatus),
    /// The clock was stepped: sources must shift the offsets they hold by this amount.
    ShiftSourceOffsets(Duration),
}

/// The engine's settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// False: monitor mode, no clock action at all.
    pub adjust_clock: bool,
    /// Servo settings.
    pub servo: ServoConfig,
    /// Selection settings.
    pub selector: SelectorConfig,
    /// Serve NTP at this stratum from the free-running clock when nothing is selected.
    pub local_stratum: Option<u8>,
}

/// True when the clock counts as synchronised (`status` exits 0).
pub fn is_synchronized(state: ClockState) -> bool {
    matches!(state, ClockState::Locked | ClockState::Monitoring)
}

/// Runtime state of one source.
#[derive(Debug, Clone)]
pub struct SourceRuntime {
    /// The config entry.
    pub spec: SourceSpec,
    /// False once disabled through the control socket.
    pub enabled: bool,
    /// The driver's latest status.
    pub status: SourceStatus,
    /// The latest filtered measurement.
    pub latest: Option<Measurement>,
    /// [`Self::latest`] was taken since the driver last reported the source unreachable,
    /// so selection may use it. A driver may send a sample just before the status that
    /// reports the answer (NTP does), so a sample counts as reaching the source; a status
    /// saying it is unreachable (a PTP port that gave its master up) voids the measurement
    /// at once, rather than after it goes stale, and a source that comes back is used
    /// again only with a new one.
    pub latest_current: bool,
    /// When the driver last delivered a measurement (selection judges staleness by it).
    pub sampled_at: Option<Timestamp>,
    /// The selection state of the last update.
    pub state: Option<SourceState>,
    /// Samples received.
    pub samples: u64,
}

/// The pure engine.
#[derive(Debug)]
pub struct EngineCore {
    config: EngineConfig,
    sources: Vec<SourceRuntime>,
    selector: Selector,
    servo: PiServo,
    selection: Option<SelectionOutcome>,
    last_servo_sample: Option<Timestamp>,
    last_update: Option<Timestamp>,
    phase: ClockState,
    phase_since: Timestamp,
    in_backoff: bool,
    steps: u64,
    events: EventLog,
}

impl EngineCore {
    /// A core for `sources`, with the clock's current frequency as the servo's start.
    pub fn new(
        config: EngineConfig,
        sources: Vec<SourceSpec>,
        initial_frequency: Ppb,
        now: Timestamp,
    ) -> Self {
        let sources = sources
            .into_iter()
            .map(|spec| SourceRuntime {
                spec,
                enabled: true,
                status: SourceStatus::default(),
                latest: None,
                latest_current: false,
                sampled_at: None,
                state: None,
                samples: 0,
            })
            .collect();
        EngineCore {
            selector: Selector::new(config.selector),
            servo: PiServo::new(config.servo, initial_frequency),
            config,
            sources,
            selection: None,
            last_servo_sample: None,
            last_update: None,
            phase: ClockState::Unsynchronized,
            phase_since: now,
            in_backoff: false,
            steps: 0,
            events: EventLog::default(),
        }
    }

    /// Feeds one source update; returns what to do to the clock.
    pub fn on_update(&mut self, update: SourceUpdate, now: Timestamp) -> Vec<EngineAction> {
        match update {
            SourceUpdate::Status { id, status } => {
                if let Some(source) = self.source_mut(id) {
                    if source.status.problem != status.problem
                        && let Some(problem) = &status.problem
                    {
                        let message = format!("{}: {problem}", source.spec.name);
                        self.events.push(now, EventKind::SourceUnreachable, message);
                    }
                    if let Some(source) = self.source_mut(id) {
                        source.latest_current &= status.reachable;
                        source.status = status;
                    }
                }
                self.reselect(now, None)
            }
            SourceUpdate::Sample { id, measurement } => {
                let Some(source) = self.source_mut(id) else {
                    return Vec::new();
                };
                source.latest = Some(measurement);
                source.latest_current = true;
                source.sampled_at = Some(now);
                source.samples += 1;
                self.reselect(now, Some(id))
            }
        }
    }

    /// Periodic housekeeping (every second): ages measurements out, ends back-offs.
    pub fn on_tick(&mut self, now: Timestamp) -> Vec<EngineAction> {
        self.reselect(now, None)
    }

    /// Another process wrote the clock: monitor only until [`Self::end_interference_backoff`].
    /// The detector has already logged it.
    pub fn enter_interference_backoff(&mut self, message: String, now: Timestamp) {
        self.events
            .record(now, EventKind::InterferenceDetected, message);
        self.in_backoff = true;
        self.set_phase(ClockState::InterferenceBackoff, now);
    }

    /// The back-off is over: start again from the clock as it now is.
    pub fn end_interference_backoff(&mut self, frequency: Ppb, now: Timestamp) {
        self.in_backoff = false;
        self.servo = PiServo::new(self.config.servo, frequency);
        self.last_servo_sample = None;
        self.set_phase(ClockState::Locking, now);
    }

    /// Enables or disables a source (control socket); false when there is no such source.
    pub fn set_enabled(&mut self, id: SourceId, enabled: bool, now: Timestamp) -> bool {
        let Some(source) = self.source_mut(id) else {
            return false;
        };
        source.enabled = enabled;
        let verb = if enabled { "enabled" } else { "disabled" };
        let message = format!("{} {verb} by operator", source.spec.name);
        self.events.push(now, EventKind::ConfigChanged, message);
        true
    }

    /// The sources, in config order.
    pub fn sources(&self) -> &[SourceRuntime] {
        &self.sources
    }

    /// The last selection.
    pub fn selection(&self) -> Option<&SelectionOutcome> {
        self.selection.as_ref()
    }

    /// The clock's state and since when.
    pub fn phase(&self) -> (ClockState, Timestamp) {
        (self.phase, self.phase_since)
    }

    /// The servo's frequency.
    pub fn frequency(&self) -> Ppb {
        self.servo.frequency()
    }

    /// Steps taken.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// When a selected source last updated the clock (or the monitored offset).
    pub fn last_update(&self) -> Option<Timestamp> {
        self.last_update
    }

    /// Recent events, oldest first.
    pub fn events(&self) -> &EventLog {
        &self.events
    }

    /// The selected source's latest measurement.
    pub fn selected_measurement(&self) -> Option<(&SourceRuntime, Measurement)> {
        let id = self.selection.as_ref()?.selected?;
        let source = self.sources.iter().find(|s| s.spec.id == id)?;
        Some((source, source.latest?))
    }

    /// True when a local stratum is configured (serve time with nothing selected).
    pub fn local_stratum(&self) -> Option<u8> {
        self.config.local_stratum
    }

    fn source_mut(&mut self, id: SourceId) -> Option<&mut SourceRuntime> {
        self.sources.iter_mut().find(|s| s.spec.id == id)
    }

    fn inputs(&self) -> Vec<SourceInput> {
        self.sources
            .iter()
            .filter(|s| s.spec.is_client())
            .map(|s| SourceInput {
                id: s.spec.id,
                group: s.spec.group,
                protocol: s.spec.protocol(),
                disabled: !s.enabled || s.spec.config.disable,
                monitor_only: s.spec.config.monitor_only,
                reachable: s.status.reachable || s.latest_current && s.status.problem.is_none(),
                poll_interval: s.status.poll.unwrap_or(Duration::from_secs(16)),
                measurement: s.latest.filter(|_| s.latest_current),
                sampled_at: s.sampled_at,
            })
            .collect()
    }

    /// Runs selection; when `fresh` is the selected source's new sample, feeds the servo.
    fn reselect(&mut self, now: Timestamp, fresh: Option<SourceId>) -> Vec<EngineAction> {
        let outcome = self.selector.update(now, &self.inputs());
        for event in &outcome.events {
            self.events.push_selection(now, event, &self.sources);
        }
        for source in &mut self.sources {
            source.state = outcome.state_of(source.spec.id);
        }
        let selected = outcome.selected;
        let had_selection = self
            .selection
            .as_ref()
            .is_some_and(|s| s.selected.is_some());
        self.selection = Some(outcome);
        match selected {
            Some(id) if fresh == Some(id) => self.steer(id, now),
            Some(_) => Vec::new(),
            None if had_selection => self.lose_sources(now),
            None => Vec::new(),
        }
    }

    fn lose_sources(&mut self, now: Timestamp) -> Vec<EngineAction> {
        if !self.config.adjust_clock || self.in_backoff {
            self.set_phase(ClockState::Unsynchronized, now);
            return Vec::new();
        }
        let update = self.servo.enter_holdover();
        self.set_phase(ClockState::Holdover, now);
        let mut actions = self.apply_servo(update.actions, now);
        actions.push(EngineAction::SetSyncStatus(self.sync_status()));
        actions
    }
}

impl EngineCore {
    /// The selected source has a new sample: steer (or, in monitor mode, just record).
    fn steer(&mut self, id: SourceId, now: Timestamp) -> Vec<EngineAction> {
        let Some(measurement) = self
            .sources
            .iter()
            .find(|s| s.spec.id == id)
            .and_then(|s| s.latest)
        else {
            return Vec::new();
        };
        if self
            .last_servo_sample
            .is_some_and(|last| measurement.local_time <= last)
        {
            return Vec::new();
        }
        let interval = match self.last_servo_sample {
            Some(last) => measurement.local_time - last,
            None => Duration::from_secs(1),
        };
        self.last_servo_sample = Some(measurement.local_time);
        self.last_update = Some(now);
        if !self.config.adjust_clock {
            self.set_phase(ClockState::Monitoring, now);
            return Vec::new();
        }
        if self.in_backoff {
            self.set_phase(ClockState::InterferenceBackoff, now);
            return Vec::new();
        }
        let update = self
            .servo
            .sample(measurement.offset, measurement.local_time, interval);
        self.set_phase(phase_of(update.state), now);
        let mut actions = self.apply_servo(update.actions, now);
        actions.push(EngineAction::SetSyncStatus(self.sync_status()));
        actions
    }

    fn apply_servo(
        &mut self,
        servo_actions: Vec<ServoAction>,
        now: Timestamp,
    ) -> Vec<EngineAction> {
        let mut actions = Vec::new();
        for action in servo_actions {
            match action {
                ServoAction::Step(delta) => {
                    self.steps += 1;
                    for source in &mut self.sources {
                        if let Some(latest) = &mut source.latest {
                            latest.offset += delta;
                        }
                    }
                    let message = format!("clock stepped by {delta}");
                    self.events.push(now, EventKind::ClockStepped, message);
                    actions.push(EngineAction::Step(delta));
                    actions.push(EngineAction::ShiftSourceOffsets(delta));
                }
                ServoAction::SetFrequency(frequency) => {
                    actions.push(EngineAction::SetFrequency(frequency));
                }
                ServoAction::Alert(ServoAlert::StepLimitExceeded { offset, limit }) => {
                    let message = format!(
                        "offset {offset} is above step_limit {limit}: not stepped, monitoring only"
                    );
                    self.events.push(now, EventKind::StepLimitExceeded, message);
                }
            }
        }
        actions
    }

    /// Error estimates for the kernel from the selected source.
    pub fn sync_status(&self) -> SyncStatus {
        let distance = self
            .selected_measurement()
            .map(|(_, m)| m.root_distance())
            .unwrap_or(Duration::from_secs(16));
        SyncStatus {
            synchronized: is_synchronized(self.phase),
            estimated_error: distance / 2,
            max_error: distance,
        }
    }

    fn set_phase(&mut self, phase: ClockState, now: Timestamp) {
        if phase == self.phase {
            return;
        }
        if is_synchronized(phase) && !is_synchronized(self.phase) {
            let source = self
                .selected_measurement()
                .map(|(s, _)| s.spec.name.clone())
                .unwrap_or_default();
            self.events.push(
                now,
                EventKind::SyncRecovered,
                format!("synchronised to {source}"),
            );
        }
        self.phase = phase;
        self.phase_since = now;
    }
}

fn phase_of(state: ServoState) -> ClockState {
    match state {
        ServoState::Unlocked => ClockState::Locking,
        ServoState::Stepping => ClockState::Stepping,
        ServoState::Locked => ClockState::Locked,
        ServoState::Holdover => ClockState::Holdover,
        ServoState::StepLimitExceeded => ClockState::StepLimitExceeded,
    }
}

/// The selection group in use, for snapshots.
pub fn group_in_use(outcome: Option<&SelectionOutcome>) -> Option<Group> {
    outcome.and_then(|o| o.group)
}

#[cfg(test)]
#[path = "core_tests.rs"]
mod tests;
