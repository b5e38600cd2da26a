//! `shiwa systemd-install`: write hardened units for the long-running subcommands.
use super::output;
use crate::exit::ExitStatus;
use crate::systemd::{
    self, Firewall, InstallReport, InstallRequest, NftChain, Operation, Target, UnitKind,
    UnitSettings,
};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use std::path::PathBuf;

const DEFAULT_CONFIG: &str = "/etc/shiwa/shiwa.yml";

const AFTER_HELP: &str = "\
Each unit runs `BINARY <unit> --config CONFIG` (CONFIG: the global --config or $SHIWA_CONFIG, \
default /etc/shiwa/shiwa.yml). Live (root, systemd running): writes /etc/sysusers.d/shiwa.conf, \
creates the user if missing and /var/lib/shiwa (0750), writes \
/etc/systemd/system/shiwa-<unit>.service (0644), runs `systemctl daemon-reload` and \
`systemctl enable --now`, restarts units whose file changed. --root DIR writes only the files.

Examples:
  shiwa systemd-install --unit sync,serve-api --firewall firewalld
  shiwa systemd-install --unit hub --root /mnt/image --binary /usr/bin/shiwa
  shiwa systemd-install --unit sync --dry-run
  shiwa systemd-install --unit sync --uninstall";

/// Arguments of `shiwa systemd-install`.
#[derive(Debug, clap::Args)]
#[command(after_long_help = AFTER_HELP)]
pub struct SystemdInstallArgs {
    /// Units to install (repeat the option or separate with commas)
    #[arg(long = "unit", value_name = "UNIT", value_delimiter = ',', default_value = "sync",
          value_parser = PossibleValuesParser::new(UnitKind::ALL.map(UnitKind::name))
              .try_map(|s| s.parse::<UnitKind>()))]
    units: Vec<UnitKind>,

    /// User and group the services run as (created as a system user when missing)
    #[arg(long, value_name = "NAME", default_value = systemd::unit::DEFAULT_USER)]
    user: String,

    /// The shiwa binary the units run [default: this executable]
    #[arg(long, value_name = "PATH")]
    binary: Option<PathBuf>,

    /// Seconds systemd waits before restarting a failed service
    #[arg(long, value_name = "SECONDS", default_value_t = systemd::unit::DEFAULT_RESTART_SEC)]
    restart_sec: u32,

    /// Watchdog timeout of the sync unit in seconds (0 turns it off)
    #[arg(long, value_name = "SECONDS", default_value_t = systemd::unit::DEFAULT_WATCHDOG_SEC)]
    watchdog_sec: u32,

    /// Open the units' ports while they run (ExecStartPre=/ExecStopPost= lines)
    #[arg(long, value_name = "KIND", default_value = "none",
          value_parser = PossibleValuesParser::new(Firewall::NAMES))]
    firewall: String,

    /// With --firewall nftables: the input chain holding the accept rule
    #[arg(long, value_name = "FAMILY TABLE CHAIN", default_value = "inet filter input",
          value_parser = |s: &str| s.parse::<NftChain>().map(|_| s.to_string()))]
    nft_chain: String,

    /// Stage the files under DIR (an image root); no user, no systemctl
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,

    /// Print the units and the actions; change nothing
    #[arg(long)]
    dry_run: bool,

    /// Enable the units but do not start them
    #[arg(long, conflicts_with = "uninstall")]
    no_start: bool,

    /// Stop, disable and remove the units (keeps the user and /var/lib/shiwa)
    #[arg(long)]
    uninstall: bool,

    /// Print the result as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(args: SystemdInstallArgs, global: &super::GlobalArgs) -> anyhow::Result<ExitStatus> {
    let request = request(&args, global)?;
    let systemd::InstallRun {
        plan,
        outcomes,
        notes,
    } = systemd::install(&request, args.dry_run)?;
    if args.json {
        let report = InstallReport::new(&request, &plan, &outcomes, &notes, args.dry_run);
        output::print_json(&report)?;
        return Ok(ExitStatus::Success);
    }
    if args.dry_run {
        for unit in plan.units.iter().filter(|u| !u.text.is_empty()) {
            println!("# {}\n{}", unit.path.display(), unit.text);
        }
    }
    if !outcomes.is_empty() {
        let mut table = output::table(["#", "Action", "Details", "Status"]);
        for (n, outcome) in outcomes.iter().enumerate() {
            let (what, details) = outcome.action.describe();
            let status = outcome.status.as_str();
            table.add_row([(n + 1).to_string(), what.into(), details, status.into()]);
        }
        println!("{table}");
    }
    for note in &notes {
        eprintln!("note: {note}");
    }
    Ok(ExitStatus::Success)
}

fn request(
    args: &SystemdInstallArgs,
    global: &super::GlobalArgs,
) -> anyhow::Result<InstallRequest> {
    let config = global
        .config
        .clone()
        .unwrap_or_else(|| DEFAULT_CONFIG.into());
    let binary = match &args.binary {
        Some(path) => path.clone(),
        None => std::env::current_exe().map_err(systemd::SystemdError::CurrentExe)?,
    };
    let firewall = Firewall::from_name(&args.firewall, &args.nft_chain)?;
    let operation = match args.uninstall {
        true => Operation::Uninstall,
        false => Operation::Install {
            start: !args.no_start,
        },
    };
    Ok(InstallRequest {
        kinds: UnitKind::unique(&args.units),
        settings: UnitSettings {
            binary: std::path::absolute(binary)?,
            config: std::path::absolute(config)?,
            user: args.user.clone(),
            restart_sec: args.restart_sec,
            watchdog_sec: args.watchdog_sec,
            firewall,
        },
        target: args.root.clone().map_or(Target::Live, Target::Root),
        operation,
    })
}
