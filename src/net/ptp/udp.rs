//! [`PtpUdpTransport`]: PTP over UDPv4 (IEEE 1588-2008 Annex D) — an event socket (port
//! 319) with kernel timestamps and a general socket (port 320), both on one interface and
//! members of the primary multicast group 224.0.1.129 there.
//!
//! Like ptp4l, both sockets are bound to the wildcard address (or a given one) with
//! `SO_REUSEADDR` and to the interface with `SO_BINDTODEVICE`, so several instances (one per
//! interface) can share the ports. Multicast is sent through the interface
//! (`IP_MULTICAST_IF`), with TTL 1 and without local loopback unless asked.
//!
//! Timestamps: only the event socket collects them (general messages are never
//! timestamped in PTP), so general messages arrive with `rx: None`.

use super::message::{PtpDestination, PtpPort, PtpReceived};
use super::udp_setup;
use crate::net::interface::Interface;
use crate::net::options::{SocketOptions, Timestamping};
use crate::net::udp::{Received, TimestampedUdpSocket, TxToken};
use crate::net::{NetError, setup};
use crate::time::Timestamp;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};

/// The PTP primary multicast group for UDPv4 (IEEE 1588-2008 Annex D.3).
pub const PTP_PRIMARY_MULTICAST_V4: Ipv4Addr = Ipv4Addr::new(224, 0, 1, 129);
/// The UDP port of PTP event messages.
pub const PTP_EVENT_PORT: u16 = 319;
/// The UDP port of PTP general messages.
pub const PTP_GENERAL_PORT: u16 = 320;

/// Largest general message [`PtpUdpTransport::recv`] takes whole: a UDP payload in one
/// 1500-byte Ethernet frame is at most 1472 bytes; longer ones are reported truncated.
const MAX_GENERAL_MESSAGE: usize = 2048;

/// How a [`PtpUdpTransport`] is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtpTransportConfig {
    /// The interface PTP runs on: sockets are bound to it, join the multicast group on it and
    /// send multicast through it.
    pub interface: String,
    /// The local address both sockets bind to; `0.0.0.0` (the default) receives multicast
    /// and unicast. A unicast address receives only unicast to it; the group address only
    /// multicast.
    pub bind_address: Ipv4Addr,
    /// The event socket's port (319); 0 lets the kernel choose one (tests).
    pub event_port: u16,
    /// The general socket's port (320); 0 lets the kernel choose one (tests).
    pub general_port: u16,
    /// Deliver multicast this host sends back to its own sockets (`IP_MULTICAST_LOOP`);
    /// off by default, as in ptp4l.
    pub multicast_loop: bool,
    /// TTL of multicast datagrams (`IP_MULTICAST_TTL`); 1 by default (ptp4l's
    /// `udp_ttl`): PTP multicast stays on the link.
    pub multicast_ttl: u8,
    /// DSCP (0–63) of both sockets' datagrams; `None`: the system default.
    pub dscp: Option<u8>,
    /// Timestamps of the event socket; `Hardware` needs
    /// [`enable_hardware_timestamping`](super::enable_hardware_timestamping) first.
    pub timestamping: Timestamping,
}

impl PtpTransportConfig {
    /// The defaults on `interface`: wildcard address, ports 319/320, loop off, TTL 1, no
    /// DSCP, software timestamps.
    pub fn new(interface: impl Into<String>) -> Self {
        PtpTransportConfig {
            interface: interface.into(),
            bind_address: Ipv4Addr::UNSPECIFIED,
            event_port: PTP_EVENT_PORT,
            general_port: PTP_GENERAL_PORT,
            multicast_loop: false,
            multicast_ttl: 1,
            dscp: None,
            timestamping: Timestamping::Software,
        }
    }
}

/// PTP over UDPv4 on one interface: an event and a general socket. Methods take `&self`, so a
/// receive loop and senders can share one transport (e.g. behind an `Arc`).
#[derive(Debug)]
pub struct PtpUdpTransport {
    event: TimestampedUdpSocket,
    general: TimestampedUdpSocket,
    interface: Interface,
}

impl PtpUdpTransport {
    /// Opens both sockets as `config` says. Must be called within a Tokio runtime. Errors
    /// name the address, the interface and the step that failed (binding 319/320 needs
    /// `CAP_NET_BIND_SERVICE`).
    pub fn open(config: PtpTransportConfig) -> Result<Self, NetError> {
        let event_address =
            SocketAddr::V4(SocketAddrV4::new(config.bind_address, config.event_port));
        let interface = setup::lookup_interface(&config.interface, event_address)?;
        let event = Self::open_socket(&config, &interface, config.event_port, config.timestamping)?;
        let general = Self::open_socket(
            &config,
            &interface,
            config.general_port,
            Timestamping::Disabled,
        )?;
        tracing::debug!(
            interface = interface.name(), event = %event.local_addr(),
            general = %general.local_addr(), "PTP UDPv4 transport open"
        );
        Ok(PtpUdpTransport {
            event,
            general,
            interface,
        })
    }

