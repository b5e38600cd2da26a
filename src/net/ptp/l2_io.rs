//! The two `recvmsg` calls of the L2 transport: a PTP frame with its RX timestamp, and one
//! error-queue entry with its TX report and the frame copy it carries.

use super::l2_frame::{self, ExtendedError, HEADER_LEN, MAX_PAYLOAD};
use super::mac::MacAddress;
use super::sys;
use crate::net::control::{self, ErrorQueueEntry};
use crate::net::options::Timestamping;
use crate::time::Timestamp;
use nix::sys::socket::{ControlMessageOwned, MsgFlags, SockaddrStorage, Timestamps, recvmsg};
use std::io::{self, IoSliceMut};
use std::os::fd::RawFd;

/// A received PTP frame; its payload (the PTP message) is in the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ReceivedFrame {
    /// Payload bytes in the buffer.
    pub len: usize,
    /// The sender's MAC address.
    pub from: MacAddress,
    /// The RX timestamp of the socket's mode, if any.
    pub rx: Option<Timestamp>,
    /// The payload did not fit the buffer.
    pub truncated: bool,
}

/// One `recvmsg` of a PTP frame: the header into a small buffer, the payload straight into
/// `buffer`. Frames this host sent (seen by a packet socket as `PACKET_OUTGOING`), frames
/// shorter than a header and other ethertypes are skipped.
pub(super) fn receive_frame(
    fd: RawFd,
    buffer: &mut [u8],
    mode: Timestamping,
) -> io::Result<ReceivedFrame> {
    loop {
        let mut header = [0u8; HEADER_LEN];
        let mut control_buffer = nix::cmsg_space!(Timestamps);
        let mut iov = [IoSliceMut::new(&mut header), IoSliceMut::new(&mut *buffer)];
        let message =
            recvmsg::<SockaddrStorage>(fd, &mut iov, Some(&mut control_buffer), MsgFlags::empty())?;
        let outgoing = message
            .address
            .as_ref()
            .and_then(SockaddrStorage::as_link_addr)
            .is_some_and(|link| link.pkttype() == sys::PACKET_OUTGOING);
        let bytes = message.bytes;
        let truncated = message.flags.contains(MsgFlags::MSG_TRUNC);
        let rx = match message.cmsgs() {
            Ok(messages) => control::rx_timestamp(messages, mode),
            Err(_) => None,
        };
        if outgoing || bytes < HEADER_LEN {
            continue;
        }
        let Some(from) = l2_frame::ptp_source(&header) else {
            tracing::trace!("non-PTP frame skipped");
            continue;
        };
        return Ok(ReceivedFrame {
            len: bytes - HEADER_LEN,
            from,
            rx,
            truncated,
        });
    }
}

/// One `recvmsg(MSG_ERRQUEUE)`: the entry and the copy of the frame it carries (the frame as
/// the driver sent it, header included).
pub(super) fn read_error_queue_entry(
    fd: RawFd,
    mode: Timestamping,
) -> io::Result<(ErrorQueueEntry, Vec<u8>)> {
    let mut control_buffer = nix::cmsg_space!(Timestamps, libc::sock_extended_err);
    let mut data = [0u8; HEADER_LEN + MAX_PAYLOAD + 64];
    let mut iov = [IoSliceMut::new(&mut data)];
    let message = recvmsg::<SockaddrStorage>(
        fd,
        &mut iov,
        Some(&mut control_buffer),
        MsgFlags::MSG_ERRQUEUE | MsgFlags::MSG_DONTWAIT,
    )?;
    let bytes = message.bytes;
    let mut stamps = None;
    let mut error = None;
    if let Ok(messages) = message.cmsgs() {
        for cmsg in messages {
            match cmsg {
                ControlMessageOwned::ScmTimestampsns(found) => stamps = Some(found),
                ControlMessageOwned::Unknown(unknown)
                    if unknown.cmsg_header.cmsg_level == libc::SOL_PACKET
                        && unknown.cmsg_header.cmsg_type == sys::PACKET_TX_TIMESTAMP =>
                {
                    error = ExtendedError::decode(&unknown.data_bytes);
                }
                _ => {}
            }
        }
    }
    let entry = l2_frame::packet_error_queue_entry(stamps, error, mode);
    Ok((entry, data[..bytes].to_vec()))
}
