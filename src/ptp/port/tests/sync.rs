//! A master and a slave back to back: states, offset, path delay, asymmetry, timescale.

use super::network::{Network, config, identity};
use crate::net::ptp::PtpDestination;
use crate::ptp::port::{PortRole, PortState, PtpSample, StateChangeReason};
use crate::ptp::{MessageBody, PtpFlags, TimePropertiesFlags};
use crate::time::{Duration, Timestamp};

const MASTER: u8 = 1;
const SLAVE: u8 = 2;

/// A master-only port at true time and a slave-only port `slave_offset` ahead.
fn pair(slave_offset: Duration, base_delay: Duration) -> Network {
    let mut network = Network::new(base_delay);
    let mut master = config(MASTER);
    master.role = PortRole::MasterOnly;
    master.priority1 = 10;
    network.add(master, Duration::ZERO);
    let mut slave = config(SLAVE);
    slave.role = PortRole::SlaveOnly;
    network.add(slave, slave_offset);
    network
}

/// The slave's newest sample (the test fails when it has none).
fn last_slave_sample(network: &Network) -> PtpSample {
    network
        .node(SLAVE)
        .samples
        .last()
        .copied()
        .expect("the slave produced samples")
}

#[test]
fn slave_measures_its_offset_and_the_path_delay() {
    let offset = Duration::from_nanos(1_234_567);
    let mut network = pair(offset, Duration::from_micros(50));
    network.run_for(Duration::from_secs(30));

    let master = network.node(MASTER);
    assert_eq!(master.port.state(), PortState::Master);
    assert_eq!(
        master.transitions,
        vec![(
            PortState::Initializing,
            PortState::Master,
            StateChangeReason::RecommendedMaster
        )]
    );
    let slave = network.node(SLAVE);
    assert_eq!(slave.port.state(), PortState::Slave);
    let states: Vec<_> = slave.transitions.iter().map(|t| (t.1, t.2)).collect();
    assert_eq!(
        states,
        vec![
            (PortState::Listening, StateChangeReason::Initialized),
            (PortState::Uncalibrated, StateChangeReason::RecommendedSlave),
            (PortState::Slave, StateChangeReason::MasterClockSelected),
        ]
    );
    assert!(slave.samples.len() >= 20, "{} samples", slave.samples.len());
    for sample in &slave.samples {
        assert!(
            (sample.offset - offset).abs() <= Duration::from_nanos(1),
            "offset {} (want {offset})",
            sample.offset
        );
        assert_eq!(sample.mean_path_delay, Duration::from_micros(50));
        assert_eq!(sample.master, identity(MASTER));
        assert_eq!(sample.grandmaster, identity(MASTER).clock_identity);
        assert_eq!(sample.steps_removed, 1);
        assert_eq!(sample.t2 - sample.t1, offset + Duration::from_micros(50));
    }
    let status = slave.port.status();
    assert_eq!(status.parent.parent_port_identity, identity(MASTER));
    assert_eq!(status.current.steps_removed, 1);
    assert_eq!(status.last_sample, slave.samples.last().copied());
    assert_eq!(status.counters.samples, slave.samples.len() as u64);
    assert_eq!(status.counters.sequence_mismatch, 0);
    assert_eq!(status.counters.missing_tx_timestamp, 0);
}

#[test]
fn a_slave_behind_the_master_measures_a_negative_offset() {
    let offset = Duration::from_millis(-250);
    let mut network = pair(offset, Duration::from_micros(80));
    network.run_for(Duration::from_secs(20));
    let sample = last_slave_sample(&network);
    assert_eq!(sample.offset, offset);
    assert_eq!(sample.mean_path_delay, Duration::from_micros(80));
}

#[test]
fn asymmetry_shows_as_half_of_it_in_the_offset() {
    let offset = Duration::from_micros(3);
    let mut network = pair(offset, Duration::ZERO);
    network
        .delays
        .insert((MASTER, SLAVE), Duration::from_micros(60));
    network
        .delays
        .insert((SLAVE, MASTER), Duration::from_micros(40));
    network.run_for(Duration::from_secs(20));
    let sample = last_slave_sample(&network);
    assert_eq!(sample.mean_path_delay, Duration::from_micros(50));
    // Master → slave is 10 µs slower than the mean: the slave looks 10 µs further ahead.
    assert_eq!(sample.offset, offset + Duration::from_micros(10));
}

#[test]
fn master_serves_tai_on_the_ptp_timescale() {
    let mut network = pair(Duration::ZERO, Duration::from_micros(10));
    network.run_for(Duration::from_secs(5));
    let sent = network.sent_by(MASTER);
    let (_, announce) = sent
        .iter()
        .find(|(_, m)| matches!(m.body, MessageBody::Announce(_)))
        .expect("an Announce");
    let flags = announce.header.flags.time_properties();
    assert!(flags.has(TimePropertiesFlags::PTP_TIMESCALE));
    assert!(flags.has(TimePropertiesFlags::UTC_OFFSET_VALID));
    assert!(!flags.has(TimePropertiesFlags::TIME_TRACEABLE));
    let MessageBody::Announce(body) = announce.body else {
        unreachable!()
    };
    assert_eq!(body.current_utc_offset, 37);
    assert_eq!(body.grandmaster_clock_quality.clock_class, 248);

    let (sync_sent, sync) = sent
        .iter()
        .find(|(_, m)| matches!(m.body, MessageBody::Sync(_)))
        .expect("a Sync");
    assert!(sync.header.flags.contains(PtpFlags::TWO_STEP));
    assert_eq!(sync_sent.destination, PtpDestination::Multicast);
    let follow_up = sent
        .iter()
        .find_map(|(_, m)| match m.body {
            MessageBody::FollowUp(origin) if m.header.sequence_id == sync.header.sequence_id => {
                Some(origin)
            }
            _ => None,
        })
        .expect("its Follow_Up");
    let tai = follow_up.to_timestamp().expect("a valid timestamp");
    assert_eq!(tai - sync_sent.at, Duration::from_secs(37));
}

