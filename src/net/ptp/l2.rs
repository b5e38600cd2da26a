//! [`PtpL2Transport`]: PTP over Ethernet (IEEE 1588-2008 Annex F) — an `AF_PACKET` raw
//! socket bound to one interface and ethertype 0x88F7, member of the primary multicast
//! address 01-1B-19-00-00-00 there, with kernel RX/TX timestamps.
//!
//! Frames are built here with the interface's MAC address as source; callers pass and get
//! PTP messages only. Event and general messages share the socket; a received message's
//! class comes from its `messageType` nibble. Every sent frame is timestamped by the kernel,
//! but only event frames wait for theirs; a TX report is matched to its frame by content (see
//! `l2_frame`). Needs `CAP_NET_RAW`.
//!
//! Readiness follows [`TimestampedUdpSocket`](crate::net::TimestampedUdpSocket): error-queue
//! data is `EPOLLERR`, and a send finding the buffer full retries after yielding.

use super::l2_frame::{self, ETHERTYPE_PTP, MAX_PAYLOAD, SentFrames};
use super::l2_io;
use super::mac::MacAddress;
use super::message::{PtpDestination, PtpPort, PtpReceived};
use super::sys;
use crate::net::control::{ErrorQueueEntry, TxReport};
use crate::net::interface::Interface;
use crate::net::options::Timestamping;
use crate::net::pending::PendingTxReports;
use crate::time::Timestamp;
use nix::sys::socket::{
    AddressFamily, MsgFlags, SockFlag, SockType, TimestampingFlag, setsockopt, socket, sockopt,
};
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::sync::Notify;

pub use super::l2_error::PtpL2Error;

/// Proof that an event frame was sent, exchanged for its TX timestamp exactly once.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a TX token is exchanged for the frame's TX timestamp with `tx_timestamp`"]
pub struct L2TxToken {
    id: u32,
    destination: MacAddress,
}

impl L2TxToken {
    /// The frame's number on its transport, counted from 0.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Where the frame was sent.
    pub fn destination(&self) -> MacAddress {
        self.destination
    }
}

/// PTP over Ethernet on one interface. Methods take `&self`, so a receive loop and senders
/// can share one transport.
#[derive(Debug)]
pub struct PtpL2Transport {
    socket: AsyncFd<OwnedFd>,
    interface: Interface,
    mac: MacAddress,
    timestamping: Timestamping,
    next_tx_id: AtomicU32,
    /// Event frames waiting for their TX report.
    sent: Mutex<SentFrames>,
    /// TX reports matched to a frame and not yet claimed.
    pending: Mutex<PendingTxReports>,
    /// Woken whenever reports move into `pending`.
    reports_arrived: Notify,
}

