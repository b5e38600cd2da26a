//! The NTP server responder: answers mode-3 requests with the server's clock, in basic or
//! interleaved mode, with per-client rate limiting. Pure: the driver supplies the kernel RX
//! timestamp, a transmit estimate read just before sending, and later the kernel TX
//! timestamp (see the [module docs](crate::ntp)).

mod state;
mod table;

pub use state::{ServerState, UNSYNCHRONIZED_STRATUM};
pub use table::{ClientTable, RateDecision, RateLimit, SavedTransmit};

use crate::ntp::packet::{HEADER_LEN, Mode, NtpPacket, PacketError};
use crate::ntp::refid::{KissCode, RefId};
use crate::ntp::timestamp::{NtpShort, NtpTimestamp};
use crate::source::Leap;
use crate::time::{Duration, Timestamp};
use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// Where the transmit timestamp sits in a packet (the last 8 bytes of the header).
const TRANSMIT_OFFSET: usize = 40;

/// A kernel TX timestamp further than this from the estimate is refused.
pub const MAX_TX_DELAY: Duration = Duration::from_secs(1);

/// The responder's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Per-client rate limiting; `None` (the default, as chrony without `ratelimit`)
    /// answers every request. Clients may legitimately poll every 15 ms on a LAN.
    pub rate_limit: Option<RateLimit>,
    /// Answer interleaved requests in interleaved mode (default true, as chrony).
    pub interleaved: bool,
    /// Most clients remembered for rate limiting and interleaving (default 16 384); the
    /// least recently seen are forgotten first.
    pub max_clients: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            rate_limit: None,
            interleaved: true,
            max_clients: 16_384,
        }
    }
}

/// Identifies a response for [`NtpServer::on_transmitted`]: the client and the receive
/// timestamp the response carried (bytes 32–39 of the datagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TxKey {
    /// The client's address.
    pub client: IpAddr,
    /// The response's receive timestamp field.
    pub receive: NtpTimestamp,
}

impl TxKey {
    /// The key of a response the driver sent to `client`, read back from its bytes (e.g. the
    /// copy the kernel returns with the TX timestamp on the error queue).
    pub fn from_sent_packet(client: IpAddr, bytes: &[u8]) -> Option<TxKey> {
        let packet = NtpPacket::parse(bytes).ok()?;
        Some(TxKey {
            client,
            receive: packet.receive,
        })
    }
}

/// What to do with one request.
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerAction {
    /// Send `packet` back to the client, then hand its kernel TX timestamp to
    /// [`NtpServer::on_transmitted`] with `tx_key`.
    Respond {
        /// The response datagram.
        packet: [u8; HEADER_LEN],
        /// Its transmit timestamp is the precise one of the previous response.
        interleaved: bool,
        /// For `on_transmitted`.
        tx_key: TxKey,
    },
    /// Send a kiss-o'-death RATE: the client exceeds the rate limit.
    KissRate {
        /// The kiss-o'-death datagram.
        packet: [u8; HEADER_LEN],
    },
    /// Send nothing.
    Drop(DropReason),
}

/// Why a request got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropReason {
    /// Not a readable NTP packet.
    Malformed(PacketError),
    /// Not a client request: control (6), private (7), symmetric, broadcast, server or
    /// reserved modes are not answered.
    UnsupportedMode(Mode),
    /// Over the rate limit.
    RateLimited,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Malformed(error) => write!(f, "malformed: {error}"),
            DropReason::UnsupportedMode(mode) => write!(f, "mode {mode:?} is not answered"),
            DropReason::RateLimited => f.write_str("rate limited"),
        }
    }
}

/// Counts of what the server received and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ServerCounters {
    /// Datagrams handed to `on_request`.
    pub received: u64,
    /// Responses built.
    pub responses: u64,
    /// Of those, interleaved.
    pub interleaved: u64,
    /// Kiss-o'-death RATE packets built.
    pub kiss_rate: u64,
    /// Requests dropped by the rate limiter.
    pub rate_limited: u64,
    /// Unreadable datagrams.
    pub malformed: u64,
    /// Datagrams in a mode that is not answered.
    pub unsupported_mode: u64,
    /// Kernel TX timestamps stored for interleaved responses.
    pub tx_timestamps: u64,
}

/// The NTP responder.
#[derive(Debug, Clone)]
pub struct NtpServer {
    config: ServerConfig,
    clients: ClientTable,
    counters: ServerCounters,
}

impl NtpServer {
    /// A responder with `config`.
    pub fn new(config: ServerConfig) -> Self {
        NtpServer {
            clients: ClientTable::new(config.max_clients),
            config,
            counters: ServerCounters::default(),
        }
    }

    /// Counters so far.
    pub fn counters(&self) -> ServerCounters {
        self.counters
    }

    /// Number of clients remembered.
    pub fn known_clients(&self) -> usize {
        self.clients.len()
    }

