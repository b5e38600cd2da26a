//! What a port returns to its driver and reports about itself.

use crate::net::ptp::{PtpDestination, PtpPort};
use crate::ptp::{
    ClockIdentity, CurrentDataSet, ParentDataSet, PortIdentity, TimePropertiesDataSet,
};
use crate::time::{Duration, Timestamp};
use std::fmt;

/// Names one sent event message whose TX timestamp the port wants back through
/// [`Port::on_tx_timestamp`](super::Port::on_tx_timestamp). Unique per port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TxKey(pub(crate) u64);

impl TxKey {
    /// The key as a number, for logs.
    pub const fn value(self) -> u64 {
        self.0
    }
}

/// What the driver does for the port.
#[must_use]
#[derive(Debug, Clone, PartialEq)]
pub enum PortAction<A> {
    /// Send `bytes` now as a message of class `port` to `destination`. With a `tx_key`,
    /// hand the message's TX timestamp to `on_tx_timestamp` with that key.
    Send {
        /// The encoded PTP message.
        bytes: Vec<u8>,
        /// Event (timestamped, UDP 319) or general (UDP 320).
        port: PtpPort,
        /// The multicast group, or the peer's address as the port received it.
        destination: PtpDestination<A>,
        /// Set on Sync (two-step) and Delay_Req.
        tx_key: Option<TxKey>,
    },
    /// A new offset measurement against the parent (slave side).
    Sample(PtpSample),
    /// The port changed state (ptp4l logs `port 1: LISTENING to MASTER on ...`).
    StateChanged {
        /// The state left.
        from: PortState,
        /// The state entered.
        to: PortState,
        /// The event that caused it.
        reason: StateChangeReason,
    },
}

/// One measurement of the local clock against the master, from a Sync/Follow_Up pair and
/// the latest Delay_Req/Delay_Resp exchange. Every timestamp is on the local clock's UTC
/// timescale: master timestamps on the PTP timescale had the master's UTC offset removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PtpSample {
    /// Local − master (positive: the local clock is ahead), as ptp4l's `master offset`.
    pub offset: Duration,
    /// The filtered one-way delay this offset was corrected with (ptp4l's `path delay`).
    pub mean_path_delay: Duration,
    /// The Sync left the master (preciseOriginTimestamp, or the one-step origin).
    pub t1: Timestamp,
    /// The Sync reached this port.
    pub t2: Timestamp,
    /// The latest Delay_Req left this port.
    pub t3: Timestamp,
    /// It reached the master.
    pub t4: Timestamp,
    /// The Sync's and Follow_Up's correction fields, summed.
    pub sync_correction: Duration,
    /// The master port.
    pub master: PortIdentity,
    /// The grandmaster it announced.
    pub grandmaster: ClockIdentity,
    /// This clock's stepsRemoved: 1 + the master's (ptp4l's currentDS).
    pub steps_removed: u16,
    /// When the offset was true, by the local clock (t2).
    pub local_time: Timestamp,
}

/// The port states of IEEE 1588-2008 §9.2.5 (DISABLED is the driver not running it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortState {
    /// Not yet started; left when [`Port::new`](super::Port::new) returns.
    Initializing,
    /// Waiting for Announces; becomes master on the receipt timeout (automatic role).
    Listening,
    /// About to be master. Not used by an ordinary clock, which is its own grandmaster
    /// when master and goes straight to [`PortState::Master`] as ptp4l does.
    PreMaster,
    /// Sending Announce and Sync, answering Delay_Req.
    Master,
    /// A better master with clockClass ≤ 127 exists and this clock is one too: silent.
    Passive,
    /// Following a newly chosen master, no complete measurement yet.
    Uncalibrated,
    /// Following the master, measuring.
    Slave,
    /// Broken. Not entered by this port (the driver decides about faults).
    Faulty,
}

impl fmt::Display for PortState {
    /// The names ptp4l logs: `LISTENING`, `MASTER`, `SLAVE`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PortState::Initializing => "INITIALIZING",
            PortState::Listening => "LISTENING",
            PortState::PreMaster => "PRE_MASTER",
            PortState::Master => "MASTER",
            PortState::Passive => "PASSIVE",
            PortState::Uncalibrated => "UNCALIBRATED",
            PortState::Slave => "SLAVE",
            PortState::Faulty => "FAULTY",
        })
    }
}

