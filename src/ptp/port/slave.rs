//! The slave side: Sync/Follow_Up pairing, the Delay_Req/Delay_Resp exchange, the path
//! delay filter and the offset samples (IEEE 1588-2008 §11.2–§11.3).
//!
//! ```text
//! meanPathDelay = ((t2 − t3) + (t4 − t1) − Sync/Follow_Up corrections − Delay_Resp correction) / 2
//! offset        = t2 − t1 − Sync/Follow_Up corrections − meanPathDelay     (local − master)
//! ```
//! t1 and t4 are the master's timestamps, brought to UTC first (see the module docs of
//! [`port`](super)). A Follow_Up may arrive before its Sync; each is kept until its
//! partner comes or another Sync replaces it.

use super::config::{MAX_LOG_INTERVAL, MIN_LOG_INTERVAL};
use super::filter::DelayFilter;
use super::{Port, PortAction, PortState, PtpSample, StateChangeReason, TxPurpose};
use crate::net::ptp::PtpDestination;
use crate::ptp::{
    MessageBody, PtpFlags, PtpHeader, PtpMessage, PtpTimestamp, TimePropertiesFlags,
    TimestampForPort,
};
use crate::time::{Duration, Timestamp};
use std::fmt::Debug;
use std::hash::Hash;

/// The shortest wait between two Delay_Req (a draw of zero would fire at once).
const MIN_DELAY_REQ_GAP: Duration = Duration::from_millis(1);

#[derive(Debug, Clone, Copy)]
struct SyncHalf {
    sequence_id: u16,
    t2: Timestamp,
    correction: Duration,
}

#[derive(Debug, Clone, Copy)]
struct FollowUpHalf {
    sequence_id: u16,
    origin: PtpTimestamp,
    correction: Duration,
}

/// The latest complete Sync: t1 already on UTC.
#[derive(Debug, Clone, Copy)]
struct SyncTimes {
    t1: Timestamp,
    t2: Timestamp,
    correction: Duration,
}

#[derive(Debug, Clone, Copy)]
struct DelayExchange {
    sequence_id: u16,
    t3: Option<Timestamp>,
    /// receiveTimestamp (master's timescale) and correctionField of the Delay_Resp.
    response: Option<(PtpTimestamp, Duration)>,
}

/// What the slave side keeps between messages.
#[derive(Debug, Clone)]
pub(crate) struct SlaveState {
    sync: Option<SyncHalf>,
    follow_up: Option<FollowUpHalf>,
    last_sync_sequence: Option<u16>,
    last_sync: Option<SyncTimes>,
    delay: Option<DelayExchange>,
    next_delay_sequence: u16,
    last_delay_sequence: Option<u16>,
    last_delay: Option<(Timestamp, Timestamp)>,
    filter: DelayFilter,
    mean_path_delay: Option<Duration>,
    configured_log_delay_req_interval: i8,
    log_delay_req_interval: i8,
    /// The latest sample (kept across resets for status).
    pub last_sample: Option<PtpSample>,
}

impl SlaveState {
    pub fn new(log_delay_req_interval: i8) -> Self {
        SlaveState {
            sync: None,
            follow_up: None,
            last_sync_sequence: None,
            last_sync: None,
            delay: None,
            next_delay_sequence: 0,
            last_delay_sequence: None,
            last_delay: None,
            filter: DelayFilter::default(),
            mean_path_delay: None,
            configured_log_delay_req_interval: log_delay_req_interval,
            log_delay_req_interval,
            last_sample: None,
        }
    }

    /// Forgets the measurement (a new parent, or not following any more). The Delay_Req
    /// sequence keeps counting.
    pub fn reset(&mut self) {
        let next_delay_sequence = self.next_delay_sequence;
        let last_sample = self.last_sample;
        *self = SlaveState::new(self.configured_log_delay_req_interval);
        self.next_delay_sequence = next_delay_sequence;
        self.last_sample = last_sample;
    }

    /// Forgets the timestamps taken before the local clock was stepped; the path delay,
    /// which a step does not change, is kept.
    pub fn clock_stepped(&mut self) {
        self.sync = None;
        self.follow_up = None;
        self.last_sync = None;
        self.delay = None;
    }

    /// The filtered mean path delay.
    pub fn mean_path_delay(&self) -> Option<Duration> {
        self.mean_path_delay
    }
}

