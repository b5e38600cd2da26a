//! `shiwa sync`: the clock-sync daemon.

use super::GlobalArgs;
use crate::config;
use crate::engine::driver::{self, DaemonOptions};
use crate::exit::ExitStatus;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

/// Run the clock-sync daemon.
#[derive(Debug, Args)]
#[command(
    long_about = "Run the clock-sync daemon: measure the configured NTP sources, select the \
        best, discipline the system clock, serve NTP when configured, and publish the state on \
        the observation socket (read it with `shiwa status`).\n\n\
        With `adjust_clock: false` in the config, or --monitor, the clock is only measured, \
        never written.\n\n\
        Signals: SIGHUP reloads the configuration (a bad file is refused and the running one \
        kept); SIGTERM and SIGINT stop it gracefully. Under systemd (Type=notify) it reports \
        READY=1 once its sources are started, and WATCHDOG=1 every second."
)]
pub struct SyncArgs {
    /// Observation/control socket to create
    #[arg(long, env = "SHIWA_SOCKET", value_name = "PATH", default_value = crate::observe::DEFAULT_SOCKET)]
    socket: PathBuf,

    /// Never write the clock, whatever `adjust_clock` says (monitor mode)
    #[arg(long)]
    monitor: bool,

    /// Directory for state kept across runs (the SSH shell's host key, unless
    /// `cli.server_key` names one)
    #[arg(long, env = "SHIWA_STATE_DIR", value_name = "DIR", default_value = crate::ssh::DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
}

/// Runs the daemon until SIGTERM or SIGINT.
pub fn run(args: SyncArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let path = config::resolve_path(global.config.as_deref())?;
    let loaded = config::load_file(&path)?;
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    let options = DaemonOptions {
        config_path: path,
        socket_path: args.socket,
        force_monitor: args.monitor,
        state_dir: args.state_dir,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let logs = super::output::log_buffer();
    runtime.block_on(driver::run(options, loaded.config, logs))?;
    Ok(ExitStatus::Success)
}
