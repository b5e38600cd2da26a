//! `shiwa setup-pki`: create or check the CA, client and server certificates.

use super::output;
use crate::exit::{ExitStatus, HasExitStatus};
use crate::pki::{self, CheckOptions, KeyType, PkiOptions, ServerRequest, SetupMode};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use std::path::{Path, PathBuf};

/// Create a CA plus client and server certificates, or check them (--check)
#[derive(Debug, clap::Args)]
#[command(after_long_help = pki::SETUP_HELP)]
pub struct SetupPkiArgs {
    /// PKI directory
    #[arg(long, value_name = "DIR", default_value = pki::DEFAULT_DIR)]
    dir: PathBuf,
    /// Validity of client and server certificates, in days
    #[arg(long, value_name = "DAYS", default_value_t = pki::DEFAULT_LEAF_DAYS)]
    days: u32,
    /// Validity of a new CA, in days (at least --days)
    #[arg(long, value_name = "DAYS", default_value_t = pki::DEFAULT_CA_DAYS)]
    ca_days: u32,
    /// Key type of new keys [default: the existing CA's, else ecdsa-p256]
    #[arg(long, value_name = "TYPE", value_parser = PossibleValuesParser::new(KeyType::ALL.map(KeyType::name))
        .try_map(|name| name.parse::<KeyType>()))]
    key_type: Option<KeyType>,
    /// Common name of a new CA [default: "shiwa CA" and 8 hex digits of its key's SHA-256]
    #[arg(long, value_name = "CN")]
    ca_cn: Option<String>,
    /// File name of the client certificate and key (<NAME>.crt, <NAME>.key)
    #[arg(long, value_name = "NAME", default_value = pki::DEFAULT_CLIENT_NAME)]
    client_name: String,
    /// Common name of the client certificate [default: --client-name]
    #[arg(long, value_name = "CN")]
    client_cn: Option<String>,
    /// Create a server certificate <CN>.crt/.key for this name (one per run)
    #[arg(long, value_name = "CN")]
    server_cn: Option<String>,
    /// Extra subject alternative name of the server certificate: DNS name or IP (repeatable)
    #[arg(long = "san", value_name = "DNS|IP", requires = "server_cn")]
    sans: Vec<String>,
    /// Give the files to USER and its primary group
    #[arg(long, value_name = "USER")]
    owner: Option<String>,
    /// Regenerate everything, the CA included
    #[arg(long, conflicts_with = "renew")]
    force: bool,
    /// Issue new client and server certificates and keys from the existing CA
    #[arg(long)]
    renew: bool,
    /// Only inspect the files and report problems (exit 1 when there are any)
    #[arg(long, conflicts_with_all = ["force", "renew", "owner", "sans", "key_type", "ca_cn", "client_cn"])]
    check: bool,
    /// With --check: certificates expiring within this many days are problems
    #[arg(long, value_name = "DAYS", default_value_t = 30, requires = "check")]
    warn_days: u32,
    /// Print JSON instead of a table
    #[arg(long)]
    json: bool,
}

#[rustfmt::skip]
const CHECK_HEADER: [&str; 9] =
    ["File", "Subject", "Issuer", "SANs", "Usage", "Not after", "Days left", "Chain", "Key"];

pub fn run(args: SetupPkiArgs, _global: &super::GlobalArgs) -> anyhow::Result<ExitStatus> {
    let now = time::OffsetDateTime::now_utc();
    if args.check {
        return run_check(args, now);
    }
    let mut opts = PkiOptions::new(args.dir, now);
    opts.key_type = args.key_type;
    (opts.leaf_days, opts.ca_days) = (args.days, args.ca_days);
    (opts.ca_cn, opts.client_cn) = (args.ca_cn, args.client_cn);
    opts.client_name = args.client_name;
    let sans = args.sans;
    opts.server = args.server_cn.map(|cn| ServerRequest { cn, sans });
    opts.owner = args.owner;
    opts.mode = SetupMode::from_flags(args.force, args.renew);
    let mut spinner: Option<indicatif::ProgressBar> = None;
    let mut on_keygen = |path: &Path, key_type: KeyType| {
        if key_type.is_slow() {
            let message = format!("generating {key_type} key {}", path.display());
            match &spinner {
                Some(bar) => bar.set_message(message),
                None => spinner = Some(output::spinner(message)),
            }
        }
    };
    let result = pki::setup(&opts, &mut on_keygen);
    spinner.inspect(|bar| bar.finish_and_clear());
    let report = result?;
    if args.json {
        output::print_json(&report)?;
        return Ok(ExitStatus::Success);
    }
    let mut table = output::table(["File", "Action", "Subject", "Not after"]);
    for row in &report.files {
        let not_after = row.not_after.clone().unwrap_or_default();
        table.add_row([
            row.file.clone(),
            row.action.to_string(),
            row.describe(),
            not_after,
        ]);
    }
    println!("{table}");
    Ok(ExitStatus::Success)
}

fn run_check(args: SetupPkiArgs, now: time::OffsetDateTime) -> anyhow::Result<ExitStatus> {
    let opts = CheckOptions {
        dir: args.dir,
        now,
        client_name: args.client_name,
        servers: args.server_cn.into_iter().collect(),
        warn_days: args.warn_days,
    };
    let report = pki::check(&opts)?;
    let status = report.exit_status();
    if args.json {
        output::print_json(&report)?;
        return Ok(status);
    }
    let yes_no = |v: Option<bool>| v.map_or("-", |v| if v { "yes" } else { "NO" }).to_string();
    let mut table = output::table(CHECK_HEADER);
    for c in &report.certificates {
        table.add_row([
            c.file.clone(),
            c.subject.clone().unwrap_or_else(|| "(missing)".into()),
            c.issuer.clone().unwrap_or_default(),
            c.sans.join("\n"),
            c.usage_lines(),
            c.not_after.clone().unwrap_or_default(),
            c.days_left.map(|d| d.to_string()).unwrap_or_default(),
            yes_no(c.chain_valid),
            yes_no(c.key_matches),
        ]);
    }
    println!("{table}");
    let problems: Vec<&str> = report.problems().collect();
    let summary = match problems.len() {
        0 => "all certificates valid".to_string(),
        n => format!("{n} problem(s):\n  {}", problems.join("\n  ")),
    };
    println!("{}: {summary}", report.dir.display());
    Ok(status)
}
