//! [`SnapshotSource`]: where a surface (`serve-api`, `cli-ssh`, the hub reporter, `ship-es`)
//! reads the daemon's state, so each surface runs the same code inside `shiwa sync` and as its
//! own unprivileged process.
//!
//! - [`SnapshotSource::in_process`] reads the engine's watch channel and log buffer directly and
//!   sends control commands over the engine's channel.
//! - [`SnapshotSource::socket`] is a client of the observation socket. A background task asks
//!   for a snapshot every [`SOCKET_REFRESH`] and keeps the latest; when the daemon goes away the
//!   source reports [`LinkState::Down`] (with the reason and since when), keeps trying, and
//!   comes back by itself when the daemon does. Logs and control commands travel on demand over
//!   a second connection, re-opened when it breaks.
//!
//! Reading a snapshot never waits on the socket: surfaces answer from the latest copy, which is
//! what lets the HTTP API serve thousands of requests a second from a standalone process.

use super::client::ObserveClient;
use super::logs::{LogRecord, system_now};
use super::protocol::{ControlCommand, ControlRequest};
use super::server::ask_engine;
use super::snapshot::SyncSnapshot;
use super::{LogBuffer, ObserveError, ObserveState};
use crate::time::Timestamp;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

/// How often a socket source asks the daemon for a fresh snapshot (the engine builds one at
/// least every second).
pub const SOCKET_REFRESH: Duration = Duration::from_millis(500);

/// How long a socket source waits for the daemon's reply before calling it unreachable.
pub const SOCKET_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an in-process control command waits for the engine's answer.
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether a surface can see the daemon.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkState {
    /// Not connected yet (a socket source before its first answer).
    Connecting,
    /// The latest snapshot.
    Up(Arc<SyncSnapshot>),
    /// The daemon is unreachable.
    Down {
        /// Why, naming the socket (`cannot reach shiwa sync at /run/shiwa/shiwa.sock: ...`).
        reason: String,
        /// Since when.
        since: Timestamp,
    },
}

/// What a surface could not get from the daemon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SurfaceError {
    /// The daemon is not reachable (socket source) or has stopped (in process).
    #[error("{reason}")]
    Unavailable {
        /// Why, naming the socket.
        reason: String,
    },
    /// The daemon answered with an error (an unknown source, a rejected reload).
    #[error("{0}")]
    Refused(String),
}

/// Where a surface reads the daemon's state. Cheap to clone; clones share one connection.
#[derive(Debug, Clone)]
pub struct SnapshotSource {
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    InProcess {
        snapshots: watch::Receiver<SyncSnapshot>,
        logs: LogBuffer,
        control: Option<mpsc::Sender<ControlRequest>>,
        config: Option<watch::Receiver<serde_json::Value>>,
    },
    Socket(Arc<SocketLink>),
}

#[derive(Debug)]
struct SocketLink {
    path: PathBuf,
    link: watch::Receiver<LinkState>,
    /// The on-demand connection for logs and control; `None` until first used or after an error.
    requests: Mutex<Option<ObserveClient>>,
}

impl SnapshotSource {
    /// Reads the engine's state inside the sync process.
    pub fn in_process(state: &ObserveState) -> Self {
        SnapshotSource {
            kind: Kind::InProcess {
                snapshots: state.snapshots.clone(),
                logs: state.logs.clone(),
                control: state.control.clone(),
                config: state.config.clone(),
            },
        }
    }

    /// Reads the state of the daemon serving the observation socket at `path`. Spawns the
    /// refresh task on the current tokio runtime; it ends when the last clone is dropped.
    pub fn socket(path: impl AsRef<Path>) -> Self {
        Self::socket_with_refresh(path, SOCKET_REFRESH)
    }