impl PtpL2Transport {
    /// Opens the transport on `interface`. Must be called within a Tokio runtime. Errors
    /// name the interface and the step that failed (`Operation not permitted` without
    /// `CAP_NET_RAW`).
    pub fn open(interface: &str, timestamping: Timestamping) -> Result<Self, PtpL2Error> {
        let interface = Interface::lookup(interface).map_err(PtpL2Error::Interface)?;
        let name = interface.name().to_owned();
        let failed = |step: &'static str| {
            let interface = name.clone();
            move |source: io::Error| PtpL2Error::Setup {
                interface,
                step,
                source,
            }
        };
        tokio::runtime::Handle::try_current()
            .map_err(|error| failed("register with the Tokio runtime")(io::Error::other(error)))?;
        let mac = MacAddress::of_interface(&name)
            .map_err(|errno| failed("read MAC address")(errno.into()))?
            .ok_or_else(|| PtpL2Error::NoMacAddress {
                interface: name.clone(),
            })?;
        let fd = packet_socket(&interface, timestamping)
            .map_err(|(step, errno)| failed(step)(errno.into()))?;
        let socket = sys::register_async(fd).map_err(failed("register with the Tokio runtime"))?;
        tracing::debug!(interface = %name, %mac, "PTP L2 transport open");
        Ok(PtpL2Transport {
            socket,
            interface,
            mac,
            timestamping,
            next_tx_id: AtomicU32::new(0),
            sent: Mutex::new(SentFrames::default()),
            pending: Mutex::new(PendingTxReports::default()),
            reports_arrived: Notify::new(),
        })
    }

    /// The interface the transport runs on.
    pub fn interface(&self) -> &Interface {
        &self.interface
    }

    /// The interface's MAC address: the source of every frame sent.
    pub fn mac_address(&self) -> MacAddress {
        self.mac
    }

    /// The timestamping mode.
    pub fn timestamping(&self) -> Timestamping {
        self.timestamping
    }

    /// Sends an event message; the token fetches its TX timestamp with
    /// [`tx_timestamp`](Self::tx_timestamp).
    pub async fn send_event(
        &self,
        bytes: &[u8],
        destination: PtpDestination<MacAddress>,
    ) -> Result<L2TxToken, PtpL2Error> {
        let destination = resolve(destination);
        let frame = self.frame(bytes, destination)?;
        let id = self.next_tx_id.fetch_add(1, Ordering::Relaxed);
        if self.timestamping.stamps_tx() {
            // Remembered before sending, so a report read at once by another task matches.
            lock(&self.sent).insert(id, frame.clone());
        }
        if let Err(error) = self.send_frame(&frame, destination).await {
            lock(&self.sent).remove(id);
            return Err(error);
        }
        tracing::trace!(%destination, id, len = bytes.len(), "event frame sent");
        Ok(L2TxToken { id, destination })
    }

    /// Sends a general message (its TX report, if any, is discarded).
    pub async fn send_general(
        &self,
        bytes: &[u8],
        destination: PtpDestination<MacAddress>,
    ) -> Result<(), PtpL2Error> {
        let destination = resolve(destination);
        let frame = self.frame(bytes, destination)?;
        self.send_frame(&frame, destination).await
    }

    /// The Ethernet frame carrying `bytes` to `destination`.
    fn frame(&self, bytes: &[u8], destination: MacAddress) -> Result<Vec<u8>, PtpL2Error> {
        if bytes.len() > MAX_PAYLOAD {
            return Err(PtpL2Error::MessageTooLong {
                interface: self.interface.name().to_owned(),
                len: bytes.len(),
            });
        }
        let mut frame = Vec::with_capacity(l2_frame::HEADER_LEN + bytes.len());
        frame.extend_from_slice(&l2_frame::header(destination, self.mac));
        frame.extend_from_slice(bytes);
        Ok(frame)
    }

    /// Sends one frame through the bound interface, then drains the error queue.
    async fn send_frame(&self, frame: &[u8], destination: MacAddress) -> Result<(), PtpL2Error> {
        let send_failed = |source| PtpL2Error::Send {
            interface: self.interface.name().to_owned(),
            destination,
            source,
        };
        loop {
            let sent = self.socket.try_io(Interest::WRITABLE, |fd| {
                nix::sys::socket::send(fd.as_raw_fd(), frame, MsgFlags::empty())
                    .map_err(io::Error::from)
            });
            match sent {
                Ok(_) => break,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                Err(error) => return Err(send_failed(error)),
            }
            // Dropped without clearing: `try_io` clears the readiness on `WouldBlock`.
            drop(self.socket.writable().await.map_err(send_failed)?);
            tokio::task::yield_now().await;
        }
        if self.timestamping.stamps_tx()
            && let Err(error) = self.read_error_queue()
        {
            tracing::warn!(interface = self.interface.name(), %error, "reading the error queue failed");
        }
        Ok(())
    }

    /// The kernel's TX timestamp of the event frame `token` stands for, waiting at most
    /// `timeout`. `Ok(None)`: the transport does not timestamp, the report had no usable
    /// timestamp, or none arrived in time.
    pub async fn tx_timestamp(
        &self,
        token: L2TxToken,
        timeout: std::time::Duration,
    ) -> Result<Option<Timestamp>, PtpL2Error> {
        if !self.timestamping.stamps_tx() {
            return Ok(None);
        }
        match tokio::time::timeout(timeout, self.wait_for_tx_report(token.id)).await {
            Ok(Ok(report)) => Ok(report.timestamp),
            Ok(Err(source)) => Err(PtpL2Error::TxTimestamp {
                interface: self.interface.name().to_owned(),
                destination: token.destination,
                id: token.id,
                source,
            }),
            Err(_elapsed) => {
                lock(&self.sent).remove(token.id);
                tracing::debug!(destination = %token.destination, id = token.id, "no TX timestamp in time");
                Ok(None)
            }
        }
    }

    /// Waits until the report for frame `id` has been read, by this task or another.
    async fn wait_for_tx_report(&self, id: u32) -> io::Result<TxReport> {
        loop {
            let arrived = self.reports_arrived.notified();
            tokio::pin!(arrived);
            arrived.as_mut().enable();
            if let Some(report) = lock(&self.pending).take(id) {
                return Ok(report);
            }
            if self.read_error_queue()? > 0 {
                continue;
            }
            tokio::select! {
                // The guard is dropped without clearing: `read_error_queue` clears the
                // readiness when the queue is empty.
                ready = self.socket.ready(Interest::ERROR) => { drop(ready?); }
                () = &mut arrived => {}
            }
        }
    }

    /// Moves every TX report waiting on the error queue into `pending`, matched to its
    /// frame; returns how many matched.
    fn read_error_queue(&self) -> io::Result<usize> {
        let mode = self.timestamping;
        let mut moved = 0;
        loop {
            let entry = self.socket.try_io(Interest::ERROR, |fd| {
                l2_io::read_error_queue_entry(fd.as_raw_fd(), mode)
            });
            match entry {
                Ok((ErrorQueueEntry::Transmitted(report), frame)) => {
                    let matched = lock(&self.sent).take_match(&frame);
                    if let Some(id) = matched {
                        lock(&self.pending).insert(TxReport { id, ..report });
                        moved += 1;
                    }
                }
                Ok((ErrorQueueEntry::Other { origin, errno }, _)) => {
                    tracing::debug!(
                        interface = self.interface.name(),
                        origin,
                        errno,
                        "error queue entry skipped"
                    );
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) => return Err(error),
            }
        }
        if moved > 0 {
            self.reports_arrived.notify_waiters();
        }
        Ok(moved)
    }

    /// Waits for the next PTP message and copies it (without Ethernet header) into `buffer`.
    /// Cancel-safe.
    pub async fn recv(&self, buffer: &mut [u8]) -> Result<PtpReceived<MacAddress>, PtpL2Error> {
        let mode = self.timestamping;
        let frame = self
            .socket
            .async_io(Interest::READABLE, |fd| {
                l2_io::receive_frame(fd.as_raw_fd(), buffer, mode)
            })
            .await
            .map_err(|source| PtpL2Error::Receive {
                interface: self.interface.name().to_owned(),
                source,
            })?;
        let kept = frame.len.min(buffer.len());
        Ok(PtpReceived {
            len: kept,
            from: frame.from,
            rx: frame.rx,
            port: PtpPort::of_message(&buffer[..kept]).unwrap_or(PtpPort::General),
            truncated: frame.truncated,
        })
    }
}

