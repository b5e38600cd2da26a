//! A PTP lab: a "switch" namespace holding a Linux bridge, and member namespaces joined to it
//! by veth pairs (`ethM` in member M with address `10.99.50.M/24`, `swM` on the bridge), so
//! one master serves several slaves at once over UDPv4 or L2. Built on [`Lab`]: the same
//! one-lab-at-a-time turn, private directory, daemons without CAP_SYS_TIME, clean-up on drop.
//!
//! The bridge is set up so that software timestamps stay honest:
//! - promiscuous: the bridge then forwards a clone of each frame and passes the original up
//!   its own stack. Forwarding the original unicast frame would carry the sender's socket to
//!   the egress veth, which timestamps it again: a second TX timestamp, 10–15 µs late, lands in
//!   the sender's error queue and ptp4l faults ("unexpected socket error").
//! - `bridge-nf-call-*` off in the switch namespace: bridged IPv4 skips its iptables hooks
//!   (measured: one-way delay 20 µs with spikes past 100 µs with them, 14 µs without).
//! - multicast snooping off: PTP multicast reaches every port whatever IGMP says.
//!
//! All namespaces share one CLOCK_REALTIME: the true offset between any two members is 0, so
//! every offset measured is measurement error (../shared/PEERS.md).

#![allow(
    dead_code,
    reason = "helpers for these tests and the shiwa PTP tests to come"
)]
#![expect(
    clippy::disallowed_methods,
    reason = "the lab waits for real processes in real time"
)]

use super::lab::{Lab, run};
use shiwa::clock::{KernelStatus, SystemClock};
use shiwa::time::{Duration as Nanos, Ppb};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The members' subnet: member M is `10.99.50.M/24`.
pub const SUBNET: &str = "10.99.50";

/// How long a slave may take to print its first `master offset` line (2–9 s when idle).
const FIRST_LINE_LIMIT: Duration = Duration::from_secs(20);

/// Turns off the bridge netfilter hooks in the switch namespace (when `br_netfilter` exists).
const BRIDGE_NETFILTER_OFF: &str = "for f in /proc/sys/net/bridge/bridge-nf-call-*; do \
     if [ -e \"$f\" ]; then echo 0 > \"$f\"; fi; done";

/// What serves PTP as the master. Tests take it as an argument, so that a shiwa grandmaster
/// runs through the same test bodies once it exists: one more variant, handled in
/// [`PtpLab::start_master`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MasterKind {
    /// linuxptp's ptp4l, free-running.
    Ptp4l,
}

/// The PTP transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    /// UDP over IPv4, ports 319/320, multicast 224.0.1.129.
    UdpV4,
    /// Ethernet (ethertype 0x88F7), multicast 01:1B:19:00:00:00.
    L2,
}

impl Transport {
    /// The ptp4l and pmc command-line flag.
    pub fn flag(self) -> &'static str {
        match self {
            Transport::UdpV4 => "-4",
            Transport::L2 => "-2",
        }
    }

    /// The keyword of a `[unicast_master_table]` entry.
    pub fn table_keyword(self) -> &'static str {
        match self {
            Transport::UdpV4 => "UDPv4",
            Transport::L2 => "L2",
        }
    }
}

/// Message intervals, log2 seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Intervals {
    /// `logSyncInterval`.
    pub sync: i8,
    /// `logAnnounceInterval`.
    pub announce: i8,
    /// `logMinDelayReqInterval`.
    pub delay_req: i8,
}

impl Intervals {
    /// Sync, Announce and Delay_Req intervals, log2 seconds.
    pub const fn new(sync: i8, announce: i8, delay_req: i8) -> Intervals {
        Intervals {
            sync,
            announce,
            delay_req,
        }
    }

    /// Sync, Delay_Req and Announce once a second.
    pub const ONE_HZ: Intervals = Intervals::new(0, 0, 0);
    /// Sync and Delay_Req 8 times a second, Announce once a second.
    pub const EIGHT_HZ: Intervals = Intervals::new(-3, 0, -3);
    /// 8 Hz with Announce 4 times a second: the master takes over in under a second and the
    /// slaves print their first offset about 2.5 s after start, which keeps tests short.
    pub const QUICK: Intervals = Intervals::new(-3, -2, -3);
}

/// How a master serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MasterMode {
    /// Multicast Sync and Announce; Delay_Resp by multicast.
    Multicast,
    /// Multicast, and unicast Delay_Resp to unicast Delay_Req (`hybrid_e2e 1`).
    Hybrid,
    /// Unicast only, to clients that negotiate it (`unicast_listen 1`,
    /// `inhibit_multicast_service 1`).
    UnicastOnly,
}