    /// [`SnapshotSource::socket`] with another refresh period (tests use a short one).
    pub fn socket_with_refresh(path: impl AsRef<Path>, refresh: Duration) -> Self {
        let path = path.as_ref().to_path_buf();
        let (sender, link) = watch::channel(LinkState::Connecting);
        tokio::spawn(refresh_loop(path.clone(), sender, refresh));
        SnapshotSource {
            kind: Kind::Socket(Arc::new(SocketLink {
                path,
                link,
                requests: Mutex::new(None),
            })),
        }
    }

    /// Whether the daemon is reachable, with the latest snapshot when it is.
    pub fn link(&self) -> LinkState {
        match &self.kind {
            Kind::InProcess { snapshots, .. } => {
                if snapshots.has_changed().is_err() {
                    LinkState::Down {
                        reason: "the sync engine has stopped".into(),
                        since: system_now(),
                    }
                } else {
                    LinkState::Up(Arc::new(snapshots.borrow().clone()))
                }
            }
            Kind::Socket(socket) => socket.link.borrow().clone(),
        }
    }

    /// Waits until the link state may have changed (a new snapshot, the daemon going away or
    /// coming back). Returns at once, forever, when nothing will change any more.
    pub async fn changed(&mut self) {
        let closed = match &mut self.kind {
            Kind::InProcess { snapshots, .. } => snapshots.changed().await.is_err(),
            Kind::Socket(socket) => {
                let mut link = socket.link.clone();
                link.changed().await.is_err()
            }
        };
        if closed {
            std::future::pending::<()>().await;
        }
    }

    /// The latest snapshot, or why there is none.
    pub fn snapshot(&self) -> Result<Arc<SyncSnapshot>, SurfaceError> {
        match self.link() {
            LinkState::Up(snapshot) => Ok(snapshot),
            LinkState::Connecting => Err(SurfaceError::Unavailable {
                reason: format!("connecting to shiwa sync at {}", self.describe()),
            }),
            LinkState::Down { reason, .. } => Err(SurfaceError::Unavailable { reason }),
        }
    }

    /// The newest `n` log records, oldest first.
    pub async fn logs(&self, n: usize) -> Result<Vec<LogRecord>, SurfaceError> {
        match &self.kind {
            Kind::InProcess { logs, .. } => Ok(logs.recent(n)),
            Kind::Socket(socket) => {
                let socket = Arc::clone(socket);
                blocking(move || socket.with_client(|client| client.logs(n))).await
            }
        }
    }

    /// The daemon's running configuration as a JSON document, secrets redacted.
    pub async fn config(&self) -> Result<serde_json::Value, SurfaceError> {
        match &self.kind {
            Kind::InProcess { config, .. } => match config {
                Some(config) => Ok(config.borrow().clone()),
                None => Err(SurfaceError::Refused(
                    "this process does not publish its configuration".into(),
                )),
            },
            Kind::Socket(socket) => {
                let socket = Arc::clone(socket);
                blocking(move || socket.with_client(ObserveClient::config)).await
            }
        }
    }

    /// Sends a control command; returns the engine's one-line answer.
    pub async fn control(&self, command: ControlCommand) -> Result<String, SurfaceError> {
        match &self.kind {
            Kind::InProcess { control, .. } => {
                let Some(sender) = control else {
                    return Err(SurfaceError::Refused(
                        "this process does not accept control requests".into(),
                    ));
                };
                ask_engine(sender, command, CONTROL_TIMEOUT)
                    .await
                    .map_err(SurfaceError::Refused)
            }
            Kind::Socket(socket) => {
                let socket = Arc::clone(socket);
                blocking(move || socket.with_client(|client| client.control(command))).await
            }
        }
    }

    /// Reports a standalone shipper's state to the daemon over the socket, so its `status` and
    /// `/metrics` show it; in process there is nothing to do (the daemon reads it directly).
    pub async fn report_elasticsearch(
        &self,
        status: crate::es::status::EsSnapshot,
    ) -> Result<(), SurfaceError> {
        match &self.kind {
            Kind::InProcess { .. } => Ok(()),
            Kind::Socket(socket) => {
                let socket = Arc::clone(socket);
                blocking(move || socket.with_client(|client| client.report_elasticsearch(&status)))
                    .await
            }
        }
    }

