//! The PTP ordinary-clock port (IEEE 1588-2008, end-to-end delay, two-step) as a pure
//! state machine, generic over the transport's address `A` (`SocketAddr` for UDPv4,
//! `MacAddress` for L2).
//!
//! Nothing here reads a clock, touches a socket or draws ambient randomness. The driver
//! feeds the port received datagrams ([`Port::on_message`], with their RX timestamps),
//! TX timestamps of the event messages it sent ([`Port::on_tx_timestamp`]) and timer
//! expiries ([`Port::on_timer`] at [`Port::next_deadline`]); each returns
//! [`PortAction`]s: datagrams to send, offset samples for the servo, state changes to log.
//!
//! # The driver's contract
//! - Every time is the local clock (CLOCK_REALTIME or the PHC), UTC-based.
//! - `from` must name the peer independently of the message class: a UDP driver passes
//!   the sender's IP with a fixed port number (say 320) for both sockets, and when sending
//!   puts 319 or 320 per the action's `port`. The unicast master table uses the same form.
//! - Call `on_timer` once at start: it reports the INITIALIZING transition.
//!
//! # Behaviour
//! - Master: Announce and Sync at the configured intervals to the multicast group (when
//!   `multicast`) and to every unicast client with a live grant at its granted interval;
//!   two-step Follow_Up from the Sync's TX timestamp; Delay_Resp to every Delay_Req,
//!   by unicast when the request was unicast. Event messages first: the Syncs due at a
//!   moment go out before the Announces due then, so no Sync queues behind an Announce
//!   between its software TX timestamp and the wire. (Measured on a veth bridge: a Sync
//!   sent 0.1 ms after an Announce crossed in 10 µs instead of 27, and ptp4l slaves, whose
//!   one sample a second fell on those Syncs, read −10 µs.)
//! - Slave: Delay_Req at random intervals averaging 2^logMinDelayReqInterval (ptp4l's
//!   draw from [0, 2·interval)), adopting the interval the master sends in Delay_Resp;
//!   the mean path delay is a moving median of [`DELAY_FILTER_LENGTH`]; the offset is
//!   `t2 − t1 − corrections − meanPathDelay`, local − master.
//! - Timescale, as linuxptp's `clock_utc_correct` for a UTC local clock: when the parent
//!   announces ptpTimescale, its timestamps have TAI − UTC removed — the announced
//!   currentUtcOffset when currentUtcOffsetValid and timeTraceable are set, or when it is
//!   larger than `utc_offset`; `utc_offset` otherwise. As master, see
//!   [`PortConfig::ptp_timescale`].
//! - BMCA: foreign masters qualify with 2 Announces within 4 announce intervals; the state
//!   decision (§9.3.3) makes the port master when D0 beats Erbest, passive when this clock
//!   is of class ≤ [`MAX_PASSIVE_CLOCK_CLASS`], slave otherwise (the role may forbid
//!   either); an ordinary clock goes to MASTER without PRE_MASTER, as ptp4l; the
//!   announce receipt timeout is
//!   `announce_receipt_timeout` intervals plus a random fraction of one (as ptp4l).
//! - Unicast negotiation: see [`unicast_server`] and [`unicast_client`].
//! - Management: GET of CURRENT_DATA_SET, PARENT_DATA_SET and TIME_PROPERTIES_DATA_SET is
//!   answered to the requester; anything else gets MANAGEMENT_ERROR_STATUS NOT_SUPPORTED.

mod config;
mod decision;
mod filter;
mod foreign;
mod jitter;
mod management;
mod master;
mod signaling;
mod slave;
mod state;
mod transmit;
mod types;
pub mod unicast_client;
pub mod unicast_server;

#[cfg(test)]
mod tests;

pub use config::{
    DEFAULT_CLOCK_CLASS, DEFAULT_UTC_OFFSET, MAX_LOG_INTERVAL, MIN_ANNOUNCE_RECEIPT_TIMEOUT,
    MIN_LOG_INTERVAL, PRIMARY_REFERENCE_CLOCK_CLASS, PortConfig, PortRole, SLAVE_ONLY_CLOCK_CLASS,
};
pub use decision::MAX_PASSIVE_CLOCK_CLASS;
pub use filter::DELAY_FILTER_LENGTH;
pub use foreign::{FOREIGN_MASTER_THRESHOLD, FOREIGN_MASTER_TIME_WINDOW, MAX_FOREIGN_MASTERS};
pub use transmit::TX_TIMESTAMP_TIMEOUT;
pub use types::{
    PortAction, PortCounters, PortState, PortStatus, PtpSample, StateChangeReason, TxKey,
};
pub use unicast_client::{UNICAST_QUERY_INTERVAL, UNICAST_REQUEST_DURATION_SECS};
pub use unicast_server::MAX_GRANT_DURATION_SECS;

