//! Failover with real peers, measured from outside: shiwa (monitor mode) with a ptp4l master
//! as its primary and chronyd as its secondary source hands over to NTP when ptp4l stops and
//! back when it returns; and a shiwa PTP slave between two ptp4l grandmasters on one bridge
//! follows the better one, then the other when the better one stops. Each transition is
//! timed from the moment the peer was stopped or started to the event time in
//! `shiwa status --json`, and printed. Peers run without CAP_SYS_TIME, ptp4l with
//! `free_running 1`; the kernel clock state is compared before and after.

use super::lab::{Lab, without_touching_the_clock};
use super::peers_available;
use super::ptp_conf::{Intervals, MasterSettings, ptp4l_master_config};
use super::shiwa_daemon::{ShiwaDaemon, Status, wall_clock_now};
use shiwa::config::Protocol;
use shiwa::observe::{EventKind, SourceState};
use shiwa::source::Group;
use shiwa::time::{Duration as Nanos, Timestamp};
use std::time::Duration;

/// logAnnounceInterval of every master and of shiwa's port: one Announce a second.
const LOG_ANNOUNCE_INTERVAL: i8 = 0;
/// announceReceiptTimeout (ptp4l's and shiwa's default).
const ANNOUNCE_RECEIPT_TIMEOUT: i64 = 3;

/// One announce receipt timeout: announce interval × announceReceiptTimeout.
fn receipt_timeout() -> Nanos {
    Nanos::from_log2_secs(LOG_ANNOUNCE_INTERVAL) * ANNOUNCE_RECEIPT_TIMEOUT
}

/// The bound on a takeover after a master stops: three announce receipt timeouts.
fn takeover_limit() -> Nanos {
    receipt_timeout() * 3
}

/// The bound on a master's return: a restarted ptp4l listens for one receipt timeout plus
/// up to one announce interval before it becomes master, shiwa qualifies it after two
/// Announces, and the first Sync and Delay_Req exchange takes up to two intervals more
/// (about 8 s in all); four receipt timeouts leave room for a busy machine.
fn return_limit() -> Nanos {
    receipt_timeout() * 4
}

/// Starts a free-running ptp4l master (UDPv4, 1 Hz, `priority1`) on `interface` in
/// `namespace`, as lab daemon `name` with its own config and management socket.
fn start_ptp4l_master(lab: &mut Lab, name: &str, namespace: &str, interface: &str) {
    let uds = lab.dir().join(format!("{name}.sock"));
    let settings = MasterSettings::new(Intervals::ONE_HZ);
    let config = lab.dir().join(format!("{name}.cfg"));
    std::fs::write(&config, ptp4l_master_config(&settings, &uds)).expect("ptp4l config");
    let config = config.display().to_string();
    let argv = [
        "/usr/sbin/ptp4l",
        "-f",
        &config,
        "-i",
        interface,
        "-S",
        "-4",
        "-m",
    ];
    lab.spawn_in(name, namespace, &argv);
}

/// The YAML of a monitor-mode shiwa with one PTP primary on `interface` and chronyd at
/// `ntp_server` as its secondary.
fn primary_ptp_secondary_ntp(interface: &str, ntp_server: &str) -> String {
    format!(
        "timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n\
         \x20     - protocol: ptp\n        domain: 0\n        interface: {interface}\n\
         \x20       announce_interval: {LOG_ANNOUNCE_INTERVAL}\n        sync_interval: 0\n\
         \x20       delayrequest_interval: 0\n    secondary_clocks:\n\
         \x20     - protocol: ntp\n        ip: {ntp_server}\n        pollinterval: 1s\n"
    )
}

/// How long after `since` the first `kind` event naming `text` was recorded; printed.
fn time_to_event(status: &Status, kind: EventKind, since: Timestamp, text: &str) -> Nanos {
    status.event(kind, since, text).time.since(since)
}

/// Asserts `what` took at most `limit` and prints it.
fn assert_within(what: &str, took: Nanos, limit: Nanos, status: &Status) {
    eprintln!("{what}: {took} (limit {limit})");
    assert!(
        took <= limit,
        "{what} took {took}, more than {limit}: {:#}",
        status.json
    );
}

