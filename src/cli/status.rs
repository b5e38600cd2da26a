//! `shiwa status`: the clock and its sources, as `shiwa sync` reports them on its socket.
//!
//! A one-shot blocking client (no async runtime), so it answers in a few milliseconds.

use super::output;
use crate::exit::ExitStatus;
use crate::observe::ObserveClient;
use clap::Args;
use std::path::PathBuf;

/// Show the clock's synchronisation state and its sources.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The observation socket of shiwa sync
    #[arg(
        long,
        env = "SHIWA_SOCKET",
        value_name = "PATH",
        default_value = crate::observe::DEFAULT_SOCKET
    )]
    socket: PathBuf,
    /// Print the whole snapshot as JSON (field names documented in the shiwa::observe docs)
    #[arg(long)]
    json: bool,
}

/// Runs `status`: exit 0 when synchronised, 3 when not.
pub fn run(args: StatusArgs) -> anyhow::Result<ExitStatus> {
    let snapshot = ObserveClient::connect(&args.socket)?.snapshot()?;
    let status = if snapshot.clock.synchronized {
        ExitStatus::Success
    } else {
        ExitStatus::Unreachable
    };
    if args.json {
        output::print_json(&snapshot)?;
    } else {
        output::print_stdout(&crate::render::status(&snapshot))?;
    }
    Ok(status)
}
