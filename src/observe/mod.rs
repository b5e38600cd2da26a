//! What `shiwa sync` knows, for everyone else: snapshot types, the in-memory log buffer, and the
//! observation/control socket (server and client).
//!
//! The engine publishes a [`SyncSnapshot`] on a `tokio::sync::watch` channel after every update.
//! [`server::serve`] answers requests on a Unix stream socket (default [`DEFAULT_SOCKET`], mode
//! 0660, group `shiwa`) from that channel, from a [`LogBuffer`], and by forwarding control
//! requests to the engine. [`ObserveClient`] is the blocking client `shiwa status` uses.
//!
//! # Protocol
//!
//! Newline-delimited JSON, one object per line, many requests per connection, one reply line per
//! request, in order:
//!
//! | request | reply |
//! |---|---|
//! | `{"request":"snapshot"}` | `{"ok":true,"snapshot":{…}}` |
//! | `{"request":"sources"}` | `{"ok":true,"sources":[…]}` |
//! | `{"request":"logs","n":50}` | `{"ok":true,"logs":[{"time","level","target","message","fields"}…]}` (oldest first) |
//! | `{"request":"reload"}` | `{"ok":true,"message":"…"}` (the engine's answer) |
//! | `{"request":"enable","source":"ntp 10.99.1.1"}` | the same; `source` is a name, an address or a numeric id |
//! | `{"request":"disable","source":0}` | the same |
//! | `{"request":"config"}` | `{"ok":true,"config":{…}}`: the running configuration as `shiwa config show --json` prints it, secrets redacted; updated at start and after each reload |
//!
//! Any failure is `{"ok":false,"error":"…"}`: malformed JSON, an unknown request, a field of the
//! wrong type, an engine that refuses or does not answer. The connection stays usable after an
//! error, except after a line longer than [`ServerLimits::max_line_len`] (the reply says so and
//! the server closes the connection). Idle connections are closed after
//! [`ServerLimits::idle_timeout`]; beyond [`ServerLimits::max_clients`] a new client gets an error
//! line and is closed. Blank lines are ignored. Unknown fields in a request are ignored.
//!
//! # Snapshot JSON (schema version 1)
//!
//! Units are in the field names: durations are integer nanoseconds named `*_ns`, frequencies
//! `*_ppb` (a float), timestamps RFC 3339 strings in UTC with nanoseconds
//! (`"2026-11-22T16:11:07.123456789Z"`). Offsets are local − reference (positive: the local
//! clock is ahead). A field whose value is unknown is `null`. Field names are stable within a
//! schema `version`; fields may be added without bumping it, so readers ignore unknown fields.
//!
//! ```text
//! {
//!   "version": 1,                          schema version
//!   "generated_at": "2026-…Z",             when the engine built the snapshot
//!   "host": "node-1",
//!   "shiwa_version": "0.1.0",
//!   "clock": {
//!     "state": "locked",                   unsynchronized | stepping | locking | locked | holdover
//!                                          | monitoring | step_limit_exceeded | interference_backoff
//!     "synchronized": true,
//!     "adjust_clock": true,                false: monitor only, the clock is never written
//!     "selected_source": "ntp 10.99.1.1",  or null
//!     "group": "primary",                  primary | secondary | null
//!     "offset_ns": -1234,                  last offset from the selected source, or null
//!     "frequency_ppb": 12500.25,           frequency correction applied to the clock
//!     "path_delay_ns": 250000,             or null
//!     "root_distance_ns": 900000,          error bound (RFC 5905 root distance), or null
//!     "last_update": "2026-…Z",            last servo update, or null
//!     "steps": 1,                          clock steps since start
//!     "state_since": "2026-…Z"             when `state` was entered
//!   },
//!   "sources": [{
//!     "id": 0,                             index in the config, primary sources first
//!     "name": "ntp 10.99.1.1",             unique; what enable/disable take
//!     "protocol": "ntp",                   ntp | ptp | pps | nmea | phc
//!     "group": "primary",                  primary | secondary
//!     "address": "10.99.1.1",              or null
//!     "state": "selected",                 selected | candidate | falseticker | unreachable
//!                                          | unusable | disabled | monitor_only | denied
//!     "reason": null,                      why, when not obvious
//!     "stratum": 2, "refid": "GPS",        or null before the first answer (PTP: refid is the
//!                                          grandmaster's clock identity)
//!     "parent": "001122.fffe.334455-1",    PTP: the master port followed, else null
//!     "reach": 255,                        8-bit reach register, newest poll in bit 0
//!     "poll_ns": 16000000000,              or null
//!     "offset_ns": -1234, "delay_ns": 250000, "jitter_ns": 800,   or null
//!     "last_sample": "2026-…Z",            or null
//!     "counters": {"samples": 420, "rejected": 1, "timeouts": 2}
//!   }],
//!   "events": [{                           at most 50, oldest first
//!     "time": "2026-…Z",
//!     "kind": "clock_stepped",             sync_lost | sync_recovered | source_unreachable
//!                                          | source_group_changed | source_selected
//!                                          | falseticker | clock_stepped | step_limit_exceeded
//!                                          | interference_detected | config_changed
//!                                          (readers must accept other kinds)
//!     "severity": "warning",               info | warning | error
//!     "message": "stepped the clock by -1.500s"
//!   }]
//! }
//! ```

