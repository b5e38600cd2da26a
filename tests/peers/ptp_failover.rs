//! Failover with real peers, measured from outside: shiwa (monitor mode) with a ptp4l master
//! as its primary and chronyd as its secondary source hands over to NTP when ptp4l stops and
//! back when it returns; and a shiwa PTP slave between two ptp4l grandmasters on one bridge
//! follows the better one, then the other when the better one stops. Each transition is
//! timed from the moment the peer was stopped or started to the event time in
//! `shiwa status --json`, and printed. Peers run without CAP_SYS_TIME, ptp4l with
//! `free_running 1`; the kernel clock state is compared before and after.

#![expect(
    clippy::disallowed_methods,
    reason = "tests wait for real processes with real time"
)]

use super::lab::{Lab, without_touching_the_clock};
use super::peers_available;
use super::ptp_conf::{Intervals, MasterSettings, ptp4l_master_config};
use super::ptp_lab::{PtpDaemon, PtpLab};
use super::shiwa_daemon::{ShiwaDaemon, Status, wall_clock_now};
use shiwa::config::Protocol;
use shiwa::observe::{EventKind, SourceState};
use shiwa::source::Group;
use shiwa::time::{Duration as Nanos, Timestamp};
use std::path::PathBuf;
use std::time::{Duration, Instant};

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

/// Starts a free-running ptp4l master (UDPv4, 1 Hz, `priority1`, plus `extra` config
/// lines) on `interface` in `namespace`, as lab daemon `name` with its own config and
/// management socket; returns the socket's path.
fn start_ptp4l_master(
    lab: &mut Lab,
    name: &str,
    (namespace, interface): (&str, &str),
    priority1: u8,
    extra: &str,
) -> PathBuf {
    let uds = lab.dir().join(format!("{name}.sock"));
    let settings = MasterSettings {
        priority1,
        ..MasterSettings::new(Intervals::ONE_HZ)
    };
    let config = lab.dir().join(format!("{name}.cfg"));
    let text = ptp4l_master_config(&settings, &uds) + extra;
    std::fs::write(&config, text).expect("ptp4l config");
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
    uds
}

/// The YAML of a monitor-mode shiwa with one PTP primary on `interface` and chronyd at
/// `ntp_server` as its secondary.
fn primary_ptp_secondary_ntp(interface: &str, ntp_server: &str) -> String {
    format!(
        "{}    secondary_clocks:\n      - protocol: ntp\n        ip: {ntp_server}\n\
         \x20       pollinterval: 1s\n",
        primary_ptp(interface)
    )
}

