//! One client association: polls a server, validates its answers, keeps the reach register
//! and clock filter, and handles kiss-o'-death codes. Pure: time and randomness come in as
//! arguments (see the [module docs](crate::ntp) for the driver loop and the interleaved
//! timestamp bookkeeping).

mod config;
mod request;
mod sample;
mod types;

pub use config::{
    ClientConfig, ClientConfigError, DEFAULT_MAX_ROOT_DISTANCE, DEFAULT_POLL, IBURST_GOOD_SAMPLES,
    IBURST_MAX_REQUESTS, IBURST_SPACING, MAX_POLL, MAX_RATE_LIMITED_POLL, MIN_POLL, log2_rounded,
};
pub use sample::MAX_SERVER_INTERVAL;
pub use types::{
    AssociationState, ClientAction, ClientCounters, ClientEvent, ClientStatus, ExchangeTimestamps,
    IgnoreReason, RawSample, RejectReason, SampleReport, StopReason,
};

use crate::ntp::filter::{ClockFilter, FilterSample};
use crate::ntp::packet::{Mode, NtpPacket};
use crate::ntp::refid::{KissCode, RefId};
use crate::ntp::timestamp::NtpTimestamp;
use crate::source::{Leap, Measurement};
use crate::time::{Duration, Timestamp};
use request::{Pending, RequestParams};

/// After this many requests without a valid answer, requests go back to basic mode so a
/// server never answers with a very old transmit timestamp (chrony's MAX_CLIENT_INTERLEAVED_TX).
pub const MAX_INTERLEAVED_UNANSWERED: u32 = 4;
/// A kernel TX timestamp further than this from the send time is refused (chrony's
/// MAX_TX_DELAY).
pub const MAX_TX_DELAY: Duration = Duration::from_secs(1);
/// After a KoD RATE, this many usable samples in a row halve the raised poll again.
const RATE_RECOVERY_SAMPLES: u32 = 8;

/// The last exchange that got a valid answer: what an interleaved response pairs with.
#[derive(Debug, Clone, Copy)]
struct Previous {
    /// Cookie of the request, to route a late kernel TX timestamp here.
    request_transmit: NtpTimestamp,
    t1: Timestamp,
    t2: Timestamp,
    t4: Timestamp,
    /// The response's receive field, raw: the origin of the next interleaved request.
    server_receive: NtpTimestamp,
    /// The response's transmit field, raw: with `server_receive`, detects replays.
    server_transmit: NtpTimestamp,
    /// The server was synchronised, so its timestamps may make a sample.
    synchronized: bool,
}

#[derive(Debug, Clone, Copy)]
struct Burst {
    good_left: u32,
    requests_left: u32,
}

/// What the server said about itself in its last valid response.
#[derive(Debug, Clone, Copy)]
struct ServerView {
    stratum: u8,
    reference_id: RefId,
    leap: Leap,
}

/// A client association with one NTP server.
#[derive(Debug, Clone)]
pub struct NtpClient {
    config: ClientConfig,
    peer: String,
    state: AssociationState,
    poll: Duration,
    burst: Option<Burst>,
    requests_sent: u32,
    reach: u8,
    pending: Option<Pending>,
    previous: Option<Previous>,
    unanswered: u32,
    samples_at_raised_poll: u32,
    filter: ClockFilter,
    server: Option<ServerView>,
    last_sample: Option<RawSample>,
    last_kiss: Option<KissCode>,
    counters: ClientCounters,
}

impl NtpClient {
    /// A new association with `peer` (the server's name, for errors and status).
    pub fn new(config: ClientConfig, peer: impl Into<String>) -> Result<Self, ClientConfigError> {
        let peer = peer.into();
        config.validate(&peer)?;
        let burst = (config.iburst && config.query_count.is_none()).then_some(Burst {
            good_left: IBURST_GOOD_SAMPLES,
            requests_left: IBURST_MAX_REQUESTS,
        });
        Ok(NtpClient {
            poll: config.poll,
            config,
            peer,
            state: AssociationState::Polling,
            burst,
            requests_sent: 0,
            reach: 0,
            pending: None,
            previous: None,
            unanswered: 0,
            samples_at_raised_poll: 0,
            filter: ClockFilter::new(),
            server: None,
            last_sample: None,
            last_kiss: None,
            counters: ClientCounters::default(),
        })
    }

    /// The server's name as configured.
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// True once the association stopped (query done, or denied): the driver may end it
    /// without waiting for the next timer.
    pub fn is_finished(&self) -> bool {
        self.state != AssociationState::Polling
    }

