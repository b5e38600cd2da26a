//! Opening a unit's ports while it runs: `ExecStartPre=` opens, `ExecStopPost=` closes.
//!
//! Every line has two prefixes:
//! * `+` runs it with full privileges. Without it the command would run as the unit's
//!   unprivileged `User=`, inside the sandbox, and could not touch the firewall.
//! * `-` makes a failure non-fatal. Opening fails mostly when the firewall manager is not
//!   running (then nothing filters the port and the service must still start); closing fails
//!   when the port was never opened. Either way systemd logs the failed command in the journal.
//!   The installer checks up front that the firewall tool exists, so a typo is caught there.
//!
//! Backends:
//! * `firewalld`: runtime rules (`firewall-cmd --add-port=8088/tcp`, `--remove-port` on stop),
//!   in the default zone. `firewall-cmd --reload` drops them until the unit restarts.
//! * `ufw`: `ufw allow 8088/tcp`, `ufw delete allow 8088/tcp` on stop. If you manage the same
//!   rule yourself, use `--firewall none`: stopping the unit would delete your rule too.
//! * `nftables`: nftables accepts a packet only if *no* base chain drops it, and a rule cannot
//!   refer to another table, so an `accept` in a table of shiwa's own cannot open a port that
//!   the host's table drops. The units therefore use a set, `shiwa_ports` (type
//!   `inet_proto . inet_service`), in the host's filter table, one rule
//!   `meta l4proto . th dport @shiwa_ports accept` inserted at the top of its input chain
//!   (added once; the start command checks for it), and add/delete only their own elements.
//!   The chain is `inet filter input` (the stock `/etc/nftables.conf`) unless `--nft-chain`
//!   names another. Reloading the ruleset from a file that flushes it removes set and rule
//!   until the units restart.

use super::SystemdError;
use super::unit::{Port, UnitKind};
use serde::Serialize;
use std::fmt;
use std::path::Path;

/// The firewall manager whose rules follow the unit's lifetime.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Firewall {
    /// No firewall lines.
    #[default]
    None,
    /// firewalld, through `firewall-cmd`.
    Firewalld,
    /// Uncomplicated Firewall, through `ufw`.
    Ufw,
    /// Raw nftables, through `nft`, in the given chain.
    Nftables(NftChain),
}

/// An nftables base chain: `FAMILY TABLE CHAIN`, e.g. `inet filter input`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NftChain {
    /// `inet`, `ip` or `ip6`.
    pub family: String,
    /// The table name.
    pub table: String,
    /// The input base chain's name.
    pub chain: String,
}

impl Default for NftChain {
    fn default() -> Self {
        NftChain {
            family: "inet".into(),
            table: "filter".into(),
            chain: "input".into(),
        }
    }
}

impl fmt::Display for NftChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.family, self.table, self.chain)
    }
}

impl std::str::FromStr for NftChain {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let words: Vec<&str> = s.split_whitespace().collect();
        let [family, table, chain] = words[..] else {
            return Err(format!(
                "{s:?} is not `FAMILY TABLE CHAIN` (e.g. \"inet filter input\")"
            ));
        };
        if !matches!(family, "inet" | "ip" | "ip6") {
            return Err(format!(
                "nftables family {family:?} must be inet, ip or ip6"
            ));
        }
        for name in [table, chain] {
            let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'));
            if !ok {
                return Err(format!(
                    "nftables name {name:?} must be letters, digits, '_' or '-', \
                     starting with a letter"
                ));
            }
        }
        Ok(NftChain {
            family: family.into(),
            table: table.into(),
            chain: chain.into(),
        })
    }
}

/// The firewall lines of one unit, complete `Exec*=` values with their prefixes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FirewallCommands {
    /// `ExecStartPre=` values, in order.
    pub start_pre: Vec<String>,
    /// `ExecStopPost=` values, in order.
    pub stop_post: Vec<String>,
}

const FIREWALL_CMD: &str = "/usr/bin/firewall-cmd";
const UFW: &str = "/usr/sbin/ufw";
const NFT: &str = "/usr/sbin/nft";
const NFT_SET: &str = "shiwa_ports";

impl Firewall {
    /// The names accepted by [`Firewall::from_name`].
    pub const NAMES: [&'static str; 4] = ["none", "firewalld", "ufw", "nftables"];

    /// The firewall called `name`; `chain` (`FAMILY TABLE CHAIN`) is used by nftables only.
    pub fn from_name(name: &str, chain: &str) -> Result<Firewall, SystemdError> {
        match name {
            "none" => Ok(Firewall::None),
            "firewalld" => Ok(Firewall::Firewalld),
            "ufw" => Ok(Firewall::Ufw),
            "nftables" => {
                chain
                    .parse()
                    .map(Firewall::Nftables)
                    .map_err(|reason| SystemdError::Invalid {
                        what: format!("--nft-chain {chain:?}"),
                        reason,
                    })
            }
            _ => Err(SystemdError::Invalid {
                what: format!("--firewall {name}"),
                reason: format!("expected one of {}", Firewall::NAMES.join(", ")),
            }),
        }
    }

    /// The program the unit's lines call, if any.
    pub fn tool(&self) -> Option<&'static Path> {
        match self {
            Firewall::None => None,
            Firewall::Firewalld => Some(Path::new(FIREWALL_CMD)),
            Firewall::Ufw => Some(Path::new(UFW)),
            Firewall::Nftables(_) => Some(Path::new(NFT)),
        }
    }

