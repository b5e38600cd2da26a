//! `shiwa ship-es`: ships shiwa sync's clock, source, event and log documents to
//! Elasticsearch as its own unprivileged process, reading the observation socket.

use super::GlobalArgs;
use super::output;
use crate::api::server::StopSignals;
use crate::config;
use crate::es::driver::Shipper;
use crate::es::settings::ShipperSettings;
use crate::es::spool::EsSpool;
use crate::exit::ExitStatus;
use crate::observe::SnapshotSource;
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

/// Ship clock, source, event and log documents to Elasticsearch (unprivileged)
#[derive(Debug, Args)]
#[command(
    long_about = "Ship shiwa sync's state to Elasticsearch through the bulk API, as an \
        unprivileged process reading the observation socket: a clock document and one per \
        source every output.elasticsearch.snapshot_interval (10s), each engine event, and log \
        records at info and above, into daily indices (timebeat-*, shiwatime_clock-*, \
        shiwatime_source-*) or data streams. The same shipper runs inside shiwa sync when the \
        config has an enabled output.elasticsearch section (use one or the other).\n\n\
        Every document is written to a durable spool (queue.disk.path, default the state \
        directory: es-spool.db) before it is sent and leaves it only once Elasticsearch \
        acknowledged it: nothing is lost across Elasticsearch outages, restarts or kill -9, \
        and a document sent twice is stored once (create with a deterministic _id). Documents \
        refused for good go to es-dead-letter.ndjson beside the spool with the reason.\n\n\
        Settings come from the config's output.elasticsearch (hosts, protocol, path, \
        username/password or api_key, ssl.*, bulk_max_size, compression_level, timeout, \
        backoff.*), setup.template.* and queue.disk.*.\n\n\
        --stats prints the spool's counters and exits. Signals: SIGTERM/SIGINT stop after \
        the request in flight. Exit status: 0 after a signal, 1 on a spool error, 77 when a \
        file is not permitted, 78 for a bad config (no output.elasticsearch, both \
        credentials, a bad TLS file)."
)]
pub struct ShipEsArgs {
    /// The observation socket of shiwa sync
    #[arg(
        long,
        env = "SHIWA_SOCKET",
        value_name = "PATH",
        default_value = crate::observe::DEFAULT_SOCKET
    )]
    socket: PathBuf,

    /// Where the spool lives unless queue.disk.path says otherwise
    #[arg(long, env = "SHIWA_STATE_DIR", value_name = "DIR", default_value = crate::ssh::DEFAULT_STATE_DIR)]
    state_dir: PathBuf,

    /// Print the spool's counters (delivered, refused, waiting) and exit
    #[arg(long)]
    stats: bool,

    /// With --stats: print JSON instead of a table
    #[arg(long, requires = "stats")]
    json: bool,
}

/// Ships until SIGTERM or SIGINT (or prints the counters with --stats).
pub fn run(args: ShipEsArgs, global: &GlobalArgs) -> anyhow::Result<ExitStatus> {
    let path = config::resolve_path(global.config.as_deref())?;
    let loaded = config::load_file(&path)?;
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    let settings = ShipperSettings::from_config(&loaded.config, &args.state_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    if args.stats {
        let counters = runtime.block_on(stats(&settings))?;
        if args.json {
            output::print_json(&counters)?;
        } else {
            output::print_stdout(&format!("{}\n", crate::render::es_spool_table(&counters)))?;
        }
        return Ok(ExitStatus::Success);
    }
    runtime.block_on(ship(settings, args.socket))?;
    Ok(ExitStatus::Success)
}

async fn stats(settings: &ShipperSettings) -> anyhow::Result<crate::es::spool::EsSpoolCounters> {
    anyhow::ensure!(
        settings.spool_file.exists(),
        "no spool at {} (nothing was shipped with these settings yet)",
        settings.spool_file.display()
    );
    let spool = EsSpool::open(
        &settings.spool_file,
        settings.spool_max_bytes,
        settings.when_full,
    )
    .await?;
    let counters = spool.counters().await?;
    spool.close().await;
    Ok(counters)
}

async fn ship(settings: ShipperSettings, socket: PathBuf) -> anyhow::Result<()> {
    let signals = StopSignals::install().context("installing signal handlers")?;
    let (status, _) = tokio::sync::watch::channel(None);
    let source = SnapshotSource::socket(&socket);
    let mut shipper = Shipper::start(&settings, source.clone(), status).await?;
    shipper.report_to(source);
    tracing::info!(
        socket = %socket.display(),
        spool = %settings.spool_file.display(),
        hosts = settings.hosts.len(),
        "ship-es started"
    );
    signals.wait().await;
    shipper.stop().await;
    tracing::info!("ship-es stopped");
    Ok(())
}
