//! `/metrics`: the daemon's state in the Prometheus text exposition format 0.0.4.
//!
//! [`render`] is a pure function of the link state (the snapshot, or why there is none) and the
//! process figures; it reads nothing else. Names follow node_exporter/chrony_exporter
//! conventions: base units in the name (`_seconds`, `_ratio`, `_bytes`), counters end in
//! `_total`, labels are bounded (one series per configured source, or per state).
//!
//! The integration guide's three `shiwatime_*` names are kept as it spells them;
//! `shiwatime_sources_total` is a gauge by meaning, so it is exposed as `untyped` (Prometheus'
//! lint reserves `_total` for counters, and a gauge typed as a counter would lie to `rate()`).
//!
//! When the daemon is unreachable (`shiwa_up 0`), only `shiwa_up`, `shiwa_build_info` and the
//! process metrics are exposed, so alerts on missing series fire alongside the `shiwa_up` one.

use super::process::ProcessStats;
use crate::observe::{ClockState, EventSeverity, LinkState, SourceState, SyncSnapshot};
use crate::source::Group;
use crate::time::{Duration, Timestamp};
use std::fmt::Write;

/// The content type of the text format served on `/metrics`.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Every clock state, in the order of `shiwa_servo_state`'s numeric codes.
const CLOCK_STATES: [ClockState; 8] = [
    ClockState::Unsynchronized,
    ClockState::Stepping,
    ClockState::Locking,
    ClockState::Locked,
    ClockState::Holdover,
    ClockState::Monitoring,
    ClockState::StepLimitExceeded,
    ClockState::InterferenceBackoff,
];

/// The metrics page for `link` and the process figures `process` (when /proc could be read).
pub fn render(link: &LinkState, process: Option<&ProcessStats>) -> String {
    let mut page = Page::default();
    let up = matches!(link, LinkState::Up(_));
    page.family(
        "shiwa_up",
        "gauge",
        "Whether shiwa sync's state could be read (1) or the daemon is unreachable (0).",
    );
    page.sample("shiwa_up", &[], f64::from(u8::from(up)));
    page.family(
        "shiwa_build_info",
        "gauge",
        "shiwa's version and git commit.",
    );
    page.sample(
        "shiwa_build_info",
        &[
            ("version", crate::version::VERSION),
            ("commit", crate::version::GIT_COMMIT),
        ],
        1.0,
    );
    if let LinkState::Up(snapshot) = link {
        render_clock(&mut page, snapshot);
        render_sources(&mut page, snapshot);
        render_events(&mut page, snapshot);
        if let Some(hub) = &snapshot.hub {
            super::metrics_hub::render_hub(&mut page, hub);
        }
        if let Some(es) = &snapshot.elasticsearch {
            super::metrics_es::render_es(&mut page, es);
        }
    }
    if let Some(process) = process {
        render_process(&mut page, process);
    }
    page.text
}

/// The clock's state and the source counts.
fn render_clock(page: &mut Page, snapshot: &SyncSnapshot) {
    let clock = &snapshot.clock;
    page.family(
        "shiwatime_clock_state",
        "gauge",
        "The clock discipline's state: 1 for the current state, 0 for the others.",
    );
    for state in CLOCK_STATES {
        let value = f64::from(u8::from(clock.state == state));
        page.sample("shiwatime_clock_state", &[("state", state.name())], value);
    }
    page.family(
        "shiwatime_sources_total",
        "untyped",
        "Configured clock sources (a gauge; named by the integration guide).",
    );
    page.sample(
        "shiwatime_sources_total",
        &[],
        snapshot.sources.len() as f64,
    );
    let active = snapshot
        .sources
        .iter()
        .filter(|s| matches!(s.state, SourceState::Selected | SourceState::Candidate))
        .count();
    page.gauge(
        "shiwatime_sources_active",
        "Sources currently usable by selection (selected or candidate).",
        active as f64,
    );
    page.gauge(
        "shiwa_clock_synchronized",
        "Whether the clock is synchronised to a source (1) or not (0).",
        f64::from(u8::from(clock.synchronized)),
    );
    render_servo(page, snapshot);
}

