//! The in-memory network: true time, clock offsets, path delays, losses, and the
//! responders (shiwa's server and an emulation of chrony's).

use crate::ntp::client::{ClientAction, ClientConfig, ClientEvent, NtpClient, RawSample};
use crate::ntp::packet::NtpPacket;
use crate::ntp::refid::RefId;
use crate::ntp::server::{NtpServer, ServerAction, ServerConfig, ServerState};
use crate::ntp::timestamp::NtpTimestamp;
use crate::source::Leap;
use crate::time::{Duration, Timestamp};
use std::net::SocketAddr;

/// How one exchange travels, in true time.
#[derive(Debug, Clone, Copy)]
pub struct Path {
    /// Client clock − true time.
    pub client_ahead: Duration,
    /// Server clock − true time.
    pub server_ahead: Duration,
    /// Kernel TX of the request, after the client's `on_timer` reading.
    pub client_tx_lag: Duration,
    /// Request in flight.
    pub forward: Duration,
    /// Server: RX to transmit estimate.
    pub server_processing: Duration,
    /// Server: kernel TX after the estimate (what basic mode gets wrong).
    pub server_tx_error: Duration,
    /// Response in flight.
    pub back: Duration,
    /// The request is lost.
    pub lose_request: bool,
    /// The response is lost.
    pub lose_response: bool,
}

impl Path {
    pub fn lan() -> Self {
        Path {
            client_ahead: Duration::from_micros(1_234),
            server_ahead: Duration::from_micros(-567),
            client_tx_lag: Duration::from_micros(20),
            forward: Duration::from_micros(80),
            server_processing: Duration::from_micros(10),
            server_tx_error: Duration::from_micros(30),
            back: Duration::from_micros(80),
            lose_request: false,
            lose_response: false,
        }
    }

    /// Local − reference, the truth.
    pub fn true_offset(&self) -> Duration {
        self.client_ahead - self.server_ahead
    }
}

const CLIENT: &str = "198.51.100.7:40123";
const START_SECS: i64 = 1_700_000_000;

fn synced_state(reference_time: Timestamp) -> ServerState {
    ServerState {
        leap: Leap::None,
        stratum: 1,
        reference_id: RefId::from_ascii("GPS"),
        root_delay: Duration::ZERO,
        root_dispersion: Duration::from_micros(10),
        reference_time,
        precision: -24,
    }
}

/// The responder under test: shiwa's [`NtpServer`], or an emulation of chrony 4's.
pub trait Responder {
    /// Answers `request` received at `rx`; returns the response and the key to report its
    /// kernel TX timestamp with.
    fn respond(
        &mut self,
        request: &[u8],
        rx: Timestamp,
        tx_estimate: Timestamp,
    ) -> Option<([u8; 48], NtpTimestamp)>;
    /// The kernel TX timestamp of the response identified by `key`.
    fn transmitted(&mut self, key: NtpTimestamp, tx: Timestamp);
}

pub struct Shiwa(NtpServer, ServerState);

impl Shiwa {
    pub fn new() -> Self {
        Shiwa::updated_at(poll_at(0))
    }

    pub fn updated_at(reference_time: Timestamp) -> Self {
        Shiwa(
            NtpServer::new(ServerConfig::default()),
            synced_state(reference_time),
        )
    }
}

impl Responder for Shiwa {
    fn respond(
        &mut self,
        request: &[u8],
        rx: Timestamp,
        tx_estimate: Timestamp,
    ) -> Option<([u8; 48], NtpTimestamp)> {
        let client: SocketAddr = CLIENT.parse().ok()?;
        match self.0.on_request(request, client, rx, tx_estimate, &self.1) {
            ServerAction::Respond { packet, tx_key, .. } => Some((packet, tx_key.receive)),
            _ => None,
        }
    }

    fn transmitted(&mut self, key: NtpTimestamp, tx: Timestamp) {
        let client: SocketAddr = CLIENT.parse().expect("constant address");
        let _ = self.0.on_transmitted(
            crate::ntp::server::TxKey {
                client: client.ip(),
                receive: key,
            },
            tx,
        );
    }
}

/// chrony 4's server as its `NCR_ProcessRxUnknown` reads: a TX timestamp is saved only for
/// requests that look interleaved, so a new client's third response is the first
/// interleaved one; the response's origin is the request's receive field.
#[derive(Default)]
pub struct ChronyLike {
    saved: Option<(NtpTimestamp, Timestamp)>,
}

impl Responder for ChronyLike {
    fn respond(
        &mut self,
        request: &[u8],
        rx: Timestamp,
        tx_estimate: Timestamp,
    ) -> Option<([u8; 48], NtpTimestamp)> {
        let request = NtpPacket::parse(request).ok()?;
        let looks_interleaved =
            request.version == 4 && request.origin.low_bit() && request.receive != request.transmit;
        let hit = self
            .saved
            .filter(|(rx, _)| looks_interleaved && *rx == request.origin);
        let receive = NtpTimestamp::from_timestamp(rx).with_low_bit(true);
        let state = synced_state(poll_at(0));
        let response = NtpPacket {
            leap: Leap::None,
            version: 4,
            mode: crate::ntp::packet::Mode::Server,
            stratum: state.stratum,
            poll: request.poll,
            precision: state.precision,
            root_delay: Default::default(),
            root_dispersion: Default::default(),
            reference_id: state.reference_id,
            reference_time: NtpTimestamp::from_timestamp(state.reference_time),
            origin: if hit.is_some() {
                request.receive
            } else {
                request.transmit
            },
            receive,
            transmit: NtpTimestamp::from_timestamp(hit.map_or(tx_estimate, |(_, tx)| tx))
                .with_low_bit(false),
        };
        self.saved = looks_interleaved.then_some((receive, tx_estimate));
        Some((response.to_bytes(), receive))
    }

    fn transmitted(&mut self, key: NtpTimestamp, tx: Timestamp) {
        if let Some((rx, saved_tx)) = self.saved.as_mut()
            && *rx == key
        {
            *saved_tx = tx;
        }
    }
}

/// Runs one poll at true time `now`. Returns the client's event, if a response arrived.
pub fn exchange(
    client: &mut NtpClient,
    server: &mut impl Responder,
    now: Timestamp,
    nonce: u64,
    path: &Path,
) -> Option<ClientEvent> {
    let ClientAction::Send { packet, .. } = client.on_timer(now + path.client_ahead, nonce) else {
        return None;
    };
    let departs = now + path.client_tx_lag;
    client.on_transmitted(departs + path.client_ahead);
    if path.lose_request {
        return None;
    }
    let server_rx = departs + path.forward + path.server_ahead;
    let tx_estimate = server_rx + path.server_processing;
    let (response, key) = server.respond(&packet, server_rx, tx_estimate)?;
    let server_tx = tx_estimate + path.server_tx_error;
    server.transmitted(key, server_tx);
    if path.lose_response {
        return None;
    }
    let arrives = server_tx - path.server_ahead + path.back;
    Some(client.on_response(&response, arrives + path.client_ahead))
}

pub fn sample_of(event: Option<ClientEvent>) -> RawSample {
    match event {
        Some(ClientEvent::Sample(report)) => report.raw,
        other => panic!("expected a sample, got {other:?}"),
    }
}

pub fn interleaved_client() -> NtpClient {
    let config = ClientConfig {
        interleaved: true,
        iburst: false,
        ..ClientConfig::default()
    };
    NtpClient::new(config, "server").expect("valid config")
}

pub fn poll_at(step: i64) -> Timestamp {
    Timestamp::from_secs_nanos(START_SECS + step * 16, 0)
}