/// How a slave listens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlaveMode {
    /// Multicast Sync, multicast Delay_Req.
    Multicast,
    /// Multicast Sync, Delay_Req by unicast to the master (`hybrid_e2e 1`).
    Hybrid,
    /// Unicast negotiation with the master at this address (`[unicast_master_table]`; an
    /// IPv4 address for UDPv4, a MAC for L2).
    Unicast {
        /// The master's protocol address.
        master: String,
    },
}

/// A master's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MasterSettings {
    /// `priority1`.
    pub priority1: u8,
    /// `domainNumber`.
    pub domain: u8,
    /// Message intervals.
    pub intervals: Intervals,
    /// Multicast, hybrid or unicast.
    pub mode: MasterMode,
}

impl MasterSettings {
    /// A multicast master in domain 0 with `priority1 10`.
    pub fn new(intervals: Intervals) -> MasterSettings {
        MasterSettings {
            priority1: 10,
            domain: 0,
            intervals,
            mode: MasterMode::Multicast,
        }
    }
}

/// A slave's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlaveSettings {
    /// `domainNumber`.
    pub domain: u8,
    /// Message intervals: the master's (a unicast client requests these).
    pub intervals: Intervals,
    /// Multicast, hybrid or unicast.
    pub mode: SlaveMode,
}

impl SlaveSettings {
    /// A multicast slave in domain 0.
    pub fn new(intervals: Intervals) -> SlaveSettings {
        SlaveSettings {
            domain: 0,
            intervals,
            mode: SlaveMode::Multicast,
        }
    }
}

/// The `[global]` lines every ptp4l here shares: software timestamps, never writing the clock
/// (`free_running 1` on master and slave alike, `kernel_leap 0`), its own UDS path.
fn common_lines(domain: u8, intervals: Intervals, uds: &Path) -> String {
    format!(
        "[global]\ndomainNumber {domain}\ntime_stamping software\nfree_running 1\n\
         kernel_leap 0\ntx_timestamp_timeout 50\nlogSyncInterval {}\nlogAnnounceInterval {}\n\
         logMinDelayReqInterval {}\nuse_syslog 0\nuds_address {}\n",
        intervals.sync,
        intervals.announce,
        intervals.delay_req,
        uds.display()
    )
}

/// A ptp4l master's configuration file.
pub fn ptp4l_master_config(settings: &MasterSettings, uds: &Path) -> String {
    let mut config = common_lines(settings.domain, settings.intervals, uds);
    config.push_str(&format!("priority1 {}\n", settings.priority1));
    config.push_str(match settings.mode {
        MasterMode::Multicast => "",
        MasterMode::Hybrid => "hybrid_e2e 1\n",
        MasterMode::UnicastOnly => "unicast_listen 1\ninhibit_multicast_service 1\n",
    });
    config
}

/// A ptp4l slave's configuration file, for the port on `interface`.
///
/// A free-running ptp4l prints one `master offset` line per frequency estimate, at most one
/// a second (`freq_est_interval 0` is its minimum), carrying that moment's single
/// measurement. `summary_interval` at or below the sync interval makes it print each line
/// rather than an rms summary every 2^(summary − sync) lines (`0` at 1 Hz, `-3` at 8 Hz).
pub fn ptp4l_slave_config(
    settings: &SlaveSettings,
    transport: Transport,
    interface: &str,
    uds: &Path,
) -> String {
    let mut config = common_lines(settings.domain, settings.intervals, uds);
    config.push_str(&format!(
        "slaveOnly 1\npriority1 255\nsummary_interval {}\nfreq_est_interval 0\n",
        settings.intervals.sync.min(0)
    ));
    match &settings.mode {
        SlaveMode::Multicast => {}
        SlaveMode::Hybrid => config.push_str("hybrid_e2e 1\n"),
        SlaveMode::Unicast { master } => config.push_str(&format!(
            "\n[unicast_master_table]\ntable_id 1\nlogQueryInterval 0\n{} {master}\n\n\
             [{interface}]\nunicast_master_table 1\n",
            transport.table_keyword()
        )),
    }
    config
}

