//! shiwa against ptp4l (linuxptp), in namespaces over veth with software timestamps: shiwa as
//! a slave of a ptp4l master, and a ptp4l slave of shiwa as grandmaster started from the
//! integration guide's config with only the interface changed. UDPv4 and L2. Both sides run
//! without CAP_SYS_TIME, ptp4l with `free_running 1`, shiwa in monitor mode; the kernel
//! clock state is compared before and after.

#![expect(
    clippy::disallowed_methods,
    reason = "tests wait for real processes with real time"
)]

use super::lab::{Lab, without_touching_the_clock};
use super::peers_available;
use super::shiwa_daemon::spawn_sync;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long offsets are collected once the first one arrived.
const COLLECT: Duration = Duration::from_secs(20);
/// Bound on |median offset| (the figure).
const MEDIAN_BOUND_NS: i64 = 5_000;

#[derive(Clone, Copy, PartialEq)]
enum Wire {
    UdpV4,
    L2,
}

impl Wire {
    fn ptp4l_flag(self) -> &'static str {
        match self {
            Wire::UdpV4 => "-4",
            Wire::L2 => "-2",
        }
    }
}

/// Writes a ptp4l config into the lab directory (`[global]` lines; see PEERS.md).
fn ptp4l_config(lab: &Lab, name: &str, lines: &[&str]) -> PathBuf {
    let path = lab.dir().join(format!("{name}.cfg"));
    let uds = lab.dir().join(format!("{name}.sock"));
    let mut text = String::from(
        "[global]\ntime_stamping software\nfree_running 1\nkernel_leap 0\ntx_timestamp_timeout 50\n",
    );
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(&format!("uds_address {}\n", uds.display()));
    std::fs::write(&path, text).expect("write the ptp4l config");
    path
}

fn start_ptp4l(
    lab: &mut Lab,
    name: &str,
    namespace: &str,
    config: &Path,
    interface: &str,
    wire: Wire,
) -> PathBuf {
    let config = config.display().to_string();
    let argv = [
        "setpriv",
        "--bounding-set=-sys_time",
        "/usr/sbin/ptp4l",
        "-f",
        &config,
        "-i",
        interface,
        "-S",
        wire.ptp4l_flag(),
        "-m",
    ];
    lab.spawn_in(name, namespace, &argv)
}

fn start_shiwa(lab: &mut Lab, name: &str, namespace: &str, yaml: &str) -> PathBuf {
    let config = lab.dir().join(format!("{name}.yml"));
    std::fs::write(&config, yaml).expect("write the shiwa config");
    spawn_sync(lab, name, namespace, &config, "info,shiwa::ptp=debug").1
}

/// The `master offset N` values (ns) in a ptp4l or shiwa log.
fn master_offsets(log: &Path) -> Vec<i64> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let rest = line.split("master offset").nth(1)?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .collect()
}

/// Waits for the first offset line of `name`, then collects for [`COLLECT`]; returns the
/// offsets of that window.
fn collect_offsets(lab: &mut Lab, name: &str, log: &Path) -> Vec<i64> {
    let first = Instant::now() + Duration::from_secs(30);
    while master_offsets(log).is_empty() {
        lab.assert_running(name);
        assert!(
            Instant::now() < first,
            "{name}: no `master offset` line in 30 s:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let skip = master_offsets(log).len();
    std::thread::sleep(COLLECT);
    lab.assert_running(name);
    master_offsets(log).split_off(skip)
}

fn assert_median_within_bound(what: &str, mut offsets: Vec<i64>, log: &Path) {
    assert!(
        offsets.len() >= 10,
        "{what}: only {} offsets in {COLLECT:?}:\n{}",
        offsets.len(),
        std::fs::read_to_string(log).unwrap_or_default()
    );
    offsets.sort_unstable();
    let median = offsets[offsets.len() / 2];
    eprintln!("{what}: median {median} ns over {} offsets", offsets.len());
    assert!(
        median.abs() < MEDIAN_BOUND_NS,
        "{what}: median offset {median} ns: {offsets:?}"
    );
}

fn shiwa_follows_ptp4l(wire: Wire) {
    without_touching_the_clock(|| {
        let mut lab = Lab::new();
        let n = lab.add_server();
        let (master_link, slave_link) = lab.link_names(n);
        let master = ptp4l_config(
            &lab,
            "master",
            &[
                "priority1 10",
                "domainNumber 0",
                "logSyncInterval 0",
                "logAnnounceInterval 0",
            ],
        );
        let server = lab.server(n).to_string();
        start_ptp4l(&mut lab, "ptp4l", &server, &master, &master_link, wire);
        let layer2 = wire == Wire::L2;
        let yaml = format!(
            "timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n      - protocol: ptp\n        domain: 0\n        interface: {slave_link}\n        use_layer2: {layer2}\n        announce_interval: 0\n        sync_interval: 0\n        delayrequest_interval: 0\n"
        );
        let client = lab.client().to_string();
        let log = start_shiwa(&mut lab, "shiwa", &client, &yaml);
        let offsets = collect_offsets(&mut lab, "shiwa", &log);
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            text.contains("to SLAVE"),
            "shiwa never reached SLAVE:\n{text}"
        );
        assert_median_within_bound("shiwa slave of ptp4l", offsets, &log);
    });
}

fn ptp4l_follows_shiwa_grandmaster(wire: Wire) {
    without_touching_the_clock(|| {
        let mut lab = Lab::new();
        let n = lab.add_server();
        let (master_link, slave_link) = lab.link_names(n);
        let guide = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/timebeat-cloud.yml"),
        )
        .expect("examples/timebeat-cloud.yml");
        let mut yaml = guide.replace("interface: enp0s3", &format!("interface: {master_link}"));
        if wire == Wire::L2 {
            yaml = yaml.replace(
                &format!("interface: {master_link}"),
                &format!("interface: {master_link}\n        use_layer2: true"),
            );
        }
        assert_ne!(
            yaml, guide,
            "the guide's config names no interface enp0s3 any more"
        );
        let server = lab.server(n).to_string();
        start_shiwa(&mut lab, "shiwa", &server, &yaml);
        let slave = ptp4l_config(
            &lab,
            "slave",
            &[
                "slaveOnly 1",
                "priority1 255",
                "summary_interval 0",
                "freq_est_interval 0",
            ],
        );
        let client = lab.client().to_string();
        let log = start_ptp4l(&mut lab, "ptp4l", &client, &slave, &slave_link, wire);
        let offsets = collect_offsets(&mut lab, "ptp4l", &log);
        assert_median_within_bound("ptp4l slave of shiwa", offsets, &log);
    });
}

#[test]
fn shiwa_follows_a_ptp4l_master_over_udpv4_and_l2() {
    if !peers_available(&["ip", "ptp4l", "setpriv"]) {
        return;
    }
    shiwa_follows_ptp4l(Wire::UdpV4);
    shiwa_follows_ptp4l(Wire::L2);
}

#[test]
fn ptp4l_follows_shiwa_as_grandmaster_from_the_guides_config() {
    if !peers_available(&["ip", "ptp4l", "setpriv"]) {
        return;
    }
    ptp4l_follows_shiwa_grandmaster(Wire::UdpV4);
    ptp4l_follows_shiwa_grandmaster(Wire::L2);
}