    /// One socket, handed to the Tokio runtime.
    fn open_socket(
        config: &PtpTransportConfig,
        interface: &Interface,
        port: u16,
        timestamping: Timestamping,
    ) -> Result<TimestampedUdpSocket, NetError> {
        let std_socket = udp_setup::ptp_udp_socket(config, interface, port, timestamping)?;
        let address = SocketAddr::V4(SocketAddrV4::new(config.bind_address, port));
        let local = std_socket.local_addr().map_err(|source| NetError::Setup {
            address,
            interface: Some(interface.name().to_owned()),
            step: "read local address",
            source,
        })?;
        let options = SocketOptions {
            interface: Some(interface.name().to_owned()),
            timestamping,
            reuse_port: false,
            dscp: config.dscp,
        };
        TimestampedUdpSocket::register(std_socket, local, &options)
    }

    /// The interface the transport runs on.
    pub fn interface(&self) -> &Interface {
        &self.interface
    }

    /// The event socket's local address (with the port the kernel chose for port 0).
    pub fn event_addr(&self) -> SocketAddr {
        self.event.local_addr()
    }

    /// The general socket's local address.
    pub fn general_addr(&self) -> SocketAddr {
        self.general.local_addr()
    }

    /// The event socket's timestamping mode.
    pub fn timestamping(&self) -> Timestamping {
        self.event.timestamping()
    }

    /// Where `destination` is for a message of class `port`: the group on this transport's
    /// own port for that class (319/320), or the peer's address as given.
    pub fn resolve(&self, destination: PtpDestination<SocketAddr>, port: PtpPort) -> SocketAddr {
        match destination {
            PtpDestination::Unicast(peer) => peer,
            PtpDestination::Multicast => {
                let local_port = match port {
                    PtpPort::Event => self.event_addr().port(),
                    PtpPort::General => self.general_addr().port(),
                };
                SocketAddr::V4(SocketAddrV4::new(PTP_PRIMARY_MULTICAST_V4, local_port))
            }
        }
    }

    /// Sends an event message; the token fetches its TX timestamp with
    /// [`tx_timestamp`](Self::tx_timestamp).
    pub async fn send_event(
        &self,
        bytes: &[u8],
        destination: PtpDestination<SocketAddr>,
    ) -> Result<TxToken, NetError> {
        let to = self.resolve(destination, PtpPort::Event);
        self.event.send_to(bytes, to).await
    }

    /// The kernel's TX timestamp of the event message `token` stands for, waiting at most
    /// `timeout`; `Ok(None)` as for [`TimestampedUdpSocket::tx_timestamp`].
    pub async fn tx_timestamp(
        &self,
        token: TxToken,
        timeout: std::time::Duration,
    ) -> Result<Option<Timestamp>, NetError> {
        self.event.tx_timestamp(token, timeout).await
    }

    /// Sends a general message (not timestamped).
    pub async fn send_general(
        &self,
        bytes: &[u8],
        destination: PtpDestination<SocketAddr>,
    ) -> Result<(), NetError> {
        let to = self.resolve(destination, PtpPort::General);
        // The general socket does not timestamp, so the token has nothing to fetch.
        let _token = self.general.send_to(bytes, to).await?;
        Ok(())
    }

    /// Waits for the next message on either socket and copies it into `buffer`.
    ///
    /// Cancel-safe: a message is consumed only when this returns it. Event messages are read
    /// straight into `buffer`; general ones through a 2048-byte buffer (longer ones are
    /// reported truncated).
    pub async fn recv(&self, buffer: &mut [u8]) -> Result<PtpReceived<SocketAddr>, NetError> {
        let mut general_buffer = [0u8; MAX_GENERAL_MESSAGE];
        tokio::select! {
            received = self.event.recv(buffer) => Ok(as_ptp(received?, PtpPort::Event)),
            received = self.general.recv(&mut general_buffer) => {
                let received = received?;
                let kept = received.len.min(buffer.len());
                buffer[..kept].copy_from_slice(&general_buffer[..kept]);
                let truncated = received.truncated || kept < received.len;
                Ok(PtpReceived {
                    len: kept,
                    truncated,
                    ..as_ptp(received, PtpPort::General)
                })
            }
        }
    }
}

/// A received datagram as a PTP message of class `port`.
fn as_ptp(received: Received, port: PtpPort) -> PtpReceived<SocketAddr> {
    PtpReceived {
        len: received.len,
        from: received.from,
        rx: received.rx,
        port,
        truncated: received.truncated,
    }
}