impl<A: Copy + Eq + Hash + Debug> Port<A> {
    /// True for a message from the parent while following it; counts the others.
    fn accept_from_parent(&mut self, header: &PtpHeader) -> bool {
        let from_parent = self
            .parent
            .is_some_and(|parent| parent.identity() == header.source_port_identity);
        if !(from_parent && self.is_following()) {
            self.counters.not_from_parent += 1;
        }
        from_parent && self.is_following()
    }

    pub(super) fn on_sync(
        &mut self,
        header: &PtpHeader,
        origin: PtpTimestamp,
        rx: Option<Timestamp>,
        actions: &mut Vec<PortAction<A>>,
    ) {
        if !self.accept_from_parent(header) {
            return;
        }
        let Some(t2) = rx else {
            self.counters.missing_rx_timestamp += 1;
            return;
        };
        self.counters.syncs += 1;
        let sync = SyncHalf {
            sequence_id: header.sequence_id,
            t2,
            correction: header.correction.to_duration(),
        };
        if !header.flags.contains(PtpFlags::TWO_STEP) {
            self.complete_sync(sync, origin, Duration::ZERO, actions);
            return;
        }
        match self.slave.follow_up.take() {
            Some(early) if early.sequence_id == sync.sequence_id => {
                self.complete_sync(sync, early.origin, early.correction, actions);
            }
            _ => self.slave.sync = Some(sync),
        }
    }

    pub(super) fn on_follow_up(
        &mut self,
        header: &PtpHeader,
        origin: PtpTimestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        if !self.accept_from_parent(header) {
            return;
        }
        let sequence_id = header.sequence_id;
        if self.slave.last_sync_sequence == Some(sequence_id) {
            self.counters.duplicates += 1;
            return;
        }
        let correction = header.correction.to_duration();
        match self.slave.sync {
            Some(sync) if sync.sequence_id == sequence_id => {
                self.slave.sync = None;
                self.counters.follow_ups += 1;
                self.complete_sync(sync, origin, correction, actions);
            }
            pending => {
                if pending.is_some() {
                    self.counters.sequence_mismatch += 1;
                }
                // Perhaps its Sync is still on the way (the event socket is separate).
                self.slave.follow_up = Some(FollowUpHalf {
                    sequence_id,
                    origin,
                    correction,
                });
            }
        }
    }

    /// A Sync with its origin: a sample when the path delay is known.
    fn complete_sync(
        &mut self,
        sync: SyncHalf,
        origin: PtpTimestamp,
        follow_up_correction: Duration,
        actions: &mut Vec<PortAction<A>>,
    ) {
        // A pair is complete: any other half kept is stale (a Follow_Up is sent before the
        // next Sync, so it cannot be the early half of a later one).
        self.slave.sync = None;
        self.slave.follow_up = None;
        let Some(t1) = origin.to_timestamp() else {
            self.counters.malformed += 1;
            return;
        };
        let times = SyncTimes {
            t1: self.master_time_to_utc(t1),
            t2: sync.t2,
            correction: sync.correction + follow_up_correction,
        };
        self.slave.last_sync_sequence = Some(sync.sequence_id);
        self.slave.last_sync = Some(times);
        let (Some(delay), Some((t3, t4)), Some(parent)) = (
            self.slave.mean_path_delay,
            self.slave.last_delay,
            self.parent,
        ) else {
            return;
        };
        let sample = PtpSample {
            offset: (times.t2 - times.t1) - times.correction - delay,
            mean_path_delay: delay,
            t1: times.t1,
            t2: times.t2,
            t3,
            t4,
            sync_correction: times.correction,
            master: parent.identity(),
            grandmaster: parent.announce.grandmaster_identity,
            steps_removed: parent.announce.steps_removed.saturating_add(1),
            local_time: times.t2,
        };
        self.slave.last_sample = Some(sample);
        self.counters.samples += 1;
        actions.push(PortAction::Sample(sample));
        if self.state == PortState::Uncalibrated {
            let now = times.t2;
            self.set_state(
                PortState::Slave,
                StateChangeReason::MasterClockSelected,
                now,
                actions,
            );
        }
    }

