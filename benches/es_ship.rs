//! How fast `ship-es` moves documents: realistic clock, source, event and log documents built
//! by the real code, written to a fresh SQLite spool one collection at a time (as the collect
//! task does), then shipped by the real send loop over the real HTTP client to the test
//! server (the Elasticsearch stand-in) until the spool is empty.
//!
//!   cargo bench --bench es_ship                       # server in-process, 50 000 docs, gzip 1
//!   es_ship serve --bind 127.0.0.1:0 [--ready-file F] # the test server alone, until SIGTERM
//!   es_ship ship --url URL --docs N [--compression L] [--bulk-max-size B] [--dir D] [--verbose]
//!
//! `ship` prints one JSON line: documents, seconds, docs/s shipped, spool writes/s, raw and
//! wire bytes per document, request round trips vs the time between requests (spool settle,
//! next batch, encode), and the process's VmHWM/VmRSS. It checks through `_count` that the
//! server stored every document exactly once and exits 1 when it did not. `ci/bench-es.sh`
//! runs the server and the shipper as separate processes, so the shipper's RSS is its own.
#![expect(
    clippy::disallowed_methods,
    reason = "a benchmark measures wall-clock time"
)]

use anyhow::Context;
use clap::{Parser, Subcommand};
use shiwa::es::bulk::BulkBody;
use shiwa::es::sender::{BulkTransport, SendSettings, Sender, Sent};
use shiwa::es::settings::ShipperSettings;
use shiwa::es::spool::{EsSpool, NewDocument};
use shiwa::es::status::ShipState;
use shiwa::es::template::TemplateSettings;
use shiwa::es::testserver::{TestServer, TestServerConfig};
use shiwa::es::transport::ClientTransport;
use shiwa::es::{Document, IndexPattern, IndexPatterns};
use shiwa::observe::{EventRecord, LogRecord};
use shiwa::time::Duration;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[path = "es_ship/data.rs"]
mod es_ship_data;

#[derive(Debug, Parser)]
struct Cli {
    #[command(subcommand)]
    mode: Option<Mode>,
}

#[derive(Debug, Subcommand)]
enum Mode {
    /// Run the test server until SIGTERM/SIGINT.
    Serve {
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: SocketAddr,
        /// Write the server's URL here once it listens.
        #[arg(long)]
        ready_file: Option<PathBuf>,
    },
    /// Spool and ship documents to a running server.
    Ship(ShipArgs),
}

#[derive(Debug, Parser)]
struct ShipArgs {
    #[arg(long)]
    url: url::Url,
    #[arg(long, default_value_t = 50_000)]
    docs: u64,
    #[arg(long, default_value_t = 1)]
    compression: u8,
    #[arg(long, default_value_t = 1600)]
    bulk_max_size: usize,
    /// Where the spool goes (a fresh temp dir by default).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Print one line per bulk request (round trip, gap before it, bytes).
    #[arg(long)]
    verbose: bool,
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; the modes take no such flag.
    let args = std::env::args().filter(|arg| arg != "--bench");
    let cli = Cli::parse_from(args);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the runtime")?;
    match cli.mode {
        Some(Mode::Serve { bind, ready_file }) => runtime.block_on(serve(bind, ready_file)),
        Some(Mode::Ship(args)) => runtime.block_on(ship(args)),
        None => runtime.block_on(async {
            let server = TestServer::start(TestServerConfig::default()).await?;
            let args = ShipArgs::parse_from(["ship", "--url", server.url().as_str()]);
            ship(args).await
        }),
    }
}

async fn serve(bind: SocketAddr, ready_file: Option<PathBuf>) -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let server = TestServer::start(TestServerConfig {
        bind,
        ..TestServerConfig::default()
    })
    .await?;
    let url = server.url().to_string();
    println!("{url}");
    if let Some(file) = ready_file {
        let partial = file.with_extension("partial");
        std::fs::write(&partial, &url)?;
        std::fs::rename(&partial, &file)?;
    }
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    let stats = server.stats();
    eprintln!(
        "test server: {} bulk requests, {} documents stored, {} duplicates, {} raw bytes, {} wire bytes",
        stats.bulk_requests, stats.docs_stored, stats.duplicates, stats.raw_bytes, stats.wire_bytes
    );
    Ok(())
}

