//! Settings and text formats of the PTP lab: which master and transport a test uses, the
//! ptp4l configuration files written for them, and parsers for ptp4l's `master offset` lines
//! and pmc's answers.

#![allow(
    dead_code,
    reason = "helpers shared by the PTP peer tests; not every test uses every one"
)]

use std::collections::BTreeMap;
use std::path::Path;

/// What serves PTP as the master. Tests take it as an argument, so that ptp4l and a shiwa
/// grandmaster run through the same test bodies (`PtpLab::start_master` starts either).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MasterKind {
    /// linuxptp's ptp4l, free-running.
    Ptp4l,
    /// `shiwa sync` in monitor mode with a `server_only` PTP entry.
    Shiwa,
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

/// A shiwa grandmaster's configuration file: one `server_only` PTP entry on `interface`, the
/// clock never written (`adjust_clock: false`; the lab also runs it with `--monitor` and
/// without CAP_SYS_TIME). The master modes map to shiwa's keys: multicast serves
/// `serve_multicast` only, hybrid the same (shiwa answers a unicast Delay_Req by unicast
/// whatever the mode), unicast-only `serve_unicast` without `serve_multicast`.
pub fn shiwa_master_config(
    settings: &MasterSettings,
    transport: Transport,
    interface: &str,
) -> String {
    let (multicast, unicast) = match settings.mode {
        MasterMode::Multicast | MasterMode::Hybrid => (true, false),
        MasterMode::UnicastOnly => (false, true),
    };
    let entry = [
        "protocol: ptp".to_string(),
        format!("interface: {interface}"),
        format!("use_layer2: {}", transport == Transport::L2),
        "server_only: true".to_string(),
        format!("serve_multicast: {multicast}"),
        format!("serve_unicast: {unicast}"),
        format!("domain: {}", settings.domain),
        format!("priority1: {}", settings.priority1),
        format!("announce_interval: {}", settings.intervals.announce),
        format!("sync_interval: {}", settings.intervals.sync),
        format!("delayrequest_interval: {}", settings.intervals.delay_req),
    ];
    let mut config =
        String::from("timebeat:\n  clock_sync:\n    adjust_clock: false\n    primary_clocks:\n");
    for (index, line) in entry.iter().enumerate() {
        let bullet = if index == 0 { "      - " } else { "        " };
        config.push_str(&format!("{bullet}{line}\n"));
    }
    config
}

/// The clock identity ptp4l and shiwa both derive from a MAC address (`c2:89:5a:d3:fd:28`),
/// as pmc prints it: its EUI-64, `c2895a.fffe.d3fd28`. `None` for anything but a MAC.
pub fn clock_identity_of_mac(mac: &str) -> Option<String> {
    let octets: Vec<&str> = mac.split(':').collect();
    let valid = octets.len() == 6
        && octets
            .iter()
            .all(|octet| octet.len() == 2 && octet.chars().all(|c| c.is_ascii_hexdigit()));
    valid.then(|| {
        let hex = octets.concat().to_ascii_lowercase();
        format!("{}.fffe.{}", &hex[..6], &hex[6..])
    })
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
