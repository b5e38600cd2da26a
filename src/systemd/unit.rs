//! Unit kinds and the pure rendering of their unit files.
//!
//! Choices, each visible in the rendered text:
//! * Every unit runs as a static unprivileged user (`User=`/`Group=`, default `shiwa`), never
//!   `DynamicUser=` (the units share `/var/lib/shiwa` and the sync socket's group).
//! * Only `sync` gets capabilities (`CAP_SYS_TIME CAP_NET_BIND_SERVICE CAP_NET_RAW
//!   CAP_NET_ADMIN`, ambient), devices (`/dev/ptp*` rw, `/dev/rtc*` r, `DevicePolicy=closed`),
//!   netlink and packet sockets, the `@clock` system calls, and no `ProtectClock=`.
//!   The others have empty capability sets, `PrivateDevices=yes`, `ProtectClock=yes` and
//!   `SystemCallFilter=~@privileged @resources`; their ports (8080, 8088, 65129) are above 1024.
//! * `sync` is `Type=notify` with `WatchdogSec=` (the engine sends `READY=1` and `WATCHDOG=1`);
//!   the surfaces are `Type=exec`, which is `simple` plus a start failure when the binary
//!   cannot be executed.
//! * `RuntimeDirectory=shiwa` (holding the sync socket) is declared with
//!   `RuntimeDirectoryPreserve=yes` by every unit that uses it: without it, stopping any one
//!   surface would delete `/run/shiwa` and the socket of the running sync daemon with it.
//!   The hub does not use the socket and declares only `StateDirectory=`.
//! * `ProtectSystem=strict` leaves only `/var/lib/shiwa` and `/run/shiwa` writable: no service
//!   writes its config (imports are done by the CLI as root).
//! * `sync` is ordered before `time-sync.target` and conflicts with the other NTP daemons
//!   (as chrony's own unit does): two daemons steering one clock fight each other.
//! * The surfaces are ordered after `shiwa-sync.service` (so the socket exists when both
//!   start) without pulling it in: installing a surface alone does not start a time daemon.

use super::firewall::Firewall;
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// A long-running shiwa subcommand that can run as its own systemd service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitKind {
    /// `shiwa sync`: the NTP/PTP engine; the only privileged process.
    Sync,
    /// `shiwa hub`: the fleet hub (HTTP 8080, database in `/var/lib/shiwa`).
    Hub,
    /// `shiwa serve-api`: the HTTP API and `/metrics` (8088).
    ServeApi,
    /// `shiwa cli-ssh`: the SSH management shell (65129).
    CliSsh,
    /// `shiwa ship-es`: the Elasticsearch shipper (outbound only).
    ShipEs,
}

/// A transport protocol of a listening port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
}

/// A port a unit listens on (by default; the config can move it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Port {
    /// The port number.
    pub number: u16,
    /// Its protocol.
    pub protocol: Protocol,
}

impl Protocol {
    /// The lowercase name used by firewall tools (`tcp`, `udp`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
        }
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.number, self.protocol.as_str())
    }
}

const fn udp(number: u16) -> Port {
    Port {
        number,
        protocol: Protocol::Udp,
    }
}

const fn tcp(number: u16) -> Port {
    Port {
        number,
        protocol: Protocol::Tcp,
    }
}

/// The capabilities of the sync daemon: steer the clock, bind 123/319/320, raw PTP over L2,
/// hardware timestamping.
const SYNC_CAPABILITIES: &[&str] = &[
    "CAP_SYS_TIME",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_RAW",
    "CAP_NET_ADMIN",
];

/// NTP daemons that steer the system clock and must not run beside `shiwa sync`.
const CONFLICTING_TIME_DAEMONS: &str = "systemd-timesyncd.service chrony.service chronyd.service \
     ntp.service ntpd.service ntpsec.service openntpd.service";

