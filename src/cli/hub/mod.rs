//! `shiwa hub`: serve the fleet hub (`shiwa hub --config hub.yaml`), or manage its nodes
//! (`shiwa hub node ...`).

mod hash_password;
mod node;

use super::GlobalArgs;
use crate::api::server::StopSignals;
use crate::exit::ExitStatus;
use crate::hub::{config, server};
use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

/// Where `hub.yaml` is looked for without `--config`.
pub const DEFAULT_HUB_CONFIG: &str = "/etc/shiwa/hub.yaml";

/// Run the fleet hub, or manage its nodes.
#[derive(Debug, Args)]
#[command(
    long_about = "Run the fleet hub: nodes push reports, events and backups to it \
        (POST /api/v1/report|event|backup with their API key); operators read nodes, history \
        and events with the admin key (GET /api/v1/nodes, /api/v1/events, CSV with \
        format=csv); `shiwa recover` fetches a node's backup with its retrieval password. \
        /metrics and /healthz need no credentials.\n\n\
        The configuration is hub.yaml (--config, default /etc/shiwa/hub.yaml): listen \
        (0.0.0.0:8080), database_url (sqlite:///var/lib/shiwa/hub.db or postgres://...), tls \
        {certificate, key}, admin_key_file or admin_key_sha256, retention.max_days (90), \
        limits.max_body_bytes, dashboard {password_hash (from `shiwa hub hash-password`), \
        username, session_ttl, refresh, top_offsets} — the web dashboard at / once a \
        password_hash is set.\n\n\
        SIGTERM/SIGINT stop after requests in flight. Exit status: 0 after a signal, 1 when \
        the port is taken or the database fails, 77 permission denied, 78 bad configuration."
)]
pub struct HubArgs {
    #[command(subcommand)]
    command: Option<HubCommand>,
}

#[derive(Debug, Subcommand)]
enum HubCommand {
    /// Add, list, rotate keys of, block or remove nodes (works on the database directly)
    Node(node::NodeArgs),
    /// Read a password (prompt, or the first line of stdin) and print its argon2 hash for
    /// dashboard.password_hash
    HashPassword(hash_password::HashPasswordArgs),
}

/// Serves, or runs a node command.
pub fn run(args: HubArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let config_path = global
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_HUB_CONFIG));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match args.command {
        Some(HubCommand::Node(node_args)) => runtime.block_on(node::run(node_args, &config_path)),
        Some(HubCommand::HashPassword(hash_args)) => hash_password::run(hash_args),
        None => {
            runtime.block_on(serve(&config_path))?;
            Ok(ExitStatus::Success)
        }
    }
}

async fn serve(config_path: &Path) -> anyhow::Result<()> {
    let loaded = config::load(config_path)?;
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    if loaded.admin_key_sha256.is_none() {
        tracing::warn!("no admin key configured: the admin endpoints refuse every request");
    }
    let signals = StopSignals::install().context("installing signal handlers")?;
    server::serve(&loaded, |_| {}, signals.wait()).await?;
    tracing::info!("hub stopped");
    Ok(())
}
