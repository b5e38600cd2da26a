//! State transitions: Announces into the foreign master table, the state decision, the
//! announce receipt timeout, and what entering each state arms.

use super::config::{PRIMARY_REFERENCE_CLOCK_CLASS, PortRole, SLAVE_ONLY_CLOCK_CLASS};
use super::decision::{Recommendation, recommend};
use super::{Parent, Port, PortAction, PortState, StateChangeReason};
use crate::ptp::{
    AnnounceBody, ClockQuality, DefaultDataset, ForeignMasterDataset, MAX_STEPS_REMOVED, PtpHeader,
};
use crate::time::{Duration, Timestamp};
use std::fmt::Debug;
use std::hash::Hash;

impl<A: Copy + Eq + Hash + Debug> Port<A> {
    /// The clockClass this clock announces (see [`Port::set_local_clock`]).
    pub(super) fn clock_class(&self) -> u8 {
        if self.config.role == PortRole::SlaveOnly {
            SLAVE_ONLY_CLOCK_CLASS
        } else if self.synchronized {
            PRIMARY_REFERENCE_CLOCK_CLASS
        } else {
            self.config.clock_quality.clock_class
        }
    }

    /// The clock's quality with the current class.
    pub(super) fn clock_quality(&self) -> ClockQuality {
        ClockQuality {
            clock_class: self.clock_class(),
            ..self.config.clock_quality
        }
    }

    /// D0: this clock's default data set in the comparison's form.
    fn d0(&self) -> ForeignMasterDataset {
        DefaultDataset {
            clock_identity: self.config.identity.clock_identity,
            priority1: self.config.priority1,
            clock_quality: self.clock_quality(),
            priority2: self.config.priority2,
        }
        .as_foreign_master()
    }

    /// True while the port takes time from its parent.
    pub(super) fn is_following(&self) -> bool {
        matches!(self.state, PortState::Uncalibrated | PortState::Slave)
    }

    /// An Announce from `from`: recorded, and the state decided again.
    pub(super) fn on_announce(
        &mut self,
        header: &PtpHeader,
        announce: AnnounceBody,
        from: A,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        if announce.steps_removed >= MAX_STEPS_REMOVED
            || announce.grandmaster_identity == self.config.identity.clock_identity
        {
            // §9.3.2.5: too far away, or this clock's own time coming back.
            self.counters.unsupported += 1;
            return;
        }
        self.counters.announces += 1;
        self.foreign.record(*header, announce, from, now);
        if let Some(parent) = self.parent.as_mut()
            && parent.identity() == header.source_port_identity
        {
            *parent = Parent {
                address: from,
                header: *header,
                announce,
            };
            if self.state != PortState::Master {
                self.arm_announce_receipt(now);
            }
        }
        self.decide_state(None, now, actions);
    }

    /// The state decision over the qualified foreign masters. `timeout_reason` is set when
    /// the announce receipt timeout asked: with no foreign master left, the port then
    /// leaves its state (MASTER for the automatic role, LISTENING for slave-only).
    fn decide_state(
        &mut self,
        timeout_reason: Option<StateChangeReason>,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        if self.config.role == PortRole::MasterOnly {
            return;
        }
        self.foreign.prune(now);
        let erbest = self.foreign.best(now).map(|(record, dataset)| {
            let parent = Parent {
                address: record.address,
                header: record.header,
                announce: record.announce,
            };
            (parent, dataset)
        });
        let recommendation = recommend(
            self.config.role,
            &self.d0(),
            erbest.map(|(_, d)| d).as_ref(),
        );
        match (recommendation, erbest) {
            (Recommendation::Master, _) => {
                let reason = timeout_reason.unwrap_or(StateChangeReason::RecommendedMaster);
                self.set_state(PortState::Master, reason, now, actions);
            }
            (Recommendation::Slave(_), Some((parent, _))) => {
                let reason = timeout_reason.unwrap_or(StateChangeReason::RecommendedSlave);
                self.follow(parent, reason, now, actions);
            }
            (Recommendation::Passive(_), Some((parent, _))) => {
                self.parent = Some(parent);
                let reason = timeout_reason.unwrap_or(StateChangeReason::RecommendedPassive);
                self.set_state(PortState::Passive, reason, now, actions);
            }
            (_, _) => {
                let Some(reason) = timeout_reason else {
                    return;
                };
                let to = match self.config.role {
                    PortRole::SlaveOnly => PortState::Listening,
                    _ => PortState::Master,
                };
                self.set_state(to, reason, now, actions);
            }
        }
    }

