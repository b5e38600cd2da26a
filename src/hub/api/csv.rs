//! CSV exports of history and events (RFC 4180, with a header line). A cell that a
//! spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) is prefixed with `'`.

use crate::hub::store::{HistoryPoint, StoredEvent};

/// The `Content-Type` of the exports.
pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8";

fn cell(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn optional(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// `time,state,offset_ns,frequency_ppb,path_delay_ns`.
pub fn history(points: &[HistoryPoint]) -> String {
    let mut out = String::from("time,state,offset_ns,frequency_ppb,path_delay_ns\n");
    for p in points {
        out.push_str(&format!(
            "{},{},{},{},{}\n",
            p.time.to_rfc3339(),
            p.state.name(),
            optional(p.offset_ns),
            p.frequency_ppb,
            optional(p.path_delay_ns)
        ));
    }
    out
}

/// `time,received_at,node_id,event_id,type,severity,message`.
pub fn events(events: &[StoredEvent]) -> String {
    let mut out = String::from("time,received_at,node_id,event_id,type,severity,message\n");
    for e in events {
        let event = &e.event;
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            event.time.to_rfc3339(),
            e.received_at.to_rfc3339(),
            event.node_id,
            event.event_id,
            event.event_type.name(),
            event.severity,
            cell(&event.message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-12.5"), "-12.5");
    }
}
