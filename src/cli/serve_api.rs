//! `shiwa serve-api`: the HTTP API and Prometheus metrics as their own unprivileged process,
//! reading `shiwa sync`'s state from its observation socket.

use super::GlobalArgs;
use crate::api::server::StopSignals;
use crate::api::{ApiServer, ApiSettings, DEFAULT_BIND};
use crate::config::{self, HttpTlsConfig};
use crate::exit::ExitStatus;
use crate::observe::SnapshotSource;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

/// Serve the HTTP API and Prometheus metrics from shiwa sync's socket.
#[derive(Debug, Args)]
#[command(
    long_about = "Serve the HTTP API (/api/v1/status, /api/v1/sources, /api/v1/health, \
        /api/v1/logs?n=, /api/v1/openapi.json) and Prometheus metrics (/metrics) as an \
        unprivileged process that reads shiwa sync's observation socket. The same server runs \
        inside shiwa sync when the config has `timebeat.http.enable: true` (use one or the \
        other on a port).\n\n\
        When shiwa sync is unreachable, serve-api keeps running: /api/v1/health answers 503 \
        naming the socket, /metrics says shiwa_up 0, and it reconnects by itself.\n\n\
        Settings: with --config (or $SHIWA_CONFIG), the `timebeat.http` keys are read: \
        bind_host/bind_port, tls.certificate/tls.key and auth (bearer_token, or username + \
        password_hash); `enable` is ignored here. Flags override them. Without a config, \
        the API listens on 127.0.0.1:8088, in plain HTTP, without authentication.\n\n\
        /api/v1/health never needs credentials (for load balancers and port monitors). \
        Signals: SIGTERM/SIGINT stop after requests in flight; SIGHUP is ignored (restart \
        to apply new settings).\n\n\
        Exit status: 0 after a signal, 1 when the port is taken (the message names the \
        address), 77 when binding or reading a file is not permitted, 78 for a bad config \
        or certificate/key/token file."
)]
pub struct ServeApiArgs {
    /// The observation socket of shiwa sync
    #[arg(
        long,
        env = "SHIWA_SOCKET",
        value_name = "PATH",
        default_value = crate::observe::DEFAULT_SOCKET
    )]
    socket: PathBuf,

    /// Address and port to listen on, e.g. 0.0.0.0:8088 or [::]:8088 [default: the config's
    /// timebeat.http bind_host:bind_port, else 127.0.0.1:8088]
    #[arg(long, value_name = "ADDR:PORT")]
    bind: Option<String>,

    /// Serve HTTPS with this certificate (PEM, e.g. from `shiwa setup-pki --server-cn NAME`)
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// The certificate's private key (PEM)
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Require `Authorization: Bearer TOKEN`, the token being the first line of FILE
    /// (replaces the config's auth)
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
}

/// Runs the server until SIGTERM or SIGINT.
pub fn run(args: ServeApiArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let mut settings = match &global.config {
        Some(path) => {
            let loaded = config::load_file(path)?;
            for warning in &loaded.warnings {
                tracing::warn!("{warning}");
            }
            ApiSettings::from_config(&loaded.config.timebeat.http)
        }
        None => ApiSettings::default().with_bind(DEFAULT_BIND)?,
    };
    if let Some(bind) = &args.bind {
        settings = settings.with_bind(bind)?;
    }
    if let (Some(certificate), Some(key)) = (args.tls_cert, args.tls_key) {
        settings.tls = Some(HttpTlsConfig { certificate, key });
    }
    if let Some(file) = &args.token_file {
        settings = settings.with_token_file(file)?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(settings, args.socket))?;
    Ok(ExitStatus::Success)
}

async fn serve(settings: ApiSettings, socket: PathBuf) -> anyhow::Result<()> {
    let signals = StopSignals::install().context("installing signal handlers")?;
    let server = ApiServer::bind(&settings, SnapshotSource::socket(&socket)).await?;
    server.run(signals.wait()).await;
    tracing::info!("serve-api stopped");
    Ok(())
}