impl UnitKind {
    /// Every kind, in a stable order.
    pub const ALL: [UnitKind; 5] = [
        UnitKind::Sync,
        UnitKind::Hub,
        UnitKind::ServeApi,
        UnitKind::CliSsh,
        UnitKind::ShipEs,
    ];

    /// `kinds` without repetitions, in their first order.
    pub fn unique(kinds: &[UnitKind]) -> Vec<UnitKind> {
        let mut out: Vec<UnitKind> = Vec::with_capacity(kinds.len());
        for &kind in kinds {
            if !out.contains(&kind) {
                out.push(kind);
            }
        }
        out
    }

    /// The subcommand name (`sync`, `serve-api`, ...), also used in the unit name.
    pub fn name(self) -> &'static str {
        match self {
            UnitKind::Sync => "sync",
            UnitKind::Hub => "hub",
            UnitKind::ServeApi => "serve-api",
            UnitKind::CliSsh => "cli-ssh",
            UnitKind::ShipEs => "ship-es",
        }
    }

    /// The unit file name, `shiwa-<name>.service`.
    pub fn unit_name(self) -> String {
        format!("shiwa-{}.service", self.name())
    }

    /// The unit's `Description=`.
    pub fn description(self) -> &'static str {
        match self {
            UnitKind::Sync => "shiwa time synchronisation (NTP/PTP)",
            UnitKind::Hub => "shiwa fleet hub",
            UnitKind::ServeApi => "shiwa HTTP API and metrics",
            UnitKind::CliSsh => "shiwa SSH management shell",
            UnitKind::ShipEs => "shiwa Elasticsearch shipper",
        }
    }

    /// The ports the subcommand listens on by default (what `--firewall` opens).
    pub fn ports(self) -> &'static [Port] {
        const SYNC: &[Port] = &[udp(123), udp(319), udp(320)];
        const HUB: &[Port] = &[tcp(8080)];
        const SERVE_API: &[Port] = &[tcp(8088)];
        const CLI_SSH: &[Port] = &[tcp(65129)];
        match self {
            UnitKind::Sync => SYNC,
            UnitKind::Hub => HUB,
            UnitKind::ServeApi => SERVE_API,
            UnitKind::CliSsh => CLI_SSH,
            UnitKind::ShipEs => &[],
        }
    }

    /// The capabilities the service gets (bounding and ambient set); empty for all but sync.
    pub fn capabilities(self) -> &'static [&'static str] {
        match self {
            UnitKind::Sync => SYNC_CAPABILITIES,
            _ => &[],
        }
    }

    /// True for the one unit that steers the clock and needs privileges.
    pub fn is_privileged(self) -> bool {
        self == UnitKind::Sync
    }

    /// True when the service creates or talks to the sync socket in `/run/shiwa`.
    pub fn uses_runtime_dir(self) -> bool {
        self != UnitKind::Hub
    }
}

impl fmt::Display for UnitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for UnitKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UnitKind::ALL
            .into_iter()
            .find(|kind| kind.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = UnitKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown unit {s:?} (expected one of {})", names.join(", "))
            })
    }
}

/// Everything that goes into one unit file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSpec {
    /// Which subcommand the unit runs.
    pub kind: UnitKind,
    /// What every unit of one install shares.
    pub settings: UnitSettings,
}

/// The settings every unit of one install shares (binary, config, user, timers, firewall).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitSettings {
    /// The absolute path of the shiwa binary on the target system.
    pub binary: PathBuf,
    /// The absolute path of the configuration file on the target system.
    pub config: PathBuf,
    /// The user and group the service runs as.
    pub user: String,
    /// `RestartSec=`, in seconds.
    pub restart_sec: u32,
    /// `WatchdogSec=` of the sync unit, in seconds; 0 turns the watchdog off.
    pub watchdog_sec: u32,
    /// How the unit's ports are opened while it runs.
    pub firewall: Firewall,
}