/// What the transport saw: bodies, and where the time went.
#[derive(Debug, Default)]
struct Traffic {
    requests: u64,
    raw_bytes: u64,
    wire_bytes: u64,
    in_flight: std::time::Duration,
    between: std::time::Duration,
    last_end: Option<Instant>,
    verbose: bool,
}

/// [`ClientTransport`], counting.
struct CountingTransport {
    inner: ClientTransport,
    traffic: Arc<Mutex<Traffic>>,
}

impl BulkTransport for CountingTransport {
    async fn send(&self, body: &BulkBody, count: usize) -> Sent {
        let began = Instant::now();
        let sent = self.inner.send(body, count).await;
        let ended = Instant::now();
        let mut traffic = self.traffic.lock().unwrap_or_else(|p| p.into_inner());
        let gap = traffic.last_end.map(|end| began - end).unwrap_or_default();
        traffic.requests += 1;
        traffic.raw_bytes += body.raw_len as u64;
        traffic.wire_bytes += body.bytes.len() as u64;
        traffic.in_flight += ended - began;
        traffic.between += gap;
        traffic.last_end = Some(ended);
        if traffic.verbose {
            eprintln!(
                "request {}: {count} docs, gap before {:.2} ms, round trip {:.2} ms, {} raw / {} wire bytes",
                traffic.requests,
                gap.as_secs_f64() * 1e3,
                (ended - began).as_secs_f64() * 1e3,
                body.raw_len,
                body.bytes.len()
            );
        }
        sent
    }

    async fn prepare(&self) -> Result<(), String> {
        self.inner.prepare().await
    }
}

fn settings(args: &ShipArgs, dir: &Path, tag: &str) -> anyhow::Result<ShipperSettings> {
    let pattern =
        |name: &str| IndexPattern::parse(&format!("esbench-{tag}-{name}-%{{+yyyy.MM.dd}}"));
    Ok(ShipperSettings {
        hosts: vec![args.url.clone()],
        credentials: None,
        ssl: None,
        bulk_max_size: args.bulk_max_size,
        compression_level: args.compression,
        timeout: Duration::from_secs(90),
        backoff: (Duration::from_secs(1), Duration::from_secs(60)),
        indices: IndexPatterns {
            logs: pattern("timebeat")?,
            clock: pattern("shiwatime_clock")?,
            source: pattern("shiwatime_source")?,
        },
        data_stream: false,
        template_enabled: true,
        template: TemplateSettings {
            name: format!("esbench-{tag}"),
            ..TemplateSettings::default()
        },
        snapshot_interval: Duration::from_secs(1),
        spool_file: dir.join(shiwa::es::spool::ES_SPOOL_FILE),
        spool_max_bytes: u64::MAX / 2,
        when_full: shiwa::config::WhenFull::Block,
        dead_letter_file: dir.join(shiwa::es::settings::DEAD_LETTER_FILE),
    })
}

/// Spool write figures.
struct Spooled {
    docs: u64,
    source_bytes: u64,
    build: std::time::Duration,
    push: std::time::Duration,
}

/// Builds one collection after another (a snapshot's documents, then the log buffer's, as
/// the collect task does every second) and pushes each into the spool in its own transaction.
async fn fill(spool: &EsSpool, indices: &IndexPatterns, docs: u64) -> anyhow::Result<Spooled> {
    let mut spooled = Spooled {
        docs: 0,
        source_bytes: 0,
        build: std::time::Duration::ZERO,
        push: std::time::Duration::ZERO,
    };
    let mut second = 0;
    while spooled.docs < docs {
        let began = Instant::now();
        let (snapshot, events, logs) = es_ship_data::second(second)?;
        let mut collections = vec![shiwa::es::snapshot_documents(&snapshot, indices)];
        let mut others: Vec<Document> = events
            .iter()
            .map(|event: &EventRecord| shiwa::es::event_document(event, &snapshot.host, indices))
            .collect();
        collections[0].append(&mut others);
        collections.push(
            logs.iter()
                .filter_map(|record: &LogRecord| {
                    shiwa::es::log_document(record, &snapshot.host, indices)
                })
                .collect(),
        );
        spooled.build += began.elapsed();
        for collection in collections {
            let began = Instant::now();
            let documents = spool_documents(&collection);
            let now = snapshot.generated_at;
            let (written, _) = spool.push(&documents, now).await?;
            spooled.push += began.elapsed();
            spooled.docs += written;
            spooled.source_bytes += documents.iter().map(|d| d.source.len() as u64).sum::<u64>();
        }
        second += 1;
    }
    Ok(spooled)
}