/// The MAC address a destination stands for.
fn resolve(destination: PtpDestination<MacAddress>) -> MacAddress {
    match destination {
        PtpDestination::Multicast => MacAddress::PTP_PRIMARY_MULTICAST,
        PtpDestination::Unicast(mac) => mac,
    }
}

/// A non-blocking packet socket on `interface` for PTP frames, timestamping as `mode` asks;
/// on failure, the step and the error.
fn packet_socket(
    interface: &Interface,
    mode: Timestamping,
) -> Result<OwnedFd, (&'static str, nix::errno::Errno)> {
    // Protocol 0: nothing is received until `bind` names the interface and ethertype.
    let fd = socket(
        AddressFamily::Packet,
        SockType::Raw,
        SockFlag::SOCK_NONBLOCK | SockFlag::SOCK_CLOEXEC,
        None,
    )
    .map_err(|errno| ("create AF_PACKET socket", errno))?;
    if let Some(flags) = mode.flags() {
        // Reports carry the frame (no OPT_TSONLY) for matching; OPT_ID numbers are not used.
        let flags = flags
            - TimestampingFlag::SOF_TIMESTAMPING_OPT_TSONLY
            - TimestampingFlag::SOF_TIMESTAMPING_OPT_ID;
        setsockopt(&fd, sockopt::Timestamping, &flags)
            .map_err(|errno| ("set SO_TIMESTAMPING", errno))?;
    }
    sys::bind_packet_socket(fd.as_fd(), interface.index(), ETHERTYPE_PTP)
        .map_err(|errno| ("bind to the interface and ethertype 0x88F7", errno))?;
    sys::add_packet_multicast(
        fd.as_fd(),
        interface.index(),
        MacAddress::PTP_PRIMARY_MULTICAST.octets(),
    )
    .map_err(|errno| ("join 01:1b:19:00:00:00 (PACKET_ADD_MEMBERSHIP)", errno))?;
    Ok(fd)
}

/// Locks `mutex`; the data (frames, reports) stays consistent across a panic elsewhere.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
