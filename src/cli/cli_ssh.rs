//! `shiwa cli-ssh`: the SSH management shell as its own unprivileged process, reading the
//! daemon through its observation socket; or `--hash-password` to make a `password_hash`.

use super::GlobalArgs;
use crate::config;
use crate::exit::ExitStatus;
use crate::observe::SnapshotSource;
use crate::ssh::{self, SshSettings};
use anyhow::Context;
use clap::Args;
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::signal::unix::{SignalKind, signal};

/// Run the SSH management shell.
#[derive(Debug, Args)]
pub struct CliSshArgs {
    /// The observation socket of shiwa sync
    #[arg(long, env = "SHIWA_SOCKET", value_name = "PATH", default_value = crate::observe::DEFAULT_SOCKET)]
    socket: PathBuf,
    /// Address to listen on [default: timebeat.cli.bind_host:bind_port, 127.0.0.1:65129]
    #[arg(long, value_name = "ADDR:PORT")]
    bind: Option<SocketAddr>,
    /// Host key file (ed25519, created when missing) [default: timebeat.cli.server_key, else
    /// STATE_DIR/ssh_host_ed25519_key]
    #[arg(long, value_name = "PATH")]
    host_key: Option<PathBuf>,
    /// Where the host key is kept when neither --host-key nor timebeat.cli.server_key says
    #[arg(long, value_name = "DIR", default_value = ssh::DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
    /// Read a password on stdin, print its argon2 hash for timebeat.cli.password_hash, and exit
    #[arg(long)]
    hash_password: bool,
}

/// Runs the shell until SIGTERM or SIGINT (or prints a password hash).
pub fn run(args: CliSshArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    if args.hash_password {
        return hash_password();
    }
    let path = config::resolve_path(global.config.as_deref())?;
    let loaded = config::load_file(&path)?;
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    let cli = &loaded.config.timebeat.cli;
    let address = match args.bind {
        Some(address) => address,
        None => ssh::server::config_address(cli)?,
    };
    let host_key = match args.host_key {
        Some(path) => path,
        None => ssh::host_key_path(cli.server_key.as_deref(), &args.state_dir),
    };
    let settings = SshSettings::from_config(cli, &host_key)
        .with_context(|| format!("starting the SSH shell with {}", path.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = ssh::bind(address).await?;
        let mut terminate = signal(SignalKind::terminate()).context("installing SIGTERM")?;
        let mut interrupt = signal(SignalKind::interrupt()).context("installing SIGINT")?;
        let mut hangup = signal(SignalKind::hangup()).context("installing SIGHUP")?;
        let (reload_tx, reloads) = tokio::sync::watch::channel(settings.credentials.clone());
        let config_path = path.clone();
        tokio::spawn(async move {
            while hangup.recv().await.is_some() {
                match ssh::reload_credentials(&config_path) {
                    Ok(credentials) => {
                        reload_tx.send_replace(credentials);
                    }
                    Err(err) => tracing::error!("reload refused, keeping the credentials: {err}"),
                }
            }
        });
        let source = SnapshotSource::socket(&args.socket);
        tracing::info!(
            %address,
            socket = %args.socket.display(),
            host_key = %host_key.display(),
            "SSH shell listening"
        );
        ssh::serve_reloading(listener, settings, source, reloads, async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
        })
        .await;
        anyhow::Ok(())
    })?;
    Ok(ExitStatus::Success)
}

/// `--hash-password`: the first line of stdin, hashed.
fn hash_password() -> anyhow::Result<ExitStatus> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let password = line.trim_end_matches(['\r', '\n']);
    let hash = ssh::hash_password(password)?;
    super::output::print_stdout(&format!("{hash}\n"))?;
    Ok(ExitStatus::Success)
}
