//! The observation/control socket server: answers [`Request`]s from the engine's snapshots, the
//! log buffer, and by forwarding control commands to the engine.
//!
//! Nothing a client sends can stop the server: every bad line gets an error reply, and limits on
//! line length, clients and idle time keep one client from starving the others.

use super::logs::LogBuffer;
use super::protocol::{ControlCommand, ControlOutcome, ControlRequest, Reply, Request};
use super::snapshot::SyncSnapshot;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::timeout;
use tracing::{debug, info, warn};

/// Limits that keep misbehaving clients from hurting the daemon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLimits {
    /// Longest request line in bytes; a longer one gets an error and the connection is closed.
    pub max_line_len: usize,
    /// Clients served at once; one more gets an error line and is closed.
    pub max_clients: usize,
    /// A connection with no complete request for this long is closed.
    pub idle_timeout: Duration,
    /// A reply the client does not read within this long closes the connection.
    pub write_timeout: Duration,
    /// How long a control request waits for the engine's answer.
    pub control_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_line_len: 64 * 1024,
            max_clients: 64,
            idle_timeout: Duration::from_secs(300),
            write_timeout: Duration::from_secs(10),
            control_timeout: Duration::from_secs(10),
        }
    }
}

/// What the server answers from.
#[derive(Debug, Clone)]
pub struct ObserveState {
    /// The engine's latest snapshot.
    pub snapshots: watch::Receiver<SyncSnapshot>,
    /// Recent log records.
    pub logs: LogBuffer,
    /// Where control commands go; `None` in a process that only observes (control requests
    /// then get an error reply).
    pub control: Option<mpsc::Sender<ControlRequest>>,
    /// The running configuration (redacted), as the engine publishes it at start and after
    /// each reload; `None` in a process that does not publish it (`config` requests then get
    /// an error reply).
    pub config: Option<watch::Receiver<serde_json::Value>>,
    /// Where reports of a standalone `ship-es` go (with the time they arrived); `None` in a
    /// process that does not take them (they then get an error reply).
    pub reported_es: Option<watch::Sender<Option<ReportedOutput>>>,
    /// Limits on clients.
    pub limits: ServerLimits,
}

/// An output's state reported by a standalone surface, and when it arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportedOutput {
    /// The shipper's state.
    pub elasticsearch: crate::es::status::EsSnapshot,
    /// When the report arrived (wall clock).
    pub received: crate::time::Timestamp,
}

impl ObserveState {
    /// Serves snapshots and logs, without control, with default limits.
    pub fn new(snapshots: watch::Receiver<SyncSnapshot>, logs: LogBuffer) -> Self {
        ObserveState {
            snapshots,
            logs,
            control: None,
            config: None,
            reported_es: None,
            limits: ServerLimits::default(),
        }
    }

    /// Forwards control commands to `control`.
    pub fn with_control(mut self, control: mpsc::Sender<ControlRequest>) -> Self {
        self.control = Some(control);
        self
    }

    /// Takes `report_elasticsearch` requests into `reports`.
    pub fn with_reports(mut self, reports: watch::Sender<Option<ReportedOutput>>) -> Self {
        self.reported_es = Some(reports);
        self
    }

    /// Answers `config` requests from `config` (a redacted document the engine keeps current).
    pub fn with_config(mut self, config: watch::Receiver<serde_json::Value>) -> Self {
        self.config = Some(config);
        self
    }

    /// Uses `limits` instead of the defaults.
    pub fn with_limits(mut self, limits: ServerLimits) -> Self {
        self.limits = limits;
        self
    }
}

/// Serves clients on `listener` until `shutdown` completes; then stops accepting, closes every
/// connection and returns.
pub async fn serve(
    listener: UnixListener,
    state: ObserveState,
    shutdown: impl Future<Output = ()>,
) {
    let state = Arc::new(state);
    let slots = Arc::new(Semaphore::new(state.limits.max_clients));
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            Some(done) = connections.join_next(), if !connections.is_empty() => {
                if let Err(err) = done {
                    warn!(error = %err, "observation client task failed");
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => match Arc::clone(&slots).try_acquire_owned() {
                    Ok(slot) => {
                        let state = Arc::clone(&state);
                        connections.spawn(async move {
                            serve_connection(stream, &state).await;
                            drop(slot);
                        });
                    }
                    Err(_) => turn_away(&stream, state.limits.max_clients),
                },
                Err(err) => {
                    warn!(error = %err, "accepting an observation client failed");
                    pause_after_accept_error().await;
                }
            },
        }
    }
    connections.shutdown().await;
}

/// Tells a client over the limit why it is closed (best effort: the fresh socket's buffer is
/// empty, so a non-blocking write goes through).
fn turn_away(stream: &UnixStream, max_clients: usize) {
    debug!(max_clients, "turning away an observation client");
    let reply = Reply::error(format!("too many clients (limit {max_clients}); try again"));
    let _ = stream.try_write(&reply.to_line());
}

