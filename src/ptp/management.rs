//! Management messages (§15) as linuxptp's `pmc` and `ptp4l` exchange them.
//!
//! ```text
//! body   0–9    targetPortIdentity (all ones: every port of every clock)
//!        10     startingBoundaryHops
//!        11     boundaryHops
//!        12     reserved (high nibble) | actionField (low nibble)
//!        13     reserved
//! TLV    0–1    tlvType 0x0001 MANAGEMENT
//!        2–3    lengthField = 2 + data (even; odd data gets a zero pad byte)
//!        4–5    managementId
//!        6…     data: empty in a GET from `pmc -z` or older pmc; newer pmc sends a GET
//!               with the data set's size of zeros
//! ```
//!
//! The data sets decoded here are the ones ptp4l's state is read through: CURRENT, PARENT
//! and TIME_PROPERTIES; every other managementId keeps its data as raw bytes. An error
//! answer carries a MANAGEMENT_ERROR_STATUS TLV instead of the MANAGEMENT one.

use crate::ptp::datasets::{CurrentDataSet, ParentDataSet, TimePropertiesDataSet, decode_data_set};
use crate::ptp::error::TlvProblem;
use crate::ptp::fields::MessageType;
use crate::ptp::header::PtpHeader;
use crate::ptp::message::{MessageBody, PtpMessage};
use crate::ptp::tlv::{Tlv, read_value};
use crate::ptp::types::PortIdentity;
use crate::ptp::wire::{Reader, WriteExt};

/// The actionField (§15.4.1.6, table 38).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ManagementAction {
    /// 0: read a data set.
    Get,
    /// 1: write a data set.
    Set,
    /// 2: the answer to a GET or SET.
    Response,
    /// 3: run a command.
    Command,
    /// 4: the answer to a COMMAND.
    Acknowledge,
}

impl ManagementAction {
    /// From the low nibble; `None` for the reserved values.
    pub const fn from_nibble(bits: u8) -> Option<Self> {
        Some(match bits & 0x0f {
            0 => ManagementAction::Get,
            1 => ManagementAction::Set,
            2 => ManagementAction::Response,
            3 => ManagementAction::Command,
            4 => ManagementAction::Acknowledge,
            _ => return None,
        })
    }

    /// The nibble value.
    pub const fn nibble(self) -> u8 {
        self as u8
    }

    /// The action that answers this one: RESPONSE for GET and SET, ACKNOWLEDGE for
    /// COMMAND, `None` for answers.
    pub const fn reply(self) -> Option<ManagementAction> {
        match self {
            ManagementAction::Get | ManagementAction::Set => Some(ManagementAction::Response),
            ManagementAction::Command => Some(ManagementAction::Acknowledge),
            ManagementAction::Response | ManagementAction::Acknowledge => None,
        }
    }
}

/// The fixed body of a Management message; its TLVs are the message's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ManagementBody {
    /// The port addressed ([`PortIdentity::ALL`] for every port of every clock).
    pub target_port_identity: PortIdentity,
    /// Boundary clocks the message may cross, as sent.
    pub starting_boundary_hops: u8,
    /// Crossings left.
    pub boundary_hops: u8,
    /// What is asked or answered.
    pub action: ManagementAction,
}

impl ManagementBody {
    /// Length of the fixed body.
    pub const LEN: usize = 14;

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        self.target_port_identity.write(out);
        out.push(self.starting_boundary_hops);
        out.push(self.boundary_hops);
        out.push(self.action.nibble());
        out.push(0);
    }

    /// Reads the body; the action nibble is returned raw when it is reserved.
    pub(crate) fn read(reader: &mut Reader<'_>) -> Option<Result<Self, u8>> {
        let target_port_identity = PortIdentity::read(reader)?;
        let starting_boundary_hops = reader.u8()?;
        let boundary_hops = reader.u8()?;
        let action_octet = reader.u8()?;
        let _reserved = reader.u8()?;
        Some(match ManagementAction::from_nibble(action_octet) {
            Some(action) => Ok(ManagementBody {
                target_port_identity,
                starting_boundary_hops,
                boundary_hops,
                action,
            }),
            None => Err(action_octet & 0x0f),
        })
    }
}

/// A managementId (§15.5.2.3, table 40); unknown values are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ManagementId(pub u16);

