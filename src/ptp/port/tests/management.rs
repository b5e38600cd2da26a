//! Management GETs as `pmc` sends them, to a slave and a master in virtual time.

use super::network::{Network, config, identity, start};
use crate::net::ptp::{PtpDestination, PtpPort};
use crate::ptp::port::{PortRole, PortState};
use crate::ptp::{
    ClockIdentity, ManagementAction, ManagementBody, ManagementData, ManagementErrorId,
    ManagementId, ManagementTlv, MessageBody, PortIdentity, PtpHeader, PtpMessage, TimeInterval,
    TimePropertiesFlags, Tlv,
};
use crate::time::Duration;

const MASTER: u8 = 1;
const SLAVE: u8 = 2;
const PMC: u8 = 9;

fn synchronised() -> Network {
    let mut network = Network::new(Duration::from_micros(50));
    let mut master = config(MASTER);
    master.role = PortRole::MasterOnly;
    master.priority1 = 10;
    network.add(master, Duration::ZERO);
    let mut slave = config(SLAVE);
    slave.role = PortRole::SlaveOnly;
    network.add(slave, Duration::from_micros(-700));
    network.run_until(start() + Duration::from_secs(20));
    assert_eq!(network.node(SLAVE).port.state(), PortState::Slave);
    network
}

/// What `pmc` sends: a request with an empty data field to `target`.
fn request(
    action: ManagementAction,
    id: ManagementId,
    target: PortIdentity,
    sequence: u16,
) -> Vec<u8> {
    let body = MessageBody::Management(ManagementBody {
        target_port_identity: target,
        starting_boundary_hops: 1,
        boundary_hops: 1,
        action,
    });
    let pmc = PortIdentity::new(ClockIdentity([0x99; 8]), 0x4c9);
    PtpMessage {
        header: PtpHeader::new(body.message_type(), pmc, sequence),
        body,
        tlvs: vec![Tlv::Management(ManagementTlv::empty(id))],
    }
    .to_bytes()
}

/// Sends a request to `to` and returns its answer (sent by unicast to the requester).
fn ask(
    network: &mut Network,
    to: u8,
    action: ManagementAction,
    id: ManagementId,
    target: PortIdentity,
) -> Option<PtpMessage> {
    let before = network.log.len();
    network.inject(to, PMC, &request(action, id, target, 77), PtpPort::General);
    let replies: Vec<_> = network.log[before..].to_vec();
    assert!(replies.len() <= 1, "{replies:?}");
    let reply = replies.first()?;
    assert_eq!(
        (reply.from, reply.destination),
        (to, PtpDestination::Unicast(PMC))
    );
    let message = reply.message();
    assert_eq!(message.header.sequence_id, 77);
    let MessageBody::Management(body) = message.body else {
        panic!("{message:?}")
    };
    let expected = match action {
        ManagementAction::Command => ManagementAction::Acknowledge,
        _ => ManagementAction::Response,
    };
    assert_eq!(body.action, expected);
    Some(message)
}

fn data(message: &PtpMessage) -> &ManagementData {
    match message.tlvs.as_slice() {
        [Tlv::Management(tlv)] => &tlv.data,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_slave_answers_its_data_sets() {
    let mut network = synchronised();
    let all = PortIdentity::ALL;
    let get = ManagementAction::Get;

    let current = ask(
        &mut network,
        SLAVE,
        get,
        ManagementId::CURRENT_DATA_SET,
        all,
    )
    .expect("an answer");
    let ManagementData::CurrentDataSet(current) = *data(&current) else {
        panic!("{current:?}")
    };
    assert_eq!(current.steps_removed, 1);
    assert_eq!(
        current.offset_from_master,
        TimeInterval::from_nanos(-700_000)
    );
    assert_eq!(current.mean_path_delay, TimeInterval::from_nanos(50_000));

    let parent =
        ask(&mut network, SLAVE, get, ManagementId::PARENT_DATA_SET, all).expect("an answer");
    let ManagementData::ParentDataSet(parent) = *data(&parent) else {
        panic!("{parent:?}")
    };
    assert_eq!(parent.parent_port_identity, identity(MASTER));
    assert_eq!(parent.grandmaster_identity, identity(MASTER).clock_identity);
    assert_eq!(parent.grandmaster_priority1, 10);

    let time = ask(
        &mut network,
        SLAVE,
        get,
        ManagementId::TIME_PROPERTIES_DATA_SET,
        identity(SLAVE),
    )
    .expect("an answer");
    let ManagementData::TimePropertiesDataSet(time) = *data(&time) else {
        panic!("{time:?}")
    };
    assert_eq!(time.current_utc_offset, 37);
    assert!(time.flags.has(TimePropertiesFlags::PTP_TIMESCALE));
    assert_eq!(network.node(SLAVE).port.counters().management, 3);
}

#[test]
fn a_master_reports_itself_as_parent() {
    let mut network = synchronised();
    let parent = ask(
        &mut network,
        MASTER,
        ManagementAction::Get,
        ManagementId::PARENT_DATA_SET,
        PortIdentity::ALL,
    )
    .expect("an answer");
    let ManagementData::ParentDataSet(parent) = *data(&parent) else {
        panic!("{parent:?}")
    };
    assert_eq!(
        parent.parent_port_identity,
        PortIdentity::new(identity(MASTER).clock_identity, 0)
    );
    assert_eq!(parent.grandmaster_clock_quality.clock_class, 248);
    assert_eq!(parent.observed_parent_clock_phase_change_rate, 0x7fff_ffff);
}

#[test]
fn other_requests_are_not_supported() {
    let mut network = synchronised();
    let all = PortIdentity::ALL;
    for (action, id) in [
        (ManagementAction::Get, ManagementId::DEFAULT_DATA_SET),
        (ManagementAction::Set, ManagementId::CURRENT_DATA_SET),
        (ManagementAction::Command, ManagementId::NULL_MANAGEMENT),
    ] {
        let answer = ask(&mut network, SLAVE, action, id, all);
        let answer = answer.expect("an answer");
        match answer.tlvs.as_slice() {
            [Tlv::ManagementErrorStatus(status)] => {
                assert_eq!(status.error, ManagementErrorId::NOT_SUPPORTED);
                assert_eq!(status.management_id, id);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn requests_for_another_clock_are_not_answered() {
    let mut network = synchronised();
    let elsewhere = PortIdentity::new(ClockIdentity([0x42; 8]), 1);
    let answer = ask(
        &mut network,
        SLAVE,
        ManagementAction::Get,
        ManagementId::CURRENT_DATA_SET,
        elsewhere,
    );
    assert!(answer.is_none());
    let other_port = PortIdentity::new(identity(SLAVE).clock_identity, 2);
    let answer = ask(
        &mut network,
        SLAVE,
        ManagementAction::Get,
        ManagementId::CURRENT_DATA_SET,
        other_port,
    );
    assert!(answer.is_none());
    assert_eq!(network.node(SLAVE).port.counters().management, 0);
}