/// The servo's figures: state code, offset, frequency, delay, distance, steps, snapshot time.
fn render_servo(page: &mut Page, snapshot: &SyncSnapshot) {
    let clock = &snapshot.clock;
    let code = CLOCK_STATES.iter().position(|s| *s == clock.state);
    page.gauge(
        "shiwa_servo_state",
        "The clock discipline's state as a number: 0 unsynchronized, 1 stepping, 2 locking, \
         3 locked, 4 holdover, 5 monitoring, 6 step_limit_exceeded, 7 interference_backoff.",
        code.unwrap_or(0) as f64,
    );
    if let Some(offset) = clock.offset {
        page.gauge(
            "shiwa_clock_offset_seconds",
            "Last offset of the local clock from the selected source (local - reference).",
            seconds(offset),
        );
    }
    page.gauge(
        "shiwa_clock_frequency_adjustment_ratio",
        "Frequency correction applied to the clock (1e-9 is 1 ppb).",
        clock.frequency.0 / 1e9,
    );
    if let Some(delay) = clock.path_delay {
        page.gauge(
            "shiwa_clock_path_delay_seconds",
            "Path delay to the selected source (NTP round trip, PTP mean path delay).",
            seconds(delay),
        );
    }
    if let Some(distance) = clock.root_distance {
        page.gauge(
            "shiwa_clock_root_distance_seconds",
            "Bound on the clock's error: the selected source's root distance.",
            seconds(distance),
        );
    }
    page.family(
        "shiwa_clock_steps_total",
        "counter",
        "Clock steps since shiwa sync started.",
    );
    page.sample("shiwa_clock_steps_total", &[], clock.steps as f64);
    page.gauge(
        "shiwa_snapshot_timestamp_seconds",
        "When shiwa sync built the state shown here (Unix time); stalls when the engine does.",
        unix_seconds(snapshot.generated_at),
    );
}

/// Per-source families: (name, type, help, value of a source or `None` to leave it out).
type SourceFamily = (
    &'static str,
    &'static str,
    &'static str,
    fn(&crate::observe::SourceSnapshot) -> Option<f64>,
);

const SOURCE_FAMILIES: &[SourceFamily] = &[
    (
        "shiwa_source_offset_seconds",
        "gauge",
        "Filtered offset of the local clock from the source (local - reference).",
        |s| s.offset.map(seconds),
    ),
    (
        "shiwa_source_delay_seconds",
        "gauge",
        "Filtered round-trip (NTP) or path (PTP) delay to the source.",
        |s| s.delay.map(seconds),
    ),
    (
        "shiwa_source_jitter_seconds",
        "gauge",
        "Jitter of the source's measurements.",
        |s| s.jitter.map(seconds),
    ),
    (
        "shiwa_source_reachable",
        "gauge",
        "Whether the source answered recently (its reach register is not empty).",
        |s| Some(f64::from(u8::from(s.reach != 0))),
    ),
    (
        "shiwa_source_reachability_ratio",
        "gauge",
        "Share of the last 8 polls the source answered.",
        |s| Some(f64::from(s.reach.count_ones()) / 8.0),
    ),
    (
        "shiwa_source_selected",
        "gauge",
        "Whether the clock follows this source (1) or not (0).",
        |s| Some(f64::from(u8::from(s.state == SourceState::Selected))),
    ),
    (
        "shiwa_source_usable",
        "gauge",
        "Whether selection may use the source (selected or candidate).",
        |s| {
            let usable = matches!(s.state, SourceState::Selected | SourceState::Candidate);
            Some(f64::from(u8::from(usable)))
        },
    ),
    (
        "shiwa_source_stratum",
        "gauge",
        "The source's stratum.",
        |s| s.stratum.map(f64::from),
    ),
    (
        "shiwa_source_samples_total",
        "counter",
        "Measurements accepted from the source.",
        |s| Some(s.counters.samples as f64),
    ),
    (
        "shiwa_source_rejected_total",
        "counter",
        "Replies from the source that were rejected.",
        |s| Some(s.counters.rejected as f64),
    ),
    (
        "shiwa_source_timeouts_total",
        "counter",
        "Requests to the source that got no reply in time.",
        |s| Some(s.counters.timeouts as f64),
    ),
];

