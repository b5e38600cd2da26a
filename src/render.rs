//! Text rendering shared by every surface that shows the daemon's state to a person: `shiwa
//! status` and the SSH shell print the same tables from the same snapshot.
//!
//! Pure: a snapshot in, text out (comfy-table, shiwa's house style).

use crate::observe::{LogRecord, SourceSnapshot, SyncSnapshot};
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
    if let Some(outputs) = outputs_table(snapshot) {
        text.push_str(&format!("{outputs}\n"));
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

/// Where this daemon delivers data (the fleet hub, Elasticsearch), a row each, or `None`
/// when it delivers nowhere.
pub fn outputs_table(snapshot: &SyncSnapshot) -> Option<Table> {
    if snapshot.hub.is_none() && snapshot.elasticsearch.is_none() {
        return None;
    }
    let mut table = table([
        "Output",
        "State",
        "Queued",
        "Oldest",
        "Delivered",
        "Duplicate",
        "Refused",
        "Dropped",
        "Last error",
    ]);
    let age = |seconds: Option<u64>| seconds.map_or_else(|| "-".into(), |s| format!("{s}s"));
    if let Some(hub) = &snapshot.hub {
        table.add_row([
            format!("hub {}", hub.url),
            snake_name(hub.state),
            hub.queued.to_string(),
            age(hub.oldest_age_s),
            hub.sent.to_string(),
            hub.duplicates.to_string(),
            hub.dead_lettered.to_string(),
            hub.dropped.to_string(),
            hub.last_error.clone().unwrap_or_default(),
        ]);
    }
    if let Some(es) = &snapshot.elasticsearch {
        let host = es.host.as_deref().unwrap_or("-");
        table.add_row([
            format!("elasticsearch {host}"),
            snake_name(es.state),
            es.queued.to_string(),
            age(es.oldest_age_s),
            es.acked.to_string(),
            es.duplicates.to_string(),
            es.dead_lettered.to_string(),
            es.dropped.to_string(),
            es.last_error.clone().unwrap_or_default(),
        ]);
    }
    Some(table)
}

/// `shiwa ship-es --stats`: the spool's counters as a one-row table.
pub fn es_spool_table(counters: &crate::es::spool::EsSpoolCounters) -> Table {
    let mut table = table([
        "Queued",
        "Bytes",
        "Oldest",
        "Acked",
        "Duplicate",
        "Dead-lettered",
        "Failed requests",
        "429s",
        "Retries",
        "Dropped",
        "Blocked",
    ]);
    let c = counters;
    let oldest = c.oldest.map_or_else(|| "-".into(), |t| t.to_string());
    table.add_row([
        c.queued.to_string(),
        c.queued_bytes.to_string(),
        oldest,
        c.acked.to_string(),
        c.duplicates.to_string(),
        c.dead_lettered.to_string(),
        c.failed_requests.to_string(),
        c.too_many_requests.to_string(),
        c.retries.to_string(),
        c.dropped.to_string(),
        c.blocked.to_string(),
    ]);
    table
}

/// A unit enum's serde name (`backing_off`).
fn snake_name(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
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

/// Log records, one line each, oldest first, as the daemon's own log prints them:
/// `2026-11-22T16:11:07.123456789Z  INFO shiwa::ntp::driver: message key=value`.
pub fn logs(records: &[LogRecord]) -> String {
    if records.is_empty() {
        return "no log records\n".into();
    }
    let mut text = String::new();
    for record in records {
        let level = record.level.to_string().to_uppercase();
        text.push_str(&format!(
            "{} {level:>5} {}: {}",
            record.time, record.target, record.message
        ));
        for (key, value) in &record.fields {
            match value {
                serde_json::Value::String(s) => text.push_str(&format!(" {key}={s}")),
                other => text.push_str(&format!(" {key}={other}")),
            }
        }
        text.push('\n');
    }
    text
}

/// A configuration document (as the daemon's `config` request returns it, already
/// redacted) as YAML under a header line, the way `shiwa config show` prints it.
pub fn config(document: &serde_json::Value) -> String {
    let yaml = yaml_serde::to_string(document)
        .unwrap_or_else(|err| format!("# cannot render as YAML ({err}); JSON:\n{document:#}\n"));
    format!("# Running configuration of shiwa sync (secrets redacted)\n{yaml}")
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

/// The files `shiwa recover` restored (or would): path, mode, size, what changed.
pub fn restore_table(entries: &[crate::fleet::restore::RestoreEntry]) -> Table {
    let mut rows = table(["File", "Mode", "Bytes", "Change"]);
    for entry in entries {
        let change = match entry.change {
            crate::fleet::restore::Change::Create => "create",
            crate::fleet::restore::Change::Replace => "replace",
            crate::fleet::restore::Change::Unchanged => "unchanged",
        };
        rows.add_row([
            entry.path.clone(),
            format!("{:04o}", entry.mode),
            entry.bytes.to_string(),
            change.to_string(),
        ]);
    }
    rows
}

/// What `shiwa hub node add|rotate-key` prints: the secrets, once.
pub fn provisioned_text(provisioned: &crate::hub::nodes::Provisioned) -> String {
    let mut text = format!("node:               {}\n", provisioned.node_id);
    if let Some(key) = &provisioned.api_key {
        text.push_str(&format!("API key:            {}\n", key.expose()));
    }
    if let Some(password) = &provisioned.retrieval_password {
        text.push_str(&format!("retrieval password: {}\n", password.expose()));
    }
    text.push_str("(shown once: the hub keeps only their hashes)");
    text
}

/// `shiwa hub node list`: state, last seen, last offset and flags per node.
pub fn hub_nodes_table(nodes: &[crate::hub::store::NodeRecord], now: Timestamp) -> Table {
    let mut rows = table(["node", "state", "last seen", "offset", "flags"]);
    for node in nodes {
        let offset = node.last_report.as_ref().and_then(|r| r.offset_ns);
        let flags: Vec<&str> = [(node.blocked, "blocked"), (node.maintenance, "maintenance")]
            .into_iter()
            .filter_map(|(set, name)| set.then_some(name))
            .collect();
        rows.add_row([
            node.node_id.to_string(),
            node.state.to_string(),
            node.last_seen.map_or("never".into(), |t| ago(now, t)),
            offset.map_or("-".into(), |ns| format!("{ns} ns")),
            flags.join(","),
        ]);
    }
    rows
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

    #[test]
    fn logs_print_one_line_per_record_with_fields() {
        let mut fields = serde_json::Map::new();
        fields.insert("peer".into(), serde_json::json!("10.99.1.1"));
        fields.insert("offset_ns".into(), serde_json::json!(-1234));
        let record = LogRecord {
            time: Timestamp::from_secs_nanos(0, 5),
            level: crate::observe::LogLevel::Warn,
            target: "shiwa::ntp".into(),
            message: "late reply".into(),
            fields,
        };
        assert_eq!(
            logs(&[record]),
            "1970-01-01T00:00:00.000000005Z  WARN shiwa::ntp: late reply offset_ns=-1234 peer=10.99.1.1\n"
        );
        assert_eq!(logs(&[]), "no log records\n");
    }

    #[test]
    fn config_prints_yaml_under_a_header() {
        let doc = serde_json::json!({"timebeat": {"cli": {"password": "<redacted>"}}});
        let text = config(&doc);
        assert!(text.starts_with("# Running configuration"), "{text}");
        assert!(text.contains("password: <redacted>"), "{text}");
    }
}