/// The YAML of a monitor-mode shiwa with one PTP primary on `interface`, domain 0, 1 Hz.
fn primary_ptp(interface: &str) -> String {
    format!(
        "timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n\
         \x20     - protocol: ptp\n        domain: 0\n        interface: {interface}\n\
         \x20       announce_interval: {LOG_ANNOUNCE_INTERVAL}\n        sync_interval: 0\n\
         \x20       delayrequest_interval: 0\n"
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

/// The lab of the failover test: chronyd on link 1, ptp4l on link 2, shiwa in the client.
struct FailoverLab {
    lab: Lab,
    shiwa: ShiwaDaemon,
    /// ptp4l's namespace and interface.
    ptp_master: (String, String),
    /// The names shiwa gives its PTP and NTP sources.
    ptp_name: String,
    ntp_name: String,
}

impl FailoverLab {
    fn new() -> FailoverLab {
        let mut lab = Lab::new();
        let ntp = lab.add_server();
        lab.start_chronyd_server(ntp, None, &[]);
        let ptp = lab.add_server();
        let (master_link, slave_link) = lab.link_names(ptp);
        let ptp_master = (lab.server(ptp).to_string(), master_link);
        start_ptp4l_master(&mut lab, "ptp4l", (&ptp_master.0, &ptp_master.1), 10, "");
        let yaml = primary_ptp_secondary_ntp(&slave_link, &format!("10.99.{ntp}.1"));
        let client = lab.client().to_string();
        let shiwa = ShiwaDaemon::start(&mut lab, "shiwa", &client, &yaml);
        FailoverLab {
            lab,
            shiwa,
            ptp_master,
            ptp_name: format!("ptp domain 0 on {slave_link}"),
            ntp_name: format!("ntp 10.99.{ntp}.1"),
        }
    }

    /// Waits until the PTP primary is selected and chronyd measured on standby.
    fn wait_for_primary_with_secondary_on_standby(&mut self) {
        let ptp_name = self.ptp_name.clone();
        let started = self.shiwa.wait_for(
            &mut self.lab,
            Duration::from_secs(30),
            "following ptp4l with chronyd measured on standby",
            |status| {
                status.selected() == Some(&ptp_name)
                    && status.group() == Some(Group::Primary)
                    && status.source(Protocol::Ntp).counters.samples >= 2
            },
        );
        let standby = started.source(Protocol::Ntp);
        assert_eq!(standby.state, SourceState::Candidate, "{:#}", started.json);
    }

    /// Stops ptp4l; asserts chronyd takes over within three announce receipt timeouts (and
    /// not before one could have expired), shown in the status's clock and events.
    fn stop_ptp4l_and_assert_the_secondary_takes_over(&mut self) {
        let stopped_at = wall_clock_now();
        self.lab.stop("ptp4l").expect("ptp4l was running");
        let ntp_name = self.ntp_name.clone();
        let wait = (takeover_limit() + Nanos::from_secs(5)).to_std();
        let secondary = self.shiwa.wait_for(
            &mut self.lab,
            wait,
            "on chronyd after ptp4l stopped",
            |status| status.selected() == Some(&ntp_name),
        );
        assert_eq!(
            secondary.group(),
            Some(Group::Secondary),
            "{:#}",
            secondary.json
        );
        let ptp_state = secondary.source(Protocol::Ptp).state;
        assert_ne!(ptp_state, SourceState::Selected, "{:#}", secondary.json);
        let group = EventKind::SourceGroupChanged;
        let group_change = time_to_event(&secondary, group, stopped_at, "to Some(Secondary)");
        let selected = EventKind::SourceSelected;
        let selected = time_to_event(&secondary, selected, stopped_at, &self.ntp_name);
        let limit = takeover_limit();
        assert_within(
            "ptp4l stopped → secondary group",
            group_change,
            limit,
            &secondary,
        );
        assert_within(
            "ptp4l stopped → chronyd selected",
            selected,
            limit,
            &secondary,
        );
        assert!(
            group_change >= receipt_timeout() - Nanos::from_log2_secs(LOG_ANNOUNCE_INTERVAL),
            "the takeover after {group_change} came before the announce receipt timeout \
             could have expired: {:#}",
            secondary.json
        );
    }

    /// Starts ptp4l again; asserts the PTP primary is selected again, from a new sample,
    /// shown in the status's clock and events.
    fn restart_ptp4l_and_assert_the_primary_returns(&mut self) {
        let restarted_at = wall_clock_now();
        let (namespace, interface) = self.ptp_master.clone();
        start_ptp4l_master(
            &mut self.lab,
            "ptp4l-again",
            (&namespace, &interface),
            10,
            "",
        );
        let ptp_name = self.ptp_name.clone();
        let wait = (return_limit() + Nanos::from_secs(5)).to_std();
        let primary = self.shiwa.wait_for(
            &mut self.lab,
            wait,
            "back on ptp4l after it restarted",
            |status| status.selected() == Some(&ptp_name),
        );
        assert_eq!(primary.group(), Some(Group::Primary), "{:#}", primary.json);
        let group = EventKind::SourceGroupChanged;
        let group_change = time_to_event(&primary, group, restarted_at, "to Some(Primary)");
        let selected = EventKind::SourceSelected;
        let selected = time_to_event(&primary, selected, restarted_at, &self.ptp_name);
        let limit = return_limit();
        assert_within(
            "ptp4l restarted → primary group",
            group_change,
            limit,
            &primary,
        );
        assert_within(
            "ptp4l restarted → ptp4l selected",
            selected,
            limit,
            &primary,
        );
        let last_sample = primary.source(Protocol::Ptp).last_sample;
        assert!(
            last_sample.is_some_and(|sample| sample >= restarted_at),
            "the PTP source was selected again without a sample from the restarted master: \
             {:#}",
            primary.json
        );
    }
}

fn failover_from_ptp4l_to_chronyd_and_back() {
    let mut lab = FailoverLab::new();
    lab.wait_for_primary_with_secondary_on_standby();
    lab.stop_ptp4l_and_assert_the_secondary_takes_over();
    lab.restart_ptp4l_and_assert_the_primary_returns();
}

#[test]
fn ptp_primary_fails_over_to_an_ntp_secondary_and_back() {
    if !peers_available(&["ip", "ptp4l", "chronyd", "chronyc", "setpriv"]) {
        return;
    }
    without_touching_the_clock(failover_from_ptp4l_to_chronyd_and_back);
}

/// Both grandmasters announce all the time. A plain ptp4l master that hears a better one
/// becomes its slave and falls silent, so shiwa would see one master at a time and the
/// choice between them would be ptp4l's; `masterOnly` keeps both on the wire, and shiwa's
/// own BMCA has to choose.
const ALWAYS_MASTER: &str = "masterOnly 1\n";

/// A ptp4l grandmaster on the bridge and the identity it announces.
struct Grandmaster {
    daemon: PtpDaemon,
    clock_identity: String,
}

impl Grandmaster {
    /// Whether shiwa's PTP source follows this grandmaster: it is the grandmaster (refid)
    /// and its port 1 the parent.
    fn is_followed(&self, status: &Status) -> bool {
        let source = status.source(Protocol::Ptp);
        source.refid.as_deref() == Some(&self.clock_identity)
            && source.parent.as_deref() == Some(&format!("{}-1", self.clock_identity))
    }
}

/// Starts grandmaster `name` in member M with `priority1`; returns once it serves as
/// MASTER (after its first receipt timeout), with the identity its management socket gives.
fn start_grandmaster(lab: &mut PtpLab, name: &str, member: usize, priority1: u8) -> Grandmaster {
    let (namespace, interface) = (lab.member(member).to_string(), PtpLab::interface(member));
    let uds = start_ptp4l_master(
        lab.lab(),
        name,
        (&namespace, &interface),
        priority1,
        ALWAYS_MASTER,
    );
    let daemon = PtpDaemon {
        name: name.to_string(),
        member,
        domain: 0,
        log: lab.dir().join(format!("{name}.log")),
        uds,
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        lab.lab().assert_running(name);
        if daemon.uds.exists() {
            let answers = lab.pmc_uds(&daemon, &["GET PORT_DATA_SET", "GET DEFAULT_DATA_SET"]);
            let field = |id: &str, field: &str| {
                let answer = answers.iter().find(|answer| answer.id == id);
                answer.map(|answer| answer.field(field).to_string())
            };
            if field("PORT_DATA_SET", "portState").as_deref() == Some("MASTER") {
                let clock_identity = field("DEFAULT_DATA_SET", "clockIdentity")
                    .unwrap_or_else(|| panic!("{name}: no DEFAULT_DATA_SET in {answers:?}"));
                return Grandmaster {
                    daemon,
                    clock_identity,
                };
            }
        }
        assert!(Instant::now() < deadline, "{name}: not MASTER after 15 s");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Waits until shiwa follows `grandmaster` with the PTP source selected and a sample taken
/// from it after it was followed; returns the time to the first status naming it, measured
/// from `since`.
fn wait_to_follow(
    lab: &mut PtpLab,
    shiwa: &ShiwaDaemon,
    grandmaster: &Grandmaster,
    since: Instant,
    limit: Nanos,
) -> Duration {
    let what = format!("following {}", grandmaster.daemon.name);
    let wait = (limit + Nanos::from_secs(5)).to_std();
    shiwa.wait_for(lab.lab(), wait, &what, |status| {
        grandmaster.is_followed(status)
    });
    let (took, followed_at) = (since.elapsed(), wall_clock_now());
    let measured = shiwa.wait_for(lab.lab(), Duration::from_secs(10), &what, |status| {
        grandmaster.is_followed(status)
            && status.selected() == Some(&status.source(Protocol::Ptp).name)
            && status.source(Protocol::Ptp).last_sample >= Some(followed_at)
    });
    let took = Nanos::from_std(took);
    assert_within(&what, took, limit, &measured);
    took.to_std()
}

fn shiwa_follows_the_better_of_two_grandmasters_then_the_other() {
    let mut lab = PtpLab::new(3);
    let better = start_grandmaster(&mut lab, "ptp4l-better", 1, 10);
    let other = start_grandmaster(&mut lab, "ptp4l-other", 2, 20);
    let namespace = lab.member(3).to_string();
    let yaml = primary_ptp(&PtpLab::interface(3));
    let started = Instant::now();
    let shiwa = ShiwaDaemon::start(lab.lab(), "shiwa", &namespace, &yaml);
    wait_to_follow(&mut lab, &shiwa, &better, started, return_limit());
    // Both keep announcing: shiwa stays with the better one.
    std::thread::sleep(receipt_timeout().to_std());
    let settled = shiwa.status();
    assert!(
        better.is_followed(&settled),
        "shiwa left the better grandmaster while it still announced: {:#}",
        settled.json
    );

    let stopped = Instant::now();
    lab.lab().stop(&better.daemon.name).expect("it was running");
    let took = wait_to_follow(&mut lab, &shiwa, &other, stopped, takeover_limit());
    let earliest = receipt_timeout() - Nanos::from_log2_secs(LOG_ANNOUNCE_INTERVAL);
    assert!(
        took >= earliest.to_std(),
        "shiwa left the stopped grandmaster after {took:?}, before its announce receipt \
         timeout could have expired"
    );

    let restarted = Instant::now();
    let again = start_grandmaster(&mut lab, "ptp4l-better-again", 1, 10);
    assert_eq!(again.clock_identity, better.clock_identity);
    wait_to_follow(&mut lab, &shiwa, &again, restarted, return_limit());
}

#[test]
fn shiwa_follows_the_better_of_two_ptp4l_grandmasters_and_fails_over_to_the_other() {
    if !peers_available(&["ip", "ptp4l", "pmc", "setpriv"]) {
        return;
    }
    without_touching_the_clock(shiwa_follows_the_better_of_two_grandmasters_then_the_other);
}