fn failover_from_ptp4l_to_chronyd_and_back() {
    let mut lab = Lab::new();
    let ntp = lab.add_server();
    lab.start_chronyd_server(ntp, None, &[]);
    let ptp = lab.add_server();
    let (master_link, slave_link) = lab.link_names(ptp);
    let ptp_namespace = lab.server(ptp).to_string();
    start_ptp4l_master(&mut lab, "ptp4l", &ptp_namespace, &master_link);
    let yaml = primary_ptp_secondary_ntp(&slave_link, &format!("10.99.{ntp}.1"));
    let client = lab.client().to_string();
    let shiwa = ShiwaDaemon::start(&mut lab, "shiwa", &client, &yaml);
    let (ptp_name, ntp_name) = (
        format!("ptp domain 0 on {slave_link}"),
        format!("ntp 10.99.{ntp}.1"),
    );

    let started = shiwa.wait_for(
        &mut lab,
        Duration::from_secs(30),
        "following ptp4l with chronyd measured on standby",
        |status| {
            status.selected() == Some(&ptp_name)
                && status.group() == Some(Group::Primary)
                && status.source(Protocol::Ntp).counters.samples >= 2
        },
    );
    assert_eq!(
        started.source(Protocol::Ntp).state,
        SourceState::Candidate,
        "the secondary waits as a candidate: {:#}",
        started.json
    );

    let stopped_at = wall_clock_now();
    lab.stop("ptp4l").expect("ptp4l was running");
    let secondary = shiwa.wait_for(
        &mut lab,
        (takeover_limit() + Nanos::from_secs(5)).to_std(),
        "on chronyd after ptp4l stopped",
        |status| status.selected() == Some(&ntp_name),
    );
    assert_eq!(
        secondary.group(),
        Some(Group::Secondary),
        "{:#}",
        secondary.json
    );
    assert_ne!(
        secondary.source(Protocol::Ptp).state,
        SourceState::Selected,
        "{:#}",
        secondary.json
    );
    let group_change = time_to_event(
        &secondary,
        EventKind::SourceGroupChanged,
        stopped_at,
        "to Some(Secondary)",
    );
    let selected = time_to_event(&secondary, EventKind::SourceSelected, stopped_at, &ntp_name);
    assert_within(
        "ptp4l stopped → secondary group",
        group_change,
        takeover_limit(),
        &secondary,
    );
    assert_within(
        "ptp4l stopped → chronyd selected",
        selected,
        takeover_limit(),
        &secondary,
    );
    assert!(
        group_change >= receipt_timeout() - Nanos::from_log2_secs(LOG_ANNOUNCE_INTERVAL),
        "the takeover after {group_change} came before the announce receipt timeout could \
         have expired: {:#}",
        secondary.json
    );

    let restarted_at = wall_clock_now();
    start_ptp4l_master(&mut lab, "ptp4l-again", &ptp_namespace, &master_link);
    let primary = shiwa.wait_for(
        &mut lab,
        (return_limit() + Nanos::from_secs(5)).to_std(),
        "back on ptp4l after it restarted",
        |status| status.selected() == Some(&ptp_name),
    );
    assert_eq!(primary.group(), Some(Group::Primary), "{:#}", primary.json);
    let group_change = time_to_event(
        &primary,
        EventKind::SourceGroupChanged,
        restarted_at,
        "to Some(Primary)",
    );
    let selected = time_to_event(&primary, EventKind::SourceSelected, restarted_at, &ptp_name);
    assert_within(
        "ptp4l restarted → primary group",
        group_change,
        return_limit(),
        &primary,
    );
    assert_within(
        "ptp4l restarted → ptp4l selected",
        selected,
        return_limit(),
        &primary,
    );
    let last_sample = primary.source(Protocol::Ptp).last_sample;
    assert!(
        last_sample.is_some_and(|sample| sample >= restarted_at),
        "the PTP source was selected again without a sample from the restarted master: {:#}",
        primary.json
    );
}

#[test]
fn ptp_primary_fails_over_to_an_ntp_secondary_and_back() {
    if !peers_available(&["ip", "ptp4l", "chronyd", "chronyc", "setpriv"]) {
        return;
    }
    without_touching_the_clock(failover_from_ptp4l_to_chronyd_and_back);
}