    /// The poll timer fired (call it once at start too). `now` is the local clock;
    /// `nonce` a fresh random number from the driver, used as the request's cookie.
    pub fn on_timer(&mut self, now: Timestamp, nonce: u64) -> ClientAction {
        match self.state {
            AssociationState::Denied(code) => return ClientAction::Stop(StopReason::Denied(code)),
            AssociationState::Finished => return ClientAction::Stop(StopReason::QueryComplete),
            AssociationState::Polling => {}
        }
        if self
            .config
            .query_count
            .is_some_and(|count| self.requests_sent >= count)
        {
            self.state = AssociationState::Finished;
            return ClientAction::Stop(StopReason::QueryComplete);
        }
        self.reach <<= 1;
        if self.pending.is_some_and(|pending| !pending.answered) {
            self.counters.missed += 1;
        }
        let (packet, pending) = self.build_request(now, nonce);
        self.pending = Some(pending);
        self.unanswered = self.unanswered.saturating_add(1);
        self.requests_sent = self.requests_sent.saturating_add(1);
        self.counters.requests += 1;
        ClientAction::Send {
            packet: packet.to_bytes(),
            next_timer: self.next_interval(),
        }
    }

    /// Hands back the kernel TX timestamp of the request `on_timer` just returned. Without
    /// it, T1 is the `now` given to `on_timer`. Call it before handing over the response
    /// when possible: a sample already computed keeps the estimate (an interleaved sample
    /// made later still gets the precise value).
    pub fn on_transmitted(&mut self, tx: Timestamp) {
        let Some(pending) = self.pending.as_mut() else {
            self.counters.tx_timestamps_refused += 1;
            return;
        };
        if (tx - pending.send_time).abs() > MAX_TX_DELAY {
            self.counters.tx_timestamps_refused += 1;
            return;
        }
        pending.t1 = tx;
        if let Some(previous) = self.previous.as_mut()
            && previous.request_transmit == pending.transmit
        {
            previous.t1 = tx;
        }
    }

    /// A datagram arrived from the server at local time `rx` (its kernel RX timestamp).
    pub fn on_response(&mut self, bytes: &[u8], rx: Timestamp) -> ClientEvent {
        self.counters.received += 1;
        let packet = match NtpPacket::parse(bytes) {
            Ok(packet) => packet,
            Err(error) => {
                self.counters.malformed += 1;
                return ClientEvent::Ignored(IgnoreReason::Malformed(error));
            }
        };
        if packet.mode != Mode::Server {
            self.counters.unexpected_mode += 1;
            return ClientEvent::Ignored(IgnoreReason::UnexpectedMode(packet.mode));
        }
        if self.state != AssociationState::Polling {
            return ClientEvent::Ignored(IgnoreReason::NotPolling);
        }
        let interleaved = match self.match_request(&packet) {
            Ok(interleaved) => interleaved,
            Err(reason) => {
                match reason {
                    IgnoreReason::Duplicate => self.counters.duplicate += 1,
                    _ => self.counters.bogus += 1,
                }
                return ClientEvent::Ignored(reason);
            }
        };
        let event = self.process(&packet, interleaved, rx);
        if self
            .config
            .query_count
            .is_some_and(|count| self.requests_sent >= count)
        {
            self.state = AssociationState::Finished;
        }
        event
    }

    /// A snapshot for status displays.
    pub fn status(&self) -> ClientStatus {
        ClientStatus {
            peer: self.peer.clone(),
            state: self.state,
            reach: self.reach,
            poll: self.poll,
            in_burst: self.burst.is_some(),
            stratum: self.server.map(|s| s.stratum),
            reference_id: self.server.map(|s| s.reference_id),
            leap: self.server.map(|s| s.leap),
            last_sample: self.last_sample,
            last_measurement: self.current_measurement(),
            last_kiss: self.last_kiss,
            counters: self.counters,
        }
    }

    /// Forgets the filter's samples (call after the local clock was stepped).
    pub fn reset_filter(&mut self) {
        self.filter.clear();
    }

    fn current_measurement(&self) -> Option<Measurement> {
        let newest = self.last_sample?.local_time();
        self.filter.best(newest)
    }

    fn build_request(&self, now: Timestamp, nonce: u64) -> (NtpPacket, Pending) {
        let interleave_with = self
            .previous
            .filter(|_| self.config.interleaved && self.unanswered < MAX_INTERLEAVED_UNANSWERED)
            .map(|previous| previous.server_receive);
        let request = RequestParams {
            version: self.config.version,
            poll_log2: log2_rounded(self.poll),
            interleave_with,
            last: self.pending,
        };
        request::build(&request, now, nonce)
    }

    fn next_interval(&mut self) -> Duration {
        if let Some(count) = self.config.query_count {
            return if self.requests_sent < count {
                self.config.poll
            } else {
                self.config.response_timeout
            };
        }
        if let Some(burst) = self.burst.as_mut() {
            burst.requests_left = burst.requests_left.saturating_sub(1);
            if burst.requests_left > 0 && burst.good_left > 0 {
                return IBURST_SPACING.min(self.poll);
            }
            self.burst = None;
        }
        self.poll
    }

