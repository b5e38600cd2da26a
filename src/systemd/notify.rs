//! `sd_notify`: telling systemd (`Type=notify`) that `shiwa sync` is ready, alive, and how the
//! clock is doing.
//!
//! * `READY=1` once the sources are started ([`Notifier::ready`]);
//! * `WATCHDOG=1` from the engine loop, at [`Notifier::watchdog_interval`] (half of the unit's
//!   `WatchdogSec=`);
//! * `STATUS=` with the clock state ([`clock_status`]), shown by `systemctl status`.
//!
//! Outside systemd (`NOTIFY_SOCKET` unset) every call does nothing. Messages are formatted by
//! the `sd-notify` crate; the datagram is sent here so the socket can be given explicitly (tests,
//! and no environment changes in a multi-threaded daemon). Abstract sockets (`@name`) work too.

use crate::observe::ClockSnapshot;
use crate::source::Group;
use sd_notify::NotifyState;
use std::ffi::OsString;
use std::io;
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

/// A failed notification; the daemon logs it and carries on.
#[derive(Debug, thiserror::Error)]
#[error("notifying systemd at {}: {source}", socket.to_string_lossy())]
pub struct NotifyError {
    /// The notification socket (`NOTIFY_SOCKET`).
    pub socket: OsString,
    /// Why the datagram could not be sent.
    #[source]
    pub source: io::Error,
}

/// Sends notifications to systemd's socket, or nowhere when there is none.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    socket: Option<OsString>,
    watchdog: Option<Duration>,
}

impl Notifier {
    /// From the environment systemd sets: `NOTIFY_SOCKET`, and `WATCHDOG_USEC`/`WATCHDOG_PID`
    /// for the watchdog. Without `NOTIFY_SOCKET` the notifier does nothing.
    pub fn from_env() -> Self {
        Notifier {
            socket: std::env::var_os("NOTIFY_SOCKET").filter(|socket| !socket.is_empty()),
            watchdog: sd_notify::watchdog_enabled(),
        }
    }

    /// Notifies the socket at `socket` (a path, or `@name` for an abstract socket), with the
    /// watchdog expecting a ping every `watchdog` (if any).
    pub fn to_socket(socket: impl Into<OsString>, watchdog: Option<Duration>) -> Self {
        Notifier {
            socket: Some(socket.into()),
            watchdog,
        }
    }

    /// A notifier that sends nothing.
    pub fn disabled() -> Self {
        Notifier::default()
    }

    /// Whether notifications go anywhere.
    pub fn is_enabled(&self) -> bool {
        self.socket.is_some()
    }

    /// How often to send [`Self::watchdog`]: half the unit's `WatchdogSec=`, or `None` when the
    /// watchdog is off.
    pub fn watchdog_interval(&self) -> Option<Duration> {
        self.socket.as_ref()?;
        self.watchdog.map(|timeout| timeout / 2)
    }

    /// `READY=1` with a status line: the sources are started.
    pub fn ready(&self, status: &str) -> Result<(), NotifyError> {
        let status = one_line(status);
        self.send(&[NotifyState::Ready, NotifyState::Status(&status)])
    }

    /// `WATCHDOG=1`: the engine loop is alive.
    pub fn watchdog(&self) -> Result<(), NotifyError> {
        self.send(&[NotifyState::Watchdog])
    }

    /// `STATUS=...`: one line for `systemctl status`.
    pub fn status(&self, status: &str) -> Result<(), NotifyError> {
        let status = one_line(status);
        self.send(&[NotifyState::Status(&status)])
    }

    /// `RELOADING=1` with the monotonic time systemd wants with it: a reload has begun (send
    /// [`Self::ready`] when it is done).
    pub fn reloading(&self) -> Result<(), NotifyError> {
        if !self.is_enabled() {
            return Ok(());
        }
        let now = NotifyState::monotonic_usec_now().map_err(|source| self.error(source))?;
        self.send(&[NotifyState::Reloading, now])
    }

    /// `STOPPING=1`: a graceful stop has begun.
    pub fn stopping(&self) -> Result<(), NotifyError> {
        self.send(&[NotifyState::Stopping])
    }

    fn send(&self, states: &[NotifyState<'_>]) -> Result<(), NotifyError> {
        let Some(socket) = &self.socket else {
            return Ok(());
        };
        let message: String = states.iter().map(|state| format!("{state}\n")).collect();
        send_datagram(socket, message.as_bytes()).map_err(|source| self.error(source))
    }

    fn error(&self, source: io::Error) -> NotifyError {
        NotifyError {
            socket: self.socket.clone().unwrap_or_default(),
            source,
        }
    }
}

fn send_datagram(socket: &OsString, message: &[u8]) -> io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let datagram = UnixDatagram::unbound()?;
    let sent = match socket.as_bytes().strip_prefix(b"@") {
        Some(name) => {
            use std::os::linux::net::SocketAddrExt;
            let address = std::os::unix::net::SocketAddr::from_abstract_name(name)?;
            datagram.send_to_addr(message, &address)?
        }
        None => datagram.send_to(message, socket)?,
    };
    if sent == message.len() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::WriteZero,
            "notification truncated",
        ))
    }
}

/// A newline would start a new `KEY=value` assignment: keep status text on one line.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

/// The `STATUS=` line for a clock: `locked, source ntp 10.99.1.1 (primary), offset -1.234µs,
/// frequency +12.500ppm`.
pub fn clock_status(clock: &ClockSnapshot) -> String {
    let mut status = clock.state.to_string();
    if let Some(source) = &clock.selected_source {
        status.push_str(&format!(", source {source}"));
        match clock.group {
            Some(Group::Primary) => status.push_str(" (primary)"),
            Some(Group::Secondary) => status.push_str(" (secondary)"),
            None => {}
        }
    }
    if let Some(offset) = clock.offset {
        status.push_str(&format!(", offset {offset}"));
    }
    status.push_str(&format!(", frequency {}", clock.frequency));
    if !clock.adjust_clock {
        status.push_str(", monitor only");
    }
    one_line(&status)
}

#[cfg(test)]
#[path = "notify_tests.rs"]
mod tests;