    /// `in process` or the socket path, for messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::InProcess { .. } => "in process".into(),
            Kind::Socket(socket) => socket.path.display().to_string(),
        }
    }
}

impl SocketLink {
    fn with_client<T>(
        &self,
        request: impl FnOnce(&mut ObserveClient) -> Result<T, ObserveError>,
    ) -> Result<T, SurfaceError> {
        with_connection(&self.path, &self.requests, request)
    }
}

/// Runs `request` on the connection in `slot`, opening it first when needed; a connection that
/// failed is dropped so the next request opens a fresh one. A refusal keeps the connection.
fn with_connection<T>(
    path: &Path,
    slot: &Mutex<Option<ObserveClient>>,
    request: impl FnOnce(&mut ObserveClient) -> Result<T, ObserveError>,
) -> Result<T, SurfaceError> {
    let mut slot = slot.lock().unwrap_or_else(|poison| poison.into_inner());
    let mut client = match slot.take() {
        Some(client) => client,
        None => ObserveClient::connect_with_timeout(path, SOCKET_TIMEOUT).map_err(unavailable)?,
    };
    match request(&mut client) {
        Ok(value) => {
            *slot = Some(client);
            Ok(value)
        }
        Err(ObserveError::Refused { error, .. }) => {
            *slot = Some(client);
            Err(SurfaceError::Refused(error))
        }
        Err(err) => Err(unavailable(err)),
    }
}

fn unavailable(err: ObserveError) -> SurfaceError {
    SurfaceError::Unavailable {
        reason: err.to_string(),
    }
}

/// Runs blocking socket work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SurfaceError> + Send + 'static,
) -> Result<T, SurfaceError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|err| {
            Err(SurfaceError::Unavailable {
                reason: format!("the socket request failed: {err}"),
            })
        })
}

/// Keeps `sender` up to date from the socket until every receiver is gone.
async fn refresh_loop(path: PathBuf, sender: watch::Sender<LinkState>, refresh: Duration) {
    let mut ticks = tokio::time::interval(refresh);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let client: Arc<Mutex<Option<ObserveClient>>> = Arc::new(Mutex::new(None));
    loop {
        tokio::select! {
            () = sender.closed() => return,
            _ = ticks.tick() => {}
        }
        let path_for_poll = path.clone();
        let client = Arc::clone(&client);
        let polled =
            blocking(move || with_connection(&path_for_poll, &client, ObserveClient::snapshot))
                .await;
        publish(&sender, &path, polled);
    }
}

/// Publishes a poll's outcome, logging each transition once.
fn publish(
    sender: &watch::Sender<LinkState>,
    path: &Path,
    polled: Result<SyncSnapshot, SurfaceError>,
) {
    match polled {
        Ok(snapshot) => {
            let was_down = matches!(*sender.borrow(), LinkState::Down { .. });
            if was_down {
                info!(socket = %path.display(), "shiwa sync is reachable again");
            }
            sender.send_replace(LinkState::Up(Arc::new(snapshot)));
        }
        Err(err) => {
            let reason = err.to_string();
            sender.send_if_modified(|link| match link {
                LinkState::Down { reason: old, .. } if *old == reason => false,
                LinkState::Down { reason: old, .. } => {
                    *old = reason.clone();
                    true
                }
                _ => {
                    warn!(socket = %path.display(), reason = %reason, "shiwa sync is not reachable; retrying");
                    *link = LinkState::Down {
                        reason: reason.clone(),
                        since: system_now(),
                    };
                    true
                }
            });
        }
    }
}

#[cfg(test)]
#[path = "source_tests.rs"]
mod tests;
