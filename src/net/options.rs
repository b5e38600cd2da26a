//! What a timestamped socket is asked for: interface, timestamping mode, port sharing, DSCP.

use nix::sys::socket::TimestampingFlag;

/// Which kernel timestamps a socket collects.
///
/// `non_exhaustive`: further modes (e.g. hardware RX with software TX) may be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Timestamping {
    /// No timestamps: [`Received::rx`](super::Received::rx) is `None` and
    /// [`tx_timestamp`](super::TimestampedUdpSocket::tx_timestamp) returns `None` at once.
    Disabled,
    /// Software timestamps on `CLOCK_REALTIME`, taken by the kernel when the stack receives a
    /// datagram and when the driver transmits it. Works on every interface, loopback included.
    #[default]
    Software,
    /// Hardware timestamps taken by the NIC on its PTP hardware clock (the raw hardware slot,
    /// `ts[2]`, of `SCM_TIMESTAMPING`), for PTP. The interface must have hardware
    /// timestamping switched on first with
    /// [`enable_hardware_timestamping`](super::ptp::enable_hardware_timestamping); without it
    /// no timestamps arrive (`rx` is `None`, TX timestamps time out).
    Hardware,
}

impl Timestamping {
    /// The `SO_TIMESTAMPING` flags this mode sets, or `None` when the option is left unset.
    ///
    /// Every mode that stamps TX asks for `OPT_ID` (each datagram's report carries its
    /// number, counted from 0 when the option is set) and `OPT_TSONLY` (the report carries no
    /// copy of the packet, so unprivileged processes get it even with
    /// `net.core.tstamp_allow_data = 0`).
    pub fn flags(self) -> Option<TimestampingFlag> {
        match self {
            Timestamping::Disabled => None,
            Timestamping::Software => Some(
                TimestampingFlag::SOF_TIMESTAMPING_SOFTWARE
                    | TimestampingFlag::SOF_TIMESTAMPING_RX_SOFTWARE
                    | TimestampingFlag::SOF_TIMESTAMPING_TX_SOFTWARE
                    | TimestampingFlag::SOF_TIMESTAMPING_OPT_ID
                    | TimestampingFlag::SOF_TIMESTAMPING_OPT_TSONLY,
            ),
            Timestamping::Hardware => Some(
                TimestampingFlag::SOF_TIMESTAMPING_RAW_HARDWARE
                    | TimestampingFlag::SOF_TIMESTAMPING_RX_HARDWARE
                    | TimestampingFlag::SOF_TIMESTAMPING_TX_HARDWARE
                    | TimestampingFlag::SOF_TIMESTAMPING_OPT_ID
                    | TimestampingFlag::SOF_TIMESTAMPING_OPT_TSONLY,
            ),
        }
    }

    /// Whether sent datagrams get TX timestamps on the error queue.
    pub fn stamps_tx(self) -> bool {
        match self {
            Timestamping::Disabled => false,
            Timestamping::Software | Timestamping::Hardware => true,
        }
    }
}

/// Options applied to a socket before it is bound.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SocketOptions {
    /// Bind the socket to this interface (`SO_BINDTODEVICE`): it then only receives datagrams
    /// that arrived on it and sends through it. `None`: any interface.
    pub interface: Option<String>,
    /// Which kernel timestamps to collect.
    pub timestamping: Timestamping,
    /// Let several sockets bind the same address and port (`SO_REUSEPORT`), e.g. a PTP event
    /// port shared by instances on different interfaces.
    pub reuse_port: bool,
    /// Differentiated Services code point (0–63) for sent datagrams (`IP_TOS` /
    /// `IPV6_TCLASS`, shifted into the upper six bits). `None`: the system default.
    pub dscp: Option<u8>,
}

impl SocketOptions {
    /// Software timestamps, no interface binding: what an NTP client or server on loopback or
    /// any routed interface needs.
    pub fn software() -> Self {
        SocketOptions::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_mode_asks_for_reports_with_ids_and_no_packet_copy() {
        let flags = Timestamping::Software.flags();
        let Some(flags) = flags else {
            panic!("software timestamping sets SO_TIMESTAMPING");
        };
        assert!(flags.contains(TimestampingFlag::SOF_TIMESTAMPING_RX_SOFTWARE));
        assert!(flags.contains(TimestampingFlag::SOF_TIMESTAMPING_TX_SOFTWARE));
        assert!(flags.contains(TimestampingFlag::SOF_TIMESTAMPING_SOFTWARE));
        assert!(flags.contains(TimestampingFlag::SOF_TIMESTAMPING_OPT_ID));
        assert!(flags.contains(TimestampingFlag::SOF_TIMESTAMPING_OPT_TSONLY));
        assert!(!flags.contains(TimestampingFlag::SOF_TIMESTAMPING_RAW_HARDWARE));
        assert!(Timestamping::Software.stamps_tx());
    }

    #[test]
    fn hardware_mode_asks_for_raw_hardware_reports_only() {
        let Some(flags) = Timestamping::Hardware.flags() else {
            panic!("hardware timestamping sets SO_TIMESTAMPING");
        };
        assert!(flags.contains(TimestampingFlag::SOF_TIMESTAMPING_RAW_HARDWARE));
        assert!(flags.contains(TimestampingFlag::SOF_TIMESTAMPING_RX_HARDWARE));
        assert!(flags.contains(TimestampingFlag::SOF_TIMESTAMPING_TX_HARDWARE));
        assert!(flags.contains(TimestampingFlag::SOF_TIMESTAMPING_OPT_ID));
        assert!(flags.contains(TimestampingFlag::SOF_TIMESTAMPING_OPT_TSONLY));
        assert!(!flags.contains(TimestampingFlag::SOF_TIMESTAMPING_SOFTWARE));
        assert!(!flags.contains(TimestampingFlag::SOF_TIMESTAMPING_TX_SOFTWARE));
        assert!(Timestamping::Hardware.stamps_tx());
    }

    #[test]
    fn disabled_mode_leaves_the_option_unset() {
        assert_eq!(Timestamping::Disabled.flags(), None);
        assert!(!Timestamping::Disabled.stamps_tx());
    }

    #[test]
    fn default_options_are_software_timestamps_on_any_interface() {
        let options = SocketOptions::software();
        assert_eq!(options.timestamping, Timestamping::Software);
        assert_eq!(options.interface, None);
        assert!(!options.reuse_port);
        assert_eq!(options.dscp, None);
    }
}