    /// A request arrived from `client` at `rx` (kernel RX timestamp). `tx_estimate` is the
    /// clock read just before sending the answer: the transmit timestamp of a basic response.
    pub fn on_request(
        &mut self,
        request: &[u8],
        client: SocketAddr,
        rx: Timestamp,
        tx_estimate: Timestamp,
        state: &ServerState,
    ) -> ServerAction {
        self.counters.received += 1;
        let request = match NtpPacket::parse(request) {
            Ok(packet) => packet,
            Err(error) => {
                self.counters.malformed += 1;
                return ServerAction::Drop(DropReason::Malformed(error));
            }
        };
        if request.mode != Mode::Client {
            self.counters.unsupported_mode += 1;
            return ServerAction::Drop(DropReason::UnsupportedMode(request.mode));
        }
        let ip = client.ip();
        let tracking = self.config.interleaved || self.config.rate_limit.is_some();
        if tracking {
            match self.clients.admit(ip, rx, self.config.rate_limit.as_ref()) {
                RateDecision::Pass => {}
                RateDecision::Drop => {
                    self.counters.rate_limited += 1;
                    return ServerAction::Drop(DropReason::RateLimited);
                }
                RateDecision::Kiss => {
                    self.counters.kiss_rate += 1;
                    let packet = self.kiss_rate(&request, rx, tx_estimate, state.precision);
                    return ServerAction::KissRate { packet };
                }
            }
        }
        let saved = self.interleaved_transmit(&request, ip);
        let receive = NtpTimestamp::from_timestamp(rx).with_low_bit(true);
        let transmit_time = saved.map_or(tx_estimate, |saved| saved.transmit);
        let response = NtpPacket {
            leap: state.leap,
            version: request.version,
            mode: Mode::Server,
            stratum: state.wire_stratum(),
            poll: self.response_poll(request.poll),
            precision: state.precision,
            root_delay: NtpShort::from_duration(state.root_delay),
            root_dispersion: NtpShort::from_duration(state.root_dispersion_at(rx)),
            reference_id: state.reference_id,
            reference_time: reference_time(state),
            origin: if saved.is_some() {
                request.receive
            } else {
                request.transmit
            },
            receive,
            transmit: NtpTimestamp::from_timestamp(transmit_time).with_low_bit(false),
        };
        if self.config.interleaved {
            let next = SavedTransmit {
                receive,
                transmit: tx_estimate,
                precise: false,
            };
            self.clients.save(ip, next);
        }
        self.counters.responses += 1;
        if saved.is_some() {
            self.counters.interleaved += 1;
        }
        ServerAction::Respond {
            packet: response.to_bytes(),
            interleaved: saved.is_some(),
            tx_key: TxKey {
                client: ip,
                receive,
            },
        }
    }

    /// Rewrites the transmit timestamp of a basic response with a later clock reading taken
    /// just before the datagram goes out, so the time spent building it does not bias the
    /// client's offset. Interleaved responses carry a kernel timestamp and are left alone.
    pub fn restamp_transmit(packet: &mut [u8; HEADER_LEN], transmit: Timestamp) {
        let bits = NtpTimestamp::from_timestamp(transmit)
            .with_low_bit(false)
            .to_bits();
        packet[TRANSMIT_OFFSET..].copy_from_slice(&bits.to_be_bytes());
    }

    /// The kernel TX timestamp of the response identified by `key`: the transmit timestamp
    /// of the client's next interleaved response. Returns whether it was stored (it is not
    /// when interleaving is off, the client was forgotten or a newer response superseded it,
    /// or it is more than 1 s from the estimate).
    pub fn on_transmitted(&mut self, key: TxKey, tx: Timestamp) -> bool {
        let stored = self.config.interleaved
            && self
                .clients
                .update_transmit(key.client, key.receive, tx, MAX_TX_DELAY);
        if stored {
            self.counters.tx_timestamps += 1;
        }
        stored
    }

    /// The saved transmit timestamp to answer `request` with in interleaved mode, if it is
    /// an interleaved request (RFC 9769 §2, as chrony detects it): NTPv4, origin equal to
    /// the receive timestamp of our previous response to this client (whose low bit we set),
    /// and receive different from transmit.
    fn interleaved_transmit(&mut self, request: &NtpPacket, ip: IpAddr) -> Option<SavedTransmit> {
        let candidate = self.config.interleaved
            && request.version == 4
            && request.origin.low_bit()
            && request.receive != request.transmit;
        if !candidate {
            return None;
        }
        self.clients.take_saved(ip, request.origin)
    }

    fn response_poll(&self, requested: i8) -> i8 {
        match &self.config.rate_limit {
            Some(limit) => requested.max(crate::ntp::client::log2_rounded(limit.interval)),
            None => requested,
        }
    }

    fn kiss_rate(
        &self,
        request: &NtpPacket,
        rx: Timestamp,
        tx_estimate: Timestamp,
        precision: i8,
    ) -> [u8; HEADER_LEN] {
        NtpPacket {
            leap: Leap::Unsynchronized,
            version: request.version,
            mode: Mode::Server,
            stratum: 0,
            poll: self.response_poll(request.poll),
            precision,
            root_delay: NtpShort::default(),
            root_dispersion: NtpShort::default(),
            reference_id: RefId(KissCode::RATE.0),
            reference_time: NtpTimestamp::ZERO,
            origin: request.transmit,
            receive: NtpTimestamp::from_timestamp(rx).with_low_bit(true),
            transmit: NtpTimestamp::from_timestamp(tx_estimate).with_low_bit(false),
        }
        .to_bytes()
    }
}

fn reference_time(state: &ServerState) -> NtpTimestamp {
    if state.reference_time == Timestamp::EPOCH {
        NtpTimestamp::ZERO
    } else {
        NtpTimestamp::from_timestamp(state.reference_time)
    }
}

#[cfg(test)]
mod tests;
