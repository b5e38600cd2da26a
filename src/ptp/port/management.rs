//! Management (IEEE 1588-2008 §15): GET of CURRENT_DATA_SET, PARENT_DATA_SET and
//! TIME_PROPERTIES_DATA_SET answered from the port's state, as `pmc` reads ptp4l; any
//! other request (another managementId, SET, COMMAND) gets MANAGEMENT_ERROR_STATUS
//! NOT_SUPPORTED. Answers go by unicast to the requester.

use super::{Port, PortAction};
use crate::net::ptp::PtpDestination;
use crate::ptp::{
    CurrentDataSet, ManagementAction, ManagementData, ManagementErrorId, ManagementErrorStatus,
    ManagementId, ManagementTlv, MessageBody, ParentDataSet, PortIdentity, PtpMessage,
    TimeInterval, TimePropertiesDataSet, Tlv, management_reply,
};
use crate::time::Timestamp;
use std::fmt::Debug;
use std::hash::Hash;

impl<A: Copy + Eq + Hash + Debug> Port<A> {
    pub(super) fn on_management(
        &mut self,
        message: &PtpMessage,
        from: A,
        now: Timestamp,
        actions: &mut Vec<PortAction<A>>,
    ) {
        let MessageBody::Management(body) = message.body else {
            return;
        };
        let is_request = matches!(
            body.action,
            ManagementAction::Get | ManagementAction::Set | ManagementAction::Command
        );
        if !is_request || !self.is_addressed_to_me(body.target_port_identity) {
            return;
        }
        let Some(Tlv::Management(asked)) = message.tlvs.first() else {
            return;
        };
        self.counters.management += 1;
        let id = asked.management_id;
        let data = match (body.action, id) {
            (ManagementAction::Get, ManagementId::CURRENT_DATA_SET) => {
                Some(ManagementData::CurrentDataSet(self.current_data_set()))
            }
            (ManagementAction::Get, ManagementId::PARENT_DATA_SET) => {
                Some(ManagementData::ParentDataSet(self.parent_data_set()))
            }
            (ManagementAction::Get, ManagementId::TIME_PROPERTIES_DATA_SET) => Some(
                ManagementData::TimePropertiesDataSet(self.time_properties()),
            ),
            _ => None,
        };
        let tlv = match data {
            Some(data) => Tlv::Management(ManagementTlv {
                management_id: id,
                data,
            }),
            None => Tlv::ManagementErrorStatus(ManagementErrorStatus::new(
                ManagementErrorId::NOT_SUPPORTED,
                id,
            )),
        };
        let Some(reply) = management_reply(message, self.config.identity, tlv) else {
            return;
        };
        self.send(&reply, PtpDestination::Unicast(from), None, now, actions);
    }

    /// currentDS: stepsRemoved and the latest offset and delay while following.
    pub(super) fn current_data_set(&self) -> CurrentDataSet {
        let Some(parent) = self.parent.filter(|_| self.is_following()) else {
            return CurrentDataSet::default();
        };
        let offset = self.slave.last_sample.map(|sample| sample.offset);
        CurrentDataSet {
            steps_removed: parent.announce.steps_removed.saturating_add(1),
            offset_from_master: offset.map_or(TimeInterval::ZERO, TimeInterval::from_duration),
            mean_path_delay: self
                .slave
                .mean_path_delay()
                .map_or(TimeInterval::ZERO, TimeInterval::from_duration),
        }
    }

    /// parentDS: the parent and its grandmaster, or this clock (port 0) when it has none.
    pub(super) fn parent_data_set(&self) -> ParentDataSet {
        let unknown = ParentDataSet {
            parent_stats: false,
            observed_parent_offset_scaled_log_variance: 0xffff,
            observed_parent_clock_phase_change_rate: 0x7fff_ffff,
            ..ParentDataSet::default()
        };
        match self.parent {
            Some(parent) => ParentDataSet {
                parent_port_identity: parent.identity(),
                grandmaster_priority1: parent.announce.grandmaster_priority1,
                grandmaster_clock_quality: parent.announce.grandmaster_clock_quality,
                grandmaster_priority2: parent.announce.grandmaster_priority2,
                grandmaster_identity: parent.announce.grandmaster_identity,
                ..unknown
            },
            None => ParentDataSet {
                parent_port_identity: PortIdentity::new(self.config.identity.clock_identity, 0),
                grandmaster_priority1: self.config.priority1,
                grandmaster_clock_quality: self.clock_quality(),
                grandmaster_priority2: self.config.priority2,
                grandmaster_identity: self.config.identity.clock_identity,
                ..unknown
            },
        }
    }

    /// timePropertiesDS: the parent's as announced, or this clock's own.
    pub(super) fn time_properties(&self) -> TimePropertiesDataSet {
        match self.parent {
            Some(parent) => TimePropertiesDataSet {
                current_utc_offset: parent.announce.current_utc_offset,
                flags: parent.header.flags.time_properties(),
                time_source: parent.announce.time_source,
            },
            None => self.own_time_properties(),
        }
    }
}
