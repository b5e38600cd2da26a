//! Decoding of the control messages that carry kernel timestamps.
//!
//! Independent of the socket type: a UDP socket reports TX timestamps with an `IP_RECVERR` or
//! `IPV6_RECVERR` message, an `AF_PACKET` socket (L2 PTP, later) with `PACKET_TX_TIMESTAMP`;
//! both carry the same `sock_extended_err` and `SCM_TIMESTAMPING` payloads decoded here.

use super::options::Timestamping;
use crate::time::{NANOS_PER_SEC, Timestamp};
use nix::sys::socket::{ControlMessageOwned, Timestamps};
use nix::sys::time::TimeSpec;

/// `SCM_TSTAMP_SND` from `<linux/errqueue.h>` (not in the libc crate): the report's timestamp
/// was taken when the driver handed the packet to the device.
pub(super) const SCM_TSTAMP_SND: u32 = 0;

/// One TX timestamp report from the error queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TxReport {
    /// The datagram's `SOF_TIMESTAMPING_OPT_ID` number.
    pub id: u32,
    /// The timestamp; `None` when the report carried no usable one for the socket's mode
    /// (e.g. a software report on a hardware-timestamping socket).
    pub timestamp: Option<Timestamp>,
}

/// What one error-queue message was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ErrorQueueEntry {
    /// A TX timestamp report (`SCM_TSTAMP_SND`).
    Transmitted(TxReport),
    /// Something else: a scheduler/ACK timestamp type, an ICMP error (with `IP_RECVERR`), or a
    /// message without the expected control messages. Skipped by the caller, logged.
    Other {
        /// `ee_origin` (0 when no extended error was present).
        origin: u8,
        /// `ee_errno` (0 when no extended error was present).
        errno: u32,
    },
}

/// The timestamp in `stamps` that belongs to `mode`: `ts[0]` for software timestamps, `ts[2]`
/// (raw hardware, on the NIC's clock) for hardware timestamps. A zero timespec means the
/// kernel had none.
pub(super) fn timestamp_for_mode(mode: Timestamping, stamps: &Timestamps) -> Option<Timestamp> {
    match mode {
        Timestamping::Disabled => None,
        Timestamping::Software => timestamp_from_timespec(stamps.system),
        Timestamping::Hardware => timestamp_from_timespec(stamps.hw_raw),
    }
}

/// A kernel timespec as a [`Timestamp`]; `None` for the all-zero "no timestamp" value and for
/// values outside the representable range.
pub(super) fn timestamp_from_timespec(spec: TimeSpec) -> Option<Timestamp> {
    let seconds = spec.tv_sec();
    let nanos = spec.tv_nsec();
    if (seconds == 0 && nanos == 0) || !(0..NANOS_PER_SEC).contains(&nanos) {
        return None;
    }
    let total = seconds.checked_mul(NANOS_PER_SEC)?.checked_add(nanos)?;
    Some(Timestamp::from_nanos(total))
}

/// The RX timestamp among a received datagram's control messages.
pub(super) fn rx_timestamp(
    messages: impl IntoIterator<Item = ControlMessageOwned>,
    mode: Timestamping,
) -> Option<Timestamp> {
    messages.into_iter().find_map(|message| match message {
        ControlMessageOwned::ScmTimestampsns(stamps) => timestamp_for_mode(mode, &stamps),
        _ => None,
    })
}