impl ManagementId {
    /// 0x0000 NULL_MANAGEMENT.
    pub const NULL_MANAGEMENT: ManagementId = ManagementId(0x0000);
    /// 0x0001 CLOCK_DESCRIPTION.
    pub const CLOCK_DESCRIPTION: ManagementId = ManagementId(0x0001);
    /// 0x0002 USER_DESCRIPTION.
    pub const USER_DESCRIPTION: ManagementId = ManagementId(0x0002);
    /// 0x2000 DEFAULT_DATA_SET.
    pub const DEFAULT_DATA_SET: ManagementId = ManagementId(0x2000);
    /// 0x2001 CURRENT_DATA_SET.
    pub const CURRENT_DATA_SET: ManagementId = ManagementId(0x2001);
    /// 0x2002 PARENT_DATA_SET.
    pub const PARENT_DATA_SET: ManagementId = ManagementId(0x2002);
    /// 0x2003 TIME_PROPERTIES_DATA_SET.
    pub const TIME_PROPERTIES_DATA_SET: ManagementId = ManagementId(0x2003);
    /// 0x2004 PORT_DATA_SET.
    pub const PORT_DATA_SET: ManagementId = ManagementId(0x2004);
    /// 0x2005 PRIORITY1.
    pub const PRIORITY1: ManagementId = ManagementId(0x2005);
    /// 0x2006 PRIORITY2.
    pub const PRIORITY2: ManagementId = ManagementId(0x2006);
    /// 0x2007 DOMAIN.
    pub const DOMAIN: ManagementId = ManagementId(0x2007);
    /// 0xC000 TIME_STATUS_NP (linuxptp).
    pub const TIME_STATUS_NP: ManagementId = ManagementId(0xc000);
    /// 0xC002 PORT_DATA_SET_NP (linuxptp).
    pub const PORT_DATA_SET_NP: ManagementId = ManagementId(0xc002);
}

/// The managementErrorId of a MANAGEMENT_ERROR_STATUS TLV (§15.5.4.1.4, table 72).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ManagementErrorId(pub u16);

impl ManagementErrorId {
    /// 0x0001 RESPONSE_TOO_BIG.
    pub const RESPONSE_TOO_BIG: ManagementErrorId = ManagementErrorId(0x0001);
    /// 0x0002 NO_SUCH_ID: the managementId is unknown.
    pub const NO_SUCH_ID: ManagementErrorId = ManagementErrorId(0x0002);
    /// 0x0003 WRONG_LENGTH.
    pub const WRONG_LENGTH: ManagementErrorId = ManagementErrorId(0x0003);
    /// 0x0004 WRONG_VALUE.
    pub const WRONG_VALUE: ManagementErrorId = ManagementErrorId(0x0004);
    /// 0x0005 NOT_SETABLE.
    pub const NOT_SETABLE: ManagementErrorId = ManagementErrorId(0x0005);
    /// 0x0006 NOT_SUPPORTED: known but not implemented (ptp4l's answer to ids it lacks).
    pub const NOT_SUPPORTED: ManagementErrorId = ManagementErrorId(0x0006);
    /// 0xFFFE GENERAL_ERROR.
    pub const GENERAL_ERROR: ManagementErrorId = ManagementErrorId(0xfffe);
}

/// The MANAGEMENT TLV: which data set, and its contents.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ManagementTlv {
    /// The data set or command.
    pub management_id: ManagementId,
    /// Its data.
    pub data: ManagementData,
}

/// The data field of a MANAGEMENT TLV.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ManagementData {
    /// No data: a GET from `pmc -z`, a COMMAND, or a NULL_MANAGEMENT.
    Empty,
    /// CURRENT_DATA_SET (18 bytes).
    CurrentDataSet(CurrentDataSet),
    /// PARENT_DATA_SET (32 bytes).
    ParentDataSet(ParentDataSet),
    /// TIME_PROPERTIES_DATA_SET (4 bytes).
    TimePropertiesDataSet(TimePropertiesDataSet),
    /// The data of any other managementId, pad byte included. Odd data is padded with a
    /// zero byte when encoded.
    Raw(Vec<u8>),
}

impl ManagementTlv {
    /// A request for `management_id` with no data (what `pmc -z` sends).
    pub const fn empty(management_id: ManagementId) -> Self {
        ManagementTlv {
            management_id,
            data: ManagementData::Empty,
        }
    }