/// The service user `systemd-install` and `recover` use unless told otherwise.
pub const DEFAULT_USER: &str = "shiwa";
/// Default `RestartSec=`.
pub const DEFAULT_RESTART_SEC: u32 = 5;
/// Default `WatchdogSec=` of the sync unit.
pub const DEFAULT_WATCHDOG_SEC: u32 = 30;

impl UnitSettings {
    /// The default settings for `binary` and `config`: user [`DEFAULT_USER`], the default
    /// timers, no firewall lines.
    pub fn with_defaults(binary: PathBuf, config: PathBuf) -> Self {
        UnitSettings {
            binary,
            config,
            user: DEFAULT_USER.into(),
            restart_sec: DEFAULT_RESTART_SEC,
            watchdog_sec: DEFAULT_WATCHDOG_SEC,
            firewall: Firewall::None,
        }
    }
}

#[cfg(test)]
impl UnitSettings {
    /// Typical settings for tests: `/usr/bin/shiwa`, `/etc/shiwa/shiwa.yml`, user `shiwa`.
    pub(crate) fn for_tests() -> Self {
        UnitSettings {
            binary: PathBuf::from("/usr/bin/shiwa"),
            config: PathBuf::from("/etc/shiwa/shiwa.yml"),
            user: "shiwa".into(),
            restart_sec: 5,
            watchdog_sec: 30,
            firewall: Firewall::None,
        }
    }
}

/// Renders the unit file for `spec`. Pure; assumes `spec` passed [`super::plan`]'s validation
/// (absolute UTF-8 paths, a valid user name).
pub fn render_unit(spec: &UnitSpec) -> String {
    let mut out = format!(
        "# Generated by shiwa systemd-install {}. Re-running it replaces this file;\n\
         # put local changes in a drop-in: systemctl edit {}\n",
        crate::version::VERSION,
        spec.kind.unit_name()
    );
    render_unit_section(&mut out, spec.kind);
    render_service_process(&mut out, spec);
    render_sandbox(&mut out, spec.kind);
    out.push_str("\n[Install]\nWantedBy=multi-user.target\n");
    out
}

fn line(out: &mut String, key: &str, value: &str) {
    out.push_str(key);
    out.push('=');
    out.push_str(value);
    out.push('\n');
}

fn render_unit_section(out: &mut String, kind: UnitKind) {
    out.push_str("\n[Unit]\n");
    line(out, "Description", kind.description());
    line(
        out,
        "Documentation",
        &format!("man:shiwa-{}(1)", kind.name()),
    );
    line(out, "Wants", "network-online.target");
    if kind.is_privileged() {
        line(out, "After", "network-online.target");
        line(out, "Wants", "time-sync.target");
        line(out, "Before", "time-sync.target");
        line(out, "Conflicts", CONFLICTING_TIME_DAEMONS);
    } else if kind.uses_runtime_dir() {
        line(out, "After", "network-online.target shiwa-sync.service");
    } else {
        line(out, "After", "network-online.target");
    }
}

fn render_service_process(out: &mut String, spec: &UnitSpec) {
    let kind = spec.kind;
    out.push_str("\n[Service]\n");
    if kind.is_privileged() {
        line(out, "Type", "notify");
        line(out, "NotifyAccess", "main");
        if spec.settings.watchdog_sec > 0 {
            line(out, "WatchdogSec", &spec.settings.watchdog_sec.to_string());
        }
    } else {
        line(out, "Type", "exec");
    }
    let exec_start = [
        exec_program(&spec.settings.binary.to_string_lossy()),
        kind.name().to_string(),
        "--config".to_string(),
        exec_arg(&spec.settings.config.to_string_lossy()),
    ];
    line(out, "ExecStart", &exec_start.join(" "));
    line(out, "ExecReload", "/bin/kill -HUP $MAINPID");
    let firewall = spec.settings.firewall.commands(kind);
    for command in &firewall.start_pre {
        line(out, "ExecStartPre", command);
    }
    for command in &firewall.stop_post {
        line(out, "ExecStopPost", command);
    }
    line(out, "Restart", "on-failure");
    line(out, "RestartSec", &spec.settings.restart_sec.to_string());
    line(out, "SyslogIdentifier", &format!("shiwa-{}", kind.name()));
    line(out, "User", &spec.settings.user);
    line(out, "Group", &spec.settings.user);
    line(out, "UMask", "0077");
    line(out, "StateDirectory", "shiwa");
    line(out, "StateDirectoryMode", "0750");
    if kind.uses_runtime_dir() {
        line(out, "RuntimeDirectory", "shiwa");
        line(out, "RuntimeDirectoryMode", "0750");
        line(out, "RuntimeDirectoryPreserve", "yes");
    }
}