#[test]
fn arb_timescale_master_sends_utc_and_the_slave_takes_it_as_is() {
    let offset = Duration::from_micros(-42);
    let mut network = pair(offset, Duration::from_micros(10));
    network.nodes[0].port = {
        let mut master = config(MASTER);
        master.role = PortRole::MasterOnly;
        master.ptp_timescale = false;
        crate::ptp::port::Port::new(master, network.now)
    };
    network.run_for(Duration::from_secs(20));
    let announce = network
        .sent_by(MASTER)
        .into_iter()
        .find(|(_, m)| matches!(m.body, MessageBody::Announce(_)))
        .expect("an Announce")
        .1;
    assert_eq!(
        announce.header.flags.time_properties(),
        TimePropertiesFlags(0)
    );
    let sample = last_slave_sample(&network);
    assert_eq!(sample.offset, offset);
}

#[test]
fn grandmaster_class_follows_the_local_clock() {
    let mut network = pair(Duration::ZERO, Duration::from_micros(10));
    network.node_mut(MASTER).port.set_local_clock(true);
    network.run_for(Duration::from_secs(10));
    let status = network.node(SLAVE).port.status();
    assert_eq!(status.parent.grandmaster_clock_quality.clock_class, 6);
    let flags = status.time_properties.flags;
    assert!(flags.has(TimePropertiesFlags::TIME_TRACEABLE));
    assert!(flags.has(TimePropertiesFlags::FREQUENCY_TRACEABLE));
    assert_eq!(network.node(MASTER).port.status().clock_class, 6);
    assert_eq!(network.node(SLAVE).port.status().clock_class, 255);
}

#[test]
fn one_step_sync_carries_its_origin() {
    let offset = Duration::from_micros(7);
    let mut network = pair(offset, Duration::from_micros(20));
    network.nodes[0].port = {
        let mut master = config(MASTER);
        master.role = PortRole::MasterOnly;
        master.two_step = false;
        crate::ptp::port::Port::new(master, network.now)
    };
    network.run_for(Duration::from_secs(20));
    assert!(
        network
            .sent_by(MASTER)
            .iter()
            .all(|(_, m)| !matches!(m.body, MessageBody::FollowUp(_)))
    );
    let sample = last_slave_sample(&network);
    assert_eq!(sample.offset, offset);
    assert_eq!(sample.mean_path_delay, Duration::from_micros(20));
}

#[test]
fn first_sample_waits_for_a_path_delay() {
    let mut network = pair(Duration::ZERO, Duration::from_micros(10));
    network.run_for(Duration::from_secs(30));
    let slave = network.node(SLAVE);
    let first = slave.samples.first().expect("samples");
    let delay_resps = network
        .sent_by(MASTER)
        .into_iter()
        .filter(|(_, m)| matches!(m.body, MessageBody::DelayResp(_)))
        .map(|(sent, _)| sent.at)
        .collect::<Vec<Timestamp>>();
    let first_resp = delay_resps.first().copied().expect("a Delay_Resp");
    assert!(
        first.t2 > first_resp,
        "the first sample follows the first Delay_Resp"
    );
    assert_eq!(slave.port.status().current.offset_from_master.to_nanos(), 0);
}

#[test]
fn hybrid_mode_sends_delay_requests_by_unicast() {
    let offset = Duration::from_micros(2);
    let mut network = pair(offset, Duration::from_micros(10));
    network.nodes[1].port = {
        let mut slave = config(SLAVE);
        slave.role = PortRole::SlaveOnly;
        slave.hybrid_e2e = true;
        crate::ptp::port::Port::new(slave, network.now + offset)
    };
    network.run_for(Duration::from_secs(20));
    let requests: Vec<_> = network
        .sent_by(SLAVE)
        .into_iter()
        .filter(|(_, m)| matches!(m.body, MessageBody::DelayReq(_)))
        .collect();
    assert!(requests.len() >= 5);
    for (sent, message) in &requests {
        assert_eq!(sent.destination, PtpDestination::Unicast(MASTER));
        assert!(message.header.flags.contains(PtpFlags::UNICAST));
    }
    for (sent, message) in network.sent_by(MASTER) {
        let expected = match message.body {
            MessageBody::DelayResp(_) => PtpDestination::Unicast(SLAVE),
            _ => PtpDestination::Multicast,
        };
        assert_eq!(sent.destination, expected, "{message:?}");
    }
    let sample = last_slave_sample(&network);
    assert_eq!(sample.offset, offset);
}
