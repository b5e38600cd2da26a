//! The NTP drivers: the only NTP code that touches sockets, clocks and timers. Each feeds a
//! pure state machine ([`NtpClient`], [`NtpServer`]) with kernel-timestamped datagrams and
//! carries out what it returns.
#![expect(
    clippy::disallowed_methods,
    reason = "drivers are where time is read and timers run"
)]

use super::client::{ClientAction, ClientConfig, ClientEvent, ClientStatus, NtpClient};
use super::server::{NtpServer, ServerAction, ServerConfig, ServerState};
use crate::clock::{Clock, SystemClock};
use crate::net::{NetError, Received, SocketOptions, TimestampedUdpSocket};
use crate::source::{SourceCommand, SourceId, SourceStatus, SourceUpdate};
use crate::time::Timestamp;
use rand::{Rng, SeedableRng, TryRng};
use std::net::SocketAddr;
use std::sync::OnceLock;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

/// How long to wait for a kernel TX timestamp after sending.
const TX_TIMESTAMP_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(100);
/// How long to wait before retrying a server name that did not resolve.
const RESOLVE_RETRY: std::time::Duration = std::time::Duration::from_secs(30);

/// The system clock, opened once (opening asks the kernel for its frequency limit).
static REALTIME: OnceLock<Result<SystemClock, String>> = OnceLock::new();

/// Reads CLOCK_REALTIME, the clock the kernel timestamps datagrams with.
pub fn realtime_now() -> Timestamp {
    let clock = REALTIME.get_or_init(|| SystemClock::new().map_err(|err| err.to_string()));
    match clock.as_ref().map(|clock| clock.now()) {
        Ok(Ok(now)) => now,
        Ok(Err(err)) => {
            tracing::error!("cannot read CLOCK_REALTIME: {err}");
            Timestamp::EPOCH
        }
        Err(err) => {
            tracing::error!("cannot open CLOCK_REALTIME: {err}");
            Timestamp::EPOCH
        }
    }
}

/// Resolves `host:port` to one socket address (the first the resolver gives).
pub async fn resolve(host: &str, port: u16) -> Result<SocketAddr, String> {
    let mut addresses = tokio::net::lookup_host((host, port))
        .await
        .map_err(|err| format!("cannot resolve {host}: {err}"))?;
    addresses
        .next()
        .ok_or_else(|| format!("cannot resolve {host}: no address"))
}

