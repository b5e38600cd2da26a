//! The prober: carries out a [`ProbeRequest`] — a TCP connect, or an HTTP GET whose status
//! is below 500 — within the timeout (name lookup included), and measures its latency. The
//! only check code that touches the network or reads the clock.
#![expect(
    clippy::disallowed_methods,
    reason = "the prober measures latency with the monotonic clock"
)]

use super::scheduler::{ProbeRequest, ProbeResult};
use crate::fleet::CheckKind;
use crate::time::Duration;

/// Errors setting up the prober.
#[derive(Debug, thiserror::Error)]
pub enum ProberError {
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client for port checks: {0}")]
    Client(String),
}

impl crate::exit::HasExitStatus for ProberError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Failure
    }
}

/// Probes ports with one timeout.
#[derive(Debug, Clone)]
pub struct Prober {
    timeout: std::time::Duration,
    client: reqwest::Client,
}

impl Prober {
    /// A prober whose probes give up after `timeout`.
    pub fn new(timeout: std::time::Duration) -> Result<Self, ProberError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(format!("shiwa-hub-check/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| ProberError::Client(err.to_string()))?;
        Ok(Prober { timeout, client })
    }

    /// Probes `request.key.port` on `request.host`.
    pub async fn probe(&self, request: &ProbeRequest) -> ProbeResult {
        let started = std::time::Instant::now();
        let (up, http_status, error) = match request.kind {
            CheckKind::Tcp => self.connect(request).await,
            CheckKind::Http => self.get(request).await,
        };
        ProbeResult {
            up,
            latency: Duration::from_std(started.elapsed()),
            http_status,
            error,
        }
    }

    async fn connect(&self, request: &ProbeRequest) -> (bool, Option<u16>, Option<String>) {
        let host = request.host.trim_matches(['[', ']']);
        let connect = tokio::net::TcpStream::connect((host, request.key.port));
        match tokio::time::timeout(self.timeout, connect).await {
            Ok(Ok(_stream)) => (true, None, None),
            Ok(Err(err)) => (false, None, Some(err.to_string())),
            Err(_) => (
                false,
                None,
                Some(format!("timed out after {} ms", self.timeout.as_millis())),
            ),
        }
    }

    async fn get(&self, request: &ProbeRequest) -> (bool, Option<u16>, Option<String>) {
        let host = request.host.trim_matches(['[', ']']);
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let path = request.path.as_deref().unwrap_or("/");
        let url = format!("http://{host}:{}{path}", request.key.port);
        match self.client.get(&url).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                if status < 500 {
                    (true, Some(status), None)
                } else {
                    (false, Some(status), Some(format!("HTTP {status}")))
                }
            }
            Err(err) if err.is_timeout() => (
                false,
                None,
                Some(format!("timed out after {} ms", self.timeout.as_millis())),
            ),
            Err(err) => (false, None, Some(describe(&err))),
        }
    }
}

/// The innermost cause of a request error (`Connection refused (os error 111)`); the URL
/// is not repeated.
fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_connect() {
        "cannot connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text = cause.to_string();
        source = cause.source();
    }
    text
}