use crate::net::ptp::PtpPort;
use crate::ptp::{AnnounceBody, MessageBody, MessageType, PortIdentity, PtpHeader, PtpMessage};
use crate::time::Timestamp;
use foreign::ForeignMasters;
use jitter::Jitter;
use slave::SlaveState;
use std::collections::VecDeque;
use std::fmt::Debug;
use std::hash::Hash;
use transmit::{PendingTx, TxPurpose};
use unicast_client::UnicastClient;
use unicast_server::UnicastServer;

/// The foreign master being followed (or, while passive, the better one).
#[derive(Debug, Clone, Copy)]
struct Parent<A> {
    address: A,
    header: PtpHeader,
    announce: AnnounceBody,
}

impl<A> Parent<A> {
    fn identity(&self) -> PortIdentity {
        self.header.source_port_identity
    }
}

/// The port's own timers; unicast grants keep theirs in [`UnicastServer`].
#[derive(Debug, Clone, Copy, Default)]
struct Timers {
    /// The start-up transition is reported at the first `on_timer`.
    start: Option<Timestamp>,
    announce_receipt: Option<Timestamp>,
    announce: Option<Timestamp>,
    sync: Option<Timestamp>,
    delay_req: Option<Timestamp>,
    unicast_query: Option<Timestamp>,
}

/// One PTP ordinary-clock port. See the [module docs](self).
#[derive(Debug, Clone)]
pub struct Port<A> {
    config: PortConfig<A>,
    state: PortState,
    synchronized: bool,
    foreign: ForeignMasters<A>,
    parent: Option<Parent<A>>,
    timers: Timers,
    announce_sequence: u16,
    sync_sequence: u16,
    slave: SlaveState,
    server: UnicastServer<A>,
    client: UnicastClient<A>,
    pending_tx: VecDeque<PendingTx<A>>,
    next_tx_key: u64,
    jitter: Jitter,
    counters: PortCounters,
    queued: Vec<PortAction<A>>,
}

impl<A: Copy + Eq + Hash + Debug> Port<A> {
    /// A port that starts at `now`: LISTENING (MASTER for [`PortRole::MasterOnly`]). The
    /// transition out of INITIALIZING is returned by the first [`Port::on_timer`], whose
    /// deadline is `now`.
    pub fn new(config: PortConfig<A>, now: Timestamp) -> Self {
        let config = config.clamped();
        let client = UnicastClient::new(&config.unicast_masters);
        let mut port = Port {
            foreign: ForeignMasters::new(config.identity, config.log_announce_interval),
            slave: SlaveState::new(config.log_min_delay_req_interval),
            jitter: Jitter::new(config.seed),
            server: UnicastServer::new(),
            client,
            config,
            state: PortState::Initializing,
            synchronized: false,
            parent: None,
            timers: Timers {
                start: Some(now),
                ..Timers::default()
            },
            announce_sequence: 0,
            sync_sequence: 0,
            pending_tx: VecDeque::new(),
            next_tx_key: 1,
            counters: PortCounters::default(),
            queued: Vec::new(),
        };
        if !port.config.unicast_masters.is_empty() {
            port.timers.unicast_query = Some(now);
        }
        let (to, reason) = match port.config.role {
            PortRole::MasterOnly => (PortState::Master, StateChangeReason::RecommendedMaster),
            _ => (PortState::Listening, StateChangeReason::Initialized),
        };
        let mut queued = Vec::new();
        port.set_state(to, reason, now, &mut queued);
        port.queued = queued;
        port
    }