/// One `master offset` line of `ptp4l -m`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OffsetSample {
    /// Local − master, ns (ptp4l's sign, and shiwa's).
    pub offset_ns: i64,
    /// Servo state (`s0` unlocked, `s1` stepped, `s2` locked); a free-running slave stays at 0.
    pub servo_state: u8,
    /// Estimated frequency of the local clock against the master's, ppb.
    pub freq_ppb: i64,
    /// Mean path delay, ns.
    pub path_delay_ns: i64,
}

/// Parses `ptp4l[9929.505]: master offset -5385 s0 freq -5223 path delay 24100`.
pub fn parse_offset_line(line: &str) -> Option<OffsetSample> {
    let (_, rest) = line.split_once("master offset")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    match fields.as_slice() {
        [offset, state, "freq", freq, "path", "delay", delay] => Some(OffsetSample {
            offset_ns: offset.parse().ok()?,
            servo_state: state.strip_prefix('s')?.parse().ok()?,
            freq_ppb: freq.parse().ok()?,
            path_delay_ns: delay.parse().ok()?,
        }),
        _ => None,
    }
}

/// Every `master offset` line in a ptp4l log so far.
pub fn offsets_in(log: &Path) -> Vec<OffsetSample> {
    let text = std::fs::read(log).unwrap_or_default();
    String::from_utf8_lossy(&text)
        .lines()
        .filter_map(parse_offset_line)
        .collect()
}

/// The median (upper middle for an even count), or `None` for no values.
pub fn median(values: impl IntoIterator<Item = i64>) -> Option<i64> {
    let mut values: Vec<i64> = values.into_iter().collect();
    values.sort_unstable();
    values.get(values.len() / 2).copied()
}

/// One management response printed by pmc.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PmcResponse {
    /// The responding port, `clockIdentity-portNumber` (`22e999.fffe.28df38-1`).
    pub port_identity: String,
    /// The management ID (`CURRENT_DATA_SET`).
    pub id: String,
    /// Field name → value as printed (`stepsRemoved` → `1`).
    pub fields: BTreeMap<String, String>,
}

impl PmcResponse {
    /// A field's value; panics naming the response when it is missing.
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in pmc's {self:?}"))
    }

    /// The responding clock's identity (the port identity without `-port`).
    pub fn clock_identity(&self) -> &str {
        self.port_identity
            .rsplit_once('-')
            .map_or("", |(clock, _)| clock)
    }
}

/// Parses pmc's output: a `\t<port> seq N RESPONSE MANAGEMENT <ID>` line per response, then
/// one `\t\t<field> <value>` line per field. Anything else ends the current response.
pub fn parse_pmc(output: &str) -> Vec<PmcResponse> {
    let mut responses: Vec<PmcResponse> = Vec::new();
    let mut in_response = false;
    for line in output.lines() {
        if let Some(field) = line.strip_prefix("\t\t") {
            let mut words = field.split_whitespace();
            if let (true, Some(name), Some(last)) =
                (in_response, words.next(), responses.last_mut())
            {
                let value = words.collect::<Vec<_>>().join(" ");
                last.fields.insert(name.to_string(), value);
            }
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        in_response = matches!(words.as_slice(), [_, "seq", _, "RESPONSE", "MANAGEMENT", _]);
        if in_response {
            responses.push(PmcResponse {
                port_identity: words[0].to_string(),
                id: words[5].to_string(),
                fields: BTreeMap::new(),
            });
        }
    }
    responses
}

/// The parts of the kernel clock state that any write would change, read with modes = 0.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClockState {
    /// Frequency correction.
    pub frequency: Ppb,
    /// PLL offset still being slewed.
    pub offset: Nanos,
    /// Status bits.
    pub status: KernelStatus,
    /// Tick length.
    pub tick: Nanos,
    /// TAI − UTC.
    pub tai_offset: i32,
}

/// Reads the kernel clock state (`clock_adjtime` with modes = 0: a read).
pub fn read_clock_state() -> ClockState {
    let state = SystemClock::kernel_state().expect("clock_adjtime(CLOCK_REALTIME, modes = 0)");
    ClockState {
        frequency: state.frequency,
        offset: state.offset,
        status: state.status,
        tick: state.tick,
        tai_offset: state.tai_offset,
    }
}

/// Runs `body` and asserts that the kernel clock state is the same afterwards.
pub fn without_touching_the_clock(body: impl FnOnce()) {
    let before = read_clock_state();
    body();
    assert_eq!(
        before,
        read_clock_state(),
        "the kernel clock state changed during the test"
    );
}

