//! `shiwa import config`: validate a configuration (envelope, YAML or JSON) and write it.

use super::{GlobalArgs, output};
use crate::config::{self, ConfigError, transfer};
use crate::exit::ExitStatus;
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

/// Import data into this node.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    what: ImportWhat,
}

#[derive(Debug, Subcommand)]
enum ImportWhat {
    /// Validate and write a configuration (`import config < config-backup.json`)
    Config(ImportConfigArgs),
}

#[derive(Debug, Args)]
struct ImportConfigArgs {
    /// Read from this file instead of standard input
    #[arg(long, short = 'f', value_name = "FILE")]
    file: Option<PathBuf>,
    /// Validate and show what would change; write nothing
    #[arg(long)]
    dry_run: bool,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

/// Runs `import config`.
pub fn run(args: ImportArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let ImportWhat::Config(args) = args.what;
    let (input, origin) = read_input(args.file.as_deref())?;
    let target = match config::resolve_path(global.config.as_deref()) {
        Ok(path) => path,
        Err(ConfigError::NotFound { .. }) => PathBuf::from(config::DEFAULT_PATHS[0]),
        Err(other) => return Err(other.into()),
    };
    let plan = transfer::prepare_import(&input, &origin, &target)?;
    output::print_diagnostics(&plan.warnings);
    let outcome = if args.dry_run {
        None
    } else {
        Some(transfer::apply_import(&plan)?)
    };
    if args.json {
        output::print_json(&serde_json::json!({
            "target": plan.target,
            "dry_run": args.dry_run,
            "changes": plan.changes,
            "pki": plan.pki.iter().map(|f| &f.path).collect::<Vec<_>>(),
            "kept_secrets": plan.kept_secrets,
            "outcome": outcome,
        }))?;
        return Ok(ExitStatus::Success);
    }
    render_changes(&plan);
    for path in &plan.kept_secrets {
        println!("kept {path} from the current file (it was redacted in the input)");
    }
    match outcome {
        None => println!(
            "dry run: nothing written ({} would be replaced)",
            target.display()
        ),
        Some(outcome) => {
            println!(
                "wrote {} (mode {:04o})",
                outcome.written.display(),
                outcome.mode
            );
            if let Some(backup) = outcome.backup {
                println!("previous file kept as {}", backup.display());
            }
            for file in outcome.pki_written {
                println!("restored {}", file.display());
            }
        }
    }
    Ok(ExitStatus::Success)
}

fn read_input(file: Option<&Path>) -> anyhow::Result<(Vec<u8>, String)> {
    match file {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Ok((bytes, path.display().to_string()))
        }
        None => {
            let mut stdin = std::io::stdin();
            if stdin.is_terminal() {
                bail!(
                    "standard input is a terminal: pipe an export in (`< config-backup.json`) or use --file"
                );
            }
            let mut bytes = Vec::new();
            stdin
                .by_ref()
                .take(transfer::MAX_IMPORT_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .context("reading standard input")?;
            Ok((bytes, "<stdin>".into()))
        }
    }
}

fn render_changes(plan: &transfer::ImportPlan) {
    if plan.changes.is_empty() {
        println!("no changes to {}", plan.target.display());
        return;
    }
    let mut table = output::table(["change", "key", "before", "after"]);
    for change in &plan.changes {
        table.add_row([
            format!("{:?}", change.kind).to_lowercase(),
            change.path.clone(),
            change.before.clone().unwrap_or_default(),
            change.after.clone().unwrap_or_default(),
        ]);
    }
    println!("{table}");
}
