//! `shiwa recover`: fetch a node's backup from the hub, check and decrypt it, write its files
//! under `--root`, then install and start the sync unit (the same code as `systemd-install`).
use super::output;
use crate::exit::ExitStatus;
use crate::fleet::recovery::{RecoveryRequest, fetch_backup};
use crate::fleet::restore;
use crate::fleet::{BackupPayload, NodeId, backup};
use crate::secret::Secret;
use crate::systemd;
use anyhow::{Context, bail};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Nothing is written unless the whole bundle checks out: its SHA-256, the decryption with the \
retrieval password, and every path (absolute, no `..`). Files are written atomically with the \
modes they had on the node. The config file is the bundle's first file; the sync unit is \
installed for it (live when --root is /, staged under --root otherwise).

Exit status: 0 restored, 1 failure (unknown node, corrupted bundle, hub unreachable), \
77 retrieval password refused, 2 usage.

Examples:
  shiwa recover --hub https://hub.example.net:8080 --node gm-1 --ca /root/ca.crt
  shiwa recover --hub http://10.0.0.5:8080 --node gm-1 --password-file pw.txt --root /mnt --dry-run";

/// Arguments of `shiwa recover`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP, disable_version_flag = true)]
pub struct RecoverArgs {
    /// The hub's base URL
    #[arg(long, value_name = "URL")]
    hub: url::Url,
    /// The node to recover
    #[arg(long, value_name = "ID", value_parser = |s: &str| NodeId::new(s))]
    node: NodeId,
    /// Read the retrieval password from FILE (first line) instead of prompting
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
    /// Restore under DIR (a mounted disk, an image, a scratch directory)
    #[arg(long, value_name = "DIR", default_value = "/")]
    root: PathBuf,
    /// Restore backup version N instead of the latest
    #[arg(long = "version", id = "backup_version", value_name = "N")]
    backup_version: Option<u64>,
    /// Trust this CA certificate (PEM, e.g. from setup-pki) for the hub
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Show what would be written and installed; write nothing
    #[arg(long)]
    dry_run: bool,
    /// Restore the files but do not install or start the sync unit
    #[arg(long)]
    no_start: bool,
    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(args: RecoverArgs) -> anyhow::Result<ExitStatus> {
    let password = read_password(args.password_file.as_deref())?;
    let request = RecoveryRequest {
        hub: args.hub.clone(),
        node: args.node.clone(),
        password: password.clone(),
        version: args.backup_version,
        ca: args.ca.clone(),
    };
    let spinner = output::spinner(format!("fetching the backup of {}", args.node));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let bundle = runtime.block_on(fetch_backup(&request))?;
    spinner.set_message("checking and decrypting");
    let files = backup::decrypt(&bundle, Some(&password))?;
    spinner.finish_and_clear();
    let plan = restore::plan_restore(&files, &args.root)?;
    if !args.dry_run {
        let bar = progress(plan.entries.len());
        restore::apply_restore(&plan, |_| bar.inc(1))?;
        bar.finish_and_clear();
    }
    let install = match args.no_start {
        true => None,
        false => {
            let binary = std::env::current_exe().map_err(systemd::SystemdError::CurrentExe)?;
            Some(systemd::install(&plan.sync_unit(binary)?, args.dry_run)?)
        }
    };
    let encrypted = matches!(bundle.payload, BackupPayload::Encrypted { .. });
    if args.json {
        output::print_json(&serde_json::json!({
            "node": args.node, "version": bundle.version, "created_at": bundle.created_at.to_rfc3339(),
            "encrypted": encrypted, "dry_run": args.dry_run, "root": plan.root, "files": plan.entries,
            "units": install.as_ref().map(|run| systemd::planned(&run.plan)),
        }))?;
        return Ok(ExitStatus::Success);
    }
    let version = bundle.version.map_or("?".into(), |v| v.to_string());
    let verb = if args.dry_run {
        "would restore"
    } else {
        "restored"
    };
    println!(
        "{verb} backup version {version} of {} ({}, {}) under {}",
        args.node,
        bundle.created_at.to_rfc3339(),
        if encrypted { "encrypted" } else { "non-secret" },
        plan.root.display()
    );
    println!("{}", crate::render::restore_table(&plan.entries));
    if let Some(run) = &install {
        for outcome in &run.outcomes {
            let (what, details) = outcome.action.describe();
            println!("{what}: {details} ({})", outcome.status.as_str());
        }
        for note in &run.notes {
            eprintln!("note: {note}");
        }
    }
    Ok(ExitStatus::Success)
}

/// The password from `--password-file`, or asked on the terminal.
fn read_password(file: Option<&Path>) -> anyhow::Result<Secret> {
    let text = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading --password-file {}", path.display()))?;
            text.lines().next().unwrap_or_default().to_string()
        }
        None if std::io::stdin().is_terminal() => {
            rpassword::prompt_password("retrieval password: ").context("reading the password")?
        }
        None => bail!("no --password-file and standard input is not a terminal to ask on"),
    };
    if text.is_empty() {
        bail!("the retrieval password is empty");
    }
    Ok(Secret::new(text))
}

fn progress(len: usize) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    indicatif::ProgressBar::new(len as u64)
}
