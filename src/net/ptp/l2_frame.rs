//! The pure parts of PTP over L2: Ethernet header, TX report decoding, and matching TX
//! reports to the frames they stamp.
//!
//! Matching is by content, as ptp4l and chrony do: the report carries a copy of the frame as
//! the driver sent it (possibly padded to the 60-byte minimum), and the oldest frame still
//! waiting whose bytes begin that copy is the one stamped. This works on every kernel;
//! `SOF_TIMESTAMPING_OPT_ID` numbering of packet-socket frames is not relied on.

use super::mac::MacAddress;
use crate::net::control::{ErrorQueueEntry, SCM_TSTAMP_SND, TxReport, timestamp_for_mode};
use crate::net::options::Timestamping;
use nix::sys::socket::Timestamps;
use std::collections::VecDeque;

/// The PTP ethertype.
pub(super) const ETHERTYPE_PTP: u16 = 0x88F7;
/// Destination MAC, source MAC, ethertype.
pub(super) const HEADER_LEN: usize = 14;
/// The largest PTP message one standard Ethernet frame carries.
pub const MAX_PAYLOAD: usize = 1500;

/// An Ethernet header for a PTP frame from `source` to `destination`.
pub(super) fn header(destination: MacAddress, source: MacAddress) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[..6].copy_from_slice(&destination.octets());
    header[6..12].copy_from_slice(&source.octets());
    header[12..].copy_from_slice(&ETHERTYPE_PTP.to_be_bytes());
    header
}

/// The source address of a received frame whose header is `header`, if it is a PTP frame.
pub(super) fn ptp_source(header: &[u8; HEADER_LEN]) -> Option<MacAddress> {
    if header[12..] != ETHERTYPE_PTP.to_be_bytes() {
        return None;
    }
    let mut source = [0u8; 6];
    source.copy_from_slice(&header[6..12]);
    Some(MacAddress(source))
}

/// Event frames sent and not yet matched to a TX report, oldest first.
#[derive(Debug, Default)]
pub(super) struct SentFrames {
    frames: VecDeque<(u32, Vec<u8>)>,
}

impl SentFrames {
    /// How many frames wait at most; a report lost by the driver leaves its frame here until
    /// newer ones push it out.
    pub(super) const CAPACITY: usize = 64;

    /// Remembers frame `id`, forgetting the oldest when full.
    pub(super) fn insert(&mut self, id: u32, frame: Vec<u8>) {
        if self.frames.len() >= Self::CAPACITY {
            self.frames.pop_front();
        }
        self.frames.push_back((id, frame));
    }

    /// Forgets frame `id` (its send failed).
    pub(super) fn remove(&mut self, id: u32) {
        self.frames.retain(|(kept, _)| *kept != id);
    }

    /// The id of the oldest waiting frame that `reported` (the frame copy in a TX report)
    /// begins with; that frame stops waiting.
    pub(super) fn take_match(&mut self, reported: &[u8]) -> Option<u32> {
        let position = self
            .frames
            .iter()
            .position(|(_, frame)| reported.starts_with(frame))?;
        self.frames.remove(position).map(|(id, _)| id)
    }

    /// How many frames wait.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.frames.len()
    }
}

/// The fields of a `sock_extended_err` that identify a TX timestamp report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ExtendedError {
    /// `ee_errno`.
    pub errno: u32,
    /// `ee_origin`.
    pub origin: u8,
    /// `ee_info`: the report type (`SCM_TSTAMP_SND` for a sent packet).
    pub info: u32,
}

impl ExtendedError {
    /// Decodes the first 16 bytes of a `PACKET_TX_TIMESTAMP` control message (native
    /// endianness); `None` when shorter.
    pub(super) fn decode(bytes: &[u8]) -> Option<Self> {
        let word = |at: usize| {
            let chunk: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
            Some(u32::from_ne_bytes(chunk))
        };
        Some(ExtendedError {
            errno: word(0)?,
            origin: *bytes.get(4)?,
            info: word(8)?,
        })
    }
}