fn render_sandbox(out: &mut String, kind: UnitKind) {
    let caps = kind.capabilities().join(" ");
    if kind.is_privileged() {
        out.push_str(
            "# Steer the clock, bind NTP/PTP ports (123, 319, 320), PTP over L2 (raw sockets),\n\
             # hardware timestamping (SIOCSHWTSTAMP). Nothing else.\n",
        );
    } else {
        out.push_str("# No capabilities: the ports are above 1024 and the clock is read-only.\n");
    }
    line(out, "CapabilityBoundingSet", &caps);
    line(out, "AmbientCapabilities", &caps);
    for key in [
        "NoNewPrivileges",
        "ProtectHome",
        "PrivateTmp",
        "PrivateMounts",
        "ProtectKernelTunables",
        "ProtectKernelModules",
        "ProtectKernelLogs",
        "ProtectControlGroups",
        "ProtectHostname",
        "RestrictNamespaces",
        "RestrictRealtime",
        "RestrictSUIDSGID",
        "LockPersonality",
        "MemoryDenyWriteExecute",
        "RemoveIPC",
    ] {
        line(out, key, "yes");
    }
    line(out, "ProtectSystem", "strict");
    line(out, "ProtectProc", "invisible");
    line(out, "SystemCallArchitectures", "native");
    line(out, "SystemCallErrorNumber", "EPERM");
    if kind.is_privileged() {
        out.push_str("# PTP hardware clocks (/dev/ptp*) and the RTC, nothing else from /dev.\n");
        line(out, "DevicePolicy", "closed");
        line(out, "DeviceAllow", "char-ptp rw");
        line(out, "DeviceAllow", "char-rtc r");
        let families = "AF_UNIX AF_INET AF_INET6 AF_NETLINK AF_PACKET";
        line(out, "RestrictAddressFamilies", families);
        line(out, "SystemCallFilter", "@system-service @clock");
        line(out, "SystemCallFilter", "~@resources");
    } else {
        line(out, "PrivateDevices", "yes");
        line(out, "ProtectClock", "yes");
        line(out, "RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6");
        line(out, "SystemCallFilter", "@system-service");
        line(out, "SystemCallFilter", "~@privileged @resources");
    }
}

/// Escapes one argument of an `Exec*=` line: `%` (specifiers) and `$` (variables) are doubled,
/// and arguments with blanks, quotes or backslashes are double-quoted with C escapes.
pub fn exec_arg(arg: &str) -> String {
    quote_exec_word(arg.replace('%', "%%").replace('$', "$$"))
}

/// Escapes the program path of an `Exec*=` line. Like [`exec_arg`], except that `$` stays as
/// it is: systemd does not substitute variables in the program path (and would keep `$$`).
pub fn exec_program(path: &str) -> String {
    quote_exec_word(path.replace('%', "%%"))
}

fn quote_exec_word(escaped: String) -> String {
    let needs_quotes = escaped.is_empty()
        || escaped
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | ';'));
    if !needs_quotes {
        return escaped;
    }
    let mut quoted = String::with_capacity(escaped.len() + 2);
    quoted.push('"');
    for c in escaped.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
#[path = "unit_tests.rs"]
mod tests;
