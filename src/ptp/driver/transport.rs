//! One shape over the two PTP transports, so the port loop is written once: UDPv4
//! (addresses are IPs, messages go to 319 or 320 by class) and L2 (addresses are MACs).

use crate::net::ptp::{
    MacAddress, PtpDestination, PtpL2Transport, PtpPort, PtpReceived, PtpUdpTransport,
};
use crate::time::Timestamp;
use std::fmt::{Debug, Display};
use std::future::Future;
use std::hash::Hash;
use std::net::SocketAddr;

/// How long to wait for the kernel's TX timestamp of an event message (ptp4l's
/// `tx_timestamp_timeout` is 1 ms by default; software timestamps on a loaded machine need more).
pub const TX_TIMESTAMP_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// What the port loop needs of a transport.
pub trait PtpTransport: Send + Sync + 'static {
    /// A peer's address as the port sees it.
    type Addr: Copy + Eq + Hash + Debug + Display + Send + Sync + 'static;

    /// Sends a general message (never timestamped).
    fn send_general(
        &self,
        bytes: &[u8],
        destination: PtpDestination<Self::Addr>,
    ) -> impl Future<Output = Result<(), String>> + Send;

    /// Sends an event message; with `want_tx`, returns its kernel TX timestamp (`None` when
    /// none came in time).
    fn send_event(
        &self,
        bytes: &[u8],
        destination: PtpDestination<Self::Addr>,
        want_tx: bool,
    ) -> impl Future<Output = Result<Option<Timestamp>, String>> + Send;

    /// The next message, with the sender normalised for the port (see [`Udp`]).
    fn recv(
        &self,
        buffer: &mut [u8],
    ) -> impl Future<Output = Result<PtpReceived<Self::Addr>, String>> + Send;

    /// Sends `bytes` as a message of class `port` (the TX timestamp as for
    /// [`send_event`](Self::send_event)).
    fn send(
        &self,
        bytes: &[u8],
        port: PtpPort,
        destination: PtpDestination<Self::Addr>,
        want_tx: bool,
    ) -> impl Future<Output = Result<Option<Timestamp>, String>> + Send {
        async move {
            match port {
                PtpPort::General => self.send_general(bytes, destination).await.map(|()| None),
                PtpPort::Event => self.send_event(bytes, destination, want_tx).await,
            }
        }
    }
}

/// Awaits `send`; with `want_tx`, then the TX timestamp of what it sent, from `stamp`.
async fn send_stamped<Token, SendError, StampError, Stamp>(
    send: impl Future<Output = Result<Token, SendError>>,
    want_tx: bool,
    stamp: impl FnOnce(Token) -> Stamp,
) -> Result<Option<Timestamp>, String>
where
    SendError: Display,
    StampError: Display,
    Stamp: Future<Output = Result<Option<Timestamp>, StampError>>,
{
    let token = send.await.map_err(|e| e.to_string())?;
    if !want_tx {
        return Ok(None);
    }
    stamp(token).await.map_err(|e| e.to_string())
}

/// UDPv4. The port names a peer independently of the message class, so a sender is kept as
/// its IP with the general port, and a unicast message goes to the class's port of that IP.
pub struct Udp(pub PtpUdpTransport);

impl Udp {
    fn for_class(
        &self,
        destination: PtpDestination<SocketAddr>,
        port: PtpPort,
    ) -> PtpDestination<SocketAddr> {
        let peer_port = match port {
            PtpPort::Event => self.0.event_addr().port(),
            PtpPort::General => self.0.general_addr().port(),
        };
        match destination {
            PtpDestination::Unicast(peer) => {
                PtpDestination::Unicast(SocketAddr::new(peer.ip(), peer_port))
            }
            PtpDestination::Multicast => PtpDestination::Multicast,
        }
    }
}

impl PtpTransport for Udp {
    type Addr = SocketAddr;

    async fn send_general(
        &self,
        bytes: &[u8],
        destination: PtpDestination<SocketAddr>,
    ) -> Result<(), String> {
        let destination = self.for_class(destination, PtpPort::General);
        self.0
            .send_general(bytes, destination)
            .await
            .map_err(|e| e.to_string())
    }

    async fn send_event(
        &self,
        bytes: &[u8],
        destination: PtpDestination<SocketAddr>,
        want_tx: bool,
    ) -> Result<Option<Timestamp>, String> {
        let destination = self.for_class(destination, PtpPort::Event);
        send_stamped(self.0.send_event(bytes, destination), want_tx, |token| {
            self.0.tx_timestamp(token, TX_TIMESTAMP_WAIT)
        })
        .await
    }

    async fn recv(&self, buffer: &mut [u8]) -> Result<PtpReceived<SocketAddr>, String> {
        let mut received = self.0.recv(buffer).await.map_err(|e| e.to_string())?;
        received.from = SocketAddr::new(received.from.ip(), self.0.general_addr().port());
        Ok(received)
    }
}

/// Ethernet (ethertype 0x88F7): peers are MAC addresses.
pub struct L2(pub PtpL2Transport);

impl PtpTransport for L2 {
    type Addr = MacAddress;

    async fn send_general(
        &self,
        bytes: &[u8],
        destination: PtpDestination<MacAddress>,
    ) -> Result<(), String> {
        self.0
            .send_general(bytes, destination)
            .await
            .map_err(|e| e.to_string())
    }

    async fn send_event(
        &self,
        bytes: &[u8],
        destination: PtpDestination<MacAddress>,
        want_tx: bool,
    ) -> Result<Option<Timestamp>, String> {
        send_stamped(self.0.send_event(bytes, destination), want_tx, |token| {
            self.0.tx_timestamp(token, TX_TIMESTAMP_WAIT)
        })
        .await
    }

    async fn recv(&self, buffer: &mut [u8]) -> Result<PtpReceived<MacAddress>, String> {
        self.0.recv(buffer).await.map_err(|e| e.to_string())
    }
}
