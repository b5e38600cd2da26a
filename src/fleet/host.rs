//! Facts about the node's host sent with every report: host name, OS, shiwa version, where
//! its HTTP API answers, and the ports the hub should check (the API and the SSH shell when
//! the config runs them).

use super::wire::{CheckKind, DeclaredPort, HostFacts};
use crate::config::Config;
use std::path::Path;

/// Where os-release is looked for, in order.
pub const OS_RELEASE_PATHS: [&str; 2] = ["/etc/os-release", "/usr/lib/os-release"];

/// The host's facts under `config`, reading os-release from the default places.
pub fn host_facts(config: &Config, hostname: &str) -> HostFacts {
    let os = OS_RELEASE_PATHS
        .iter()
        .find_map(|path| os_release_name(Path::new(path)))
        .unwrap_or_else(|| "Linux".to_string());
    facts(config, hostname, &os)
}

/// The facts with the OS name given.
pub fn facts(config: &Config, hostname: &str, os: &str) -> HostFacts {
    HostFacts {
        hostname: hostname.to_string(),
        os: os.to_string(),
        shiwa_version: crate::version::VERSION.to_string(),
        api_url: api_url(config, hostname),
        address: None,
        ports: declared_ports(config),
    }
}

/// `PRETTY_NAME` (else `NAME`) from an os-release file.
pub fn os_release_name(path: &Path) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    parse_os_release(&text)
}

/// `PRETTY_NAME` (else `NAME`) from os-release text, quotes removed.
pub fn parse_os_release(text: &str) -> Option<String> {
    let value = |key: &str| {
        text.lines().find_map(|line| {
            let rest = line.trim().strip_prefix(key)?.strip_prefix('=')?;
            let unquoted = rest.trim().trim_matches(|c| c == '"' || c == '\'');
            (!unquoted.is_empty()).then(|| unquoted.to_string())
        })
    };
    value("PRETTY_NAME").or_else(|| value("NAME"))
}

/// The API's URL when `timebeat.http.enable` is set: https with `tls`, the bind address, or
/// the host name when it binds every address.
pub fn api_url(config: &Config, hostname: &str) -> Option<String> {
    let http = &config.timebeat.http;
    if !http.enable {
        return None;
    }
    let scheme = if http.tls.is_some() { "https" } else { "http" };
    let host = match http.bind_host.as_str() {
        "0.0.0.0" | "::" | "[::]" | "" => hostname.to_string(),
        host if host.contains(':') && !host.starts_with('[') => format!("[{host}]"),
        host => host.to_string(),
    };
    Some(format!("{scheme}://{host}:{}", http.bind_port.0))
}

/// The API (an HTTP check of `/api/v1/health`) and the SSH shell (a TCP check), when enabled.
pub fn declared_ports(config: &Config) -> Vec<DeclaredPort> {
    let mut ports = Vec::new();
    let agent = &config.timebeat;
    if agent.http.enable {
        ports.push(DeclaredPort {
            name: "api".into(),
            port: agent.http.bind_port.0,
            kind: CheckKind::Http,
            path: Some("/api/v1/health".into()),
        });
    }
    if agent.cli.enable {
        ports.push(DeclaredPort {
            name: "ssh".into(),
            port: agent.cli.bind_port.0,
            kind: CheckKind::Tcp,
            path: None,
        });
    }
    ports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_release_gives_the_pretty_name_else_the_name() {
        let debian = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n";
        assert_eq!(
            parse_os_release(debian).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(parse_os_release("NAME=Alpine\n").as_deref(), Some("Alpine"));
        assert_eq!(parse_os_release("ID=x\n"), None);
    }

    #[test]
    fn enabled_surfaces_are_declared_with_their_ports() {
        let mut config = Config::default();
        assert!(facts(&config, "gm1", "Linux").ports.is_empty());
        assert_eq!(api_url(&config, "gm1"), None);
        config.timebeat.http.enable = true;
        config.timebeat.http.bind_host = "0.0.0.0".into();
        config.timebeat.cli.enable = true;
        let facts = facts(&config, "gm1", "Debian");
        assert_eq!(facts.api_url.as_deref(), Some("http://gm1:8088"));
        let ports: Vec<_> = facts
            .ports
            .iter()
            .map(|p| (p.name.as_str(), p.port))
            .collect();
        assert_eq!(ports, [("api", 8088), ("ssh", 65129)]);
        assert_eq!(facts.ports[0].path.as_deref(), Some("/api/v1/health"));
        config.timebeat.http.bind_host = "::1".into();
        assert_eq!(
            api_url(&config, "gm1").as_deref(),
            Some("http://[::1]:8088")
        );
    }
}
