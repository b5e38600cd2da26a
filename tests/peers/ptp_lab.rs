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
    reason = "helpers shared by the PTP peer tests; not every test uses every one"
)]
#![expect(
    clippy::disallowed_methods,
    reason = "the lab waits for real processes in real time"
)]

use super::lab::{Lab, run};
use super::ptp_conf::{
    MasterKind, MasterSettings, OffsetSample, PmcResponse, SlaveSettings, Transport,
    clock_identity_of_mac, offsets_in, parse_pmc, ptp4l_master_config, ptp4l_slave_config,
    shiwa_master_config,
};
use super::shiwa_daemon::spawn_sync;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The members' subnet: member M is `10.99.50.M/24`.
pub const SUBNET: &str = "10.99.50";

/// How long a slave may take to print its first `master offset` line (2–9 s when idle).
const FIRST_LINE_LIMIT: Duration = Duration::from_secs(20);

/// Turns off the bridge netfilter hooks in the switch namespace (when `br_netfilter` exists).
const BRIDGE_NETFILTER_OFF: &str = "for f in /proc/sys/net/bridge/bridge-nf-call-*; do \
     if [ -e \"$f\" ]; then echo 0 > \"$f\"; fi; done";

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
    /// Its management socket (ptp4l's `uds_address`), or shiwa's observation socket.
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
            MasterKind::Shiwa => self.start_shiwa_master(member, transport, settings),
        }
    }

    /// Starts `shiwa sync --monitor` as grandmaster in member M (see [`shiwa_master_config`]),
    /// without CAP_SYS_TIME, its log to `DIR/shiwa-master<M>.log`. The daemon's `uds` is its
    /// observation socket; it returns once that exists.
    pub fn start_shiwa_master(
        &mut self,
        member: usize,
        transport: Transport,
        settings: &MasterSettings,
    ) -> PtpDaemon {
        let name = format!("shiwa-master{member}");
        let config = self.dir().join(format!("{name}.yml"));
        let yaml = shiwa_master_config(settings, transport, &PtpLab::interface(member));
        std::fs::write(&config, yaml).expect("write the shiwa config");
        let namespace = self.member(member).to_string();
        let (uds, log) = spawn_sync(&mut self.lab, &name, &namespace, &config, "info");
        self.daemons.push(name.clone());
        PtpDaemon {
            name,
            member,
            domain: settings.domain,
            log,
            uds,
        }
    }

    /// Waits up to 5 s for a daemon's socket to appear, panicking if it exits first.
    fn wait_for_socket(&mut self, daemon: &PtpDaemon) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !daemon.uds.exists() {
            self.lab.assert_running(&daemon.name);
            assert!(
                Instant::now() < deadline,
                "{}: no {} after 5 s",
                daemon.name,
                daemon.uds.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Member M's PTP clock identity as pmc prints it (see [`clock_identity_of_mac`]).
    pub fn clock_identity(&self, member: usize) -> String {
        let interface = PtpLab::interface(member);
        let output = self.lab.run_in(
            self.member(member),
            &["ip", "-br", "link", "show", &interface],
        );
        let text = String::from_utf8_lossy(&output.stdout);
        let mac = text.split_whitespace().nth(2).unwrap_or_default();
        clock_identity_of_mac(mac).unwrap_or_else(|| panic!("no MAC address in `{text}`"))
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
        self.wait_for_socket(&daemon);
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
