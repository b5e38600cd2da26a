//! The command-line front end: the clap tree, multi-call rewriting, dispatch and exit codes.
//!
//! Each subcommand lives in its own file as a `clap::Args` struct plus one `run` function that
//! parses, calls the library and renders. No protocol, servo, SQL or routing logic here.

use crate::exit::{ExitStatus, HasExitStatus};
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod cli_ssh;
mod config;
mod export;
mod generate;
mod hub;
mod import;
mod output;
mod query;
mod recover;
mod serve_api;
mod setup_pki;
mod ship_es;
mod status;
mod sync;
mod systemd_install;

/// The top of the command tree.
#[derive(Debug, Parser)]
#[command(
    name = "shiwa",
    version = crate::version::VERSION,
    long_version = crate::version::LONG_VERSION,
    about = "Keeps Linux machines on time (NTP, PTP) and lets operators see and manage them",
    long_about = "shiwa keeps a fleet of Linux machines on time and lets operators see and manage it.\n\n\
        The configuration file is Timebeat-compatible YAML. It is looked up in --config, then \
        $SHIWA_CONFIG, then /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml.\n\n\
        Every subcommand can also be run as `shiwa-<subcommand>` through a symlink.",
    after_long_help = EXIT_CODES_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Exit statuses, documented in `--help` and the man pages.
pub const EXIT_CODES_HELP: &str = "Exit status:\n  \
    0   success\n  \
    1   runtime failure, or a check found a problem\n  \
    2   usage error\n  \
    3   a probed peer is unreachable or not synchronised\n  \
    77  permission denied\n  \
    78  configuration invalid";

/// Options every subcommand accepts.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file [default: /etc/shiwa/shiwa.yml, then /etc/timebeat/timebeat.yml]
    #[arg(
        long,
        short = 'c',
        global = true,
        env = "SHIWA_CONFIG",
        value_name = "FILE"
    )]
    pub config: Option<PathBuf>,

    /// Log level (error, warn, info, debug, trace) or a tracing filter directive
    #[arg(
        long,
        global = true,
        env = "SHIWA_LOG",
        value_name = "LEVEL",
        default_value = "info"
    )]
    pub log_level: String,
}

/// The subcommands. Only ones that work are listed.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the clock-sync daemon (NTP client and server, servo, observation socket)
    Sync(sync::SyncArgs),
    /// Show the clock's synchronisation state and its sources (exit 3 when not synchronised)
    ///
    /// Asks the running `shiwa sync` on its observation socket. Exit status: 0 when the clock is
    /// synchronised, 3 when it is not, 1 when shiwa sync cannot be reached (77 when the
    /// socket's permissions keep you out).
    Status(status::StatusArgs),
    /// Serve the HTTP API and Prometheus metrics from shiwa sync's socket (unprivileged)
    ServeApi(serve_api::ServeApiArgs),
    /// Ship clock, source, event and log documents to Elasticsearch (unprivileged)
    ShipEs(ship_es::ShipEsArgs),
    /// Run the SSH management shell (standalone, over the observation socket)
    ///
    /// It reads shiwa sync's state through the observation socket, keeps running while the
    /// daemon restarts (open sessions say so on a line of their own) and reconnects by itself.
    /// Logins come from the config's timebeat.cli keys: username with password_hash (argon2,
    /// preferred; make one with --hash-password) or password (plaintext, accepted with a
    /// warning), and authorised_keys; without any it refuses to start (exit 78). SIGHUP
    /// re-reads those keys; SIGTERM and SIGINT stop it.
    ///
    /// Session commands: help, status, sources, clock, logs [N], config, enable, disable,
    /// reload, version, exit. `ssh -p PORT admin@host status` runs one and passes its exit
    /// status back: 0 ok, 1 shiwa sync unreachable or refusing, 2 usage, 3 not synchronised,
    /// 127 unknown command.
    CliSsh(cli_ssh::CliSshArgs),
    /// Probe an NTP server once (like ntpdig / ntpdate -q)
    Query(query::QueryArgs),
    /// Check or show the configuration
    Config(config::ConfigArgs),
    /// Export the configuration as a JSON envelope (for backups and provisioning)
    Export(export::ExportArgs),
    /// Import a configuration (envelope, YAML or JSON), validating it before writing
    Import(import::ImportArgs),
    /// Create a CA, client and server certificates (replaces the openssl recipe)
    SetupPki(setup_pki::SetupPkiArgs),
    /// Run the fleet hub (reports, events, backups from nodes), or manage its nodes
    Hub(hub::HubArgs),
    /// Write hardened systemd units for shiwa's long-running subcommands
    SystemdInstall(systemd_install::SystemdInstallArgs),
    /// Rebuild a node from its backup on the hub (config and PKI files, then the sync unit)
    Recover(recover::RecoverArgs),
    /// Generate shell completions and man pages
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
}

