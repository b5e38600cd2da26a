//! What the engine runs, derived from the config: one [`SourceSpec`] per clock source entry and
//! the NTP server endpoints. Pure; a reload computes a new plan and compares.

use crate::config::{Config, Protocol, SourceConfig};
use crate::source::{Group, SourceId};
use std::net::SocketAddr;

/// The standard NTP port.
pub const NTP_PORT: u16 = 123;

/// One configured source, as the engine sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSpec {
    /// Position in the config: primaries first, then secondaries.
    pub id: SourceId,
    /// `primary_clocks` or `secondary_clocks`.
    pub group: Group,
    /// A label for tables and logs (`ntp 10.0.0.1`).
    pub name: String,
    /// The entry as written.
    pub config: SourceConfig,
}

impl SourceSpec {
    /// The protocol of the entry.
    pub fn protocol(&self) -> Protocol {
        self.config.protocol
    }

    /// True when the entry takes time from its peer (not `server_only`, not `disable`).
    pub fn is_client(&self) -> bool {
        !self.config.disable && self.config.server_only != Some(true)
    }
}

/// Every source entry of the config, numbered.
pub fn plan_sources(config: &Config) -> Vec<SourceSpec> {
    let sync = &config.timebeat.clock_sync;
    let primaries = sync.primary_clocks.iter().map(|c| (Group::Primary, c));
    let secondaries = sync.secondary_clocks.iter().map(|c| (Group::Secondary, c));
    primaries
        .chain(secondaries)
        .enumerate()
        .map(|(index, (group, config))| SourceSpec {
            id: SourceId(index),
            group,
            name: config.label(),
            config: config.clone(),
        })
        .collect()
}

/// Where the NTP server listens: every enabled NTP entry with `server_only: true` (its `ip`
/// is the listen address, default all addresses) or `serve_unicast: true` (all addresses),
/// port 123 unless the address names one (`127.0.0.1:11123`). Duplicates are merged.
pub fn plan_ntp_servers(config: &Config) -> Result<Vec<SocketAddr>, String> {
    let mut endpoints = Vec::new();
    for entry in config
        .sources()
        .filter(|c| c.protocol == Protocol::Ntp && !c.disable)
    {
        let endpoint = if entry.server_only == Some(true) {
            listen_address(entry.ip.as_deref())?
        } else if entry.serve_unicast == Some(true) {
            listen_address(None)?
        } else {
            continue;
        };
        if !endpoints.contains(&endpoint) {
            endpoints.push(endpoint);
        }
    }
    Ok(endpoints)
}

/// Parses `ip` as a listen address: `10.0.0.1`, `10.0.0.1:11123`, `::1`, `[::1]:123`.
fn listen_address(ip: Option<&str>) -> Result<SocketAddr, String> {
    let Some(text) = ip else {
        return Ok(SocketAddr::from(([0, 0, 0, 0], NTP_PORT)));
    };
    if let Ok(address) = text.parse::<SocketAddr>() {
        return Ok(address);
    }
    text.parse::<std::net::IpAddr>()
        .map(|ip| SocketAddr::new(ip, NTP_PORT))
        .map_err(|_| {
            format!("`{text}` is not an address to serve NTP on (e.g. 10.0.0.1 or 10.0.0.1:123)")
        })
}

/// Splits an NTP source's `ip` into host and port (`time.example.net`, `10.0.0.1:11123`,
/// `[::1]:123`); the port defaults to 123.
pub fn server_host_port(ip: &str) -> (String, u16) {
    if let Ok(address) = ip.parse::<SocketAddr>() {
        return (address.ip().to_string(), address.port());
    }
    if ip.parse::<std::net::IpAddr>().is_ok() {
        return (ip.to_string(), NTP_PORT);
    }
    match ip.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse::<u16>() {
            Ok(port) => (host.to_string(), port),
            Err(_) => (ip.to_string(), NTP_PORT),
        },
        _ => (ip.to_string(), NTP_PORT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(yaml: &str) -> Config {
        crate::config::load_str(yaml, "test.yml")
            .expect("a valid test config")
            .config
    }

    #[test]
    fn sources_are_numbered_primaries_first() {
        let config = load(
            "timebeat:\n  clock_sync:\n    primary_clocks:\n      - protocol: ntp\n        ip: 10.0.0.1\n    secondary_clocks:\n      - protocol: ntp\n        ip: 10.0.0.2\n",
        );
        let plan = plan_sources(&config);
        assert_eq!(plan.len(), 2);
        assert_eq!((plan[0].id, plan[0].group), (SourceId(0), Group::Primary));
        assert_eq!((plan[1].id, plan[1].group), (SourceId(1), Group::Secondary));
        assert_eq!(plan[1].name, "ntp 10.0.0.2");
    }

    #[test]
    fn ntp_server_endpoints() {
        let config = load(
            "timebeat:\n  clock_sync:\n    primary_clocks:\n      - protocol: ntp\n        ip: 10.0.0.1\n        serve_unicast: true\n      - protocol: ntp\n        server_only: true\n        ip: 127.0.0.1:11123\n",
        );
        let endpoints = plan_ntp_servers(&config).expect("valid endpoints");
        assert_eq!(
            endpoints,
            vec![
                "0.0.0.0:123".parse::<SocketAddr>().unwrap(),
                "127.0.0.1:11123".parse().unwrap()
            ]
        );
        assert!(!plan_sources(&config)[1].is_client());
    }

    #[test]
    fn host_and_port_of_a_server() {
        assert_eq!(server_host_port("10.0.0.1"), ("10.0.0.1".into(), 123));
        assert_eq!(
            server_host_port("10.0.0.1:11123"),
            ("10.0.0.1".into(), 11123)
        );
        assert_eq!(server_host_port("[::1]:1234"), ("::1".into(), 1234));
        assert_eq!(server_host_port("::1"), ("::1".into(), 123));
        assert_eq!(
            server_host_port("time.example.net:124"),
            ("time.example.net".into(), 124)
        );
        assert_eq!(
            server_host_port("time.example.net"),
            ("time.example.net".into(), 123)
        );
    }
}
