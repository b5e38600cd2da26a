//! [`ApiServer`]: binds, then serves the router over HTTP/1.1 (plain or TLS) until a shutdown
//! future resolves, and keeps the cached responses fresh meanwhile.
//!
//! Limits: request heads up to [`MAX_HEAD_BYTES`] (beyond: 431) and [`MAX_HEADERS`] headers,
//! [`HEAD_TIMEOUT`] to send a request head and to finish a TLS handshake, at most
//! [`MAX_CONNECTIONS`] connections (more are closed at once). On shutdown, requests in flight
//! finish, for at most [`DRAIN_TIMEOUT`].

use super::auth::Authenticator;
use super::error::ApiStartError;
use super::router::{ApiState, router};
use super::settings::ApiSettings;
use super::tls;
use crate::observe::SnapshotSource;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// The largest request head (request line and headers) read.
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// The most headers a request may carry.
pub const MAX_HEADERS: usize = 64;
/// How long a client has to send a request head, or to finish a TLS handshake.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Open connections served at once.
pub const MAX_CONNECTIONS: usize = 512;
/// How long requests in flight may take to finish once shutdown starts.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);
/// How often the cached responses are rebuilt when nothing else changes.
const REFRESH_PERIOD: Duration = Duration::from_secs(1);

/// A bound API server, ready to [`ApiServer::run`].
pub struct ApiServer {
    listener: TcpListener,
    address: SocketAddr,
    tls: Option<TlsAcceptor>,
    state: ApiState,
}

impl std::fmt::Debug for ApiServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiServer")
            .field("address", &self.address)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl ApiServer {
    /// Loads the TLS files and binds the listener, so a bad key or a taken port is reported
    /// before anything runs. Must be called inside a tokio runtime.
    pub async fn bind(
        settings: &ApiSettings,
        source: SnapshotSource,
    ) -> Result<ApiServer, ApiStartError> {
        let tls = settings.tls.as_ref().map(tls::acceptor).transpose()?;
        let bind_error = |error| ApiStartError::Bind {
            address: settings.bind.clone(),
            error,
        };
        let listener = TcpListener::bind(&settings.bind)
            .await
            .map_err(bind_error)?;
        let address = listener.local_addr().map_err(bind_error)?;
        let state = ApiState::new(source, Authenticator::new(settings.auth.clone()));
        tracing::info!(
            address = %address,
            tls = tls.is_some(),
            auth = settings.auth.describe(),
            daemon = %state.source().describe(),
            "HTTP API listening"
        );
        Ok(ApiServer {
            listener,
            address,
            tls,
            state,
        })
    }

    /// The address actually bound (the port is the system's choice when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// Serves until `shutdown` resolves, then lets requests in flight finish.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let refresher = tokio::spawn(refresh_loop(self.state.clone()));
        serve_app(
            self.listener,
            self.tls,
            router(self.state),
            shutdown,
            "HTTP API",
        )
        .await;
        refresher.abort();
    }
}

/// Serves `app` on `listener` (through TLS when `tls` is set) until `shutdown` resolves, then
/// gives requests in flight [`DRAIN_TIMEOUT`] to finish: HTTP/1 with the head limits above, at
/// most [`MAX_CONNECTIONS`] at once, each request carrying the peer's address as axum's
/// `ConnectInfo`; free heap memory goes back to the kernel when a burst of connections is
/// over ([`crate::heap::ConnectionGauge`]). `name` starts its log lines. Shared by the node
/// API and the hub.
pub async fn serve_app(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    shutdown: impl Future<Output = ()>,
    name: &'static str,
) {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let gauge = Arc::new(crate::heap::ConnectionGauge::default());
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(error = %err, "{name}: accept failed");
                    continue;
                }
            },
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tracing::warn!(%peer, "{name}: too many connections, closing a new one");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let (app, tls, watcher) = (app.clone(), tls.clone(), graceful.watcher());
        let open = gauge.open();
        tokio::spawn(async move {
            let _held = (permit, open);
            serve_connection(stream, peer, tls, app, watcher).await;
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN_TIMEOUT, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("{name}: requests still running after {DRAIN_TIMEOUT:?}; dropped");
    }
}

async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    app: Router,
    watcher: hyper_util::server::graceful::Watcher,
) {
    match tls {
        None => serve_http(stream, peer, app, watcher).await,
        Some(acceptor) => match tokio::time::timeout(HEAD_TIMEOUT, acceptor.accept(stream)).await {
            Ok(Ok(stream)) => serve_http(stream, peer, app, watcher).await,
            Ok(Err(err)) => tracing::debug!(%peer, error = %err, "TLS handshake failed"),
            Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
        },
    }
}

async fn serve_http<S>(
    stream: S,
    peer: SocketAddr,
    app: Router,
    watcher: hyper_util::server::graceful::Watcher,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let mut request = request.map(axum::body::Body::new);
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        app.clone().oneshot(request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES)
        .max_headers(MAX_HEADERS)
        .keep_alive(true);
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    if let Err(err) = watcher.watch(connection).await {
        tracing::debug!(%peer, error = %err, "HTTP connection ended with an error");
    }
}

/// Rebuilds the cached responses on every change of the source and every second.
async fn refresh_loop(state: ApiState) {
    let mut source = state.source().clone();
    let mut tick = tokio::time::interval(REFRESH_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = source.changed() => {}
            _ = tick.tick() => {}
        }
        state.refresh();
    }
}

/// The signals a standalone `serve-api` stops on: SIGTERM and SIGINT. SIGHUP (systemd's
/// `ExecReload`) is logged and ignored: settings are read at start, so restart to change them.
#[derive(Debug)]
pub struct StopSignals {
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Installs the handlers (inside a tokio runtime).
    pub fn install() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(StopSignals {
            terminate: signal(SignalKind::terminate())?,
            interrupt: signal(SignalKind::interrupt())?,
            hangup: signal(SignalKind::hangup())?,
        })
    }

    /// Resolves on SIGTERM or SIGINT.
    pub async fn wait(mut self) {
        loop {
            tokio::select! {
                _ = self.terminate.recv() => return,
                _ = self.interrupt.recv() => return,
                _ = self.hangup.recv() => tracing::warn!(
                    "SIGHUP: serve-api reads its settings at start; restart it to apply changes"
                ),
            }
        }
    }
}

/// Most of a refused request's body read and dropped before answering.
pub const DISCARD_LIMIT: usize = 1024 * 1024;
/// How long reading a refused body may take.
const DISCARD_TIMEOUT: Duration = Duration::from_secs(5);

/// Reads and drops up to [`DISCARD_LIMIT`] bytes of a body refused without reading (401,
/// 413), as Go's net/http does: closing a connection with unread data makes the kernel send a
/// reset, and the client may lose the 401/413 answer in it (curl then reports a send error
/// instead of the status).
pub async fn discard_body(body: axum::body::Body) {
    let drain = async {
        let mut body = std::pin::pin!(body);
        let mut seen = 0usize;
        while seen < DISCARD_LIMIT {
            match std::future::poll_fn(|cx| hyper::body::Body::poll_frame(body.as_mut(), cx)).await
            {
                Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |data| data.len()),
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(DISCARD_TIMEOUT, drain).await;
}