/// The wildcard address of `peer`'s family, with port 0.
fn unspecified_address(peer: SocketAddr) -> SocketAddr {
    if peer.is_ipv4() {
        ([0, 0, 0, 0], 0).into()
    } else {
        (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
    }
}

/// An unconnected UDP socket with kernel timestamps, of the address family of `peer`.
pub fn client_socket(
    peer: SocketAddr,
    interface: Option<String>,
) -> Result<TimestampedUdpSocket, NetError> {
    let options = SocketOptions {
        interface,
        ..SocketOptions::software()
    };
    TimestampedUdpSocket::bind(unspecified_address(peer), options)
}

/// A random nonce source seeded from the operating system.
pub fn nonce_rng() -> rand::rngs::StdRng {
    let mut seed = [0u8; 32];
    if let Err(err) = rand::rngs::SysRng.try_fill_bytes(&mut seed) {
        tracing::warn!("no OS randomness ({err}); NTP cookies fall back to the clock");
        seed[..8].copy_from_slice(&realtime_now().as_nanos().to_le_bytes());
    }
    rand::rngs::StdRng::from_seed(seed)
}

/// One NTP source: polls `host:port` until shutdown, sending samples and status to the engine.
pub struct ClientTask {
    /// The source's id in the engine.
    pub id: SourceId,
    /// Host name or address.
    pub host: String,
    /// UDP port.
    pub port: u16,
    /// Interface to bind to.
    pub interface: Option<String>,
    /// The association's settings.
    pub config: ClientConfig,
    /// Where samples and status go.
    pub updates: mpsc::Sender<SourceUpdate>,
    /// Commands from the engine (clock stepped, ...).
    pub commands: broadcast::Receiver<SourceCommand>,
    /// Becomes true at shutdown.
    pub shutdown: watch::Receiver<bool>,
}

impl ClientTask {
    /// Runs until shutdown.
    pub async fn run(mut self) {
        let peer = loop {
            match resolve(&self.host, self.port).await {
                Ok(peer) => break peer,
                Err(problem) => {
                    self.report_problem(problem).await;
                    if self.wait_or_shutdown(RESOLVE_RETRY).await {
                        return;
                    }
                }
            }
        };
        let socket = match RequestSocket::open(peer, self.interface.clone()) {
            Ok(socket) => socket,
            Err(err) => {
                self.report_problem(err.to_string()).await;
                let _ = self.shutdown.wait_for(|stop| *stop).await;
                return;
            }
        };
        let name = format!("{}:{}", self.host, self.port);
        let client = match NtpClient::new(self.config.clone(), name) {
            Ok(client) => client,
            Err(err) => {
                self.report_problem(err.to_string()).await;
                let _ = self.shutdown.wait_for(|stop| *stop).await;
                return;
            }
        };
        self.poll(client, socket, peer).await;
    }

    async fn poll(&mut self, mut client: NtpClient, mut socket: RequestSocket, peer: SocketAddr) {
        let mut rng = nonce_rng();
        let mut next_poll = Instant::now();
        let mut last_status = SourceStatus::default();
        let mut buffer = [0u8; 1024];
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(next_poll) => {
                    match client.on_timer(realtime_now(), rng.next_u64()) {
                        ClientAction::Send { packet, next_timer } => {
                            next_poll = Instant::now() + next_timer.to_std();
                            if let Err(err) = socket.send(&mut client, &packet).await {
                                tracing::warn!("{err}");
                            }
                        }
                        ClientAction::Stop(reason) => {
                            tracing::warn!(peer = %peer, "NTP association stopped: {reason:?}");
                            next_poll = Instant::now() + std::time::Duration::from_secs(86_400 * 365);
                        }
                    }
                }
                received = socket.recv(&mut buffer) => match received {
                    Ok(received) if received.from == peer => {
                        let Some(rx) = received.rx else { continue };
                        let event = client.on_response(&buffer[..received.len], rx);
                        self.on_event(event, &client).await;
                    }
                    Ok(received) => tracing::trace!(from = %received.from, "datagram from a stranger ignored"),
                    Err(err) => tracing::warn!("{err}"),
                },
                command = self.commands.recv() => {
                    if let Ok(SourceCommand::ShiftOffsets(_)) = command {
                        client.reset_filter();
                    }
                }
                _ = self.shutdown.changed() => return,
            }
            let status = source_status(&client.status(), peer);
            if status != last_status {
                last_status = status.clone();
                let _ = self
                    .updates
                    .send(SourceUpdate::Status {
                        id: self.id,
                        status,
                    })
                    .await;
            }
        }
    }

    async fn on_event(&mut self, event: ClientEvent, client: &NtpClient) {
        match event {
            ClientEvent::Sample(report) => {
                let filtered = client
                    .status()
                    .last_measurement
                    .map(|m| m.offset.as_nanos());
                tracing::debug!(
                    source = %client.peer(),
                    raw_offset_ns = report.raw.offset.as_nanos(),
                    delay_ns = report.raw.delay.as_nanos(),
                    filtered_offset_ns = filtered.unwrap_or_default(),
                    interleaved = report.raw.interleaved,
                    stratum = report.raw.stratum,
                    "ntp sample"
                );
                let stamps = report.raw.timestamps;
                tracing::trace!(
                    source = %client.peer(),
                    t1_ns = stamps.t1.as_nanos(),
                    t2_ns = stamps.t2.as_nanos(),
                    t3_ns = stamps.t3.as_nanos(),
                    t4_ns = stamps.t4.as_nanos(),
                    "ntp sample timestamps"
                );
                if let Some(measurement) = report.measurement {
                    let update = SourceUpdate::Sample {
                        id: self.id,
                        measurement,
                    };
                    let _ = self.updates.send(update).await;
                }
            }
            ClientEvent::Kiss(code) => {
                tracing::warn!(source = %client.peer(), "kiss-o'-death {code:?}")
            }
            ClientEvent::Rejected(reason) => {
                tracing::info!(source = %client.peer(), "sample rejected: {reason}")
            }
            ClientEvent::Ignored(reason) => {
                tracing::debug!(source = %client.peer(), "datagram ignored: {reason:?}")
            }
        }
    }

    async fn report_problem(&mut self, problem: String) {
        tracing::warn!(source = %self.host, "{problem}");
        let status = SourceStatus {
            problem: Some(problem),
            ..SourceStatus::default()
        };
        let _ = self
            .updates
            .send(SourceUpdate::Status {
                id: self.id,
                status,
            })
            .await;
    }

    /// Sleeps `span`; true when shutdown came first.
    async fn wait_or_shutdown(&mut self, span: std::time::Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(span) => false,
            _ = self.shutdown.wait_for(|stop| *stop) => true,
        }
    }
}