/// Classifies the control messages of one error-queue message.
pub(super) fn error_queue_entry(
    messages: impl IntoIterator<Item = ControlMessageOwned>,
    mode: Timestamping,
) -> ErrorQueueEntry {
    let mut stamps = None;
    let mut extended_error = None;
    for message in messages {
        match message {
            ControlMessageOwned::ScmTimestampsns(found) => stamps = Some(found),
            ControlMessageOwned::Ipv4RecvErr(error, _)
            | ControlMessageOwned::Ipv6RecvErr(error, _) => {
                extended_error = Some(error);
            }
            _ => {}
        }
    }
    let Some(error) = extended_error else {
        return ErrorQueueEntry::Other {
            origin: 0,
            errno: 0,
        };
    };
    let is_send_report = error.ee_origin == libc::SO_EE_ORIGIN_TIMESTAMPING
        && error.ee_errno == libc::ENOMSG as u32
        && error.ee_info == SCM_TSTAMP_SND;
    match stamps {
        Some(stamps) if is_send_report => ErrorQueueEntry::Transmitted(TxReport {
            id: error.ee_data,
            timestamp: timestamp_for_mode(mode, &stamps),
        }),
        _ => ErrorQueueEntry::Other {
            origin: error.ee_origin,
            errno: error.ee_errno,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(seconds: i64, nanos: i64) -> TimeSpec {
        TimeSpec::new(seconds, nanos)
    }

    fn stamps(software: TimeSpec) -> Timestamps {
        Timestamps {
            system: software,
            hw_trans: spec(0, 0),
            hw_raw: spec(0, 0),
        }
    }

    fn extended_error(origin: u8, errno: i32, info: u32, data: u32) -> libc::sock_extended_err {
        libc::sock_extended_err {
            ee_errno: errno as u32,
            ee_origin: origin,
            ee_type: 0,
            ee_code: 0,
            ee_pad: 0,
            ee_info: info,
            ee_data: data,
        }
    }

    #[test]
    fn timespec_converts_to_nanoseconds_since_the_epoch() {
        let converted = timestamp_from_timespec(spec(1_700_000_000, 123_456_789));
        assert_eq!(
            converted,
            Some(Timestamp::from_nanos(1_700_000_000_123_456_789))
        );
    }

    #[test]
    fn zero_and_out_of_range_timespecs_are_no_timestamp() {
        assert_eq!(timestamp_from_timespec(spec(0, 0)), None);
        assert_eq!(timestamp_from_timespec(spec(i64::MAX, 0)), None);
        assert_eq!(timestamp_from_timespec(spec(5, NANOS_PER_SEC)), None);
        assert_eq!(timestamp_from_timespec(spec(5, -1)), None);
    }

    #[test]
    fn rx_timestamp_is_the_software_slot_in_software_mode() {
        let messages = vec![ControlMessageOwned::ScmTimestampsns(stamps(spec(10, 5)))];
        assert_eq!(
            rx_timestamp(messages.clone(), Timestamping::Software),
            Some(Timestamp::from_nanos(10 * NANOS_PER_SEC + 5))
        );
        assert_eq!(rx_timestamp(messages, Timestamping::Disabled), None);
        assert_eq!(rx_timestamp(Vec::new(), Timestamping::Software), None);
    }

    #[test]
    fn rx_timestamp_is_the_raw_hardware_slot_in_hardware_mode() {
        let both = Timestamps {
            system: spec(10, 5),
            hw_trans: spec(20, 6),
            hw_raw: spec(30, 7),
        };
        let messages = vec![ControlMessageOwned::ScmTimestampsns(both)];
        assert_eq!(
            rx_timestamp(messages, Timestamping::Hardware),
            Some(Timestamp::from_nanos(30 * NANOS_PER_SEC + 7))
        );
        // A software-only report on a hardware socket carries no hardware timestamp.
        let software_only = vec![ControlMessageOwned::ScmTimestampsns(stamps(spec(10, 5)))];
        assert_eq!(rx_timestamp(software_only, Timestamping::Hardware), None);
    }

    #[test]
    fn send_report_yields_its_id_and_timestamp() {
        for error_message in [
            ControlMessageOwned::Ipv4RecvErr(
                extended_error(libc::SO_EE_ORIGIN_TIMESTAMPING, libc::ENOMSG, 0, 7),
                None,
            ),
            ControlMessageOwned::Ipv6RecvErr(
                extended_error(libc::SO_EE_ORIGIN_TIMESTAMPING, libc::ENOMSG, 0, 7),
                None,
            ),
        ] {
            let messages = vec![
                ControlMessageOwned::ScmTimestampsns(stamps(spec(3, 4))),
                error_message,
            ];
            assert_eq!(
                error_queue_entry(messages, Timestamping::Software),
                ErrorQueueEntry::Transmitted(TxReport {
                    id: 7,
                    timestamp: Some(Timestamp::from_nanos(3 * NANOS_PER_SEC + 4)),
                })
            );
        }
    }

    #[test]
    fn send_report_without_usable_timestamp_still_names_its_datagram() {
        let messages = vec![
            ControlMessageOwned::ScmTimestampsns(stamps(spec(0, 0))),
            ControlMessageOwned::Ipv4RecvErr(
                extended_error(libc::SO_EE_ORIGIN_TIMESTAMPING, libc::ENOMSG, 0, 2),
                None,
            ),
        ];
        assert_eq!(
            error_queue_entry(messages, Timestamping::Software),
            ErrorQueueEntry::Transmitted(TxReport {
                id: 2,
                timestamp: None
            })
        );
    }

    #[test]
    fn icmp_errors_and_other_report_types_are_not_send_reports() {
        let icmp = vec![ControlMessageOwned::Ipv4RecvErr(
            extended_error(libc::SO_EE_ORIGIN_ICMP, libc::ECONNREFUSED, 0, 0),
            None,
        )];
        assert_eq!(
            error_queue_entry(icmp, Timestamping::Software),
            ErrorQueueEntry::Other {
                origin: libc::SO_EE_ORIGIN_ICMP,
                errno: libc::ECONNREFUSED as u32
            }
        );
        // SCM_TSTAMP_SCHED (1): stamped when queued, not when sent.
        let scheduled = vec![
            ControlMessageOwned::ScmTimestampsns(stamps(spec(3, 4))),
            ControlMessageOwned::Ipv4RecvErr(
                extended_error(libc::SO_EE_ORIGIN_TIMESTAMPING, libc::ENOMSG, 1, 9),
                None,
            ),
        ];
        assert!(matches!(
            error_queue_entry(scheduled, Timestamping::Software),
            ErrorQueueEntry::Other { .. }
        ));
        assert_eq!(
            error_queue_entry(Vec::new(), Timestamping::Software),
            ErrorQueueEntry::Other {
                origin: 0,
                errno: 0
            }
        );
    }
}