fn render_sources(page: &mut Page, snapshot: &SyncSnapshot) {
    for (name, kind, help, value_of) in SOURCE_FAMILIES {
        let values: Vec<_> = snapshot
            .sources
            .iter()
            .filter_map(|s| value_of(s).map(|v| (s, v)))
            .collect();
        if values.is_empty() {
            continue;
        }
        page.family(name, kind, help);
        for (source, value) in values {
            let labels = [
                ("source_name", source.name.as_str()),
                ("source_address", source.address.as_deref().unwrap_or("")),
                ("protocol", source.protocol.name()),
                ("group", group_name(source.group)),
            ];
            page.sample(name, &labels, value);
        }
    }
}

fn render_events(page: &mut Page, snapshot: &SyncSnapshot) {
    let latest = |severity| {
        snapshot
            .events
            .iter()
            .rev()
            .find(|event| event.severity == severity)
            .map(|event| event.time)
    };
    let found: Vec<_> = [
        ("error", EventSeverity::Error),
        ("warning", EventSeverity::Warning),
    ]
    .into_iter()
    .filter_map(|(label, severity)| latest(severity).map(|time| (label, time)))
    .collect();
    if found.is_empty() {
        return;
    }
    let name = "shiwa_last_event_timestamp_seconds";
    page.family(
        name,
        "gauge",
        "When the newest recent engine event of this severity happened (Unix time).",
    );
    for (severity, time) in found {
        page.sample(name, &[("event_severity", severity)], unix_seconds(time));
    }
}

fn render_process(page: &mut Page, process: &ProcessStats) {
    page.family(
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
    );
    page.sample("process_cpu_seconds_total", &[], process.cpu_seconds);
    page.gauge(
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        process.resident_memory_bytes as f64,
    );
    page.gauge(
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes.",
        process.virtual_memory_bytes as f64,
    );
    page.gauge(
        "process_open_fds",
        "Number of open file descriptors.",
        process.open_fds as f64,
    );
    if let Some(max) = process.max_fds {
        page.gauge(
            "process_max_fds",
            "Maximum number of open file descriptors.",
            max as f64,
        );
    }
    page.gauge(
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds.",
        process.start_time_seconds,
    );
}

fn group_name(group: Group) -> &'static str {
    match group {
        Group::Primary => "primary",
        Group::Secondary => "secondary",
    }
}

fn seconds(duration: Duration) -> f64 {
    duration.as_nanos() as f64 / 1e9
}

pub(super) fn unix_seconds(time: Timestamp) -> f64 {
    let (secs, nanos) = time.to_secs_nanos();
    secs as f64 + f64::from(nanos) / 1e9
}

/// The page being written.
#[derive(Default)]
pub(super) struct Page {
    text: String,
}

impl Page {
    pub(super) fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {}", escape_help(help));
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    pub(super) fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.family(name, "gauge", help);
        self.sample(name, &[], value);
    }

    pub(super) fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (index, (label, text)) in labels.iter().enumerate() {
                if index > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{label}=\"{}\"", escape_label(text));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {}", format_value(value));
    }
}

/// A sample value as the text format spells it (`NaN`, `+Inf`, `-Inf`, else Rust's shortest
/// round-trip decimal).
fn format_value(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{value}")
    }
}

fn escape_help(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
