//! What a client association returns to its driver and reports about itself.

use crate::ntp::packet::{HEADER_LEN, Mode, PacketError};
use crate::ntp::refid::{KissCode, RefId};
use crate::source::{Leap, Measurement};
use crate::time::{Duration, Timestamp};
use std::fmt;

/// What the driver does after [`NtpClient::on_timer`](super::NtpClient::on_timer).
#[must_use]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientAction {
    /// Send `packet` to the server now, hand its kernel TX timestamp to
    /// [`on_transmitted`](super::NtpClient::on_transmitted), and call `on_timer` again after
    /// `next_timer`.
    Send {
        /// The request datagram.
        packet: [u8; HEADER_LEN],
        /// When to call `on_timer` next.
        next_timer: Duration,
    },
    /// The association is over; drop it (no more timers).
    Stop(StopReason),
}

/// Why an association stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The server sent kiss-o'-death DENY or RSTR: it must not be polled again.
    Denied(KissCode),
    /// A one-shot query sent all its requests and got its last answer (or timed out).
    QueryComplete,
}

/// What one received datagram amounted to.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    /// A usable sample (boxed: it is large).
    Sample(Box<SampleReport>),
    /// The server sent a kiss-o'-death the association acted on: after RATE the poll is
    /// longer from the next timer on (a driver may re-arm its timer with
    /// [`ClientStatus::poll`]); after DENY or RSTR the association is finished.
    Kiss(KissCode),
    /// A genuine response whose sample cannot be used.
    Rejected(RejectReason),
    /// A datagram that is not a valid answer to the outstanding request; counted and dropped.
    Ignored(IgnoreReason),
}

/// A usable sample: the raw exchange, and the clock filter's output if it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleReport {
    /// This exchange's measurement, unfiltered (what `shiwa query` prints).
    pub raw: RawSample,
    /// The filter's new measurement (minimum delay of the last eight samples) for the engine,
    /// or `None` when the filter's choice is a sample already returned.
    pub measurement: Option<Measurement>,
}

/// The four timestamps of one exchange, all converted to local-era [`Timestamp`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExchangeTimestamps {
    /// Request left the client (client clock).
    pub t1: Timestamp,
    /// Request reached the server (server clock).
    pub t2: Timestamp,
    /// Response left the server (server clock).
    pub t3: Timestamp,
    /// Response reached the client (client clock).
    pub t4: Timestamp,
}

impl ExchangeTimestamps {
    /// Local − reference: `((T1 − T2) + (T4 − T3)) / 2` (the negated θ of RFC 5905).
    pub fn offset(&self) -> Duration {
        ((self.t1 - self.t2) + (self.t4 - self.t3)) / 2
    }

    /// Round-trip delay `(T4 − T1) − (T3 − T2)`; may be negative with broken timestamps.
    pub fn delay(&self) -> Duration {
        (self.t4 - self.t1) - (self.t3 - self.t2)
    }

    /// Midpoint of T1 and T4: when the offset was true, by the local clock.
    pub fn local_midpoint(&self) -> Timestamp {
        self.t1 + (self.t4 - self.t1) / 2
    }
}

/// One exchange's result with what the server said about itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawSample {
    /// Local − reference.
    pub offset: Duration,
    /// Round-trip delay (at least the sum of both precisions).
    pub delay: Duration,
    /// Error bound of this sample: both precisions plus 15 ppm of the delay.
    pub dispersion: Duration,
    /// The server's stratum.
    pub stratum: u8,
    /// The server's leap indicator.
    pub leap: Leap,
    /// The server's reference ID.
    pub reference_id: RefId,
    /// The server's root delay.
    pub root_delay: Duration,
    /// The server's root dispersion.
    pub root_dispersion: Duration,
    /// When the server's clock was last updated.
    pub reference_time: Timestamp,
    /// The server's poll field (log2 s).
    pub server_poll: i8,
    /// The server's precision (log2 s).
    pub server_precision: i8,
    /// The response's NTP version.
    pub version: u8,
    /// Measured with the interleaved timestamps (server TX from its kernel, one exchange
    /// late) rather than the basic ones.
    pub interleaved: bool,
    /// The timestamps it was computed from.
    pub timestamps: ExchangeTimestamps,
}

impl RawSample {
    /// When the sample was true, by the local clock.
    pub fn local_time(&self) -> Timestamp {
        self.timestamps.local_midpoint()
    }

    /// `(root delay + delay) / 2 + root dispersion + dispersion`: the error bound of time
    /// taken from this sample alone.
    pub fn root_distance(&self) -> Duration {
        (self.root_delay + self.delay) / 2 + self.root_dispersion + self.dispersion
    }
}

