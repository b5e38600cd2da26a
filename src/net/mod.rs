//! The only socket code: UDP sockets (NTP, PTP over UDPv4) and `AF_PACKET` sockets (PTP over
//! Ethernet) whose datagrams carry kernel timestamps.
//!
//! Timestamps come from `SO_TIMESTAMPING`: the kernel stamps a datagram when the network stack
//! receives it (RX, delivered with the datagram as a control message) and when the driver hands
//! it to the device (TX, delivered later on the socket's error queue). User-space timestamps,
//! read around `recv`/`send`, include scheduler and syscall latency (tens of µs) and are never
//! used for measurements.
//!
//! Layout, with later PTP work in mind:
//! - [`options`]: what a socket is asked for ([`SocketOptions`], [`Timestamping`]) and the
//!   `SO_TIMESTAMPING` flags each mode needs (hardware mode also needs the NIC switched on with
//!   [`ptp::enable_hardware_timestamping`] first).
//! - `control`: decoding of control messages into [`Timestamp`](crate::time::Timestamp)s and
//!   TX reports; independent of the socket type, so an `AF_PACKET` (L2 PTP) socket can reuse it.
//! - `pending`: the small store matching TX timestamps to [`TxToken`]s when they arrive out of
//!   order.
//! - [`udp`]: [`TimestampedUdpSocket`], the async socket the NTP and PTP drivers use.
//! - [`interface`]: network interface lookup by name.
//! - [`ptp`]: the PTP transports (UDPv4 event/general sockets with the 224.0.1.129 group; L2
//!   with ethertype 0x88F7) and the hardware-timestamping ioctls.
//!
//! All timestamps are `CLOCK_REALTIME` nanoseconds (software timestamps); hardware timestamps,
//! when added, are on the NIC's PTP hardware clock and are reported through the same types.

mod control;
pub mod interface;
pub mod options;
mod pending;
pub mod ptp;
mod setup;
pub mod udp;

#[cfg(test)]
mod tests;

pub use interface::Interface;
pub use options::{SocketOptions, Timestamping};
pub use udp::{Received, TimestampedUdpSocket, TxToken};

use std::net::SocketAddr;

/// What went wrong with a socket or an interface; each variant names the address, interface or
/// peer involved.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// An interface name that cannot name any interface (empty, too long, `/`, `:`, NUL or
    /// whitespace in it).
    #[error("interface {interface:?}: invalid name ({reason})")]
    InvalidInterfaceName {
        /// The name as given.
        interface: String,
        /// Why it is invalid.
        reason: &'static str,
    },
    /// The interface does not exist (or could not be looked up).
    #[error("interface {interface}: {source}")]
    Interface {
        /// The interface name.
        interface: String,
        /// The OS error (`No such device` when it does not exist).
        source: std::io::Error,
    },
    /// A DSCP value that does not fit the 6-bit field.
    #[error("UDP socket {address}: DSCP {dscp} outside 0–63")]
    InvalidDscp {
        /// The address the socket was to be bound to.
        address: SocketAddr,
        /// The value asked for.
        dscp: u8,
    },
    /// Creating, configuring or binding the socket failed.
    #[error("UDP socket {address}{}: {step}: {source}", on_interface(.interface.as_deref()))]
    Setup {
        /// The address the socket was to be bound to.
        address: SocketAddr,
        /// The interface the socket was to be bound to, if any.
        interface: Option<String>,
        /// What was being done (`bind`, `set SO_TIMESTAMPING`, ...).
        step: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// Sending a datagram failed.
    #[error("sending to {peer} from {local}: {source}")]
    Send {
        /// The socket's local address.
        local: SocketAddr,
        /// The destination.
        peer: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Receiving a datagram failed.
    #[error("receiving on {local}: {source}")]
    Receive {
        /// The socket's local address.
        local: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// Reading the error queue for a TX timestamp failed.
    #[error("TX timestamp of datagram #{id} to {peer} from {local}: {source}")]
    TxTimestamp {
        /// The socket's local address.
        local: SocketAddr,
        /// The datagram's destination.
        peer: SocketAddr,
        /// The datagram's `SOF_TIMESTAMPING_OPT_ID` number.
        id: u32,
        /// The OS error.
        source: std::io::Error,
    },
}

/// `" on interface eth0"` or nothing, for error messages.
fn on_interface(interface: Option<&str>) -> String {
    interface.map_or_else(String::new, |name| format!(" on interface {name}"))
}

impl crate::exit::HasExitStatus for NetError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        use crate::exit::ExitStatus;
        match self {
            NetError::InvalidInterfaceName { .. } | NetError::InvalidDscp { .. } => {
                ExitStatus::Config
            }
            NetError::Interface { source, .. }
            | NetError::Setup { source, .. }
            | NetError::Send { source, .. }
            | NetError::Receive { source, .. }
            | NetError::TxTimestamp { source, .. } => ExitStatus::for_io(source),
        }
    }
}
