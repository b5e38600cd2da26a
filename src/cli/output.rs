//! Rendering helpers shared by the subcommands: JSON, tables, progress, logging setup.

use crate::config::Diagnostic;
use crate::observe::LogBuffer;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::io::IsTerminal;
use std::sync::OnceLock;
use std::time::Duration;

/// The last log records, kept in memory for `logs N` (the observation socket's `logs`).
static LOG_BUFFER: OnceLock<LogBuffer> = OnceLock::new();

/// Sets up `tracing` to log to stderr at `level` (a level name or a filter directive), and
/// to keep the last records in memory (see [`log_buffer`]).
pub fn init_logging(level: &str) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let buffer = log_buffer();
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(std::io::stderr().is_terminal())
                .with_target(false),
        )
        .with(buffer.layer())
        .try_init();
}

/// The process's in-memory log buffer.
pub fn log_buffer() -> LogBuffer {
    LOG_BUFFER
        .get_or_init(|| LogBuffer::new(crate::observe::logs::DEFAULT_CAPACITY))
        .clone()
}

/// Prints `value` as pretty JSON on stdout, followed by a newline.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    print_stdout(&text)
}

/// Writes `text` to stdout; a closed pipe (`| head`) is not an error.
pub fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

pub use crate::render::table;

/// A spinner on stderr when stderr is a terminal; a hidden one (prints nothing) otherwise.
pub fn spinner(message: impl Into<String>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(message.into());
    bar.enable_steady_tick(Duration::from_millis(100));
    bar
}

/// Prints configuration problems on stderr, one per line, as `FILE:LINE:COL: path: message`.
pub fn print_diagnostics(diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        eprintln!("{diagnostic}");
    }
}
