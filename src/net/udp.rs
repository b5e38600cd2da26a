//! [`TimestampedUdpSocket`]: an async UDP socket (IPv4 or IPv6) with kernel RX and TX
//! timestamps.
//!
//! RX timestamps arrive with each datagram. A TX timestamp arrives later on the socket's error
//! queue, tagged with the datagram's number (`SOF_TIMESTAMPING_OPT_ID`); [`send_to`] returns a
//! [`TxToken`] holding that number, and [`tx_timestamp`] consumes it. The socket counts its
//! successful sends in step with the kernel, which numbers datagrams from 0 and, in current
//! kernels (`__ip_append_data` rolls the counter back on error), only counts datagrams it
//! accepted. (A kernel without that rollback that counted a failed send would shift every
//! later token onto the report of the datagram sent before it; per-send ids via
//! `SCM_TS_OPT_ID`, Linux 6.13+, would remove this dependency.)
//!
//! Readiness: error-queue data makes the socket report `EPOLLERR` (not `EPOLLIN`), which Tokio
//! exposes as [`Interest::ERROR`]. Tokio also reads a lone `EPOLLERR` as "write closed", a state
//! it never clears, so after the first TX timestamp a send that finds the send buffer full
//! retries (yielding to other tasks) until the buffer drains, instead of sleeping on
//! writability. UDP send buffers drain in microseconds, and NTP/PTP send a few datagrams per
//! second.
//!
//! [`send_to`]: TimestampedUdpSocket::send_to
//! [`tx_timestamp`]: TimestampedUdpSocket::tx_timestamp

use super::control::{self, ErrorQueueEntry, TxReport};
use super::options::{SocketOptions, Timestamping};
use super::pending::PendingTxReports;
use super::{NetError, setup};
use crate::time::Timestamp;
use nix::sys::socket::{MsgFlags, SockaddrStorage, Timestamps, recvmsg};
use std::io::{self, IoSliceMut};
use std::net::{SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::{Mutex, MutexGuard, PoisonError};
use tokio::io::Interest;
use tokio::sync::Notify;

/// A datagram received by [`TimestampedUdpSocket::recv`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// How many bytes of the buffer hold the datagram.
    pub len: usize,
    /// The sender.
    pub from: SocketAddr,
    /// When the kernel received it; `None` when timestamping is disabled or the kernel gave
    /// no timestamp. Linux switches RX software timestamping on lazily (in a work item) when
    /// the first socket on the machine asks for it, so datagrams arriving in the first moments
    /// after such a socket is bound may have none: drivers treat `None` as a lost sample.
    pub rx: Option<Timestamp>,
    /// The datagram was longer than the buffer; only `len` bytes of it were kept.
    pub truncated: bool,
}

/// Proof that a datagram was sent, to be exchanged for its TX timestamp exactly once.
///
/// Not `Clone`: one datagram has one TX timestamp. Dropping a token unused is harmless; its
/// timestamp, if read from the error queue, is eventually forgotten.
#[derive(Debug, PartialEq, Eq)]
#[must_use = "a TX token is exchanged for the datagram's TX timestamp with `tx_timestamp`"]
pub struct TxToken {
    id: u32,
    peer: SocketAddr,
}

impl TxToken {
    /// The datagram's number on its socket (`SOF_TIMESTAMPING_OPT_ID`), counted from 0.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Where the datagram was sent.
    pub fn peer(&self) -> SocketAddr {
        self.peer
    }

    /// A token for datagram `id`, whether or not it was sent.
    #[cfg(test)]
    pub(super) fn for_test(id: u32, peer: SocketAddr) -> Self {
        TxToken { id, peer }
    }
}

/// An async UDP socket whose datagrams carry kernel timestamps. Methods take `&self`, so one
/// socket can serve a receive loop and several senders at once (e.g. behind an `Arc`).
#[derive(Debug)]
pub struct TimestampedUdpSocket {
    socket: tokio::net::UdpSocket,
    local: SocketAddr,
    timestamping: Timestamping,
    /// The number the kernel gives the next accepted datagram. Locked across the send so
    /// concurrent senders cannot take each other's numbers.
    next_tx_id: Mutex<u32>,
    /// TX reports read from the error queue and not yet claimed.
    pending: Mutex<PendingTxReports>,
    /// Woken whenever reports move into `pending`, for tasks waiting on other tokens.
    reports_arrived: Notify,
}

impl TimestampedUdpSocket {
    /// Binds a UDP socket to `address` (port 0: an ephemeral port) with `options`.
    ///
    /// Must be called within a Tokio runtime (with I/O and time enabled); outside one it
    /// returns an error. Errors name the address and the interface.
    pub fn bind(address: SocketAddr, options: SocketOptions) -> Result<Self, NetError> {
        let std_socket = setup::bound_udp_socket(address, &options)?;
        let local = std_socket.local_addr().map_err(|source| NetError::Setup {
            address,
            interface: options.interface.clone(),
            step: "read local address",
            source,
        })?;
        Self::register(std_socket, local, &options)
    }

