//! `shiwa export config`: the configuration as a JSON envelope, for backups and provisioning.

use super::{GlobalArgs, output};
use crate::config::{self, transfer};
use crate::exit::ExitStatus;
use crate::fsutil;
use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Export data from this node.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(subcommand)]
    what: ExportWhat,
}

#[derive(Debug, Subcommand)]
enum ExportWhat {
    /// Write the configuration as a JSON envelope (`export config > config-backup.json`)
    Config(ExportConfigArgs),
}

#[derive(Debug, Args)]
struct ExportConfigArgs {
    /// Replace secrets (passwords, API keys, private keys) with "<redacted>"
    #[arg(long)]
    redact: bool,
    /// Embed the files named by ssl.* keys (base64 with sha256)
    #[arg(long)]
    with_pki: bool,
    /// Write to this file (atomically, mode 0600) instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

/// Runs `export config`.
pub fn run(args: ExportArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let ExportWhat::Config(args) = args.what;
    let path = config::resolve_path(global.config.as_deref())?;
    let options = transfer::ExportOptions {
        redact: args.redact,
        with_pki: args.with_pki,
        exported_at: now_rfc3339()?,
        host: nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "unknown".into()),
    };
    let envelope = transfer::export(&path, &options)?;
    let mut text = serde_json::to_string_pretty(&envelope)?;
    text.push('\n');
    match args.output {
        Some(file) => {
            fsutil::write_atomic(&file, text.as_bytes(), 0o600)?;
            eprintln!("exported {} to {}", path.display(), file.display());
        }
        None => output::print_stdout(&text)?,
    }
    Ok(ExitStatus::Success)
}

fn now_rfc3339() -> anyhow::Result<String> {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .context("formatting the export time")?
        .format(&time::format_description::well_known::Rfc3339)
        .context("formatting the export time")
}
