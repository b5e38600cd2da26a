//! The SSH server's accept loop: refuses blocked addresses and connections beyond the session
//! limit, starts a russh session per connection, and disconnects sessions idle too long.
//! The decisions are [`FailureLimiter`]'s and [`SessionTable`]'s; this module reads the clock.

#![expect(
    clippy::disallowed_methods,
    reason = "the SSH driver reads the clock for its rate limiter and idle timeouts"
)]

use super::SshError;
use super::auth::{Credentials, PasswordChecker};
use super::connection::Connection;
use super::limits::{FailureLimiter, FailurePolicy, SessionId, SessionTable};
use crate::config::CliConfig;
use crate::observe::SnapshotSource;
use russh::keys::PrivateKey;
use russh::server::{Config, Handle};
use russh::{Disconnect, MethodKind, MethodSet, SshId};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

/// Limits on logins and sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshLimits {
    /// Sessions (connections) open at once; more are closed at once.
    pub max_sessions: usize,
    /// A session with no traffic from its client for this long is disconnected.
    pub idle_timeout: Duration,
    /// How long a rejected login takes (russh pads every rejection to this).
    pub rejection_delay: Duration,
    /// Failed logins per address before it is shut out.
    pub failures: FailurePolicy,
}

impl Default for SshLimits {
    fn default() -> Self {
        SshLimits {
            max_sessions: 32,
            idle_timeout: Duration::from_secs(600),
            rejection_delay: Duration::from_secs(1),
            failures: FailurePolicy::default(),
        }
    }
}

/// Everything the server needs besides its listener and the daemon's state.
#[derive(Debug, Clone)]
pub struct SshSettings {
    /// Who may log in.
    pub credentials: Credentials,
    /// The host key.
    pub host_key: PrivateKey,
    /// Limits on logins and sessions.
    pub limits: SshLimits,
}

impl SshSettings {
    /// Reads `timebeat.cli` and loads (or creates) the host key at `host_key`. Warns loudly
    /// when the password is kept in plaintext.
    pub fn from_config(cli: &CliConfig, host_key: &Path) -> Result<Self, SshError> {
        let credentials = Credentials::from_config(cli)?;
        if credentials.uses_plaintext_password() {
            warn!(
                "timebeat.cli.password holds a plaintext password: replace it with \
                 timebeat.cli.password_hash (make one with `shiwa cli-ssh --hash-password`)"
            );
        }
        let host_key = super::hostkey::load_or_create(host_key)?;
        Ok(SshSettings {
            credentials,
            host_key,
            limits: SshLimits::default(),
        })
    }
}

/// Re-reads `timebeat.cli` from the config file at `path` for [`serve_reloading`]; a file
/// that does not load, or has no credentials, is an error and the running ones stay.
pub fn reload_credentials(path: &Path) -> Result<Credentials, SshError> {
    let loaded = crate::config::load_file(path)?;
    for warning in &loaded.warnings {
        warn!("{warning}");
    }
    Credentials::from_config(&loaded.config.timebeat.cli)
}

/// The address `timebeat.cli.bind_host`/`bind_port` name.
pub fn config_address(cli: &CliConfig) -> Result<SocketAddr, SshError> {
    let host: IpAddr = cli.bind_host.parse().map_err(|_| SshError::BadAddress {
        host: cli.bind_host.clone(),
    })?;
    Ok(SocketAddr::new(host, cli.bind_port.0))
}

/// Binds the listening socket; a taken port is an error naming the address.
pub async fn bind(address: SocketAddr) -> Result<TcpListener, SshError> {
    TcpListener::bind(address)
        .await
        .map_err(|error| SshError::Bind { address, error })
}

/// Who may log in, and the thread that checks their passwords.
#[derive(Debug)]
pub(super) struct Logins {
    pub(super) credentials: Credentials,
    pub(super) passwords: PasswordChecker,
}