/// Why a genuine response gave no usable sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectReason {
    /// Leap indicator 3: the server is not synchronised.
    Unsynchronized,
    /// Stratum 0 without an actionable kiss code, or 16 and above.
    InvalidStratum(u8),
    /// Stratum above the configured maximum.
    StratumTooHigh {
        /// The server's stratum.
        stratum: u8,
        /// The configured maximum.
        max: u8,
    },
    /// Root distance above the configured maximum.
    RootDistanceTooLarge {
        /// The sample's root distance.
        distance: Duration,
        /// The configured maximum.
        max: Duration,
    },
    /// Receive or transmit timestamp is zero.
    MissingTimestamps,
    /// The server held the request for a negative time or more than 4 s.
    ServerIntervalInvalid(Duration),
    /// An interleaved response without a usable previous exchange to pair it with.
    NoPreviousExchange,
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::Unsynchronized => f.write_str("server is not synchronised (leap 3)"),
            RejectReason::InvalidStratum(stratum) => write!(f, "invalid stratum {stratum}"),
            RejectReason::StratumTooHigh { stratum, max } => {
                write!(f, "stratum {stratum} above the maximum {max}")
            }
            RejectReason::RootDistanceTooLarge { distance, max } => {
                write!(f, "root distance {distance} above the maximum {max}")
            }
            RejectReason::MissingTimestamps => f.write_str("zero receive or transmit timestamp"),
            RejectReason::ServerIntervalInvalid(interval) => {
                write!(f, "server processing time {interval} is not 0 to 4 s")
            }
            RejectReason::NoPreviousExchange => {
                f.write_str("interleaved response without a usable previous exchange")
            }
        }
    }
}

/// Why a datagram was not taken as the answer to the outstanding request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnoreReason {
    /// Not a readable NTP packet.
    Malformed(PacketError),
    /// Not a server (mode 4) packet.
    UnexpectedMode(Mode),
    /// The association has stopped.
    NotPolling,
    /// The origin timestamp matches no outstanding request: stale, spoofed or unsolicited.
    Bogus,
    /// A second answer to the same request, or a replay of an accepted response.
    Duplicate,
}

impl fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IgnoreReason::Malformed(error) => write!(f, "malformed: {error}"),
            IgnoreReason::UnexpectedMode(mode) => write!(f, "unexpected mode {mode:?}"),
            IgnoreReason::NotPolling => f.write_str("association stopped"),
            IgnoreReason::Bogus => f.write_str("origin timestamp matches no request"),
            IgnoreReason::Duplicate => f.write_str("duplicate or replayed response"),
        }
    }
}

/// Where an association is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssociationState {
    /// Sending requests.
    Polling,
    /// Stopped by kiss-o'-death DENY or RSTR.
    Denied(KissCode),
    /// A one-shot query is done.
    Finished,
}

/// Counts of what the association sent and received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClientCounters {
    /// Requests sent.
    pub requests: u64,
    /// Polls at which the previous request was still unanswered.
    pub missed: u64,
    /// Datagrams handed to `on_response`.
    pub received: u64,
    /// Usable samples.
    pub samples: u64,
    /// Samples taken in interleaved mode.
    pub interleaved_samples: u64,
    /// Unreadable datagrams.
    pub malformed: u64,
    /// Datagrams in another mode than 4.
    pub unexpected_mode: u64,
    /// Datagrams whose origin matched no request.
    pub bogus: u64,
    /// Duplicated or replayed responses.
    pub duplicate: u64,
    /// Kiss-o'-death packets acted on.
    pub kisses: u64,
    /// Genuine responses with an unusable sample.
    pub rejected: u64,
    /// TX timestamps refused (no request outstanding, or more than 1 s from the send time).
    pub tx_timestamps_refused: u64,
}

/// A snapshot of an association for status displays and the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientStatus {
    /// The server's name as configured.
    pub peer: String,
    /// Polling, denied or finished.
    pub state: AssociationState,
    /// Reach register: bit 0 is the latest poll, set when it got a usable answer.
    pub reach: u8,
    /// Current poll interval (longer than configured after a KoD RATE).
    pub poll: Duration,
    /// True while the initial burst runs.
    pub in_burst: bool,
    /// The server's stratum from its last valid response.
    pub stratum: Option<u8>,
    /// The server's reference ID from its last valid response.
    pub reference_id: Option<RefId>,
    /// The server's leap indicator from its last valid response.
    pub leap: Option<Leap>,
    /// The last usable raw sample.
    pub last_sample: Option<RawSample>,
    /// The clock filter's current choice.
    pub last_measurement: Option<Measurement>,
    /// The last kiss code acted on.
    pub last_kiss: Option<KissCode>,
    /// Counters.
    pub counters: ClientCounters,
}
