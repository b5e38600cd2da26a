//! What a port is configured with: the Timebeat source keys (domain, priorities,
//! intervals, `server_only`, unicast service and master table, `hybrid_e2e`) plus the
//! identity, quality and timescale choices a driver fills in.

use crate::ptp::{ClockQuality, PortIdentity, TimeSource};

/// The lowest log₂ interval accepted (128 messages per second); smaller values are raised.
pub const MIN_LOG_INTERVAL: i8 = -7;
/// The highest log₂ interval accepted (about 68 minutes); larger values are lowered.
pub const MAX_LOG_INTERVAL: i8 = 12;
/// The smallest announceReceiptTimeout accepted (ptp4l's minimum); 0 and 1 are raised.
pub const MIN_ANNOUNCE_RECEIPT_TIMEOUT: u8 = 2;
/// TAI − UTC since 2017-01-01, ptp4l's default `utc_offset`.
pub const DEFAULT_UTC_OFFSET: i16 = 37;
/// clockClass of a clock that never becomes master (IEEE 1588 slave-only, as ptp4l sets it).
pub const SLAVE_ONLY_CLOCK_CLASS: u8 = 255;
/// clockClass of a grandmaster synchronised to a primary reference (GNSS, PPS).
pub const PRIMARY_REFERENCE_CLOCK_CLASS: u8 = 6;
/// clockClass of a clock that is not (ptp4l's default).
pub const DEFAULT_CLOCK_CLASS: u8 = 248;

/// Which states the port may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PortRole {
    /// Follows the best master; never becomes master (ptp4l `slaveOnly 1`, clockClass 255).
    SlaveOnly,
    /// Always master, whatever else is on the network (Timebeat `server_only`). Foreign
    /// Announces are recorded but never followed.
    MasterOnly,
    /// The IEEE 1588 state decision: master when this clock is the best, slave otherwise.
    Auto,
}

/// The configuration of one ordinary-clock port, generic over the transport's address.
///
/// Build it with [`PortConfig::new`] and change the fields that differ. Out-of-range values
/// are clamped by [`Port::new`](super::Port::new): log intervals into
/// [`MIN_LOG_INTERVAL`]..=[`MAX_LOG_INTERVAL`], the receipt timeout to at least
/// [`MIN_ANNOUNCE_RECEIPT_TIMEOUT`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortConfig<A> {
    /// This port: the clock identity (usually from the interface's MAC) and port number 1.
    pub identity: PortIdentity,
    /// domainNumber; messages of other domains are ignored.
    pub domain: u8,
    /// priority1 (lower wins the BMCA).
    pub priority1: u8,
    /// priority2.
    pub priority2: u8,
    /// The clock's quality while its clock is not synchronised to a primary reference;
    /// see [`Port::set_local_clock`](super::Port::set_local_clock) for the class used after.
    pub clock_quality: ClockQuality,
    /// Slave-only, master-only or automatic.
    pub role: PortRole,
    /// log₂ seconds between Announces (Timebeat `announce_interval`).
    pub log_announce_interval: i8,
    /// log₂ seconds between Syncs (Timebeat `sync_interval`).
    pub log_sync_interval: i8,
    /// log₂ of the mean Delay_Req interval (Timebeat `delayrequest_interval`); a master
    /// tells its slaves this value in Delay_Resp.
    pub log_min_delay_req_interval: i8,
    /// Announce intervals without an Announce from the parent before it is given up (3).
    pub announce_receipt_timeout: u8,
    /// Sends Sync with the twoStepFlag and a Follow_Up carrying the TX timestamp (true).
    /// When false, the Sync carries the `now` of the timer as its origin and no Follow_Up
    /// is sent: only useful where the send time is known in advance.
    pub two_step: bool,
    /// Sends Announce and Sync to the multicast group when master (Timebeat
    /// `serve_multicast`), and Delay_Req to it when slave (unless unicast applies).
    pub multicast: bool,
    /// Masters to request unicast service from (Timebeat `unicast_master_table`): Announce
    /// from each, then Sync and Delay_Resp from the one selected as parent.
    pub unicast_masters: Vec<A>,
    /// Grants unicast service requests when master (Timebeat `serve_unicast`).
    pub serve_unicast: bool,
    /// Unicast clients that may hold grants at once (Timebeat `max_unicast_subscribers`);
    /// taken literally, so 0 admits nobody.
    pub max_unicast_subscribers: u32,
    /// Sends Delay_Req by unicast to the master whose multicast Sync is followed (ITU-T
    /// G.8275.2 hybrid mode, ptp4l `hybrid_e2e`).
    pub hybrid_e2e: bool,
    /// TAI − UTC in seconds: announced as currentUtcOffset, added to timestamps sent on
    /// the PTP timescale, and the fallback for converting a master's time to UTC.
    pub utc_offset: i16,
    /// Announced timeSource.
    pub time_source: TimeSource,
    /// Serve the PTP timescale (true): Announce sets ptpTimescale and
    /// currentUtcOffsetValid and the timestamps sent are TAI (local UTC clock +
    /// `utc_offset`), as a grandmaster on a PHC or a Timebeat/ptp4l GM with GNSS does.
    /// False serves the ARB timescale with the local clock's UTC timestamps and those two
    /// flags clear: what ptp4l on CLOCK_REALTIME with software timestamps sends (its
    /// `time_flags` stay 0; checked against captured ptp4l 3.1.1 Announces).
    pub ptp_timescale: bool,
    /// Seed of the port's jitter for Delay_Req and announce-receipt timers (ptp4l
    /// randomises both); the driver passes a random value, tests a fixed one.
    pub seed: u64,
}

impl<A> PortConfig<A> {
    /// ptp4l's defaults for port `identity`: domain 0, priorities 128, clockClass 248 with
    /// unknown accuracy and variance, automatic role, Announce every 2 s, Sync and
    /// Delay_Req every 1 s, receipt timeout 3, two-step, multicast, no unicast, UTC offset
    /// 37 s, internal oscillator, PTP timescale, seed 0.
    pub fn new(identity: PortIdentity) -> Self {
        PortConfig {
            identity,
            domain: 0,
            priority1: 128,
            priority2: 128,
            clock_quality: ClockQuality {
                clock_class: DEFAULT_CLOCK_CLASS,
                clock_accuracy: ClockQuality::ACCURACY_UNKNOWN,
                offset_scaled_log_variance: 0xffff,
            },
            role: PortRole::Auto,
            log_announce_interval: 1,
            log_sync_interval: 0,
            log_min_delay_req_interval: 0,
            announce_receipt_timeout: 3,
            two_step: true,
            multicast: true,
            unicast_masters: Vec::new(),
            serve_unicast: false,
            max_unicast_subscribers: 0,
            hybrid_e2e: false,
            utc_offset: DEFAULT_UTC_OFFSET,
            time_source: TimeSource::INTERNAL_OSCILLATOR,
            ptp_timescale: true,
            seed: 0,
        }
    }

    /// The configuration with every value in its accepted range.
    pub(crate) fn clamped(mut self) -> Self {
        let clamp = |log: i8| log.clamp(MIN_LOG_INTERVAL, MAX_LOG_INTERVAL);
        self.log_announce_interval = clamp(self.log_announce_interval);
        self.log_sync_interval = clamp(self.log_sync_interval);
        self.log_min_delay_req_interval = clamp(self.log_min_delay_req_interval);
        self.announce_receipt_timeout = self
            .announce_receipt_timeout
            .max(MIN_ANNOUNCE_RECEIPT_TIMEOUT);
        self
    }
}
