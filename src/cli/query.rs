//! `shiwa query SERVER`: a one-shot NTP probe, like `ntpdig -j` or `ntpdate -q`.

use super::{GlobalArgs, output};
use crate::exit::ExitStatus;
use crate::ntp::query::{self, QueryOptions, QueryReport};
use crate::time::Duration;
use anyhow::Context;
use clap::Args;

/// Probe an NTP server once and print what it says.
#[derive(Debug, Args)]
#[command(
    long_about = "Probe an NTP server: send COUNT requests, print each sample and a summary \
        (offset, delay, stratum, refid, leap). The clock is only read, never written.\n\n\
        Offsets are local - server (positive: this machine is ahead), as `chronyc sources` \
        shows them; ntpdate and ntpdig print the opposite sign.\n\n\
        Exit status 0 when the server answered and is synchronised, 3 when it did not \
        answer or is not synchronised."
)]
pub struct QueryArgs {
    /// Server to probe: HOST, HOST:PORT, IPv6 address or [IPv6]:PORT
    #[arg(value_name = "SERVER[:PORT]")]
    server: String,

    /// Number of requests
    #[arg(long, short = 'n', default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    count: u32,

    /// Use interleaved mode (as chrony's xleave): precise server transmit timestamps, one
    /// exchange late
    #[arg(long)]
    interleaved: bool,

    /// Seconds to wait for each answer
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    timeout: f64,

    /// Seconds between requests
    #[arg(long, default_value_t = 0.5, value_name = "SECONDS")]
    interval: f64,

    /// Print JSON
    #[arg(long)]
    json: bool,
}

/// Runs the probe and prints the result.
pub fn run(args: QueryArgs, _global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let options = QueryOptions {
        count: args.count,
        interleaved: args.interleaved,
        timeout: seconds(args.timeout, "--timeout")?,
        interval: seconds(args.interval, "--interval")?,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = runtime.block_on(query::probe(&args.server, &options))?;
    if args.json {
        output::print_json(&report)?;
    } else {
        render(&report)?;
    }
    Ok(if report.summary.usable {
        ExitStatus::Success
    } else {
        ExitStatus::Unreachable
    })
}

fn seconds(value: f64, flag: &str) -> anyhow::Result<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .with_context(|| format!("{flag} {value}: expected a positive number of seconds"))
}

fn render(report: &QueryReport) -> anyhow::Result<()> {
    let mut table = output::table(["#", "offset", "delay", "stratum", "refid", "leap", "mode"]);
    for (index, sample) in report.samples.iter().enumerate() {
        table.add_row(vec![
            (index + 1).to_string(),
            Duration::from_nanos(sample.offset_ns).to_string(),
            Duration::from_nanos(sample.delay_ns).to_string(),
            sample.stratum.to_string(),
            sample.refid.clone(),
            format!("{:?}", sample.leap).to_lowercase(),
            if sample.interleaved {
                "interleaved"
            } else {
                "basic"
            }
            .into(),
        ]);
    }
    let summary = &report.summary;
    let mut text = format!("{table}\n");
    for reason in &report.rejected {
        text.push_str(&format!("rejected: {reason}\n"));
    }
    text.push_str(&match (summary.offset_ns, &summary.problem) {
        (Some(offset), None) => format!(
            "{} ({}): offset {} (median of {} answers to {} requests), delay {}\n",
            report.server,
            report.address,
            Duration::from_nanos(offset),
            summary.answered,
            summary.sent,
            Duration::from_nanos(summary.delay_ns.unwrap_or_default()),
        ),
        (_, Some(problem)) => format!("{} ({}): {problem}\n", report.server, report.address),
        (None, None) => format!("{} ({}): no answer\n", report.server, report.address),
    });
    output::print_stdout(&text)
}