/// The socket of an association's latest request. Each request goes out on a fresh socket
/// (a new source port, as chronyd does by default), sent before the socket joins the
/// runtime's epoll set: see [`TimestampedUdpSocket::bind_and_send`] for the microsecond this
/// saves. Answers to an earlier request arrive at a closed socket and are dropped, as a stale
/// answer would be ignored anyway.
pub struct RequestSocket {
    peer: SocketAddr,
    options: SocketOptions,
    current: Option<TimestampedUdpSocket>,
}

impl RequestSocket {
    /// Requests to `peer`, from sockets bound to `interface` when given. Checks once that
    /// such a socket can be opened, so a missing interface is reported at start.
    pub fn open(peer: SocketAddr, interface: Option<String>) -> Result<Self, NetError> {
        let probe = client_socket(peer, interface.clone())?;
        drop(probe);
        Ok(RequestSocket {
            peer,
            options: SocketOptions {
                interface,
                ..SocketOptions::software()
            },
            current: None,
        })
    }

    /// Sends `packet` on a fresh socket and hands its kernel TX timestamp to `client`.
    pub async fn send(&mut self, client: &mut NtpClient, packet: &[u8]) -> Result<(), NetError> {
        self.current = None;
        let (socket, token) = TimestampedUdpSocket::bind_and_send(
            unspecified_address(self.peer),
            self.options.clone(),
            packet,
            self.peer,
        )?;
        match socket.tx_timestamp(token, TX_TIMESTAMP_TIMEOUT).await {
            Ok(Some(tx)) => client.on_transmitted(tx),
            Ok(None) => tracing::debug!(peer = %self.peer, "no TX timestamp"),
            Err(err) => tracing::debug!("{err}"),
        }
        self.current = Some(socket);
        Ok(())
    }

    /// The next datagram on the latest request's socket (never ready before the first send).
    pub async fn recv(&self, buffer: &mut [u8]) -> Result<Received, NetError> {
        match &self.current {
            Some(socket) => socket.recv(buffer).await,
            None => std::future::pending().await,
        }
    }
}

/// The engine's view of an association.
fn source_status(status: &ClientStatus, peer: SocketAddr) -> SourceStatus {
    let denied = matches!(status.state, super::client::AssociationState::Denied(_));
    SourceStatus {
        reachable: status.reach != 0,
        reach: status.reach,
        stratum: status.stratum,
        refid: status.reference_id.map(|id| id.to_string()),
        poll: Some(status.poll),
        address: Some(peer.to_string()),
        parent: None,
        problem: match status.state {
            super::client::AssociationState::Denied(code) => {
                Some(format!("server refused service (kiss-o'-death {code:?})"))
            }
            _ => None,
        },
        denied,
        rejected: status.counters.rejected,
        timeouts: status.counters.missed,
    }
}

/// Serves NTP on `address` until shutdown, answering with `state` (kept current by the engine).
pub async fn run_server(
    socket: TimestampedUdpSocket,
    state: watch::Receiver<ServerState>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut server = NtpServer::new(ServerConfig::default());
    let mut buffer = [0u8; 1024];
    loop {
        let received = tokio::select! {
            received = socket.recv(&mut buffer) => received,
            _ = shutdown.changed() => return,
        };
        let received = match received {
            Ok(received) => received,
            Err(err) => {
                tracing::warn!("{err}");
                continue;
            }
        };
        let tx_estimate = realtime_now();
        let rx = received.rx.unwrap_or(tx_estimate);
        let current = *state.borrow();
        match server.on_request(
            &buffer[..received.len],
            received.from,
            rx,
            tx_estimate,
            &current,
        ) {
            ServerAction::Respond {
                mut packet,
                tx_key,
                interleaved,
            } => {
                if !interleaved {
                    NtpServer::restamp_transmit(&mut packet, realtime_now());
                }
                match socket.send_to(&packet, received.from).await {
                    Ok(token) => {
                        if let Ok(Some(tx)) = socket.tx_timestamp(token, TX_TIMESTAMP_TIMEOUT).await
                        {
                            let _ = server.on_transmitted(tx_key, tx);
                        }
                    }
                    Err(err) => tracing::debug!("{err}"),
                }
            }
            ServerAction::KissRate { packet } => {
                if let Ok(token) = socket.send_to(&packet, received.from).await {
                    drop(token);
                }
            }
            ServerAction::Drop(reason) => {
                tracing::trace!(client = %received.from, "request dropped: {reason:?}");
            }
        }
    }
}