    /// Follows `parent`: UNCALIBRATED until the first complete measurement when it is a
    /// new parent or the port was not following.
    fn follow(
        &mut self,
        parent: Parent<A>,
        reason: StateChangeReason,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        let changed = self.parent.map(|old| old.identity()) != Some(parent.identity());
        self.parent = Some(parent);
        if !changed && self.is_following() {
            return;
        }
        if self.state == PortState::Uncalibrated {
            // Another parent before the first measurement: start over without a transition.
            self.enter_uncalibrated(now);
            self.update_unicast_selection();
        } else {
            self.set_state(PortState::Uncalibrated, reason, now, actions);
        }
    }

    /// No Announce from the parent (or anyone, while listening) in time.
    pub(super) fn on_announce_receipt_timeout(
        &mut self,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        self.timers.announce_receipt = None;
        let reason = StateChangeReason::AnnounceReceiptTimeout;
        match self.state {
            PortState::Listening => match self.config.role {
                PortRole::SlaveOnly => self.arm_announce_receipt(now),
                PortRole::Auto | PortRole::MasterOnly => {
                    self.set_state(PortState::Master, reason, now, actions);
                }
            },
            PortState::Uncalibrated | PortState::Slave | PortState::Passive => {
                if let Some(parent) = self.parent.take() {
                    self.foreign.remove(parent.identity());
                }
                self.decide_state(Some(reason), now, actions);
            }
            _ => {}
        }
    }

    /// Arms the announce receipt timeout: `announce_receipt_timeout` announce intervals
    /// plus a random part of one, as ptp4l.
    pub(super) fn arm_announce_receipt(&mut self, now: Timestamp) {
        let interval = Duration::from_log2_secs(self.config.log_announce_interval);
        let timeout = interval * i64::from(self.config.announce_receipt_timeout);
        self.timers.announce_receipt = Some(now + timeout + self.jitter.below(interval));
    }

    /// Enters `to` (nothing when already there), reporting it and arming its timers.
    pub(super) fn set_state(
        &mut self,
        to: PortState,
        reason: StateChangeReason,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        let from = self.state;
        if from == to {
            return;
        }
        self.state = to;
        actions.push(PortAction::StateChanged { from, to, reason });
        match to {
            PortState::Master | PortState::PreMaster => {
                self.timers.announce_receipt = None;
                self.timers.delay_req = None;
                self.timers.announce = Some(now);
                self.timers.sync = Some(now);
                self.parent = None;
                self.slave.reset();
            }
            PortState::Listening | PortState::Passive => {
                self.stop_master_and_slave_timers();
                if to == PortState::Listening {
                    self.parent = None;
                }
                self.slave.reset();
                self.arm_announce_receipt(now);
            }
            PortState::Uncalibrated => self.enter_uncalibrated(now),
            PortState::Slave => {}
            PortState::Initializing | PortState::Faulty => {
                self.stop_master_and_slave_timers();
                self.timers.announce_receipt = None;
            }
        }
        self.update_unicast_selection();
    }

    fn stop_master_and_slave_timers(&mut self) {
        self.timers.announce = None;
        self.timers.sync = None;
        self.timers.delay_req = None;
    }

    /// Starts measuring against a new parent.
    fn enter_uncalibrated(&mut self, now: Timestamp) {
        self.timers.announce = None;
        self.timers.sync = None;
        self.slave.reset();
        self.arm_announce_receipt(now);
        self.schedule_delay_req(now);
    }
}
