//! The master side: Announce, two-step Sync with its Follow_Up, and Delay_Resp.
//!
//! Timestamps sent are the local clock's, plus TAI − UTC when serving the PTP timescale
//! ([`PortConfig::ptp_timescale`](super::PortConfig::ptp_timescale)). Sync origins are
//! zero in two-step mode, as ptp4l sends them. Multicast and unicast streams keep their
//! own sequenceIds (§7.3.7: one pool per destination).

use super::{Port, PortAction, PortState, TxPurpose};
use crate::net::ptp::PtpDestination;
use crate::ptp::{
    AnnounceBody, MessageBody, PtpFlags, PtpHeader, PtpMessage, PtpTimestamp,
    TimePropertiesDataSet, TimePropertiesFlags, TimestampForPort,
};
use crate::time::{Duration, Timestamp};
use std::fmt::Debug;
use std::hash::Hash;

impl<A: Copy + Eq + Hash + Debug> Port<A> {
    /// `local` on the wire: shifted to TAI when serving the PTP timescale. `None` before
    /// the epoch.
    pub(super) fn to_wire(&self, local: Timestamp) -> Option<PtpTimestamp> {
        let shift = if self.config.ptp_timescale {
            Duration::from_secs(i64::from(self.config.utc_offset))
        } else {
            Duration::ZERO
        };
        PtpTimestamp::from_timestamp(local + shift)
    }

    /// This clock's time properties as grandmaster.
    pub(super) fn own_time_properties(&self) -> TimePropertiesDataSet {
        let mut flags = 0;
        if self.config.ptp_timescale {
            flags |= TimePropertiesFlags::PTP_TIMESCALE | TimePropertiesFlags::UTC_OFFSET_VALID;
        }
        if self.synchronized {
            flags |= TimePropertiesFlags::TIME_TRACEABLE | TimePropertiesFlags::FREQUENCY_TRACEABLE;
        }
        TimePropertiesDataSet {
            current_utc_offset: self.config.utc_offset,
            flags: TimePropertiesFlags(flags),
            time_source: self.config.time_source,
        }
    }

    /// An Announce of this clock as grandmaster.
    pub(super) fn announce_message(
        &self,
        sequence_id: u16,
        log_interval: i8,
        unicast: bool,
    ) -> PtpMessage {
        let properties = self.own_time_properties();
        let body = MessageBody::Announce(AnnounceBody {
            origin_timestamp: PtpTimestamp::default(),
            current_utc_offset: properties.current_utc_offset,
            grandmaster_priority1: self.config.priority1,
            grandmaster_clock_quality: self.clock_quality(),
            grandmaster_priority2: self.config.priority2,
            grandmaster_identity: self.config.identity.clock_identity,
            steps_removed: 0,
            time_source: properties.time_source,
        });
        let mut header = self.header(&body, sequence_id);
        header.flags = PtpFlags::EMPTY
            .with_time_properties(properties.flags)
            .with(PtpFlags::UNICAST, unicast);
        header.log_message_interval = log_interval;
        PtpMessage {
            header,
            body,
            tlvs: Vec::new(),
        }
    }

    /// The Announce timer fired while master.
    pub(super) fn send_multicast_announce(
        &mut self,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        if self.state != PortState::Master || !self.config.multicast {
            return;
        }
        let sequence_id = self.announce_sequence;
        self.announce_sequence = sequence_id.wrapping_add(1);
        let message = self.announce_message(sequence_id, self.config.log_announce_interval, false);
        self.send(&message, PtpDestination::Multicast, None, now, actions);
    }

    /// The Sync timer fired while master.
    pub(super) fn send_multicast_sync(&mut self, now: Timestamp, actions: &mut Vec<PortAction<A>>) {
        if self.state != PortState::Master || !self.config.multicast {
            return;
        }
        let sequence_id = self.sync_sequence;
        self.sync_sequence = sequence_id.wrapping_add(1);
        let log_interval = self.config.log_sync_interval;
        self.send_sync(
            PtpDestination::Multicast,
            sequence_id,
            log_interval,
            now,
            actions,
        );
    }

    /// A Sync to `destination`: two-step with a TX key, or one-step with `now` as origin.
    pub(super) fn send_sync(
        &mut self,
        destination: PtpDestination<A>,
        sequence_id: u16,
        log_interval: i8,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        let unicast = matches!(destination, PtpDestination::Unicast(_));
        let two_step = self.config.two_step;
        let origin = if two_step {
            PtpTimestamp::default()
        } else {
            self.to_wire(now).unwrap_or_default()
        };
        let body = MessageBody::Sync(origin);
        let mut header = self.header(&body, sequence_id);
        header.flags = PtpFlags::EMPTY
            .with(PtpFlags::TWO_STEP, two_step)
            .with(PtpFlags::UNICAST, unicast);
        header.log_message_interval = log_interval;
        let message = PtpMessage {
            header,
            body,
            tlvs: Vec::new(),
        };
        let purpose = two_step.then_some(TxPurpose::Sync {
            destination,
            sequence_id,
            log_interval,
        });
        self.send(&message, destination, purpose, now, actions);
    }

    /// The Follow_Up of the Sync `sequence_id` that left at `tx`.
    pub(super) fn send_follow_up(
        &mut self,
        destination: PtpDestination<A>,
        sequence_id: u16,
        log_interval: i8,
        tx: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        let Some(origin) = self.to_wire(tx) else {
            self.counters.missing_tx_timestamp += 1;
            return;
        };
        let body = MessageBody::FollowUp(origin);
        let mut header = self.header(&body, sequence_id);
        let unicast = matches!(destination, PtpDestination::Unicast(_));
        header.flags = PtpFlags::EMPTY.with(PtpFlags::UNICAST, unicast);
        header.log_message_interval = log_interval;
        let message = PtpMessage {
            header,
            body,
            tlvs: Vec::new(),
        };
        self.send(&message, destination, None, tx, actions);
    }

    /// A Delay_Req received at `rx` from `from`: answered while master, by unicast when the
    /// request was unicast, echoing its sequenceId and correction.
    pub(super) fn on_delay_req(
        &mut self,
        request: &PtpHeader,
        from: A,
        rx: Option<Timestamp>,
        actions: &mut Vec<PortAction<A>>,
    ) {
        if self.state != PortState::Master {
            return; // another slave's multicast request
        }
        let Some(t4) = rx else {
            self.counters.missing_rx_timestamp += 1;
            return;
        };
        let Some(receive) = self.to_wire(t4) else {
            return;
        };
        self.counters.delay_requests += 1;
        let unicast = request.flags.contains(PtpFlags::UNICAST);
        let body = MessageBody::DelayResp(TimestampForPort {
            timestamp: receive,
            requesting_port_identity: request.source_port_identity,
        });
        let mut header = self.header(&body, request.sequence_id);
        header.correction = request.correction;
        header.flags = PtpFlags::EMPTY.with(PtpFlags::UNICAST, unicast);
        header.log_message_interval = self.config.log_min_delay_req_interval;
        let message = PtpMessage {
            header,
            body,
            tlvs: Vec::new(),
        };
        let destination = if unicast {
            PtpDestination::Unicast(from)
        } else {
            PtpDestination::Multicast
        };
        self.send(&message, destination, None, t4, actions);
    }
}