    /// The name used on the command line and in JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Firewall::None => "none",
            Firewall::Firewalld => "firewalld",
            Firewall::Ufw => "ufw",
            Firewall::Nftables(_) => "nftables",
        }
    }

    /// The lines that open `kind`'s ports before it starts and close them after it stops.
    pub fn commands(&self, kind: UnitKind) -> FirewallCommands {
        let ports = kind.ports();
        let mut out = FirewallCommands::default();
        if ports.is_empty() {
            return out;
        }
        match self {
            Firewall::None => {}
            Firewall::Firewalld => {
                for port in ports {
                    out.start_pre
                        .push(format!("-+{FIREWALL_CMD} --add-port={port}"));
                    out.stop_post
                        .push(format!("-+{FIREWALL_CMD} --remove-port={port}"));
                }
            }
            Firewall::Ufw => {
                for port in ports {
                    out.start_pre.push(format!("-+{UFW} allow {port}"));
                    out.stop_post.push(format!("-+{UFW} delete allow {port}"));
                }
            }
            Firewall::Nftables(chain) => nft_commands(chain, ports, &mut out),
        }
        out
    }
}

fn nft_commands(chain: &NftChain, ports: &[Port], out: &mut FirewallCommands) {
    let NftChain {
        family,
        table,
        chain,
    } = chain;
    let elements: Vec<String> = ports
        .iter()
        .map(|p| format!("{} . {}", p.protocol.as_str(), p.number))
        .collect();
    let elements = elements.join(", ");
    out.start_pre.push(format!(
        "-+{NFT} add set {family} {table} {NFT_SET} \"{{ type inet_proto . inet_service; }}\""
    ));
    out.start_pre.push(format!(
        "-+/bin/sh -c \"{NFT} list chain {family} {table} {chain} | grep -q @{NFT_SET} || \
         {NFT} insert rule {family} {table} {chain} meta l4proto . th dport @{NFT_SET} accept\""
    ));
    out.start_pre.push(format!(
        "-+{NFT} add element {family} {table} {NFT_SET} \"{{ {elements} }}\""
    ));
    out.stop_post.push(format!(
        "-+{NFT} delete element {family} {table} {NFT_SET} \"{{ {elements} }}\""
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firewalld_opens_and_closes_each_port() {
        let lines = Firewall::Firewalld.commands(UnitKind::Sync);
        assert_eq!(
            lines.start_pre,
            [
                "-+/usr/bin/firewall-cmd --add-port=123/udp",
                "-+/usr/bin/firewall-cmd --add-port=319/udp",
                "-+/usr/bin/firewall-cmd --add-port=320/udp",
            ]
        );
        assert_eq!(
            lines.stop_post[2],
            "-+/usr/bin/firewall-cmd --remove-port=320/udp"
        );
    }

    #[test]
    fn ufw_lines_name_the_port() {
        let lines = Firewall::Ufw.commands(UnitKind::ServeApi);
        assert_eq!(lines.start_pre, ["-+/usr/sbin/ufw allow 8088/tcp"]);
        assert_eq!(lines.stop_post, ["-+/usr/sbin/ufw delete allow 8088/tcp"]);
    }

    #[test]
    fn nftables_uses_a_set_in_the_host_chain() {
        let lines = Firewall::Nftables(NftChain::default()).commands(UnitKind::Hub);
        assert_eq!(lines.start_pre.len(), 3);
        assert!(lines.start_pre[1].contains("insert rule inet filter input"));
        assert!(lines.start_pre[2].ends_with("shiwa_ports \"{ tcp . 8080 }\""));
        assert_eq!(
            lines.stop_post,
            ["-+/usr/sbin/nft delete element inet filter shiwa_ports \"{ tcp . 8080 }\""]
        );
    }

    #[test]
    fn every_line_is_privileged_and_non_fatal() {
        let chain = Firewall::Nftables(NftChain::default());
        for fw in [Firewall::Firewalld, Firewall::Ufw, chain] {
            for kind in UnitKind::ALL {
                let lines = fw.commands(kind);
                for line in lines.start_pre.iter().chain(&lines.stop_post) {
                    assert!(line.starts_with("-+/"), "{line}");
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        for name in Firewall::NAMES {
            let fw = Firewall::from_name(name, "inet filter input").expect("known name");
            assert_eq!(fw.name(), name);
        }
        assert!(Firewall::from_name("iptables", "inet filter input").is_err());
        assert!(Firewall::from_name("nftables", "inet filter").is_err());
    }

    #[test]
    fn units_without_ports_get_no_lines() {
        let lines = Firewall::Firewalld.commands(UnitKind::ShipEs);
        assert_eq!(lines, FirewallCommands::default());
        assert_eq!(Firewall::None.commands(UnitKind::Sync), lines);
    }

    #[test]
    fn nft_chain_parses_and_rejects() {
        let chain: NftChain = "ip6 fw in_put".parse().expect("valid chain");
        assert_eq!(chain.to_string(), "ip6 fw in_put");
        assert!("inet filter".parse::<NftChain>().is_err());
        assert!("bridge filter input".parse::<NftChain>().is_err());
        assert!("inet filter in;put".parse::<NftChain>().is_err());
    }
}
