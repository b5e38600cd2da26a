//! PTP (IEEE 1588-2008, "PTPv2") without I/O: the message codec and the best master clock
//! algorithm's data set comparison.
//!
//! Nothing here reads a clock or touches a socket. A port (state machine) built on these
//! types hands received datagrams to [`PtpMessage::parse`] and sends what
//! [`PtpMessage::to_bytes`] returns; wire timestamps convert to [`crate::time`] at this
//! edge ([`PtpTimestamp::to_timestamp`], [`TimeInterval::to_duration`]).
//!
//! # Compatibility
//!
//! The byte layouts follow IEEE 1588-2008 as linuxptp (`ptp4l`, `pmc`) sends and expects
//! them:
//! - versionPTP must be 2; the 1588-2019 minorVersionPTP nibble (ptp4l 4 sends `0x12`)
//!   is accepted and kept, as are the 2019 minorSdoId and messageTypeSpecific fields.
//! - Bytes after messageLength are ignored (UDP padding). Between the fixed body and
//!   messageLength there must be whole TLVs with even lengths, as ptp4l requires.
//! - Unknown TLV types are kept as raw bytes; management data sets other than CURRENT,
//!   PARENT and TIME_PROPERTIES are kept as raw data.
//! - Encoding computes messageLength and every TLV length, padding odd TLV values with a
//!   zero byte as linuxptp pads management data.
//!
//! Parsing never panics (a property test feeds it arbitrary bytes) and whatever parses
//! re-encodes to a message that parses equal.

mod bmca;
mod datasets;
pub mod driver;
mod error;
mod fields;
mod header;
mod management;
mod message;
pub mod port;
mod tlv;
mod types;
mod wire;

#[cfg(test)]
mod tests;

pub use bmca::{
    DatasetComparison, DefaultDataset, ForeignMasterDataset, MAX_STEPS_REMOVED,
    best_foreign_master, compare,
};
pub use datasets::{CurrentDataSet, ParentDataSet, TimePropertiesDataSet};
pub use error::{PtpParseError, TlvProblem};
pub use fields::{MessageType, PtpFlags, TimePropertiesFlags, TimeSource};
pub use header::{HEADER_LEN, LOG_INTERVAL_UNSPECIFIED, PTP_VERSION, PtpHeader};
pub use management::{
    ManagementAction, ManagementBody, ManagementData, ManagementErrorId, ManagementErrorStatus,
    ManagementId, ManagementTlv, management_reply,
};
pub use message::{AnnounceBody, MessageBody, PtpMessage, TimestampForPort};
pub use port::{
    Port, PortAction, PortConfig, PortCounters, PortRole, PortState, PortStatus, PtpSample,
    StateChangeReason, TxKey,
};
pub use tlv::{
    CancelUnicastTransmission, GrantUnicastTransmission, RequestUnicastTransmission,
    TLV_HEADER_LEN, Tlv,
};
pub use types::{ClockIdentity, ClockQuality, PortIdentity, PtpTimestamp, TimeInterval};