/// As the collect task turns documents into spool rows.
fn spool_documents(collection: &[Document]) -> Vec<NewDocument> {
    collection
        .iter()
        .map(|document| NewDocument {
            index: document.index.clone(),
            id: document.id.clone(),
            kind: document.kind,
            source: serde_json::to_vec(&document.body).unwrap_or_default(),
        })
        .collect()
}

async fn ship(args: ShipArgs) -> anyhow::Result<()> {
    let temp = tempfile::tempdir()?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    let tag = run_tag();
    let settings = settings(&args, &dir, &tag)?;
    let spool = EsSpool::open(
        &settings.spool_file,
        settings.spool_max_bytes,
        settings.when_full,
    )
    .await?;
    let spooled = fill(&spool, &settings.indices, args.docs).await?;
    let traffic = Arc::new(Mutex::new(Traffic {
        verbose: args.verbose,
        ..Traffic::default()
    }));
    let transport = CountingTransport {
        inner: ClientTransport::new(&settings)?,
        traffic: Arc::clone(&traffic),
    };
    let (status, mut status_rx) = tokio::sync::watch::channel(None);
    let sender = Sender::new(
        transport,
        spool.clone(),
        SendSettings::from(&settings),
        status,
    );
    let (stop, stop_rx) = tokio::sync::watch::channel(false);
    let began = Instant::now();
    let task = tokio::spawn(sender.run(Arc::new(tokio::sync::Notify::new()), stop_rx));
    let final_status = status_rx
        .wait_for(|s| {
            s.as_ref()
                .is_some_and(|s| s.state == ShipState::Ok && s.queued == 0)
        })
        .await?
        .clone();
    let seconds = began.elapsed().as_secs_f64();
    let _ = stop.send(true);
    let _ = task.await;
    let counters = spool.counters().await?;
    spool.close().await;
    let stored = count(&args.url, &tag).await?;
    let traffic = traffic.lock().unwrap_or_else(|p| p.into_inner());
    let memory = memory();
    let report = serde_json::json!({
        "docs": spooled.docs,
        "compression_level": args.compression,
        "bulk_max_size": args.bulk_max_size,
        "seconds": round(seconds, 3),
        "docs_per_s": round(spooled.docs as f64 / seconds, 0),
        "spool_writes_per_s": round(spooled.docs as f64 / spooled.push.as_secs_f64(), 0),
        "build_docs_per_s": round(spooled.docs as f64 / spooled.build.as_secs_f64(), 0),
        "requests": traffic.requests,
        "in_flight_s": round(traffic.in_flight.as_secs_f64(), 3),
        "between_requests_s": round(traffic.between.as_secs_f64(), 3),
        "source_bytes_per_doc": round(spooled.source_bytes as f64 / spooled.docs as f64, 1),
        "raw_bytes_per_doc": round(traffic.raw_bytes as f64 / spooled.docs as f64, 1),
        "wire_bytes_per_doc": round(traffic.wire_bytes as f64 / spooled.docs as f64, 1),
        "acked": counters.acked,
        "duplicates": counters.duplicates,
        "stored": stored,
        "vm_hwm_kb": memory.0,
        "vm_rss_kb": memory.1,
        "last_error": final_status.and_then(|s| s.last_error),
    });
    println!("{report}");
    anyhow::ensure!(
        stored == spooled.docs && counters.acked == spooled.docs && counters.duplicates == 0,
        "expected {} documents stored exactly once; the server has {stored}, the spool counted {} acked and {} duplicates",
        spooled.docs,
        counters.acked,
        counters.duplicates
    );
    Ok(())
}

/// A per-run name so runs against one server use their own indices.
fn run_tag() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() % 1_000_000)
        .unwrap_or(0);
    format!("{}-{millis}", std::process::id())
}

/// Documents the server holds in this run's indices.
async fn count(url: &url::Url, tag: &str) -> anyhow::Result<u64> {
    let url = url.join(&format!("esbench-{tag}-*/_count"))?;
    let body: serde_json::Value = reqwest::get(url.clone())
        .await
        .and_then(reqwest::Response::error_for_status)
        .with_context(|| format!("GET {url}"))?
        .json()
        .await?;
    body["count"]
        .as_u64()
        .with_context(|| format!("GET {url}: no count in {body}"))
}

/// (VmHWM, VmRSS) in kB from /proc/self/status.
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn round(value: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (value * scale).round() / scale
}