    /// Binds a fresh socket like [`bind`](Self::bind) and sends `bytes` to `to` as its first
    /// datagram *before* the socket joins the runtime's epoll set; returns the socket and the
    /// datagram's token.
    ///
    /// Why: while a socket is registered with epoll, the kernel runs the epoll callback for
    /// its TX timestamp report inside `sendmsg`, between taking the timestamp and handing the
    /// datagram on. On a veth pair that adds about 1.2 µs to the measured request path (half
    /// of it to the offset), which a fresh unregistered socket does not pay (chronyd, which
    /// opens a socket per request, does not either). A report already queued is read here;
    /// a later one is waited for as usual after registration.
    pub fn bind_and_send(
        address: SocketAddr,
        options: SocketOptions,
        bytes: &[u8],
        to: SocketAddr,
    ) -> Result<(Self, TxToken), NetError> {
        let std_socket = setup::bound_udp_socket(address, &options)?;
        let local = std_socket.local_addr().unwrap_or(address);
        std_socket
            .send_to(bytes, to)
            .map_err(|source| NetError::Send {
                local,
                peer: to,
                source,
            })?;
        let mut pending = PendingTxReports::default();
        if options.timestamping.stamps_tx() {
            let fd = std_socket.as_raw_fd();
            loop {
                match read_error_queue_entry(fd, options.timestamping) {
                    Ok(ErrorQueueEntry::Transmitted(report)) => pending.insert(report),
                    Ok(ErrorQueueEntry::Other { .. }) => {}
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                    Err(source) => {
                        return Err(NetError::TxTimestamp {
                            local,
                            peer: to,
                            id: 0,
                            source,
                        });
                    }
                }
            }
        }
        let socket = Self::register(std_socket, local, &options)?;
        *lock(&socket.next_tx_id) = 1;
        *lock(&socket.pending) = pending;
        tracing::trace!(peer = %to, id = 0, len = bytes.len(), "datagram sent");
        Ok((socket, TxToken { id: 0, peer: to }))
    }

    /// Hands a bound socket to the Tokio runtime.
    pub(super) fn register(
        std_socket: std::net::UdpSocket,
        local: SocketAddr,
        options: &SocketOptions,
    ) -> Result<Self, NetError> {
        let failed = |source: io::Error| NetError::Setup {
            address: local,
            interface: options.interface.clone(),
            step: "register with the Tokio runtime",
            source,
        };
        tokio::runtime::Handle::try_current().map_err(|error| failed(io::Error::other(error)))?;
        let socket = tokio::net::UdpSocket::from_std(std_socket).map_err(failed)?;
        Ok(TimestampedUdpSocket {
            socket,
            local,
            timestamping: options.timestamping,
            next_tx_id: Mutex::new(0),
            pending: Mutex::new(PendingTxReports::default()),
            reports_arrived: Notify::new(),
        })
    }

    /// The address the socket is bound to (with the port the kernel chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The timestamping mode the socket was bound with.
    pub fn timestamping(&self) -> Timestamping {
        self.timestamping
    }

    /// Waits for the next datagram, copies it into `buffer` and returns its sender and RX
    /// timestamp.
    pub async fn recv(&self, buffer: &mut [u8]) -> Result<Received, NetError> {
        let fd = self.socket.as_raw_fd();
        let mode = self.timestamping;
        self.socket
            .async_io(Interest::READABLE, || receive_datagram(fd, buffer, mode))
            .await
            .map_err(|source| NetError::Receive {
                local: self.local,
                source,
            })
    }

    /// Sends `bytes` to `to` as one datagram; the token fetches its TX timestamp.
    pub async fn send_to(&self, bytes: &[u8], to: SocketAddr) -> Result<TxToken, NetError> {
        let send_failed = |source| NetError::Send {
            local: self.local,
            peer: to,
            source,
        };
        loop {
            {
                let mut next_tx_id = lock(&self.next_tx_id);
                match self.socket.try_send_to(bytes, to) {
                    Ok(_) => {
                        let id = *next_tx_id;
                        *next_tx_id = id.wrapping_add(1);
                        drop(next_tx_id);
                        tracing::trace!(peer = %to, id, len = bytes.len(), "datagram sent");
                        self.drain_error_queue();
                        return Ok(TxToken { id, peer: to });
                    }
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
                    Err(error) => return Err(send_failed(error)),
                }
            }
            self.socket.writable().await.map_err(send_failed)?;
            tokio::task::yield_now().await;
        }
    }

    /// Moves error-queue reports into the pending store: they count against the receive
    /// buffer, so unclaimed TX timestamps must not pile up and starve reception. Done after a
    /// send, never between a caller's clock reading and the `sendmsg` it stamps.
    fn drain_error_queue(&self) {
        if self.timestamping.stamps_tx()
            && let Err(error) = self.read_error_queue()
        {
            tracing::warn!(local = %self.local, %error, "reading the error queue failed");
        }
    }

