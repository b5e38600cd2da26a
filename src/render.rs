//! Text rendering shared by every surface that shows the daemon's state to a person: `shiwa
//! status` and the SSH shell print the same tables from the same snapshot.
//!
//! Pure: a snapshot in, text out (comfy-table, shiwa's house style).

use crate::observe::{SourceSnapshot, SyncSnapshot};
use crate::time::{Duration, Timestamp};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

/// A table with shiwa's house style and the given header.
pub fn table<I, S>(header: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    let mut table = Table::new();
    table
        .load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header);
    table
}

/// What `shiwa status` prints: a headline, the clock table, the sources table and the last
/// five events.
pub fn status(snapshot: &SyncSnapshot) -> String {
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

/// The clock as a one-row table.
pub fn clock_table(snapshot: &SyncSnapshot) -> Table {
    let (clock, now) = (&snapshot.clock, snapshot.generated_at);
    let mut table = table([
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

/// One row per source; ages are relative to `now` (the snapshot's time).
pub fn sources_table(sources: &[SourceSnapshot], now: Timestamp) -> Table {
    let mut table = table([
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
pub fn ago(now: Timestamp, then: Timestamp) -> String {
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