/// A PTP daemon running in a member namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PtpDaemon {
    /// The lab's name for it (also its log's name).
    pub name: String,
    /// Its member number.
    pub member: usize,
    /// Its PTP domain.
    pub domain: u8,
    /// Its stdout and stderr (`-m` output for ptp4l).
    pub log: PathBuf,
    /// Its management socket (`uds_address`).
    pub uds: PathBuf,
}

/// The lab: switch, members, and the daemons in them.
pub struct PtpLab {
    lab: Lab,
    switch: String,
    members: Vec<String>,
    daemons: Vec<String>,
    pmc_runs: usize,
}

impl PtpLab {
    /// A bridge and `members` member namespaces on it (1 ≤ members ≤ 254). Needs root, `ip`.
    pub fn new(members: usize) -> PtpLab {
        assert!((1..=254).contains(&members), "{members} members: a /24");
        let mut lab = Lab::new();
        let switch = lab.add_namespace("sw");
        ip(&format!(
            "-n {switch} link add br0 type bridge mcast_snooping 0"
        ));
        run(
            "ip",
            &["netns", "exec", &switch, "sh", "-ec", BRIDGE_NETFILTER_OFF],
        );
        ip(&format!("-n {switch} link set br0 promisc on up"));
        let mut ptp_lab = PtpLab {
            lab,
            switch,
            members: Vec::new(),
            daemons: Vec::new(),
            pmc_runs: 0,
        };
        for member in 1..=members {
            let namespace = ptp_lab.lab.add_namespace(&format!("m{member}"));
            let (switch, interface) = (&ptp_lab.switch, PtpLab::interface(member));
            let address = PtpLab::address(member);
            ip(&format!(
                "-n {switch} link add sw{member} type veth peer name {interface} netns {namespace}"
            ));
            ip(&format!("-n {switch} link set sw{member} master br0 up"));
            ip(&format!(
                "-n {namespace} addr add {address}/24 dev {interface}"
            ));
            ip(&format!("-n {namespace} link set {interface} up"));
            ptp_lab.members.push(namespace);
        }
        ptp_lab
    }

    /// Member M's namespace.
    pub fn member(&self, member: usize) -> &str {
        &self.members[member - 1]
    }

    /// Member M's interface on the bridge.
    pub fn interface(member: usize) -> String {
        format!("eth{member}")
    }

    /// Member M's IPv4 address.
    pub fn address(member: usize) -> String {
        format!("{SUBNET}.{member}")
    }

    /// The private directory (configs, sockets, logs).
    pub fn dir(&self) -> &Path {
        self.lab.dir()
    }

    /// The underlying lab, to start other daemons in the members.
    pub fn lab(&mut self) -> &mut Lab {
        &mut self.lab
    }

    /// Starts a master of `kind` in member M. Returns once its management socket exists.
    pub fn start_master(
        &mut self,
        kind: MasterKind,
        member: usize,
        transport: Transport,
        settings: &MasterSettings,
    ) -> PtpDaemon {
        match kind {
            MasterKind::Ptp4l => self.start_ptp4l_master(member, transport, settings),
        }
    }