/// Why the state changed, named after ptp4l's port events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateChangeReason {
    /// The port started (`INIT_COMPLETE`).
    Initialized,
    /// No Announce from the master (or anyone) within the receipt timeout
    /// (`ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES`).
    AnnounceReceiptTimeout,
    /// The state decision made this clock the grandmaster (`RS_GRAND_MASTER`).
    RecommendedMaster,
    /// The state decision chose a foreign master to follow (`RS_SLAVE`).
    RecommendedSlave,
    /// The state decision found a better master of class ≤ 127 (`RS_PASSIVE`).
    RecommendedPassive,
    /// The first complete measurement against the new master (`MASTER_CLOCK_SELECTED`).
    MasterClockSelected,
}

impl fmt::Display for StateChangeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StateChangeReason::Initialized => "INIT_COMPLETE",
            StateChangeReason::AnnounceReceiptTimeout => "ANNOUNCE_RECEIPT_TIMEOUT_EXPIRES",
            StateChangeReason::RecommendedMaster => "RS_GRAND_MASTER",
            StateChangeReason::RecommendedSlave => "RS_SLAVE",
            StateChangeReason::RecommendedPassive => "RS_PASSIVE",
            StateChangeReason::MasterClockSelected => "MASTER_CLOCK_SELECTED",
        })
    }
}

/// Counts of what the port received, ignored and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PortCounters {
    /// Datagrams handed to `on_message`.
    pub received: u64,
    /// Datagrams that are not PTP messages shiwa can read.
    pub malformed: u64,
    /// Messages of another domain.
    pub wrong_domain: u64,
    /// Messages this port sent, looped back.
    pub own_messages: u64,
    /// Announces accepted into the foreign master table.
    pub announces: u64,
    /// Sync messages used (from the parent, while following it).
    pub syncs: u64,
    /// Follow_Up messages used.
    pub follow_ups: u64,
    /// Delay_Req answered (as master).
    pub delay_requests: u64,
    /// Delay_Resp messages used.
    pub delay_responses: u64,
    /// Signaling messages handled.
    pub signaling: u64,
    /// Management requests answered.
    pub management: u64,
    /// Sync, Follow_Up or Delay_Resp from a port that is not the parent, or that arrived
    /// in a state that does not use them.
    pub not_from_parent: u64,
    /// Follow_Up or Delay_Resp whose sequenceId matches no outstanding message.
    pub sequence_mismatch: u64,
    /// Follow_Up or Delay_Resp for an exchange already completed.
    pub duplicates: u64,
    /// Event messages that came without an RX timestamp.
    pub missing_rx_timestamp: u64,
    /// TX timestamps for unknown or expired keys, or event messages whose TX timestamp
    /// never came.
    pub missing_tx_timestamp: u64,
    /// Messages of types the port does not use (peer delay), and Announces it must not
    /// consider (stepsRemoved ≥ 255, or this clock as their grandmaster).
    pub unsupported: u64,
    /// Messages sent.
    pub sent: u64,
    /// Samples produced.
    pub samples: u64,
    /// Unicast grants given (server side).
    pub grants_given: u64,
    /// Unicast requests denied (server side).
    pub grants_denied: u64,
    /// Unicast grants that expired without renewal (server side).
    pub grants_expired: u64,
    /// Unicast requests sent (client side).
    pub unicast_requests: u64,
    /// Unicast grants received (client side, non-zero duration).
    pub grants_received: u64,
    /// Unicast refusals received (client side, duration 0).
    pub denials_received: u64,
    /// CANCEL_UNICAST_TRANSMISSION TLVs received.
    pub cancels_received: u64,
}

/// A snapshot of the port for status displays and `pmc`-style queries.
#[derive(Debug, Clone, PartialEq)]
pub struct PortStatus {
    /// This port.
    pub identity: PortIdentity,
    /// The current state.
    pub state: PortState,
    /// The domain served.
    pub domain: u8,
    /// The clockClass this clock announces (or would, as master).
    pub clock_class: u8,
    /// stepsRemoved, offsetFromMaster and meanPathDelay (zero while master).
    pub current: CurrentDataSet,
    /// The parent and grandmaster (this clock itself while master or listening).
    pub parent: ParentDataSet,
    /// The grandmaster's time properties (this clock's own while master).
    pub time_properties: TimePropertiesDataSet,
    /// The latest sample, while following a master.
    pub last_sample: Option<PtpSample>,
    /// Foreign masters whose Announces are recorded.
    pub foreign_masters: usize,
    /// Unicast clients holding at least one grant.
    pub unicast_subscribers: usize,
    /// Unicast masters that granted Announce service (client side).
    pub unicast_masters_granted: usize,
    /// What was counted.
    pub counters: PortCounters,
}