#[expect(
    clippy::disallowed_methods,
    reason = "the socket driver backs off after accept errors (e.g. EMFILE) instead of spinning"
)]
async fn pause_after_accept_error() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// How reading one request line ended.
enum LineRead {
    /// A line is in the buffer (newline stripped).
    Line,
    /// The client closed the connection.
    End,
    /// The line exceeded the limit.
    TooLong,
}

async fn serve_connection(stream: UnixStream, state: &ObserveState) {
    let peer_uid = stream.peer_cred().ok().map(|cred| cred.uid());
    let (read_half, mut write_half) = stream.into_split();
    let mut reader = BufReader::new(read_half);
    let limits = &state.limits;
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = timeout(
            limits.idle_timeout,
            read_line(&mut reader, &mut line, limits.max_line_len),
        );
        let (reply, close) = match read.await {
            Err(_) => {
                debug!(?peer_uid, "closing an idle observation client");
                return;
            }
            Ok(Err(_) | Ok(LineRead::End)) => return,
            Ok(Ok(LineRead::TooLong)) => {
                let error = format!(
                    "request line longer than {} bytes; closing the connection",
                    limits.max_line_len
                );
                (Reply::error(error), true)
            }
            Ok(Ok(LineRead::Line)) if line.trim_ascii().is_empty() => continue,
            Ok(Ok(LineRead::Line)) => (answer(&line, state, peer_uid).await, false),
        };
        let written = timeout(limits.write_timeout, write_half.write_all(&reply.to_line())).await;
        if close || !matches!(written, Ok(Ok(()))) {
            return;
        }
    }
}

/// Reads up to a newline, at most `max_len` bytes of line. A last line without a newline
/// counts as a line.
async fn read_line(
    reader: &mut BufReader<tokio::net::unix::OwnedReadHalf>,
    line: &mut Vec<u8>,
    max_len: usize,
) -> std::io::Result<LineRead> {
    let limit = u64::try_from(max_len).unwrap_or(u64::MAX).saturating_add(1);
    let read = reader.take(limit).read_until(b'\n', line).await?;
    if read == 0 {
        return Ok(LineRead::End);
    }
    if line.last() == Some(&b'\n') {
        line.pop();
        return Ok(LineRead::Line);
    }
    if line.len() > max_len {
        return Ok(LineRead::TooLong);
    }
    Ok(LineRead::Line)
}

async fn answer(line: &[u8], state: &ObserveState, peer_uid: Option<u32>) -> Reply {
    let request = match Request::from_line(line) {
        Ok(request) => request,
        Err(error) => {
            debug!(?peer_uid, %error, "malformed observation request");
            return Reply::error(error);
        }
    };
    debug!(?peer_uid, ?request, "observation request");
    match request {
        Request::Snapshot => Reply::snapshot(state.snapshots.borrow().clone()),
        Request::Sources => Reply::sources(state.snapshots.borrow().sources.clone()),
        Request::Logs { n } => Reply::logs(state.logs.recent(n)),
        Request::Reload => control(state, ControlCommand::Reload, peer_uid).await,
        Request::Enable { source } => {
            control(state, ControlCommand::Enable(source), peer_uid).await
        }
        Request::Disable { source } => {
            control(state, ControlCommand::Disable(source), peer_uid).await
        }
        Request::Config => match &state.config {
            Some(config) => Reply::config(config.borrow().clone()),
            None => Reply::error("this process does not publish its configuration"),
        },
        Request::ReportElasticsearch { elasticsearch } => match &state.reported_es {
            Some(reports) => {
                reports.send_replace(Some(ReportedOutput {
                    elasticsearch: *elasticsearch,
                    received: super::logs::system_now(),
                }));
                Reply::done("recorded")
            }
            None => Reply::error("this process does not take output reports"),
        },
    }
}

/// Hands `command` to the engine and waits for its answer.
async fn control(state: &ObserveState, command: ControlCommand, peer_uid: Option<u32>) -> Reply {
    let Some(sender) = &state.control else {
        return Reply::error("this process does not accept control requests");
    };
    info!(?peer_uid, command = %command, "control request");
    match ask_engine(sender, command, state.limits.control_timeout).await {
        Ok(message) => Reply::done(message),
        Err(refusal) => Reply::error(refusal),
    }
}

/// Sends `command` to the engine and waits up to `wait` for its answer; a refusal, a stopped
/// engine and a timeout all come back as one line for the operator.
pub(crate) async fn ask_engine(
    sender: &mpsc::Sender<ControlRequest>,
    command: ControlCommand,
    wait: Duration,
) -> ControlOutcome {
    let (reply_sender, reply_receiver) = oneshot::channel();
    let request = ControlRequest {
        command,
        reply: reply_sender,
    };
    let exchange = async {
        sender
            .send(request)
            .await
            .map_err(|_| "the engine has stopped".to_string())?;
        reply_receiver
            .await
            .map_err(|_| "the engine dropped the request without answering".to_string())?
    };
    match timeout(wait, exchange).await {
        Ok(outcome) => outcome,
        Err(_) => Err(format!(
            "the engine did not answer within {}s",
            wait.as_secs_f64()
        )),
    }
}

#[cfg(test)]
#[path = "server_tests.rs"]
mod tests;