impl Logins {
    fn start(credentials: Credentials) -> Result<Arc<Self>, SshError> {
        let passwords = PasswordChecker::start(credentials.clone())?;
        Ok(Arc::new(Logins {
            credentials,
            passwords,
        }))
    }
}

/// What the accept loop and every connection share.
#[derive(Debug)]
pub(super) struct Shared {
    logins: std::sync::RwLock<Arc<Logins>>,
    pub(super) source: SnapshotSource,
    pub(super) limits: SshLimits,
    book: Mutex<Bookkeeping>,
}

#[derive(Debug)]
struct Bookkeeping {
    failures: FailureLimiter,
    sessions: SessionTable,
    handles: HashMap<SessionId, Handle>,
}

impl Shared {
    /// The credentials in force now (a connection keeps the ones it started with per check).
    pub(super) fn logins(&self) -> Arc<Logins> {
        let logins = self
            .logins
            .read()
            .unwrap_or_else(|poison| poison.into_inner());
        Arc::clone(&logins)
    }

    fn book(&self) -> MutexGuard<'_, Bookkeeping> {
        self.book
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// The client of `session` did something.
    pub(super) fn touch(&self, session: SessionId) {
        self.book().sessions.touch(session, Instant::now());
    }

    /// `Some(remaining)` while `addr` is shut out.
    pub(super) fn blocked(&self, addr: IpAddr) -> Option<Duration> {
        self.book().failures.blocked(addr, Instant::now())
    }

    /// Records a login's outcome for `addr`.
    pub(super) fn login_result(&self, addr: IpAddr, user: &str, method: &str, accepted: bool) {
        let now = Instant::now();
        let mut book = self.book();
        if accepted {
            book.failures.record_success(addr, now);
            info!(%addr, user, method, "SSH login");
        } else if book.failures.record_failure(addr, now) {
            let policy = self.limits.failures;
            warn!(
                %addr, user, method,
                "{} failed SSH logins: refusing {addr} for {}s",
                policy.max_failures,
                policy.block_for.as_secs()
            );
        } else {
            info!(%addr, user, method, "SSH login refused");
        }
    }
}

/// Serves SSH on `listener` until `shutdown` completes; then disconnects every session.
pub async fn serve(
    listener: TcpListener,
    settings: SshSettings,
    source: SnapshotSource,
    shutdown: impl Future<Output = ()>,
) {
    let (_keep, reloads) = tokio::sync::watch::channel(settings.credentials.clone());
    serve_reloading(listener, settings, source, reloads, shutdown).await;
}

/// [`serve`], taking new credentials from `reloads` (`shiwa cli-ssh` on SIGHUP). Sessions
/// already logged in stay; new logins use the new credentials.
pub async fn serve_reloading(
    listener: TcpListener,
    mut settings: SshSettings,
    source: SnapshotSource,
    mut reloads: tokio::sync::watch::Receiver<Credentials>,
    shutdown: impl Future<Output = ()>,
) {
    let mut config = Arc::new(russh_config(&settings));
    let limits = settings.limits.clone();
    let logins = match Logins::start(settings.credentials.clone()) {
        Ok(logins) => logins,
        Err(err) => {
            tracing::error!("the SSH shell cannot check passwords: {err}");
            return;
        }
    };
    let shared = Arc::new(Shared {
        logins: std::sync::RwLock::new(logins),
        source,
        book: Mutex::new(Bookkeeping {
            failures: FailureLimiter::new(limits.failures),
            sessions: SessionTable::new(limits.max_sessions, limits.idle_timeout),
            handles: HashMap::new(),
        }),
        limits,
    });
    let mut sessions = JoinSet::new();
    let mut sweep = tokio::time::interval(Duration::from_secs(1));
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            () = &mut shutdown => break,
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
            _ = sweep.tick() => disconnect_idle(&shared),
            Ok(()) = reloads.changed() => {
                settings.credentials = reloads.borrow_and_update().clone();
                match Logins::start(settings.credentials.clone()) {
                    Ok(logins) => {
                        *shared.logins.write().unwrap_or_else(|p| p.into_inner()) = logins;
                        config = Arc::new(russh_config(&settings));
                        info!("SSH credentials reloaded");
                    }
                    Err(err) => warn!("keeping the SSH credentials: {err}"),
                }
            }
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if let Some(id) = admit(&shared, peer) {
                        let (config, shared) = (Arc::clone(&config), Arc::clone(&shared));
                        sessions.spawn(run_session(config, shared, stream, peer, id));
                    }
                }
                Err(err) => {
                    warn!(error = %err, "accepting an SSH client failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    let handles: Vec<Handle> = shared.book().handles.drain().map(|(_, h)| h).collect();
    for handle in handles {
        let _ = handle
            .disconnect(
                Disconnect::ByApplication,
                "shiwa is stopping".into(),
                String::new(),
            )
            .await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while sessions.join_next().await.is_some() {}
    })
    .await;
    sessions.shutdown().await;
}