    pub(crate) fn decode(value: &[u8]) -> Result<Self, TlvProblem> {
        let (management_id, data) = read_value(value, 2, |reader| {
            Some((ManagementId(reader.u16()?), reader.rest()))
        })?;
        let expected = match management_id {
            ManagementId::CURRENT_DATA_SET => Some(CurrentDataSet::LEN),
            ManagementId::PARENT_DATA_SET => Some(ParentDataSet::LEN),
            ManagementId::TIME_PROPERTIES_DATA_SET => Some(TimePropertiesDataSet::LEN),
            _ => None,
        };
        let data = match expected {
            _ if data.is_empty() => ManagementData::Empty,
            None => ManagementData::Raw(data.to_vec()),
            Some(expected) => {
                decode_data_set(management_id, data).ok_or(TlvProblem::ManagementDataLength {
                    management_id: management_id.0,
                    length: data.len(),
                    expected,
                })?
            }
        };
        Ok(ManagementTlv {
            management_id,
            data,
        })
    }

    pub(crate) fn write_value(&self, out: &mut Vec<u8>) {
        out.put_u16(self.management_id.0);
        match &self.data {
            ManagementData::Empty => {}
            ManagementData::CurrentDataSet(set) => set.write(out),
            ManagementData::ParentDataSet(set) => set.write(out),
            ManagementData::TimePropertiesDataSet(set) => set.write(out),
            ManagementData::Raw(bytes) => out.extend_from_slice(bytes),
        }
    }
}

/// MANAGEMENT_ERROR_STATUS (§15.5.4): managementErrorId, managementId, 4 reserved bytes,
/// then an optional displayData PTPText.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ManagementErrorStatus {
    /// What went wrong.
    pub error: ManagementErrorId,
    /// The managementId of the request.
    pub management_id: ManagementId,
    /// The displayData PTPText as raw bytes (length octet, text, pad); empty when absent,
    /// as ptp4l sends it.
    pub display_data: Vec<u8>,
}

impl ManagementErrorStatus {
    /// Length of the value without displayData.
    pub const FIXED_LEN: usize = 8;

    /// `error` for `management_id`, without display text.
    pub const fn new(error: ManagementErrorId, management_id: ManagementId) -> Self {
        ManagementErrorStatus {
            error,
            management_id,
            display_data: Vec::new(),
        }
    }

    pub(crate) fn decode(value: &[u8]) -> Result<Self, TlvProblem> {
        read_value(value, Self::FIXED_LEN, |reader| {
            let error = ManagementErrorId(reader.u16()?);
            let management_id = ManagementId(reader.u16()?);
            let _reserved = reader.u32()?;
            Some(ManagementErrorStatus {
                error,
                management_id,
                display_data: reader.rest().to_vec(),
            })
        })
    }

    pub(crate) fn write_value(&self, out: &mut Vec<u8>) {
        out.put_u16(self.error.0);
        out.put_u16(self.management_id.0);
        out.put_u32(0);
        out.extend_from_slice(&self.display_data);
    }
}

/// The answer ptp4l would build to a management `request` from port `source`: RESPONSE
/// to GET/SET, ACKNOWLEDGE to COMMAND; target, sequenceId, domain and transportSpecific
/// from the request; both boundary-hop fields `startingBoundaryHops − boundaryHops` of
/// the request; carrying `tlv` (the data set, or a [`ManagementErrorStatus`]). `None`
/// when `request` is not a management request.
pub fn management_reply(
    request: &PtpMessage,
    source: PortIdentity,
    tlv: Tlv,
) -> Option<PtpMessage> {
    let MessageBody::Management(asked) = &request.body else {
        return None;
    };
    let action = asked.action.reply()?;
    let hops = asked
        .starting_boundary_hops
        .saturating_sub(asked.boundary_hops);
    let mut header = PtpHeader::new(MessageType::Management, source, request.header.sequence_id);
    header.transport_specific = request.header.transport_specific;
    header.domain_number = request.header.domain_number;
    let body = ManagementBody {
        target_port_identity: request.header.source_port_identity,
        starting_boundary_hops: hops,
        boundary_hops: hops,
        action,
    };
    Some(PtpMessage {
        header,
        body: MessageBody::Management(body),
        tlvs: vec![tlv],
    })
}
