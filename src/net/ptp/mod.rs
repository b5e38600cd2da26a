//! PTP transports with kernel timestamps: thin async I/O that moves PTP messages (bytes) in
//! and out with their RX/TX timestamps, and switches NIC hardware timestamping on. No PTP
//! protocol logic lives here.
//!
//! - [`udp`]: [`PtpUdpTransport`], PTP over UDPv4 (event port 319, general port 320,
//!   multicast 224.0.1.129).
//! - [`l2`]: [`PtpL2Transport`], PTP over Ethernet (`AF_PACKET`, ethertype 0x88F7,
//!   multicast 01-1B-19-00-00-00); `l2_frame` (headers, TX report matching) and `l2_io`
//!   (its `recvmsg` calls) beside it.
//! - [`hardware`]: `ETHTOOL_GET_TS_INFO` capability query and `SIOCSHWTSTAMP`
//!   ([`enable_hardware_timestamping`]).
//! - [`mac`]: [`MacAddress`], Ethernet addresses.
//! - [`message`]: destinations and received messages, shared by the transports.
//! - `udp_setup`: socket options of one PTP UDP socket.
//! - `sys`: the ioctls and socket options nix lacks (the only `unsafe` code here).

pub mod hardware;
pub mod l2;
mod l2_error;
mod l2_frame;
mod l2_io;
pub mod mac;
pub mod message;
mod sys;
pub mod udp;
mod udp_setup;

#[cfg(test)]
mod l2_tests;
#[cfg(test)]
mod test_support;
#[cfg(test)]
mod udp_tests;

pub use hardware::{
    HardwareRxFilter, HardwareTimestamping, HwTimestampError, TimestampingCapabilities,
    enable_hardware_timestamping, query_timestamping_capabilities,
};
pub use l2::{L2TxToken, PtpL2Error, PtpL2Transport};
pub use mac::{MacAddress, MacAddressParseError};
pub use message::{PtpDestination, PtpPort, PtpReceived};
pub use udp::{
    PTP_EVENT_PORT, PTP_GENERAL_PORT, PTP_PRIMARY_MULTICAST_V4, PtpTransportConfig, PtpUdpTransport,
};
