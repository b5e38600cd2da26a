//! `shiwa status`: the clock and its sources, as `shiwa sync` reports them on its socket.
//!
//! A one-shot blocking client (no async runtime), so it answers in a few milliseconds.

use super::output;
use crate::exit::ExitStatus;
use crate::observe::{ObserveClient, SourceSnapshot, SyncSnapshot};
use crate::time::{Duration, Timestamp};
use clap::Args;
use std::path::PathBuf;

/// Show the clock's synchronisation state and its sources.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The observation socket of shiwa sync
    #[arg(
        long,
        env = "SHIWA_SOCKET",
        value_name = "PATH",
        default_value = crate::observe::DEFAULT_SOCKET
    )]
    socket: PathBuf,
    /// Print the whole snapshot as JSON (field names documented in the shiwa::observe docs)
    #[arg(long)]
    json: bool,
}

/// Runs `status`: exit 0 when synchronised, 3 when not.
pub fn run(args: StatusArgs) -> anyhow::Result<ExitStatus> {
    let snapshot = ObserveClient::connect(&args.socket)?.snapshot()?;
    let status = if snapshot.clock.synchronized {
        ExitStatus::Success
    } else {
        ExitStatus::Unreachable
    };
    if args.json {
        output::print_json(&snapshot)?;
    } else {
        output::print_stdout(&render(&snapshot))?;
    }
    Ok(status)
}

fn render(snapshot: &SyncSnapshot) -> String {
    let now = snapshot.generated_at;
    let clock = &snapshot.clock;
    let synchronized = if clock.synchronized {
        "synchronised"
    } else {
        "not synchronised"
    };
    let mode = if clock.adjust_clock {
        ""
    } else {
        ", monitor only"
    };
    let mut text = format!(
        "{}: clock {synchronized}{mode} (shiwa {} at {})\n",
        snapshot.host, snapshot.shiwa_version, snapshot.generated_at
    );
    text.push_str(&format!("{}\n", clock_table(snapshot)));
    if snapshot.sources.is_empty() {
        text.push_str("no sources\n");
    } else {
        text.push_str(&format!("{}\n", sources_table(&snapshot.sources, now)));
    }
    let recent = snapshot.events.len().saturating_sub(5);
    if recent < snapshot.events.len() {
        text.push_str("Recent events:\n");
    }
    for event in &snapshot.events[recent..] {
        text.push_str(&format!(
            "  {} {} {}: {}\n",
            event.time, event.severity, event.kind, event.message
        ));
    }
    text
}

fn clock_table(snapshot: &SyncSnapshot) -> comfy_table::Table {
    let (clock, now) = (&snapshot.clock, snapshot.generated_at);
    let mut table = output::table([
        "State",
        "Source",
        "Offset",
        "Frequency",
        "Delay",
        "Last update",
        "Steps",
        "Since",
    ]);
    let source = match (&clock.selected_source, clock.group) {
        (Some(name), Some(group)) => format!("{name} ({})", group_name(group)),
        (Some(name), None) => name.clone(),
        (None, _) => "-".to_string(),
    };
    table.add_row([
        clock.state.to_string(),
        source,
        duration(clock.offset),
        clock.frequency.to_string(),
        duration(clock.path_delay),
        clock.last_update.map_or("-".into(), |t| ago(now, t)),
        clock.steps.to_string(),
        ago(now, clock.state_since),
    ]);
    table
}

fn sources_table(sources: &[SourceSnapshot], now: Timestamp) -> comfy_table::Table {
    let mut table = output::table([
        "Name",
        "Protocol",
        "Group",
        "State",
        "Stratum",
        "Reach",
        "Offset",
        "Delay",
        "Jitter",
        "Last sample",
    ]);
    for source in sources {
        let state = match &source.reason {
            Some(reason) => format!("{} ({reason})", source.state),
            None => source.state.to_string(),
        };
        table.add_row([
            source.name.clone(),
            source.protocol.name().to_string(),
            group_name(source.group).to_string(),
            state,
            source.stratum.map_or("-".into(), |s| s.to_string()),
            format!("{:03o}", source.reach),
            duration(source.offset),
            duration(source.delay),
            duration(source.jitter),
            source.last_sample.map_or("-".into(), |t| ago(now, t)),
        ]);
    }
    table
}

fn group_name(group: crate::source::Group) -> &'static str {
    match group {
        crate::source::Group::Primary => "primary",
        crate::source::Group::Secondary => "secondary",
    }
}

fn duration(value: Option<Duration>) -> String {
    value.map_or("-".into(), |d| d.to_string())
}

/// `then` relative to `now`: `4s ago`, `3m12s ago`, `2h05m ago`, `3d04h ago`.
fn ago(now: Timestamp, then: Timestamp) -> String {
    let span = now.since(then);
    let secs = span.abs().as_nanos() / 1_000_000_000;
    let text = match secs {
        0..60 => format!("{secs}s"),
        60..3_600 => format!("{}m{:02}s", secs / 60, secs % 60),
        3_600..86_400 => format!("{}h{:02}m", secs / 3_600, secs % 3_600 / 60),
        _ => format!("{}d{:02}h", secs / 86_400, secs % 86_400 / 3_600),
    };
    if span.is_negative() {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_pick_two_units_and_say_which_way() {
        let now = Timestamp::from_secs_nanos(1_000_000, 0);
        let before = |secs| now - Duration::from_secs(secs);
        assert_eq!(ago(now, before(0)), "0s ago");
        assert_eq!(ago(now, before(192)), "3m12s ago");
        assert_eq!(ago(now, before(7_500)), "2h05m ago");
        assert_eq!(ago(now, before(273_600)), "3d04h ago");
        assert_eq!(ago(now, now + Duration::from_secs(5)), "in 5s");
    }
}
