//! A stand-in for Elasticsearch in tests and benchmarks: an HTTP server (axum over hyper,
//! optional TLS with optional required client certificates) that speaks the real wire format
//! of the parts a shipper uses, with faults injected on demand.
//!
//! Endpoints: `GET /` (cluster info, version 8.15.0), `GET /_cluster/health`, `POST /_bulk`
//! and `POST /{index}/_bulk` (NDJSON `create`/`index`, gzip bodies, `filter_path`, 409 on a
//! `create` of a stored id, 400 for malformed NDJSON, 413 over the size limit),
//! `PUT/GET/HEAD/DELETE /_index_template/{name}`, data streams made by the first `create`
//! into an index whose template has `data_stream` (`GET /_data_stream/{name}`),
//! `GET /{index}/_count` (patterns with `*`), `GET /{index}/_doc/{id}`, `POST
//! /{index}/_refresh`. Authentication: none, basic, `ApiKey`, or both ([`TestAuth`]).
//!
//! Faults ([`Faults`], settable while running): whole `_bulk` requests failing (429 with
//! `Retry-After`, 503, 500) for the next N requests, per-item failures chosen by a predicate
//! for the first N attempts or for ever, a largest body (413), a delay. [`TestServer::shutdown`]
//! drops every connection at once (a crash, not a drain) and [`TestServer::restart`] comes
//! back on the same port with the same documents: "Elasticsearch down for a while".
//!
//! Not a database: documents live in memory, searches other than `_count` are not served.

mod auth;
mod bulk;
mod faults;
mod filter;
mod indices;
mod reply;
mod routes;
mod store;
mod tls;

pub use auth::TestAuth;
pub use faults::{Faults, ItemFault, ItemView, RequestFault};
pub use filter::filter;
pub use indices::VERSION;
pub use routes::DEFAULT_MAX_BODY;
pub use store::{DataStream, Stats, StoredDocument, glob};
pub use tls::TestServerTls;

use axum::Router;
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

/// How long a client has to finish a TLS handshake.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a connection whose handshake failed is drained before it is dropped.
const LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// Why the test server could not start.
#[derive(Debug, thiserror::Error)]
pub enum TestServerError {
    /// A TLS file is missing or unusable.
    #[error("test server TLS: {file}: {reason}")]
    Tls {
        /// The file.
        file: PathBuf,
        /// Why.
        reason: String,
    },
    /// The address could not be bound.
    #[error("test server: binding {address}: {source}")]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

impl crate::exit::HasExitStatus for TestServerError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        match self {
            TestServerError::Tls { .. } => crate::exit::ExitStatus::Config,
            TestServerError::Bind { source, .. } => crate::exit::ExitStatus::for_io(source),
        }
    }
}

/// How to start a test server.
#[derive(Debug, Clone)]
pub struct TestServerConfig {
    /// Where to listen (port 0: any free port).
    pub bind: SocketAddr,
    /// HTTPS, when set.
    pub tls: Option<TestServerTls>,
    /// Who may connect.
    pub auth: TestAuth,
}

impl Default for TestServerConfig {
    fn default() -> Self {
        TestServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: None,
            auth: TestAuth::none(),
        }
    }
}

/// State shared by every connection, kept across restarts.
pub(crate) struct Shared {
    store: Mutex<store::Store>,
    stats: Mutex<Stats>,
    faults: Faults,
    auth: TestAuth,
}

impl Shared {
    fn store(&self) -> MutexGuard<'_, store::Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn stats(&self) -> MutexGuard<'_, Stats> {
        self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }
}

struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// A running (or stopped, restartable) test server.
pub struct TestServer {
    shared: Arc<Shared>,
    address: SocketAddr,
    tls: Option<TlsAcceptor>,
    running: Option<Running>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("address", &self.address)
            .field("tls", &self.tls.is_some())
            .field("running", &self.running.is_some())
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// Loads the TLS files, binds and starts serving (inside a tokio runtime).
    pub async fn start(config: TestServerConfig) -> Result<TestServer, TestServerError> {
        let tls = config.tls.as_ref().map(tls::acceptor).transpose()?;
        let shared = Arc::new(Shared {
            store: Mutex::default(),
            stats: Mutex::default(),
            faults: Faults::default(),
            auth: config.auth,
        });
        let mut server = TestServer {
            shared,
            address: config.bind,
            tls,
            running: None,
        };
        server.restart().await?;
        Ok(server)
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:PORT/` (or `https://`).
    pub fn url(&self) -> url::Url {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        let text = format!("{scheme}://{}/", self.address);
        url::Url::parse(&text).unwrap_or_else(|_| unreachable!("a socket address makes a URL"))
    }

    /// The fault settings (shared: change them while the server runs).
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The counters so far.
    pub fn stats(&self) -> Stats {
        self.shared.stats().clone()
    }

    /// Every stored document of the indices matching `pattern` (`*` wildcards), sorted by
    /// index and id.
    pub fn documents(&self, pattern: &str) -> Vec<StoredDocument> {
        let store = self.shared.store();
        let mut found: Vec<StoredDocument> = store
            .indices
            .iter()
            .filter(|(name, _)| glob(pattern, name))
            .flat_map(|(name, index)| index.docs.iter().map(|(id, held)| held.to_stored(name, id)))
            .collect();
        found.sort_by(|a, b| (&a.index, &a.id).cmp(&(&b.index, &b.id)));
        found
    }

    /// The stored index templates by name.
    pub fn templates(&self) -> std::collections::BTreeMap<String, serde_json::Value> {
        self.shared.store().templates.clone()
    }

    /// The data streams made so far.
    pub fn data_streams(&self) -> Vec<DataStream> {
        self.shared.store().data_streams.values().cloned().collect()
    }

    /// Whether it is accepting connections.
    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Stops listening and drops every open connection at once, as a crashed node would.
    /// Documents, templates, faults and counters are kept for [`TestServer::restart`].
    pub async fn shutdown(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
            let _ = running.task.await;
        }
    }

    /// Listens again on the same address (no-op while running).
    pub async fn restart(&mut self) -> Result<(), TestServerError> {
        if self.running.is_some() {
            return Ok(());
        }
        let bind_error = |source| TestServerError::Bind {
            address: self.address,
            source,
        };
        let listener = TcpListener::bind(self.address).await.map_err(bind_error)?;
        self.address = listener.local_addr().map_err(bind_error)?;
        let app = Router::new()
            .fallback(routes::handle)
            .with_state(Arc::clone(&self.shared));
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, self.tls.clone(), app, stopped));
        self.running = Some(Running { stop, task });
        Ok(())
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(running) = self.running.take() {
            running.task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve(stream, tls.clone(), app.clone()));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

async fn serve(stream: TcpStream, tls: Option<TlsAcceptor>, app: Router) {
    match tls {
        None => serve_http(stream, app).await,
        Some(acceptor) => {
            let handshake = acceptor.accept(stream).into_fallible();
            match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
                Ok(Ok(stream)) => serve_http(stream, app).await,
                Ok(Err((err, stream))) => {
                    tracing::debug!(error = %err, "test server: TLS handshake failed");
                    lingering_close(stream).await;
                }
                Err(_) => tracing::debug!("test server: TLS handshake timed out"),
            }
        }
    }
}

/// Closes a connection whose handshake failed the way servers must: FIN first, then what the
/// client still sends is read and dropped until it closes too. A plain close with unread
/// data (a TLS 1.3 client sends its request before it learns its certificate was refused)
/// makes the kernel answer RST, and the client may lose the alert that says why.
async fn lingering_close(mut stream: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = stream.shutdown().await;
    let mut sink = [0u8; 4096];
    let _ = tokio::time::timeout(LINGER, async {
        while matches!(stream.read(&mut sink).await, Ok(read) if read > 0) {}
    })
    .await;
}

async fn serve_http<S>(stream: S, app: Router)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service =
        hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            app.clone().oneshot(request.map(axum::body::Body::new))
        });
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