fn russh_config(settings: &SshSettings) -> Config {
    let mut methods = MethodSet::empty();
    if settings.credentials.has_password() {
        methods.push(MethodKind::Password);
    }
    if settings.credentials.key_count() > 0 {
        methods.push(MethodKind::PublicKey);
    }
    Config {
        server_id: SshId::Standard(format!("SSH-2.0-shiwa_{}", crate::version::VERSION).into()),
        methods,
        auth_rejection_time: settings.limits.rejection_delay,
        // OpenSSH starts with a "none" probe to learn the methods: answer it at once.
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![settings.host_key.clone()],
        max_auth_attempts: 6,
        // The sweep enforces the idle timeout; this only catches a session the sweep missed.
        inactivity_timeout: Some(settings.limits.idle_timeout + Duration::from_secs(60)),
        ..Config::default()
    }
}

/// Decides whether a new connection from `peer` gets a session.
fn admit(shared: &Shared, peer: SocketAddr) -> Option<SessionId> {
    let now = Instant::now();
    let mut book = shared.book();
    if let Some(remaining) = book.failures.blocked(peer.ip(), now) {
        debug!(%peer, remaining_s = remaining.as_secs(), "closing a connection from a blocked address");
        return None;
    }
    match book.sessions.open(now) {
        Ok(id) => Some(id),
        Err(full) => {
            warn!(%peer, "closing an SSH connection: {full}");
            None
        }
    }
}

async fn run_session(
    config: Arc<Config>,
    shared: Arc<Shared>,
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    id: SessionId,
) {
    // Small interactive packets: without this, Nagle and delayed ACKs add ~40 ms steps.
    if let Err(err) = stream.set_nodelay(true) {
        debug!(%peer, error = %err, "TCP_NODELAY not set");
    }
    let handler = Connection::new(Arc::clone(&shared), id, peer);
    let stream = super::quickack::QuickAckStream::new(stream);
    match russh::server::run_stream(config, stream, handler).await {
        Ok(session) => {
            shared.book().handles.insert(id, session.handle());
            if let Err(err) = session.await {
                debug!(%peer, error = %err, "SSH session ended with an error");
            }
        }
        Err(err) => debug!(%peer, error = %err, "SSH connection setup failed"),
    }
    let mut book = shared.book();
    book.handles.remove(&id);
    book.sessions.close(id);
}

/// Disconnects the sessions idle past the timeout.
fn disconnect_idle(shared: &Shared) {
    let mut book = shared.book();
    let idle = book.sessions.idle(Instant::now());
    let timeout = book.sessions.idle_timeout();
    for id in idle {
        // A session still in its handshake has no handle yet; the next sweep gets it.
        if let Some(handle) = book.handles.remove(&id) {
            book.sessions.close(id);
            info!(session = id.0, "disconnecting an idle SSH session");
            let reason = format!("idle for {}s", timeout.as_secs());
            tokio::spawn(async move {
                let _ = handle
                    .disconnect(Disconnect::ByApplication, reason, String::new())
                    .await;
            });
        }
    }
}
