//! A blocking client of the observation socket, for one-shot commands like `shiwa status`.
//!
//! It needs no async runtime: a `std` Unix stream with read and write timeouts. Every error
//! names the socket path.

use super::ObserveError;
use super::logs::LogRecord;
use super::protocol::{ControlCommand, Reply, Request};
use super::snapshot::{SourceSnapshot, SyncSnapshot};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where `shiwa sync` listens unless configured otherwise.
pub const DEFAULT_SOCKET: &str = "/run/shiwa/shiwa.sock";

/// How long [`ObserveClient::connect`] waits for each reply.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest reply line accepted (a snapshot of many sources is well below this).
pub const MAX_REPLY_LEN: usize = 16 * 1024 * 1024;

/// A connection to `shiwa sync`'s observation socket. Requests are answered in order.
#[derive(Debug)]
pub struct ObserveClient {
    path: PathBuf,
    timeout: Duration,
    reader: BufReader<UnixStream>,
    writer: UnixStream,
}

impl ObserveClient {
    /// Connects to the socket at `path`, waiting up to [`DEFAULT_TIMEOUT`] for each reply.
    pub fn connect(path: impl AsRef<Path>) -> Result<Self, ObserveError> {
        Self::connect_with_timeout(path, DEFAULT_TIMEOUT)
    }

    /// Connects to the socket at `path`, waiting up to `timeout` for each reply.
    pub fn connect_with_timeout(
        path: impl AsRef<Path>,
        timeout: Duration,
    ) -> Result<Self, ObserveError> {
        let path = path.as_ref().to_path_buf();
        let stream = UnixStream::connect(&path).map_err(|source| ObserveError::Connect {
            path: path.clone(),
            error: source,
        })?;
        let setup = |source| ObserveError::Io {
            action: "configuring the connection to",
            path: path.clone(),
            error: source,
        };
        stream.set_read_timeout(Some(timeout)).map_err(setup)?;
        stream.set_write_timeout(Some(timeout)).map_err(setup)?;
        let writer = stream.try_clone().map_err(setup)?;
        Ok(ObserveClient {
            path,
            timeout,
            reader: BufReader::new(stream),
            writer,
        })
    }

    /// The socket path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole snapshot.
    pub fn snapshot(&mut self) -> Result<SyncSnapshot, ObserveError> {
        let reply = self.request(&Request::Snapshot)?;
        reply.snapshot.ok_or_else(|| self.missing("snapshot"))
    }

    /// The sources only.
    pub fn sources(&mut self) -> Result<Vec<SourceSnapshot>, ObserveError> {
        let reply = self.request(&Request::Sources)?;
        reply.sources.ok_or_else(|| self.missing("sources"))
    }

    /// The newest `n` log records, oldest first.
    pub fn logs(&mut self, n: usize) -> Result<Vec<LogRecord>, ObserveError> {
        let reply = self.request(&Request::Logs { n })?;
        reply.logs.ok_or_else(|| self.missing("logs"))
    }

    /// The running configuration, secrets redacted.
    pub fn config(&mut self) -> Result<serde_json::Value, ObserveError> {
        let reply = self.request(&Request::Config)?;
        reply.config.ok_or_else(|| self.missing("config"))
    }

    /// Reports a standalone shipper's state to the daemon (shown in its snapshot).
    pub fn report_elasticsearch(
        &mut self,
        status: &crate::es::status::EsSnapshot,
    ) -> Result<(), ObserveError> {
        self.request(&Request::ReportElasticsearch {
            elasticsearch: Box::new(status.clone()),
        })
        .map(|_| ())
    }

    /// Sends a control command; returns the engine's message.
    pub fn control(&mut self, command: ControlCommand) -> Result<String, ObserveError> {
        let request = match command {
            ControlCommand::Reload => Request::Reload,
            ControlCommand::Enable(source) => Request::Enable { source },
            ControlCommand::Disable(source) => Request::Disable { source },
        };
        let reply = self.request(&request)?;
        Ok(reply.message.unwrap_or_default())
    }

    /// Sends `request`; an `ok: false` reply becomes [`ObserveError::Refused`].
    pub fn request(&mut self, request: &Request) -> Result<Reply, ObserveError> {
        let line = serde_json::to_string(request).map_err(|err| self.protocol(err))?;
        let reply: Reply =
            serde_json::from_value(self.request_json(&line)?).map_err(|err| self.protocol(err))?;
        if reply.ok {
            Ok(reply)
        } else {
            Err(ObserveError::Refused {
                path: self.path.clone(),
                error: reply
                    .error
                    .unwrap_or_else(|| "unspecified error".to_string()),
            })
        }
    }

    /// Sends one raw request line (`{"request":"snapshot"}`, without the newline) and returns
    /// the reply as JSON, whatever its `ok`.
    pub fn request_json(&mut self, line: &str) -> Result<serde_json::Value, ObserveError> {
        let mut message = line.trim_end_matches('\n').as_bytes().to_vec();
        message.push(b'\n');
        self.writer
            .write_all(&message)
            .map_err(|err| self.io("sending a request to", err))?;
        let reply = self.read_reply()?;
        serde_json::from_slice(&reply).map_err(|err| self.protocol(err))
    }

    fn read_reply(&mut self) -> Result<Vec<u8>, ObserveError> {
        let mut reply = Vec::new();
        let limit = u64::try_from(MAX_REPLY_LEN).unwrap_or(u64::MAX) + 1;
        let read = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut reply)
            .map_err(|err| self.io("reading the reply from", err))?;
        if reply.last() == Some(&b'\n') {
            reply.pop();
            return Ok(reply);
        }
        let reason = if read == 0 {
            "the connection was closed without a reply".to_string()
        } else if reply.len() > MAX_REPLY_LEN {
            format!("reply longer than {MAX_REPLY_LEN} bytes")
        } else {
            "the connection was closed in the middle of a reply".to_string()
        };
        Err(ObserveError::Protocol {
            path: self.path.clone(),
            reason,
        })
    }

    fn io(&self, action: &'static str, source: io::Error) -> ObserveError {
        if matches!(
            source.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ) {
            return ObserveError::Timeout {
                path: self.path.clone(),
                timeout: self.timeout,
            };
        }
        ObserveError::Io {
            action,
            path: self.path.clone(),
            error: source,
        }
    }

    fn protocol(&self, err: serde_json::Error) -> ObserveError {
        ObserveError::Protocol {
            path: self.path.clone(),
            reason: err.to_string(),
        }
    }

    fn missing(&self, field: &str) -> ObserveError {
        ObserveError::Protocol {
            path: self.path.clone(),
            reason: format!("an ok reply without `{field}`"),
        }
    }
}
