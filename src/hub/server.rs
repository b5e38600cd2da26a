//! `shiwa hub --config hub.yaml`: opens the store, binds, serves the API (plain or TLS) until
//! the shutdown future resolves, prunes old records daily (`retention.max_days`), and runs
//! the dead-man's switch, port checks and alerts beside it ([`super::policy`]).
//!
//! Connection limits follow [`crate::api::server`]: request heads up to
//! [`MAX_HEAD_BYTES`](crate::api::server::MAX_HEAD_BYTES), a head timeout, at most
//! [`MAX_CONNECTIONS`](crate::api::server::MAX_CONNECTIONS) connections, and a drain of
//! requests in flight on shutdown.

use super::api::{HubState, router};
use super::config::LoadedHubConfig;
use super::policy::{self, PolicyStartError};
use super::store::{self, AnyStore, HubStore, StoreError};
use crate::api::ApiStartError;
use crate::exit::{ExitStatus, HasExitStatus};
use crate::time::{Duration, Timestamp};
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// How often retention runs.
pub const PRUNE_PERIOD: std::time::Duration = std::time::Duration::from_secs(86_400);

/// Why the hub could not start.
#[derive(Debug, thiserror::Error)]
pub enum HubServeError {
    /// The database.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Binding or TLS files.
    #[error(transparent)]
    Start(#[from] ApiStartError),
    /// The dead-man's switch, checks or alerts.
    #[error(transparent)]
    Policy(#[from] PolicyStartError),
}

impl HasExitStatus for HubServeError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            HubServeError::Store(err) => err.exit_status(),
            HubServeError::Start(err) => err.exit_status(),
            HubServeError::Policy(err) => err.exit_status(),
        }
    }
}

/// Runs the hub with `loaded` until `shutdown` resolves; `ready` is called with the bound
/// address once it listens.
pub async fn serve(
    loaded: &LoadedHubConfig,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()>,
) -> Result<(), HubServeError> {
    match store::open(&loaded.config.database_url).await? {
        AnyStore::Sqlite(store) => {
            serve_with(store.clone(), loaded, ready, shutdown).await?;
            store.close().await;
        }
        AnyStore::Postgres(store) => {
            serve_with(store.clone(), loaded, ready, shutdown).await?;
            store.close().await;
        }
    }
    Ok(())
}

/// Runs the hub over an opened store.
pub async fn serve_with<S: HubStore>(
    store: S,
    loaded: &LoadedHubConfig,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()>,
) -> Result<(), HubServeError> {
    let config = &loaded.config;
    let tls = config
        .tls
        .as_ref()
        .map(crate::api::tls::acceptor)
        .transpose()?;
    let bind_error = |error| ApiStartError::Bind {
        address: config.listen.clone(),
        error,
    };
    let listener = TcpListener::bind(&config.listen)
        .await
        .map_err(bind_error)?;
    let address = listener.local_addr().map_err(bind_error)?;
    let state = HubState::new(
        store.clone(),
        loaded.admin_key_sha256,
        config.limits.max_body_bytes,
        crate::ntp::driver::realtime_now,
    );
    let (link, policy_tasks) = policy::start(store.clone(), config, state.counters.clone()).await?;
    let state = state.with_policy(link);
    tracing::info!(
        address = %address,
        tls = tls.is_some(),
        database = %store::redact_url(&config.database_url),
        "hub listening"
    );
    ready(address);
    let retention = Duration::from_secs(i64::from(config.retention.max_days) * 86_400);
    let pruner = tokio::spawn(prune_loop(store, retention, config.retention.keep_backups));
    crate::api::server::serve_app(
        listener,
        tls,
        router(state, &config.dashboard),
        shutdown,
        "hub",
    )
    .await;
    pruner.abort();
    drop(policy_tasks);
    Ok(())
}

async fn prune_loop<S: HubStore>(store: S, retention: Duration, keep_backups: u32) {
    let mut tick = tokio::time::interval(PRUNE_PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let cutoff: Timestamp = crate::ntp::driver::realtime_now() - retention;
        match store.prune(cutoff, keep_backups).await {
            Ok(counts) => tracing::info!(
                reports = counts.reports,
                events = counts.events,
                notifications = counts.notifications,
                backups = counts.backups,
                "hub retention: pruned"
            ),
            Err(err) => tracing::warn!(error = %err, "hub retention failed"),
        }
    }
}
