//! `shiwa config check|show`: validate a configuration, or print the effective one.

use super::{GlobalArgs, output};
use crate::config::{self, ConfigError, Severity};
use crate::exit::ExitStatus;
use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Check or show the configuration.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Validate a configuration file and list every problem (exit 78 when invalid)
    Check {
        /// The file to check [default: --config, then the default locations]
        file: Option<PathBuf>,
        /// Print the result as JSON
        #[arg(long)]
        json: bool,
    },
    /// Print the effective configuration (defaults filled in, secrets redacted)
    Show {
        /// Print JSON instead of YAML
        #[arg(long)]
        json: bool,
    },
}

/// Runs `config check` or `config show`.
pub fn run(args: ConfigArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    match args.command {
        ConfigCommand::Check { file, json } => check(file.or(global.config.clone()), json),
        ConfigCommand::Show { json } => show(global, json),
    }
}

fn check(file: Option<PathBuf>, json: bool) -> anyhow::Result<ExitStatus> {
    let path = config::resolve_path(file.as_deref())?;
    let (status, diagnostics, sources) = match config::load_file(&path) {
        Ok(loaded) => (
            ExitStatus::Success,
            loaded.warnings,
            loaded.config.sources().count(),
        ),
        Err(ConfigError::Invalid { diagnostics, .. }) => (ExitStatus::Config, diagnostics, 0),
        Err(other) => return Err(other.into()),
    };
    let (errors, warnings): (Vec<_>, Vec<_>) = diagnostics
        .iter()
        .partition(|d| d.severity == Severity::Error);
    if json {
        output::print_json(&serde_json::json!({
            "file": path,
            "valid": status == ExitStatus::Success,
            "sources": sources,
            "errors": errors,
            "warnings": warnings,
        }))?;
        return Ok(status);
    }
    output::print_diagnostics(&diagnostics);
    if status == ExitStatus::Success {
        println!(
            "{}: ok ({sources} clock source(s), {} warning(s))",
            path.display(),
            warnings.len()
        );
    } else {
        eprintln!("{}: invalid ({} error(s))", path.display(), errors.len());
    }
    Ok(status)
}

fn show(global: &GlobalArgs, json: bool) -> anyhow::Result<ExitStatus> {
    let path = config::resolve_path(global.config.as_deref())?;
    let loaded = config::load_file(&path)?;
    output::print_diagnostics(&loaded.warnings);
    let redacted = loaded.config.redacted();
    if json {
        output::print_json(&config::to_document(&redacted))?;
    } else {
        let yaml = config::to_yaml(&redacted).context("rendering the configuration as YAML")?;
        output::print_stdout(&format!(
            "# Effective configuration from {} (secrets redacted)\n{yaml}",
            path.display()
        ))?;
    }
    Ok(ExitStatus::Success)
}
