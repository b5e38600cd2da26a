//! Clock source entries (`primary_clocks` / `secondary_clocks`), with Timebeat's keys.
//!
//! One flat struct holds the keys of every protocol; `validate` then checks that each entry
//! uses only the keys of its protocol and has the ones it needs.

use super::values::{ConfigDuration, LogInterval};
use crate::phc_source::{PhcSamples, PhcSmoothing, PhcStrategyChoice};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The protocol of a source entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// IEEE 1588 Precision Time Protocol.
    Ptp,
    /// Network Time Protocol.
    Ntp,
    /// Pulse per second from a device pin.
    Pps,
    /// NMEA sentences from a GNSS receiver on a serial device.
    Nmea,
    /// A PTP hardware clock (`/dev/ptpN`).
    Phc,
}

impl Protocol {
    /// The name as written in the config.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Ptp => "ptp",
            Protocol::Ntp => "ntp",
            Protocol::Pps => "pps",
            Protocol::Nmea => "nmea",
            Protocol::Phc => "phc",
        }
    }

    /// Keys an entry of this protocol may use besides `protocol`, `disable`, `monitor_only`.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Protocol::Ptp => &[
                "domain",
                "serve_unicast",
                "serve_multicast",
                "server_only",
                "max_unicast_subscribers",
                "announce_interval",
                "sync_interval",
                "delayrequest_interval",
                "unicast_master_table",
                "delay_strategy",
                "priority1",
                "priority2",
                "hybrid_e2e",
                "use_layer2",
                "interface",
            ],
            Protocol::Ntp => &[
                "ip",
                "pollinterval",
                "interleaved",
                "serve_unicast",
                "server_only",
                "interface",
            ],
            Protocol::Pps => &[
                "interface",
                "pin",
                "index",
                "cable_delay",
                "edge_mode",
                "atomic",
                "linked_device",
            ],
            Protocol::Nmea => &["device", "baud", "offset"],
            Protocol::Phc => &[
                "device",
                "phc_offset_strategy",
                "phc_samples",
                "phc_smoothing",
            ],
        }
    }
}

/// PTP delay mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DelayStrategy {
    /// End to end (Delay_Req / Delay_Resp).
    E2e,
    /// Peer to peer (Pdelay).
    P2p,
}

/// Which PPS edge is the on-time mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EdgeMode {
    /// Rising edge.
    Rising,
    /// Falling edge.
    Falling,
    /// Both edges.
    Both,
}

/// One entry of `primary_clocks` or `secondary_clocks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceConfig {
    /// `ptp`, `ntp`, `pps`, `nmea` or `phc`.
    pub protocol: Protocol,
    /// Skip this entry.
    #[serde(default, skip_serializing_if = "is_false")]
    pub disable: bool,
    /// Measure only; never steer the clock from this source.
    #[serde(default, skip_serializing_if = "is_false")]
    pub monitor_only: bool,
    /// Network interface (PTP, NTP) or PPS device interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// PTP domain number, 0-127.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<u8>,
    /// Serve unicast (PTP grandmaster / NTP server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serve_unicast: Option<bool>,
    /// Serve multicast PTP.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serve_multicast: Option<bool>,
    /// Only serve time, never take it from this source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_only: Option<bool>,
    /// Upper bound on unicast PTP clients.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unicast_subscribers: Option<u32>,
    /// PTP announce interval, log2 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub announce_interval: Option<LogInterval>,
    /// PTP sync interval, log2 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_interval: Option<LogInterval>,
    /// PTP delay request interval, log2 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delayrequest_interval: Option<LogInterval>,
    /// Unicast PTP masters to request service from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unicast_master_table: Option<Vec<String>>,
    /// PTP delay mechanism: `e2e` or `p2p`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_strategy: Option<DelayStrategy>,
    /// PTP priority1 (0-255, lower wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority1: Option<u8>,
    /// PTP priority2 (0-255, lower wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority2: Option<u8>,
    /// Hybrid mode: multicast Sync, unicast Delay_Req.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hybrid_e2e: Option<bool>,
    /// PTP over Ethernet (ethertype 0x88F7) instead of UDPv4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_layer2: Option<bool>,
    /// NTP server host name or address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// NTP poll interval (`4s`, `16s`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pollinterval: Option<ConfigDuration>,
    /// NTP interleaved mode (chrony's `xleave`): the server's transmit timestamps come from
    /// its kernel after the packet left, one exchange late.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interleaved: Option<bool>,
    /// PPS pin number on the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<u32>,
    /// PPS channel index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    /// PPS cable delay in nanoseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cable_delay: Option<i64>,
    /// PPS edge: `rising`, `falling` or `both`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edge_mode: Option<EdgeMode>,
    /// PPS marks atomic time (no time-of-day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub atomic: Option<bool>,
    /// Device whose time-of-day labels the PPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_device: Option<String>,
    /// Serial device (NMEA) or PHC device (`/dev/ptp0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<PathBuf>,
    /// NMEA serial speed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baud: Option<u32>,
    /// NMEA offset in nanoseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<i64>,
    /// PHC comparison: `auto` (default), `precise`, `extended` or `basic` (`sys_offset`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phc_offset_strategy: Option<PhcStrategyChoice>,
    /// PHC readings per comparison, 1 to 25 (default 15).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phc_samples: Option<PhcSamples>,
    /// How a batch of PHC readings becomes one offset: `min_delay` (default) or `median`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phc_smoothing: Option<PhcSmoothing>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

impl SourceConfig {
    /// An entry of `protocol` with nothing else set.
    pub fn new(protocol: Protocol) -> Self {
        SourceConfig {
            protocol,
            disable: false,
            monitor_only: false,
            interface: None,
            domain: None,
            serve_unicast: None,
            serve_multicast: None,
            server_only: None,
            max_unicast_subscribers: None,
            announce_interval: None,
            sync_interval: None,
            delayrequest_interval: None,
            unicast_master_table: None,
            delay_strategy: None,
            priority1: None,
            priority2: None,
            hybrid_e2e: None,
            use_layer2: None,
            ip: None,
            pollinterval: None,
            interleaved: None,
            pin: None,
            index: None,
            cable_delay: None,
            edge_mode: None,
            atomic: None,
            linked_device: None,
            device: None,
            baud: None,
            offset: None,
            phc_offset_strategy: None,
            phc_samples: None,
            phc_smoothing: None,
        }
    }

    /// A short label for tables and logs: `ptp domain 0 on enp0s3`, `ntp 10.0.0.1`.
    pub fn label(&self) -> String {
        let mut label = self.protocol.name().to_string();
        if let Some(ip) = &self.ip {
            label.push_str(&format!(" {ip}"));
        }
        if let Some(domain) = self.domain {
            label.push_str(&format!(" domain {domain}"));
        }
        if let Some(device) = &self.device {
            label.push_str(&format!(" {}", device.display()));
        }
        if let Some(interface) = &self.interface {
            label.push_str(&format!(" on {interface}"));
        }
        label
    }
}