    /// The earliest time [`Port::on_timer`] has work to do.
    pub fn next_deadline(&self) -> Timestamp {
        let timers = self.timers;
        [
            timers.start,
            timers.announce_receipt,
            timers.announce,
            timers.sync,
            timers.delay_req,
            timers.unicast_query,
            self.server.next_deadline(),
            self.pending_tx
                .front()
                .map(|pending| pending.sent_at + TX_TIMESTAMP_TIMEOUT),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(Timestamp::from_nanos(i64::MAX))
    }

    /// Runs every timer due at `now`: sending Announce, Sync and Delay_Req, the announce
    /// receipt timeout, unicast grant expiry and the unicast client's requests.
    #[must_use]
    pub fn on_timer(&mut self, now: Timestamp) -> Vec<PortAction<A>> {
        let mut actions = std::mem::take(&mut self.queued);
        let due = |timer: Option<Timestamp>| timer.is_some_and(|at| at <= now);
        self.timers.start = None;
        self.expire_pending_tx(now);
        if due(self.timers.announce_receipt) {
            self.on_announce_receipt_timeout(now, &mut actions);
        }
        // Every Sync due goes out before any Announce due at the same moment (see the
        // module docs: event messages first).
        let unicast_due = self.take_unicast_due(now);
        if due(self.timers.sync) {
            self.timers.sync =
                Some(self.next_after(self.timers.sync, now, self.config.log_sync_interval));
            self.send_multicast_sync(now, &mut actions);
        }
        self.send_unicast_streams(&unicast_due, MessageType::Sync, now, &mut actions);
        if due(self.timers.announce) {
            self.timers.announce =
                Some(self.next_after(self.timers.announce, now, self.config.log_announce_interval));
            self.send_multicast_announce(now, &mut actions);
        }
        self.send_unicast_streams(&unicast_due, MessageType::Announce, now, &mut actions);
        if due(self.timers.delay_req) {
            self.send_delay_req(now, &mut actions);
        }
        if due(self.timers.unicast_query) {
            self.timers.unicast_query = Some(now + UNICAST_QUERY_INTERVAL);
            self.query_unicast_masters(now, &mut actions);
        }
        actions
    }

    /// One datagram received from `from` on the `port` socket (class), with its RX
    /// timestamp `rx` (needed for Sync and Delay_Req) at local time `now`.
    #[must_use]
    pub fn on_message(
        &mut self,
        bytes: &[u8],
        from: A,
        port: PtpPort,
        rx: Option<Timestamp>,
        now: Timestamp,
    ) -> Vec<PortAction<A>> {
        let mut actions = Vec::new();
        self.counters.received += 1;
        let Ok(message) = PtpMessage::parse(bytes) else {
            self.counters.malformed += 1;
            return actions;
        };
        if message.header.domain_number != self.config.domain {
            self.counters.wrong_domain += 1;
            return actions;
        }
        let source = message.header.source_port_identity;
        if source.clock_identity == self.config.identity.clock_identity {
            self.counters.own_messages += 1;
            return actions;
        }
        // Only the event socket timestamps; a general-port copy carries no usable time.
        let rx = rx.filter(|_| port == PtpPort::Event);
        let header = &message.header;
        match message.body {
            MessageBody::Announce(body) => self.on_announce(header, body, from, now, &mut actions),
            MessageBody::Sync(origin) => self.on_sync(header, origin, rx, &mut actions),
            MessageBody::FollowUp(origin) => self.on_follow_up(header, origin, &mut actions),
            MessageBody::DelayReq(_) => self.on_delay_req(header, from, rx, &mut actions),
            MessageBody::DelayResp(answer) => self.on_delay_resp(header, answer),
            MessageBody::Signaling(_) => self.on_signaling(&message, from, now, &mut actions),
            MessageBody::Management(_) => self.on_management(&message, from, now, &mut actions),
            MessageBody::PdelayReq(_)
            | MessageBody::PdelayResp(_)
            | MessageBody::PdelayRespFollowUp(_) => self.counters.unsupported += 1,
        }
        actions
    }

    /// The TX timestamp `tx` of the event message sent with `key`: sends the Follow_Up of
    /// a two-step Sync, or completes a Delay_Req's t3.
    #[must_use]
    pub fn on_tx_timestamp(
        &mut self,
        key: TxKey,
        tx: Timestamp,
        now: Timestamp,
    ) -> Vec<PortAction<A>> {
        let mut actions = Vec::new();
        self.expire_pending_tx(now);
        let Some(index) = self
            .pending_tx
            .iter()
            .position(|pending| pending.key == key)
        else {
            self.counters.missing_tx_timestamp += 1;
            return actions;
        };
        let Some(pending) = self.pending_tx.remove(index) else {
            return actions;
        };
        match pending.purpose {
            TxPurpose::Sync {
                destination,
                sequence_id,
                log_interval,
            } => self.send_follow_up(destination, sequence_id, log_interval, tx, &mut actions),
            TxPurpose::DelayReq { sequence_id } => self.on_delay_req_sent(sequence_id, tx),
        }
        actions
    }

    /// Whether the local clock is synchronised to a primary reference (GNSS, PPS), which
    /// sets the clockClass this clock announces as grandmaster: 6 when synchronised,
    /// otherwise the configured class (248 by default), and timeTraceable and
    /// frequencyTraceable with it. Holdover (class 7) is not announced: the port cannot
    /// tell how long holdover stays within its specification, so an unsynchronised clock
    /// announces the configured class at once. Slave-only ports announce nothing and
    /// stay at 255. The driver must not report synchronisation gained through this port.
    pub fn set_local_clock(&mut self, synchronized: bool) {
        self.synchronized = synchronized;
    }

    /// The local clock was stepped: timestamps taken before the step are dropped (the path
    /// delay estimate is kept), so no sample mixes the two sides of the step.
    pub fn on_clock_stepped(&mut self) {
        self.slave.clock_stepped();
    }

    /// The current state.
    pub fn state(&self) -> PortState {
        self.state
    }

    /// A snapshot for status displays.
    pub fn status(&self) -> PortStatus {
        PortStatus {
            identity: self.config.identity,
            state: self.state,
            domain: self.config.domain,
            clock_class: self.clock_class(),
            current: self.current_data_set(),
            parent: self.parent_data_set(),
            time_properties: self.time_properties(),
            last_sample: self.slave.last_sample,
            foreign_masters: self.foreign.len(),
            unicast_subscribers: self.server.subscribers(),
            unicast_masters_granted: self.client.granted_masters(),
            counters: self.counters,
        }
    }

    /// The counters.
    pub fn counters(&self) -> PortCounters {
        self.counters
    }

    /// The configuration in use (after clamping).
    pub fn config(&self) -> &PortConfig<A> {
        &self.config
    }
}