/// Runs the program with the process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    let args = rewrite_multicall(std::env::args_os().collect());
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitStatus::Usage.into()
            } else {
                ExitStatus::Success.into()
            };
        }
    };
    output::init_logging(&cli.global.log_level);
    match dispatch(cli) {
        Ok(status) => status.into(),
        Err(err) => {
            eprintln!("shiwa: {err:#}");
            exit_status_of(&err).into()
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitStatus> {
    let global = &cli.global;
    match cli.command {
        Command::Sync(args) => sync::run(args, global),
        Command::Query(args) => query::run(args, global),
        Command::Config(args) => config::run(args, global),
        Command::Export(args) => export::run(args, global),
        Command::Import(args) => import::run(args, global),
        Command::SetupPki(args) => setup_pki::run(args, global),
        Command::Status(args) => status::run(args),
        Command::ServeApi(args) => serve_api::run(args, global),
        Command::ShipEs(args) => ship_es::run(args, global),
        Command::CliSsh(args) => cli_ssh::run(args, global),
        Command::SystemdInstall(args) => systemd_install::run(args, global),
        Command::Recover(args) => recover::run(args),
        Command::Hub(args) => hub::run(args, global),
        Command::Generate(args) => generate::run(args),
    }
}

/// The exit status of the first error in `cause` of one of `types` (library errors that know
/// their status).
macro_rules! status_of_known {
    ($cause:expr, $($error:ty),+ $(,)?) => {
        $(
            if let Some(e) = $cause.downcast_ref::<$error>() {
                return e.exit_status();
            }
        )+
    };
}

/// The exit status for an error: the first error in the chain that knows its status decides.
pub fn exit_status_of(err: &anyhow::Error) -> ExitStatus {
    for cause in err.chain() {
        status_of_known!(
            cause,
            crate::config::ConfigError,
            crate::config::transfer::TransferError,
            crate::fsutil::WriteError,
            crate::pki::PkiError,
            crate::systemd::SystemdError,
            crate::observe::ObserveError,
            crate::api::ApiStartError,
            crate::ssh::SshError,
            crate::engine::EngineError,
            crate::fleet::recovery::RecoveryError,
            crate::fleet::backup::BackupError,
            crate::fleet::restore::RestoreError,
            crate::hub::config::HubConfigError,
            crate::hub::server::HubServeError,
            crate::hub::store::StoreError,
            crate::hub::nodes::NodeError,
            crate::hub::dashboard::settings::HashPasswordError,
            crate::es::settings::SettingsError,
            crate::es::driver::ShipperError,
            crate::es::spool::EsSpoolError,
        );
        if let Some(e) = cause.downcast_ref::<std::io::Error>() {
            return ExitStatus::for_io(e);
        }
    }
    ExitStatus::Failure
}

/// Turns `shiwa-<subcommand> ARGS` (called through a link) into `shiwa <subcommand> ARGS`.
///
/// Only names of real subcommands are rewritten; anything else is left for clap to reject.
pub fn rewrite_multicall(mut args: Vec<OsString>) -> Vec<OsString> {
    let Some(argv0) = args.first() else {
        return args;
    };
    let program = Path::new(argv0)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Some(sub) = program.strip_prefix("shiwa-") else {
        return args;
    };
    let known = <Cli as clap::CommandFactory>::command()
        .get_subcommands()
        .any(|cmd| cmd.get_name() == sub);
    if known {
        let sub = OsString::from(sub);
        args[0] = OsString::from("shiwa");
        args.insert(1, sub);
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn clap_tree_is_consistent() {
        <Cli as clap::CommandFactory>::command().debug_assert();
    }

    #[test]
    fn multicall_rewrites_known_subcommands() {
        assert_eq!(
            rewrite_multicall(strings(&["/usr/bin/shiwa-setup-pki", "--dir", "x"])),
            strings(&["shiwa", "setup-pki", "--dir", "x"])
        );
        assert_eq!(
            rewrite_multicall(strings(&["shiwa-config", "check"])),
            strings(&["shiwa", "config", "check"])
        );
    }

    #[test]
    fn multicall_leaves_other_names_alone() {
        let plain = strings(&["/usr/bin/shiwa", "config", "check"]);
        assert_eq!(rewrite_multicall(plain.clone()), plain);
        let unknown = strings(&["shiwa-nonsense", "x"]);
        assert_eq!(rewrite_multicall(unknown.clone()), unknown);
    }
}
