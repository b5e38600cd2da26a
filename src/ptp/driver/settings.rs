//! A `protocol: ptp` entry of the config turned into a port configuration and a transport.

use crate::config::SourceConfig;
use crate::net::Timestamping;
use crate::net::ptp::{MacAddress, PtpTransportConfig};
use crate::ptp::port::{PortConfig, PortRole};
use crate::ptp::{ClockIdentity, PortIdentity};
use std::net::{IpAddr, SocketAddr};

/// Unicast clients served at once when `max_unicast_subscribers` is not set (the issue's
/// figure: one multicast and 16 unicast clients).
pub const DEFAULT_MAX_UNICAST_SUBSCRIBERS: u32 = 64;

/// Which wire PTP runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportChoice {
    /// UDP over IPv4, ports 319/320, group 224.0.1.129 (the default).
    UdpV4,
    /// Ethernet, ethertype 0x88F7, group 01-1B-19-00-00-00 (`use_layer2: true`).
    L2,
}

/// Why a PTP entry cannot run; names the entry and the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PtpSettingsError {
    /// PTP needs an interface to join the group on.
    #[error("{source_name}: `interface` is required for protocol ptp")]
    NoInterface {
        /// The entry's label.
        source_name: String,
    },
    /// An entry of `unicast_master_table` is not an address of the transport.
    #[error("{source_name}: unicast_master_table entry `{entry}` is not {expected}")]
    BadUnicastMaster {
        /// The entry's label.
        source_name: String,
        /// The entry as written.
        entry: String,
        /// What the transport needs ("an IPv4 address", "a MAC address").
        expected: &'static str,
    },
}

/// Everything a PTP port task needs from its config entry.
#[derive(Debug, Clone)]
pub struct PtpSettings {
    /// The entry's label, for errors.
    pub source_name: String,
    /// The interface the port runs on.
    pub interface: String,
    /// UDPv4 or L2.
    pub transport: TransportChoice,
    /// Software timestamps; the driver switches to hardware ones when
    /// [`hardware_timestamping`](Self::hardware_timestamping) is set.
    pub timestamping: Timestamping,
    /// `timebeat.advanced.linux_specific.hardware_timestamping`: timestamp in the NIC and
    /// convert through its PHC (an interface without it is an error naming it).
    pub hardware_timestamping: bool,
    /// With hardware timestamps, also steer the interface's PHC while the port is a slave
    /// (as ptp4l does); set only when shiwa adjusts the clock.
    pub steer_phc: bool,
    /// The entry as written.
    pub entry: SourceConfig,
    /// Seed for the port's timer jitter (and its clock identity when the interface has no
    /// MAC address, e.g. `lo`).
    pub seed: u64,
}

impl PtpSettings {
    /// The settings of entry `entry` labelled `source_name`.
    pub fn from_config(
        source_name: &str,
        entry: &SourceConfig,
        seed: u64,
    ) -> Result<Self, PtpSettingsError> {
        let interface = entry
            .interface
            .clone()
            .ok_or_else(|| PtpSettingsError::NoInterface {
                source_name: source_name.to_string(),
            })?;
        let transport = if entry.use_layer2 == Some(true) {
            TransportChoice::L2
        } else {
            TransportChoice::UdpV4
        };
        Ok(PtpSettings {
            source_name: source_name.to_string(),
            interface,
            transport,
            timestamping: Timestamping::Software,
            hardware_timestamping: false,
            steer_phc: false,
            entry: entry.clone(),
            seed,
        })
    }

    /// The UDPv4 transport's configuration: standard ports on all addresses, the group
    /// joined on the interface.
    pub fn udp_config(&self) -> PtpTransportConfig {
        PtpTransportConfig {
            timestamping: self.timestamping,
            ..PtpTransportConfig::new(self.interface.clone())
        }
    }

    /// The port configuration for UDPv4 on interface `interface_name`.
    pub fn port_config(
        &self,
        interface_name: &str,
    ) -> Result<PortConfig<SocketAddr>, PtpSettingsError> {
        let mac = MacAddress::of_interface(interface_name).ok().flatten();
        let masters = self
            .unicast_masters(|entry| entry.parse::<IpAddr>().ok().filter(IpAddr::is_ipv4))
            .map_err(|entry| self.bad_master(entry, "an IPv4 address"))?
            .into_iter()
            .map(|ip| SocketAddr::new(ip, crate::net::ptp::PTP_GENERAL_PORT))
            .collect();
        Ok(self.base_config(mac, masters))
    }

    /// The port configuration for L2 on an interface with address `mac`.
    pub fn port_config_l2(
        &self,
        mac: MacAddress,
    ) -> Result<PortConfig<MacAddress>, PtpSettingsError> {
        let masters = self
            .unicast_masters(|entry| entry.parse::<MacAddress>().ok())
            .map_err(|entry| self.bad_master(entry, "a MAC address"))?;
        Ok(self.base_config(Some(mac), masters))
    }

    fn base_config<A>(&self, mac: Option<MacAddress>, unicast_masters: Vec<A>) -> PortConfig<A> {
        let entry = &self.entry;
        let identity = match mac.filter(|mac| mac.octets() != [0; 6]) {
            Some(mac) => ClockIdentity::from_mac(mac.octets()),
            None => ClockIdentity(self.seed.to_be_bytes()),
        };
        let server_only = entry.server_only == Some(true);
        let mut config = PortConfig::new(PortIdentity::new(identity, 1));
        config.domain = entry.domain.unwrap_or(0);
        config.priority1 = entry.priority1.unwrap_or(128);
        config.priority2 = entry.priority2.unwrap_or(128);
        config.role = if server_only {
            PortRole::MasterOnly
        } else {
            PortRole::SlaveOnly
        };
        if let Some(interval) = entry.announce_interval {
            config.log_announce_interval = interval.0;
        }
        if let Some(interval) = entry.sync_interval {
            config.log_sync_interval = interval.0;
        }
        if let Some(interval) = entry.delayrequest_interval {
            config.log_min_delay_req_interval = interval.0;
        }
        config.multicast = entry.serve_multicast.unwrap_or(true);
        config.serve_unicast = entry.serve_unicast.unwrap_or(false);
        config.max_unicast_subscribers = entry
            .max_unicast_subscribers
            .unwrap_or(DEFAULT_MAX_UNICAST_SUBSCRIBERS);
        config.hybrid_e2e = entry.hybrid_e2e.unwrap_or(false);
        if !server_only && !unicast_masters.is_empty() {
            config.multicast = false;
        }
        config.unicast_masters = unicast_masters;
        config.seed = self.seed;
        config
    }

    /// The unicast master table parsed with `parse`; `Err(entry)` names the first bad one.
    fn unicast_masters<A>(&self, parse: impl Fn(&str) -> Option<A>) -> Result<Vec<A>, String> {
        self.entry
            .unicast_master_table
            .iter()
            .flatten()
            .map(|entry| parse(entry.trim()).ok_or_else(|| entry.clone()))
            .collect()
    }

    fn bad_master(&self, entry: String, expected: &'static str) -> PtpSettingsError {
        PtpSettingsError::BadUnicastMaster {
            source_name: self.source_name.clone(),
            entry,
            expected,
        }
    }
}
