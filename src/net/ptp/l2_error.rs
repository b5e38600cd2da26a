//! [`PtpL2Error`]: what went wrong with a PTP L2 transport; each variant names the interface.

use super::mac::MacAddress;
use crate::net::NetError;

/// What went wrong with a [`PtpL2Transport`](super::PtpL2Transport); each variant names the
/// interface, and the peer where there is one.
#[derive(Debug, thiserror::Error)]
pub enum PtpL2Error {
    /// The interface name is invalid or no such interface exists.
    #[error(transparent)]
    Interface(NetError),
    /// Creating or configuring the packet socket failed.
    #[error("PTP over Ethernet on {interface}: {step}: {source}")]
    Setup {
        /// The interface.
        interface: String,
        /// What was being done (`bind to the interface ...`, `set SO_TIMESTAMPING`, ...).
        step: &'static str,
        /// The OS error.
        source: std::io::Error,
    },
    /// The interface has no Ethernet address to send from.
    #[error("PTP over Ethernet on {interface}: the interface has no MAC address")]
    NoMacAddress {
        /// The interface.
        interface: String,
    },
    /// A message longer than one Ethernet frame carries.
    #[error(
        "PTP over Ethernet on {interface}: a {len}-byte message does not fit one frame \
         (at most {max} bytes)",
        max = super::l2_frame::MAX_PAYLOAD
    )]
    MessageTooLong {
        /// The interface.
        interface: String,
        /// The message's length.
        len: usize,
    },
    /// Sending a frame failed.
    #[error("sending a PTP frame to {destination} on {interface}: {source}")]
    Send {
        /// The interface.
        interface: String,
        /// The destination address.
        destination: MacAddress,
        /// The OS error.
        source: std::io::Error,
    },
    /// Receiving a frame failed.
    #[error("receiving PTP frames on {interface}: {source}")]
    Receive {
        /// The interface.
        interface: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Reading the error queue for a TX timestamp failed.
    #[error("TX timestamp of PTP frame #{id} to {destination} on {interface}: {source}")]
    TxTimestamp {
        /// The interface.
        interface: String,
        /// The frame's destination.
        destination: MacAddress,
        /// The frame's number on its transport.
        id: u32,
        /// The OS error.
        source: std::io::Error,
    },
}

impl crate::exit::HasExitStatus for PtpL2Error {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        use crate::exit::ExitStatus;
        match self {
            PtpL2Error::Interface(error) => error.exit_status(),
            PtpL2Error::NoMacAddress { .. } => ExitStatus::Config,
            PtpL2Error::MessageTooLong { .. } => ExitStatus::Failure,
            PtpL2Error::Setup { source, .. }
            | PtpL2Error::Send { source, .. }
            | PtpL2Error::Receive { source, .. }
            | PtpL2Error::TxTimestamp { source, .. } => ExitStatus::for_io(source),
        }
    }
}
