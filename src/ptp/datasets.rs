//! The management data sets decoded by name: CURRENT_DATA_SET, PARENT_DATA_SET and
//! TIME_PROPERTIES_DATA_SET, in the wire layout of IEEE 1588-2008 §15.5.3 (linuxptp's
//! `struct currentDS`, `parentDS`, `timePropertiesDS` in ds.h: 18, 32 and 4 bytes).

use crate::ptp::fields::{TimePropertiesFlags, TimeSource};
use crate::ptp::management::{ManagementData, ManagementId};
use crate::ptp::types::{ClockIdentity, ClockQuality, PortIdentity, TimeInterval};
use crate::ptp::wire::{Reader, WriteExt};

/// One of the decoded data sets, when `data` is exactly its size.
pub(crate) fn decode_data_set(management_id: ManagementId, data: &[u8]) -> Option<ManagementData> {
    let mut reader = Reader::new(data);
    let decoded = match management_id {
        ManagementId::CURRENT_DATA_SET => {
            ManagementData::CurrentDataSet(CurrentDataSet::read(&mut reader)?)
        }
        ManagementId::PARENT_DATA_SET => {
            ManagementData::ParentDataSet(ParentDataSet::read(&mut reader)?)
        }
        ManagementId::TIME_PROPERTIES_DATA_SET => {
            ManagementData::TimePropertiesDataSet(TimePropertiesDataSet::read(&mut reader)?)
        }
        _ => return None,
    };
    (reader.remaining() == 0).then_some(decoded)
}

/// CURRENT_DATA_SET (§8.2.2, §15.5.3.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CurrentDataSet {
    /// Boundary clocks between this clock and the grandmaster.
    pub steps_removed: u16,
    /// Local − master, as ptp4l's `master offset` (scaled ns).
    pub offset_from_master: TimeInterval,
    /// The mean one-way path delay to the master (scaled ns).
    pub mean_path_delay: TimeInterval,
}

impl CurrentDataSet {
    /// Length on the wire.
    pub const LEN: usize = 18;

    pub(crate) fn read(reader: &mut Reader<'_>) -> Option<Self> {
        Some(CurrentDataSet {
            steps_removed: reader.u16()?,
            offset_from_master: TimeInterval(reader.i64()?),
            mean_path_delay: TimeInterval(reader.i64()?),
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put_u16(self.steps_removed);
        out.extend_from_slice(&self.offset_from_master.0.to_be_bytes());
        out.extend_from_slice(&self.mean_path_delay.0.to_be_bytes());
    }
}

/// PARENT_DATA_SET (§8.2.3, §15.5.3.3.1): parentPortIdentity, parentStats + reserved,
/// observedParentOffsetScaledLogVariance, observedParentClockPhaseChangeRate, then the
/// grandmaster's priority1, quality, priority2 and identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ParentDataSet {
    /// The master port this clock follows (its own identity when it is the grandmaster).
    pub parent_port_identity: PortIdentity,
    /// The observed parent statistics below are computed.
    pub parent_stats: bool,
    /// Observed variance of the parent's offset (0xffff: not computed).
    pub observed_parent_offset_scaled_log_variance: u16,
    /// Observed phase change rate of the parent (0x7fffffff: not computed).
    pub observed_parent_clock_phase_change_rate: i32,
    /// The grandmaster's priority1.
    pub grandmaster_priority1: u8,
    /// The grandmaster's quality.
    pub grandmaster_clock_quality: ClockQuality,
    /// The grandmaster's priority2.
    pub grandmaster_priority2: u8,
    /// The grandmaster.
    pub grandmaster_identity: ClockIdentity,
}

impl ParentDataSet {
    /// Length on the wire.
    pub const LEN: usize = 32;

    pub(crate) fn read(reader: &mut Reader<'_>) -> Option<Self> {
        let parent_port_identity = PortIdentity::read(reader)?;
        let parent_stats = reader.u8()? & 0x01 != 0;
        let _reserved = reader.u8()?;
        Some(ParentDataSet {
            parent_port_identity,
            parent_stats,
            observed_parent_offset_scaled_log_variance: reader.u16()?,
            observed_parent_clock_phase_change_rate: reader.i32()?,
            grandmaster_priority1: reader.u8()?,
            grandmaster_clock_quality: ClockQuality::read(reader)?,
            grandmaster_priority2: reader.u8()?,
            grandmaster_identity: ClockIdentity::read(reader)?,
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        self.parent_port_identity.write(out);
        out.push(u8::from(self.parent_stats));
        out.push(0);
        out.put_u16(self.observed_parent_offset_scaled_log_variance);
        out.extend_from_slice(&self.observed_parent_clock_phase_change_rate.to_be_bytes());
        out.push(self.grandmaster_priority1);
        self.grandmaster_clock_quality.write(out);
        out.push(self.grandmaster_priority2);
        self.grandmaster_identity.write(out);
    }
}

/// TIME_PROPERTIES_DATA_SET (§8.2.4, §15.5.3.4.1): currentUtcOffset, flags, timeSource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TimePropertiesDataSet {
    /// TAI − UTC in seconds.
    pub current_utc_offset: i16,
    /// leap61, leap59, UTC offset valid, PTP timescale, time and frequency traceable.
    pub flags: TimePropertiesFlags,
    /// Where the grandmaster's time comes from.
    pub time_source: TimeSource,
}

impl TimePropertiesDataSet {
    /// Length on the wire.
    pub const LEN: usize = 4;

    pub(crate) fn read(reader: &mut Reader<'_>) -> Option<Self> {
        Some(TimePropertiesDataSet {
            current_utc_offset: reader.i16()?,
            flags: TimePropertiesFlags(reader.u8()?),
            time_source: TimeSource(reader.u8()?),
        })
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.current_utc_offset.to_be_bytes());
        out.push(self.flags.0);
        out.push(self.time_source.0);
    }
}
