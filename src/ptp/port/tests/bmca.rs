//! Best master selection between ports in virtual time: priorities, failover after the
//! announce receipt timeout, the automatic role, passive, slave-only without masters.

use super::network::{Network, config, identity, start};
use crate::ptp::MessageBody;
use crate::ptp::port::{PortRole, PortState, StateChangeReason};
use crate::time::{Duration, Timestamp};

fn secs(secs: i64) -> Timestamp {
    start() + Duration::from_secs(secs)
}

fn master_only(network: &mut Network, address: u8, priority1: u8) {
    let mut master = config(address);
    master.role = PortRole::MasterOnly;
    master.priority1 = priority1;
    network.add(master, Duration::ZERO);
}

fn auto(network: &mut Network, address: u8, priority1: u8, offset: Duration) {
    let mut port = config(address);
    port.priority1 = priority1;
    network.add(port, offset);
}

#[test]
fn slave_follows_the_better_master_and_fails_over_when_it_goes_silent() {
    let mut network = Network::new(Duration::from_micros(10));
    master_only(&mut network, 1, 50);
    master_only(&mut network, 3, 100);
    let mut slave = config(2);
    slave.role = PortRole::SlaveOnly;
    let offset = Duration::from_micros(5);
    network.add(slave, offset);

    network.run_until(secs(30));
    let follower = network.node(2);
    assert_eq!(follower.port.state(), PortState::Slave);
    assert!(follower.samples.iter().all(|s| s.master == identity(1)));
    assert_eq!(follower.port.status().foreign_masters, 2);

    network.node_mut(1).muted = true;
    network.run_until(secs(60));
    let follower = network.node(2);
    assert_eq!(follower.port.state(), PortState::Slave);
    let failover = follower
        .transitions
        .iter()
        .position(|t| t.2 == StateChangeReason::AnnounceReceiptTimeout)
        .expect("a receipt timeout");
    assert_eq!(
        follower.transitions[failover..],
        [
            (
                PortState::Slave,
                PortState::Uncalibrated,
                StateChangeReason::AnnounceReceiptTimeout
            ),
            (
                PortState::Uncalibrated,
                PortState::Slave,
                StateChangeReason::MasterClockSelected
            ),
        ]
    );
    let first_from_3 = follower
        .samples
        .iter()
        .find(|s| s.master == identity(3))
        .expect("samples from the other master");
    // The last Announce left at 30 s; 3 intervals of 2 s plus up to one more, then a
    // Delay_Req (< 2 s) and a Sync (1 s).
    let switched = first_from_3.t2 - offset;
    assert!(switched >= secs(36) && switched <= secs(42), "{switched}");
    assert_eq!(first_from_3.offset, offset);
    let last = follower.samples.last().expect("samples");
    assert_eq!(last.master, identity(3));
    assert!(last.t2 - offset > secs(58));
}

#[test]
fn auto_port_with_the_better_default_data_set_becomes_master() {
    let mut network = Network::new(Duration::from_micros(25));
    let offset = Duration::from_micros(-3);
    auto(&mut network, 1, 100, Duration::ZERO);
    auto(&mut network, 2, 200, offset);
    network.run_until(secs(30));

    let better = network.node(1);
    assert_eq!(better.port.state(), PortState::Master);
    assert!(
        better
            .transitions
            .iter()
            .all(|t| t.1 != PortState::Uncalibrated),
        "{:?}",
        better.transitions
    );
    let worse = network.node(2);
    assert_eq!(worse.port.state(), PortState::Slave);
    let sample = worse.samples.last().expect("samples");
    assert_eq!(sample.master, identity(1));
    assert_eq!(sample.offset, offset);
}

#[test]
fn auto_ports_hand_over_when_the_master_goes_silent_and_back_when_it_returns() {
    let mut network = Network::new(Duration::from_micros(25));
    auto(&mut network, 1, 100, Duration::ZERO);
    auto(&mut network, 2, 200, Duration::from_micros(40));
    network.run_until(secs(30));
    assert_eq!(network.node(2).port.state(), PortState::Slave);

    network.node_mut(1).muted = true;
    network.run_until(secs(45));
    let deputy = network.node(2);
    assert_eq!(deputy.port.state(), PortState::Master);
    assert_eq!(
        deputy.transitions.last().map(|t| t.2),
        Some(StateChangeReason::AnnounceReceiptTimeout)
    );

    network.node_mut(1).muted = false;
    network.run_until(secs(70));
    assert_eq!(network.node(1).port.state(), PortState::Master);
    let deputy = network.node(2);
    assert_eq!(deputy.port.state(), PortState::Slave);
    assert_eq!(
        deputy.samples.last().map(|s| s.offset),
        Some(Duration::from_micros(40))
    );
}

#[test]
fn a_lone_auto_port_becomes_master_after_the_receipt_timeout() {
    let mut network = Network::new(Duration::from_micros(10));
    auto(&mut network, 1, 128, Duration::ZERO);
    network.run_until(secs(20));
    let node = network.node(1);
    assert_eq!(
        node.transitions,
        vec![
            (
                PortState::Initializing,
                PortState::Listening,
                StateChangeReason::Initialized
            ),
            (
                PortState::Listening,
                PortState::Master,
                StateChangeReason::AnnounceReceiptTimeout
            ),
        ]
    );
    let first_announce = network
        .sent_by(1)
        .into_iter()
        .find(|(_, m)| matches!(m.body, MessageBody::Announce(_)))
        .expect("Announces")
        .0
        .at;
    assert!(
        first_announce >= secs(6) && first_announce < secs(8),
        "{first_announce}"
    );
}

#[test]
fn a_slave_only_port_without_masters_keeps_listening_quietly() {
    let mut network = Network::new(Duration::from_micros(10));
    let mut slave = config(2);
    slave.role = PortRole::SlaveOnly;
    network.add(slave, Duration::ZERO);
    network.run_until(secs(120));
    let node = network.node(2);
    assert_eq!(node.port.state(), PortState::Listening);
    assert_eq!(node.transitions.len(), 1);
    assert!(network.log.is_empty(), "{:?}", network.log.first());
    assert_eq!(node.port.status().clock_class, 255);
}

#[test]
fn a_primary_reference_clock_goes_passive_before_a_better_one() {
    let mut network = Network::new(Duration::from_micros(10));
    auto(&mut network, 1, 100, Duration::ZERO);
    auto(&mut network, 2, 200, Duration::ZERO);
    for node in &mut network.nodes {
        node.port.set_local_clock(true);
    }
    network.run_until(secs(30));
    assert_eq!(network.node(1).port.state(), PortState::Master);
    let passive = network.node(2);
    assert_eq!(passive.port.state(), PortState::Passive);
    assert!(passive.samples.is_empty());
    assert_eq!(
        passive.port.status().parent.parent_port_identity,
        identity(1)
    );
    let silent_since = secs(20);
    assert!(
        network
            .log
            .iter()
            .all(|sent| sent.from != 2 || sent.at < silent_since),
        "a passive port sends nothing"
    );
}