/// Classifies one packet-socket error-queue message from its `SCM_TIMESTAMPING` and
/// `PACKET_TX_TIMESTAMP` control messages. The id of a report is set later, by matching.
pub(super) fn packet_error_queue_entry(
    stamps: Option<Timestamps>,
    error: Option<ExtendedError>,
    mode: Timestamping,
) -> ErrorQueueEntry {
    let Some(error) = error else {
        return ErrorQueueEntry::Other {
            origin: 0,
            errno: 0,
        };
    };
    let is_send_report = error.origin == libc::SO_EE_ORIGIN_TIMESTAMPING
        && error.errno == libc::ENOMSG as u32
        && error.info == SCM_TSTAMP_SND;
    match stamps {
        Some(stamps) if is_send_report => ErrorQueueEntry::Transmitted(TxReport {
            id: 0,
            timestamp: timestamp_for_mode(mode, &stamps),
        }),
        _ => ErrorQueueEntry::Other {
            origin: error.origin,
            errno: error.errno,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;
    use nix::sys::time::TimeSpec;

    fn stamps(seconds: i64) -> Timestamps {
        Timestamps {
            system: TimeSpec::new(seconds, 1),
            hw_trans: TimeSpec::new(0, 0),
            hw_raw: TimeSpec::new(seconds + 100, 2),
        }
    }

    fn send_report() -> ExtendedError {
        ExtendedError {
            errno: libc::ENOMSG as u32,
            origin: libc::SO_EE_ORIGIN_TIMESTAMPING,
            info: SCM_TSTAMP_SND,
        }
    }

    #[test]
    fn header_round_trips_source_and_rejects_other_ethertypes() {
        let source = MacAddress([2, 0, 0, 0, 0, 7]);
        let built = header(MacAddress::PTP_PRIMARY_MULTICAST, source);
        assert_eq!(built[..6], [0x01, 0x1b, 0x19, 0, 0, 0]);
        assert_eq!(built[12..], [0x88, 0xf7]);
        assert_eq!(ptp_source(&built), Some(source));
        let mut ipv6 = built;
        ipv6[12..].copy_from_slice(&[0x86, 0xdd]);
        assert_eq!(ptp_source(&ipv6), None);
    }

    #[test]
    fn reports_match_the_oldest_frame_they_begin_with_even_when_padded() {
        let mut sent = SentFrames::default();
        sent.insert(0, b"frame-A".to_vec());
        sent.insert(1, b"frame-B".to_vec());
        sent.insert(2, b"frame-A".to_vec());
        // Padded by the driver to the minimum frame size.
        assert_eq!(sent.take_match(b"frame-B\0\0\0\0"), Some(1));
        assert_eq!(sent.take_match(b"frame-A"), Some(0));
        assert_eq!(sent.take_match(b"frame-A"), Some(2));
        assert_eq!(sent.take_match(b"frame-A"), None);
        // A report shorter than the frame (truncated) matches nothing.
        sent.insert(3, b"frame-C".to_vec());
        assert_eq!(sent.take_match(b"frame"), None);
        sent.remove(3);
        assert_eq!(sent.len(), 0);
    }

    #[test]
    fn sent_frames_are_bounded() {
        let mut sent = SentFrames::default();
        for id in 0..100u32 {
            sent.insert(id, id.to_be_bytes().to_vec());
        }
        assert_eq!(sent.len(), SentFrames::CAPACITY);
        assert_eq!(sent.take_match(&0u32.to_be_bytes()), None);
        assert_eq!(sent.take_match(&99u32.to_be_bytes()), Some(99));
    }

    #[test]
    fn extended_error_decodes_and_rejects_short_data() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&(libc::ENOMSG as u32).to_ne_bytes());
        bytes.extend_from_slice(&[libc::SO_EE_ORIGIN_TIMESTAMPING, 0, 0, 0]);
        bytes.extend_from_slice(&SCM_TSTAMP_SND.to_ne_bytes());
        bytes.extend_from_slice(&5u32.to_ne_bytes());
        assert_eq!(ExtendedError::decode(&bytes), Some(send_report()));
        assert_eq!(ExtendedError::decode(&bytes[..11]), None);
        assert_eq!(ExtendedError::decode(&[]), None);
    }

    #[test]
    fn send_reports_carry_the_timestamp_of_the_mode() {
        let software =
            packet_error_queue_entry(Some(stamps(5)), Some(send_report()), Timestamping::Software);
        let hardware =
            packet_error_queue_entry(Some(stamps(5)), Some(send_report()), Timestamping::Hardware);
        let nanos =
            |seconds: i64, nanos: i64| Some(Timestamp::from_nanos(seconds * 1_000_000_000 + nanos));
        assert_eq!(
            software,
            ErrorQueueEntry::Transmitted(TxReport {
                id: 0,
                timestamp: nanos(5, 1)
            })
        );
        assert_eq!(
            hardware,
            ErrorQueueEntry::Transmitted(TxReport {
                id: 0,
                timestamp: nanos(105, 2)
            })
        );
    }

    #[test]
    fn other_entries_are_not_send_reports() {
        let scheduled = ExtendedError {
            info: 1,
            ..send_report()
        };
        assert!(matches!(
            packet_error_queue_entry(Some(stamps(5)), Some(scheduled), Timestamping::Software),
            ErrorQueueEntry::Other { .. }
        ));
        assert_eq!(
            packet_error_queue_entry(Some(stamps(5)), None, Timestamping::Software),
            ErrorQueueEntry::Other {
                origin: 0,
                errno: 0
            }
        );
        assert!(matches!(
            packet_error_queue_entry(None, Some(send_report()), Timestamping::Software),
            ErrorQueueEntry::Other { .. }
        ));
    }
}