pub mod client;
pub mod logs;
pub mod protocol;
pub mod rfc3339;
pub mod server;
pub mod snapshot;
mod socket;
pub mod source;

pub use client::{DEFAULT_SOCKET, ObserveClient};
pub use logs::{LogBuffer, LogLayer, LogLevel, LogRecord};
pub use protocol::{
    ControlCommand, ControlOutcome, ControlRequest, Reply, Request, SourceSelector,
};
pub use server::{ObserveState, ReportedOutput, ServerLimits, serve};
pub use snapshot::{
    ClockSnapshot, ClockState, EventKind, EventRecord, EventSeverity, SCHEMA_VERSION,
    SourceCounters, SourceSnapshot, SourceState, SyncSnapshot,
};
pub use socket::{BoundSocket, SocketFile, bind_socket, group_id};
pub use source::{LinkState, SnapshotSource, SurfaceError};

use crate::exit::{ExitStatus, HasExitStatus};
use std::io;
use std::path::PathBuf;

/// Errors of the observation socket, on the server side (binding) and the client side.
#[derive(Debug, thiserror::Error)]
pub enum ObserveError {
    /// The client could not connect.
    #[error(
        "cannot reach shiwa sync at {}: {} ({})",
        path.display(),
        describe_io(error),
        connect_hint(error)
    )]
    Connect {
        /// The socket path.
        path: PathBuf,
        /// Why (part of the message, so not also a `source()`).
        error: io::Error,
    },
    /// Reading, writing or setting up the socket failed.
    #[error("{action} {}: {}", path.display(), describe_io(error))]
    Io {
        /// What was being done (`sending a request to`, `binding`, ...).
        action: &'static str,
        /// The socket path.
        path: PathBuf,
        /// Why (part of the message, so not also a `source()`).
        error: io::Error,
    },
    /// The daemon did not answer in time.
    #[error("shiwa sync at {} did not answer within {}s", path.display(), timeout.as_secs_f64())]
    Timeout {
        /// The socket path.
        path: PathBuf,
        /// How long the client waited.
        timeout: std::time::Duration,
    },
    /// The reply was not what the protocol promises.
    #[error("unexpected reply from shiwa sync at {}: {reason}", path.display())]
    Protocol {
        /// The socket path.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
    /// The daemon answered with an error.
    #[error("shiwa sync at {}: {error}", path.display())]
    Refused {
        /// The socket path.
        path: PathBuf,
        /// The daemon's error text.
        error: String,
    },
    /// A live daemon already serves the socket.
    #[error("another shiwa sync is running on {}", path.display())]
    AlreadyRunning {
        /// The socket path.
        path: PathBuf,
    },
    /// Something other than a socket is in the way.
    #[error("{} exists and is not a socket; not replacing it", path.display())]
    NotASocket {
        /// The path.
        path: PathBuf,
    },
    /// Looking up a group failed.
    #[error("looking up group {name:?}: {}", describe_io(error))]
    GroupLookup {
        /// The group name.
        name: String,
        /// Why (part of the message, so not also a `source()`).
        error: io::Error,
    },
}

impl HasExitStatus for ObserveError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            ObserveError::Connect { error, .. }
            | ObserveError::Io { error, .. }
            | ObserveError::GroupLookup { error, .. } => ExitStatus::for_io(error),
            ObserveError::Timeout { .. }
            | ObserveError::Protocol { .. }
            | ObserveError::Refused { .. }
            | ObserveError::AlreadyRunning { .. }
            | ObserveError::NotASocket { .. } => ExitStatus::Failure,
        }
    }
}

/// An I/O error as the OS describes it, without Rust's `(os error N)` suffix.
fn describe_io(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_string(),
        None => err.to_string(),
    }
}

fn connect_hint(err: &io::Error) -> &'static str {
    if err.kind() == io::ErrorKind::PermissionDenied {
        "is your user in the socket's group?"
    } else {
        "is shiwa sync running?"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_name_the_path_and_the_reason() {
        let err = ObserveError::Connect {
            path: PathBuf::from(DEFAULT_SOCKET),
            error: io::Error::from_raw_os_error(libc::ENOENT),
        };
        assert_eq!(
            err.to_string(),
            "cannot reach shiwa sync at /run/shiwa/shiwa.sock: No such file or directory \
             (is shiwa sync running?)"
        );
        assert_eq!(err.exit_status(), ExitStatus::Failure);
        let denied = ObserveError::Connect {
            path: PathBuf::from("/x.sock"),
            error: io::Error::from_raw_os_error(libc::EACCES),
        };
        assert!(denied.to_string().contains("group"), "{denied}");
        assert_eq!(denied.exit_status(), ExitStatus::Permission);
    }
}