    /// The kernel's TX timestamp of the datagram `token` stands for, waiting at most
    /// `timeout` for it.
    ///
    /// `Ok(None)`: the socket does not collect TX timestamps (returned at once), the kernel
    /// reported the datagram without a usable timestamp, or none arrived in time (e.g. the
    /// packet was dropped before the driver). Reports for other datagrams read meanwhile are
    /// kept for their own tokens.
    pub async fn tx_timestamp(
        &self,
        token: TxToken,
        timeout: std::time::Duration,
    ) -> Result<Option<Timestamp>, NetError> {
        if !self.timestamping.stamps_tx() {
            return Ok(None);
        }
        match tokio::time::timeout(timeout, self.wait_for_tx_report(&token)).await {
            Ok(Ok(report)) => Ok(report.timestamp),
            Ok(Err(source)) => Err(NetError::TxTimestamp {
                local: self.local,
                peer: token.peer,
                id: token.id,
                source,
            }),
            Err(_elapsed) => {
                tracing::debug!(
                    peer = %token.peer, id = token.id, timeout_ms = timeout.as_millis(),
                    "no TX timestamp in time"
                );
                Ok(None)
            }
        }
    }

    /// Waits until the report for `token` has been read from the error queue, by this task
    /// or another.
    async fn wait_for_tx_report(&self, token: &TxToken) -> io::Result<TxReport> {
        loop {
            let arrived = self.reports_arrived.notified();
            tokio::pin!(arrived);
            // Registered before checking, so a report moved in by another task between the
            // check and the wait below still wakes this one.
            arrived.as_mut().enable();
            if let Some(report) = lock(&self.pending).take(token.id) {
                return Ok(report);
            }
            if self.read_error_queue()? > 0 {
                continue;
            }
            tokio::select! {
                ready = self.socket.ready(Interest::ERROR) => { ready?; }
                () = &mut arrived => {}
            }
        }
    }

    /// Moves every TX report waiting on the error queue into `pending`; returns how many.
    fn read_error_queue(&self) -> io::Result<usize> {
        let fd = self.socket.as_raw_fd();
        let mode = self.timestamping;
        let mut moved = 0;
        loop {
            match self
                .socket
                .try_io(Interest::ERROR, || read_error_queue_entry(fd, mode))
            {
                Ok(ErrorQueueEntry::Transmitted(report)) => {
                    lock(&self.pending).insert(report);
                    moved += 1;
                }
                Ok(ErrorQueueEntry::Other { origin, errno }) => {
                    tracing::debug!(local = %self.local, origin, errno, "error queue entry skipped");
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
}

/// One `recvmsg` of a datagram with its control messages. Datagrams without a sender
/// address (impossible for UDP, but not trusted) are skipped.
pub(super) fn receive_datagram(
    fd: RawFd,
    buffer: &mut [u8],
    mode: Timestamping,
) -> io::Result<Received> {
    loop {
        let mut control_buffer = nix::cmsg_space!(Timestamps);
        let mut iov = [IoSliceMut::new(buffer)];
        let message =
            recvmsg::<SockaddrStorage>(fd, &mut iov, Some(&mut control_buffer), MsgFlags::empty())?;
        let Some(from) = message.address.as_ref().and_then(socket_addr) else {
            tracing::debug!("datagram without an IP sender address skipped");
            continue;
        };
        let rx = match message.cmsgs() {
            Ok(messages) => control::rx_timestamp(messages, mode),
            Err(_) => {
                tracing::debug!(%from, "control messages truncated; no RX timestamp");
                None
            }
        };
        return Ok(Received {
            len: message.bytes,
            from,
            rx,
            truncated: message.flags.contains(MsgFlags::MSG_TRUNC),
        });
    }
}

/// One `recvmsg(MSG_ERRQUEUE)`. With `OPT_TSONLY` the entry carries no packet data.
fn read_error_queue_entry(fd: RawFd, mode: Timestamping) -> io::Result<ErrorQueueEntry> {
    let mut control_buffer =
        nix::cmsg_space!(Timestamps, libc::sock_extended_err, libc::sockaddr_in6);
    let mut data = [0u8; 64];
    let mut iov = [IoSliceMut::new(&mut data)];
    let message = recvmsg::<SockaddrStorage>(
        fd,
        &mut iov,
        Some(&mut control_buffer),
        MsgFlags::MSG_ERRQUEUE | MsgFlags::MSG_DONTWAIT,
    )?;
    Ok(match message.cmsgs() {
        Ok(messages) => control::error_queue_entry(messages, mode),
        Err(_) => ErrorQueueEntry::Other {
            origin: 0,
            errno: 0,
        },
    })
}

/// The IPv4 or IPv6 address in `storage`, if it holds one.
fn socket_addr(storage: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = storage.as_sockaddr_in() {
        return Some(SocketAddr::V4(SocketAddrV4::from(*v4)));
    }
    storage
        .as_sockaddr_in6()
        .map(|v6| SocketAddr::V6(SocketAddrV6::from(*v6)))
}

/// Locks `mutex`; a panic elsewhere while it was held leaves plain data (a counter, a list of
/// reports) that is still consistent, so poisoning is ignored.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