    /// Whether `packet` answers the outstanding request: `Ok(true)` for an interleaved
    /// answer (origin = our receive marker), `Ok(false)` for a basic one (origin = cookie).
    fn match_request(&self, packet: &NtpPacket) -> Result<bool, IgnoreReason> {
        let pending = self.pending.ok_or(IgnoreReason::Bogus)?;
        let interleaved = if packet.origin == pending.transmit {
            false
        } else if pending.receive_marker == Some(packet.origin) {
            true
        } else {
            return Err(IgnoreReason::Bogus);
        };
        let replayed = self.previous.is_some_and(|previous| {
            previous.server_receive == packet.receive && previous.server_transmit == packet.transmit
        });
        if pending.answered || replayed {
            return Err(IgnoreReason::Duplicate);
        }
        Ok(interleaved)
    }

    fn process(&mut self, packet: &NtpPacket, interleaved: bool, rx: Timestamp) -> ClientEvent {
        let Some(pending) = self.pending.as_mut() else {
            return ClientEvent::Ignored(IgnoreReason::Bogus);
        };
        pending.answered = true;
        let pending = *pending;
        if let Some(code) = packet.kiss_code().filter(|code| is_actionable(*code)) {
            return self.handle_kiss(code, packet);
        }
        if packet.receive.is_zero() || packet.transmit.is_zero() {
            self.counters.rejected += 1;
            return ClientEvent::Rejected(RejectReason::MissingTimestamps);
        }
        let t2 = packet.receive.to_timestamp(rx);
        let t3 = packet.transmit.to_timestamp(rx);
        let timestamps = if interleaved {
            self.previous
                .filter(|p| p.synchronized)
                .map(|p| ExchangeTimestamps {
                    t1: p.t1,
                    t2: p.t2,
                    t3,
                    t4: p.t4,
                })
        } else {
            Some(ExchangeTimestamps {
                t1: pending.t1,
                t2,
                t3,
                t4: rx,
            })
        };
        self.previous = Some(Previous {
            request_transmit: pending.transmit,
            t1: pending.t1,
            t2,
            t4: rx,
            server_receive: packet.receive,
            server_transmit: packet.transmit,
            synchronized: sample::is_synchronized(packet),
        });
        self.unanswered = 0;
        self.server = Some(ServerView {
            stratum: packet.stratum,
            reference_id: packet.reference_id,
            leap: packet.leap,
        });
        let result = timestamps
            .ok_or(RejectReason::NoPreviousExchange)
            .and_then(|timestamps| {
                sample::evaluate(packet, timestamps, interleaved, &self.config, rx)
            });
        match result {
            Ok(raw) => self.accept(raw),
            Err(reason) => {
                self.counters.rejected += 1;
                ClientEvent::Rejected(reason)
            }
        }
    }

    fn accept(&mut self, raw: RawSample) -> ClientEvent {
        self.reach |= 1;
        self.counters.samples += 1;
        if raw.interleaved {
            self.counters.interleaved_samples += 1;
        }
        if let Some(burst) = self.burst.as_mut() {
            burst.good_left = burst.good_left.saturating_sub(1);
        }
        if self.poll > self.config.poll {
            self.samples_at_raised_poll += 1;
            if self.samples_at_raised_poll >= RATE_RECOVERY_SAMPLES {
                self.poll = (self.poll / 2).max(self.config.poll);
                self.samples_at_raised_poll = 0;
            }
        }
        self.last_sample = Some(raw);
        let measurement = self.filter.add(FilterSample {
            offset: raw.offset,
            delay: raw.delay,
            dispersion: raw.dispersion,
            time: raw.local_time(),
            root_delay: raw.root_delay,
            root_dispersion: raw.root_dispersion,
            stratum: raw.stratum,
            leap: raw.leap,
        });
        ClientEvent::Sample(Box::new(SampleReport { raw, measurement }))
    }

    fn handle_kiss(&mut self, code: KissCode, packet: &NtpPacket) -> ClientEvent {
        self.counters.kisses += 1;
        self.last_kiss = Some(code);
        if code.is_access_denied() {
            self.state = AssociationState::Denied(code);
            self.pending = None;
        } else {
            // RATE: at least double the poll, and at least what the server asks for.
            let ceiling = MAX_RATE_LIMITED_POLL.max(self.config.poll);
            let asked = Duration::from_log2_secs(packet.poll.clamp(-7, 17));
            self.poll = (self.poll * 2).max(asked).clamp(self.config.poll, ceiling);
            self.samples_at_raised_poll = 0;
            self.burst = None;
        }
        ClientEvent::Kiss(code)
    }
}

fn is_actionable(code: KissCode) -> bool {
    code == KissCode::RATE || code.is_access_denied()
}

#[cfg(test)]
mod tests;