    /// A master timestamp on the local (UTC) timescale: TAI − UTC removed when the parent
    /// announces the PTP timescale (linuxptp's `clock_utc_correct`).
    pub(super) fn master_time_to_utc(&self, master_time: Timestamp) -> Timestamp {
        let Some(parent) = self.parent else {
            return master_time;
        };
        let flags = parent.header.flags.time_properties();
        if !flags.has(TimePropertiesFlags::PTP_TIMESCALE) {
            return master_time;
        }
        let announced = parent.announce.current_utc_offset;
        let trusted = flags.has(TimePropertiesFlags::UTC_OFFSET_VALID)
            && flags.has(TimePropertiesFlags::TIME_TRACEABLE);
        let utc_offset = if trusted || announced > self.config.utc_offset {
            announced
        } else {
            self.config.utc_offset
        };
        master_time - Duration::from_secs(i64::from(utc_offset))
    }

    /// Arms the Delay_Req timer: a draw from [0, 2·interval), as ptp4l.
    pub(super) fn schedule_delay_req(&mut self, now: Timestamp) {
        let interval = Duration::from_log2_secs(self.slave.log_delay_req_interval);
        let wait = self.jitter.below(interval * 2).max(MIN_DELAY_REQ_GAP);
        self.timers.delay_req = Some(now + wait);
    }

    /// The Delay_Req timer fired.
    pub(super) fn send_delay_req(&mut self, now: Timestamp, actions: &mut Vec<PortAction<A>>) {
        let (true, Some(parent)) = (self.is_following(), self.parent) else {
            self.timers.delay_req = None;
            return;
        };
        self.schedule_delay_req(now);
        let unicast =
            self.config.hybrid_e2e || self.config.unicast_masters.contains(&parent.address);
        let sequence_id = self.slave.next_delay_sequence;
        self.slave.next_delay_sequence = sequence_id.wrapping_add(1);
        let body = MessageBody::DelayReq(PtpTimestamp::default());
        let mut header = self.header(&body, sequence_id);
        header.flags = PtpFlags::EMPTY.with(PtpFlags::UNICAST, unicast);
        let message = PtpMessage {
            header,
            body,
            tlvs: Vec::new(),
        };
        let destination = if unicast {
            PtpDestination::Unicast(parent.address)
        } else {
            PtpDestination::Multicast
        };
        self.slave.delay = Some(DelayExchange {
            sequence_id,
            t3: None,
            response: None,
        });
        let purpose = TxPurpose::DelayReq { sequence_id };
        self.send(&message, destination, Some(purpose), now, actions);
    }

    /// The TX timestamp of Delay_Req `sequence_id`.
    pub(super) fn on_delay_req_sent(&mut self, sequence_id: u16, t3: Timestamp) {
        if let Some(exchange) = self.slave.delay.as_mut()
            && exchange.sequence_id == sequence_id
        {
            exchange.t3 = Some(t3);
            self.complete_delay();
        }
    }

    pub(super) fn on_delay_resp(&mut self, header: &PtpHeader, answer: TimestampForPort) {
        if answer.requesting_port_identity != self.config.identity {
            return; // for another slave on the multicast group
        }
        if !self.accept_from_parent(header) {
            return;
        }
        if self.slave.last_delay_sequence == Some(header.sequence_id) {
            self.counters.duplicates += 1;
            return;
        }
        match self.slave.delay.as_mut() {
            Some(exchange)
                if exchange.sequence_id == header.sequence_id && exchange.response.is_none() =>
            {
                exchange.response = Some((answer.timestamp, header.correction.to_duration()));
            }
            _ => {
                self.counters.sequence_mismatch += 1;
                return;
            }
        }
        self.counters.delay_responses += 1;
        let log = header.log_message_interval;
        if (MIN_LOG_INTERVAL..=MAX_LOG_INTERVAL).contains(&log) {
            // The master's logMinDelayReqInterval rules (§9.5.11.2), as ptp4l adopts it.
            self.slave.log_delay_req_interval = log;
        }
        self.complete_delay();
    }

    /// With t3 and the Delay_Resp both in, a new path delay measurement.
    fn complete_delay(&mut self) {
        let Some(DelayExchange {
            sequence_id,
            t3: Some(t3),
            response: Some((receive, correction)),
        }) = self.slave.delay
        else {
            return;
        };
        self.slave.delay = None;
        self.slave.last_delay_sequence = Some(sequence_id);
        let Some(t4) = receive.to_timestamp() else {
            self.counters.malformed += 1;
            return;
        };
        let t4 = self.master_time_to_utc(t4);
        let Some(sync) = self.slave.last_sync else {
            return;
        };
        let raw = ((sync.t2 - t3) + (t4 - sync.t1) - sync.correction - correction) / 2;
        self.slave.last_delay = Some((t3, t4));
        self.slave.mean_path_delay = Some(self.slave.filter.push(raw));
    }
}