    /// Starts ptp4l as a master in member M. Returns once its management socket exists.
    pub fn start_ptp4l_master(
        &mut self,
        member: usize,
        transport: Transport,
        settings: &MasterSettings,
    ) -> PtpDaemon {
        let name = format!("ptp4l-master{member}");
        let uds = self.dir().join(format!("{name}.sock"));
        let config = ptp4l_master_config(settings, &uds);
        let daemon = self.spawn_ptp4l(&name, member, transport, settings.domain, &config);
        let deadline = Instant::now() + Duration::from_secs(5);
        while !daemon.uds.exists() {
            self.lab.assert_running(&name);
            assert!(
                Instant::now() < deadline,
                "{name}: no {} after 5 s",
                uds.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon
    }

    /// Starts ptp4l as a slave in member M (see [`ptp4l_slave_config`]).
    pub fn start_ptp4l_slave(
        &mut self,
        member: usize,
        transport: Transport,
        settings: &SlaveSettings,
    ) -> PtpDaemon {
        let name = format!("ptp4l-slave{member}");
        let uds = self.dir().join(format!("{name}.sock"));
        let config = ptp4l_slave_config(settings, transport, &PtpLab::interface(member), &uds);
        self.spawn_ptp4l(&name, member, transport, settings.domain, &config)
    }

    /// Writes `DIR/<name>.cfg` and starts `ptp4l -f it -i ethM -S -4|-2 -m` in member M,
    /// without CAP_SYS_TIME, its output to `DIR/<name>.log`.
    fn spawn_ptp4l(
        &mut self,
        name: &str,
        member: usize,
        transport: Transport,
        domain: u8,
        config: &str,
    ) -> PtpDaemon {
        let config_path = self.dir().join(format!("{name}.cfg"));
        std::fs::write(&config_path, config).expect("write the ptp4l config");
        let (config_arg, interface) =
            (config_path.display().to_string(), PtpLab::interface(member));
        let ptp4l = sbin("ptp4l");
        let argv = [
            ptp4l.as_str(),
            "-f",
            &config_arg,
            "-i",
            &interface,
            "-S",
            transport.flag(),
            "-m",
        ];
        let namespace = self.member(member).to_string();
        let log = self.lab.spawn_in(name, &namespace, &argv);
        self.daemons.push(name.to_string());
        let uds = self.dir().join(format!("{name}.sock"));
        PtpDaemon {
            name: name.to_string(),
            member,
            domain,
            log,
            uds,
        }
    }

    /// Panics with its log when any daemon this lab started has exited.
    pub fn assert_all_running(&mut self) {
        for name in &self.daemons {
            self.lab.assert_running(name);
        }
    }

    /// Waits until `daemon` has printed `count` `master offset` lines; returns them.
    pub fn wait_for_offsets(
        &mut self,
        daemon: &PtpDaemon,
        count: usize,
        limit: Duration,
    ) -> Vec<OffsetSample> {
        let deadline = Instant::now() + limit;
        loop {
            let samples = offsets_in(&daemon.log);
            if samples.len() >= count {
                return samples;
            }
            self.assert_all_running();
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(&daemon.log).unwrap_or_default();
                panic!(
                    "{}: {} of {count} offset lines after {limit:?}:\n{log}",
                    daemon.name,
                    samples.len()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for each slave's first `master offset` line, then records for `duration` while
    /// checking that every daemon keeps running. Returns each slave's lines so far, in order.
    pub fn record_offsets(
        &mut self,
        slaves: &[&PtpDaemon],
        duration: Duration,
    ) -> Vec<Vec<OffsetSample>> {
        for slave in slaves {
            self.wait_for_offsets(slave, 1, FIRST_LINE_LIMIT);
        }
        let end = Instant::now() + duration;
        loop {
            self.assert_all_running();
            let now = Instant::now();
            if now >= end {
                break;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(500)));
        }
        slaves.iter().map(|slave| offsets_in(&slave.log)).collect()
    }

    /// `pmc -u -b 0` against a daemon's management socket, from its member namespace.
    pub fn pmc_uds(&mut self, daemon: &PtpDaemon, queries: &[&str]) -> Vec<PmcResponse> {
        self.pmc_runs += 1;
        let client = self.dir().join(format!("pmc{}.sock", self.pmc_runs));
        let (server, client) = (
            daemon.uds.display().to_string(),
            client.display().to_string(),
        );
        let domain = daemon.domain.to_string();
        let args = ["-u", "-b", "0", "-d", &domain, "-s", &server, "-i", &client];
        self.run_pmc(daemon.member, &args, queries)
    }

    /// `pmc -4|-2 -i ethM -b 0` from member M: every PTP port on the bridge in `domain` answers.
    pub fn pmc_net(
        &mut self,
        member: usize,
        transport: Transport,
        domain: u8,
        queries: &[&str],
    ) -> Vec<PmcResponse> {
        let (interface, domain) = (PtpLab::interface(member), domain.to_string());
        let args = [transport.flag(), "-i", &interface, "-b", "0", "-d", &domain];
        self.run_pmc(member, &args, queries)
    }

    fn run_pmc(&self, member: usize, args: &[&str], queries: &[&str]) -> Vec<PmcResponse> {
        let pmc = sbin("pmc");
        let argv: Vec<&str> = [pmc.as_str()]
            .iter()
            .chain(args)
            .chain(queries)
            .copied()
            .collect();
        let output = self.lab.run_in(self.member(member), &argv);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{argv:?} failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        parse_pmc(&stdout)
    }
}

/// Runs `ip` with these space-separated arguments; panics when it fails.
fn ip(arguments: &str) {
    run("ip", &arguments.split_whitespace().collect::<Vec<_>>());
}

/// `/usr/sbin/<tool>` when it is there (root's PATH has it, others' may not), else `<tool>`.
fn sbin(tool: &str) -> String {
    let path = Path::new("/usr/sbin").join(tool);
    if path.is_file() {
        path.display().to_string()
    } else {
        tool.to_string()
    }
}
