//! `GET /nodes/{id}[?period=1h|24h|7d]`: a node's summary, offset and frequency charts over
//! the period, its event timeline, port checks, backup status and the management forms.

use super::chart::{self, ChartSpec, Quantity, Sample};
use super::error::DashboardError;
use super::html::{Frame, cell, csrf_field, esc, offset, page, time};
use super::pages::{events_table, state_cell};
use super::respond::html;
use super::state::DashboardState;
use crate::fleet::{Backup, NodeId};
use crate::hub::store::{EventFilter, HistoryPoint, HubStore, NodeRecord, PortCheck, StoredEvent};
use crate::time::{Duration, Timestamp};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;

/// The periods a node page offers, the default first.
pub const PERIODS: [(&str, Duration); 3] = [
    ("24h", Duration::from_secs(86_400)),
    ("1h", Duration::from_secs(3_600)),
    ("7d", Duration::from_secs(7 * 86_400)),
];
/// Events on a node page.
pub const NODE_EVENTS: u32 = 50;

/// `?period=&done=`.
#[derive(Debug, Default, Deserialize)]
pub struct NodeQuery {
    period: Option<String>,
    done: Option<String>,
}

/// Everything a node page shows.
#[derive(Debug, Clone)]
pub struct NodeView<'a> {
    /// The node.
    pub node: &'a NodeRecord,
    /// Reports of the period, oldest first.
    pub history: &'a [HistoryPoint],
    /// Its events, newest first.
    pub events: &'a [StoredEvent],
    /// Its ports' latest checks.
    pub checks: &'a [PortCheck],
    /// Its newest backup.
    pub backup: Option<&'a Backup>,
    /// The period's name (`24h`) and length.
    pub period: (&'a str, Duration),
    /// Now.
    pub now: Timestamp,
    /// The session's CSRF token.
    pub csrf: &'a str,
    /// What the last management form did (a fixed word, shown as a notice).
    pub done: Option<&'static str>,
}

/// `GET /nodes/{id}`.
pub async fn node<S: HubStore>(
    State(state): State<DashboardState<S>>,
    Path(id): Path<String>,
    query: Result<Query<NodeQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, DashboardError> {
    let session = state.require_session(&headers)?;
    let Query(query) = query.unwrap_or_default();
    let node_id = NodeId::new(id.as_str()).map_err(|_| DashboardError::UnknownNode(id))?;
    let store = &state.hub.store;
    let node = store
        .get_node(&node_id)
        .await?
        .ok_or_else(|| DashboardError::UnknownNode(node_id.to_string()))?;
    let period = period(query.period.as_deref())?;
    let now = state.now();
    let history = store.history(&node_id, now - period.1).await?;
    let filter = EventFilter {
        since: None,
        min_severity: None,
        node: Some(node_id.clone()),
        limit: NODE_EVENTS,
    };
    let events = store.events(&filter).await?;
    let checks = store.port_checks(&node_id).await?;
    let backup = match node.backup_version {
        0 => None,
        _ => store.latest_backup(&node_id, None).await?,
    };
    let view = NodeView {
        node: &node,
        history: &history,
        events: &events,
        checks: &checks,
        backup: backup.as_ref(),
        period,
        now,
        csrf: session.csrf.expose(),
        done: query.done.as_deref().and_then(done_notice),
    };
    let frame = Frame {
        title: node_id.as_str(),
        refresh_s: Some(state.refresh_s),
        csrf: Some(session.csrf.expose()),
    };
    Ok(html(StatusCode::OK, page(frame, &node_body(&view))))
}

/// The period named `name` (default 24h), or a [`DashboardError::BadForm`].
pub fn period(name: Option<&str>) -> Result<(&'static str, Duration), DashboardError> {
    let name = name.unwrap_or(PERIODS[0].0);
    PERIODS
        .into_iter()
        .find(|(known, _)| *known == name)
        .ok_or(DashboardError::BadForm {
            field: "period",
            reason: "choose 1h, 24h or 7d".into(),
        })
}

/// The notice for `?done=` (only the words the management forms send).
pub fn done_notice(done: &str) -> Option<&'static str> {
    match done {
        "block" => Some("Blocked: its pushes are refused and the sweep skips it."),
        "unblock" => Some("Unblocked: its pushes are accepted again."),
        "maintenance-on" => Some("In maintenance: the sweep and the port checks skip it."),
        "maintenance-off" => Some("Out of maintenance."),
        _ => None,
    }
}

/// The node page's body.
pub fn node_body(view: &NodeView<'_>) -> String {
    let mut out = String::with_capacity(16_384 + 32 * view.history.len());
    if let Some(done) = view.done {
        let _ = write!(out, "<p class=\"notice\">{done}</p>");
    }
    summary(&mut out, view.node, view.now);
    charts(&mut out, view);
    let _ = write!(out, "<h2>Events ({})</h2>", view.events.len());
    if view.events.is_empty() {
        out.push_str("<p class=\"muted\">No events.</p>");
    } else {
        events_table(&mut out, view.events, false);
    }
    port_checks(&mut out, view.checks);
    backup(&mut out, view.backup);
    manage_forms(&mut out, view.node, view.csrf);
    out
}

fn summary(out: &mut String, node: &NodeRecord, now: Timestamp) {
    out.push_str("<table class=\"summary\"><tr><th>state</th>");
    state_cell(out, node);
    let _ = write!(
        out,
        "<th>since</th><td>{}</td></tr><tr><th>last seen</th>",
        time(node.state_since)
    );
    let seen = node
        .last_seen
        .map_or_else(|| "never".into(), |t| super::html::ago(t, now));
    cell(out, "", &seen);
    let _ = write!(
        out,
        "<th>report interval</th><td>{} s</td></tr>",
        node.report_interval_s
    );
    let host = node.host.as_ref();
    let rows: [(&str, String, &str, String); 3] = [
        (
            "host",
            host.map_or("—".into(), |h| h.hostname.clone()),
            "os",
            host.map_or("—".into(), |h| h.os.clone()),
        ),
        (
            "shiwa",
            host.map_or("—".into(), |h| h.shiwa_version.clone()),
            "api",
            host.and_then(|h| h.api_url.clone()).unwrap_or("—".into()),
        ),
        match &node.last_report {
            Some(report) => (
                "offset",
                format!(
                    "{} ({})",
                    offset(report.offset_ns),
                    report.clock_state.name()
                ),
                "selected source",
                report.selected_source.clone().unwrap_or("—".into()),
            ),
            None => ("offset", "—".into(), "selected source", "—".into()),
        },
    ];
    for (left, left_value, right, right_value) in rows {
        let _ = write!(out, "<tr><th>{left}</th>");
        cell(out, "", &left_value);
        let _ = write!(out, "<th>{right}</th>");
        cell(out, "", &right_value);
        out.push_str("</tr>");
    }
    out.push_str("</table>");
}

fn charts(out: &mut String, view: &NodeView<'_>) {
    let id = esc(view.node.node_id.as_str());
    out.push_str("<h2>Offset and frequency</h2><p class=\"periods\">");
    for (name, _) in PERIODS {
        let current = if name == view.period.0 {
            " class=\"current\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<a href=\"/nodes/{id}?period={name}\"{current}>{name}</a>"
        );
    }
    out.push_str("</p><div class=\"charts\">");
    let interval = i64::try_from(view.node.report_interval_s).unwrap_or(i64::MAX / 4);
    let spec = |title, quantity| ChartSpec {
        title,
        quantity,
        from: view.now - view.period.1,
        to: view.now,
        max_gap: Duration::from_secs(interval.saturating_mul(5) / 2),
    };
    let offsets: Vec<Sample> = view
        .history
        .iter()
        .map(|p| Sample {
            at: p.time,
            value: p.offset_ns.map(|ns| ns as f64),
        })
        .collect();
    out.push_str(&chart::render(&spec("offset", Quantity::Offset), &offsets));
    let frequencies: Vec<Sample> = view
        .history
        .iter()
        .map(|p| Sample {
            at: p.time,
            value: Some(p.frequency_ppb),
        })
        .collect();
    let frequency = spec("frequency", Quantity::Frequency);
    out.push_str(&chart::render(&frequency, &frequencies));
    out.push_str("</div>");
}

fn port_checks(out: &mut String, checks: &[PortCheck]) {
    out.push_str("<h2>Port checks</h2>");
    if checks.is_empty() {
        out.push_str("<p class=\"muted\">Not checked yet.</p>");
        return;
    }
    out.push_str(
        "<table class=\"checks\"><tr><th>port</th><th>number</th><th>result</th>\
         <th>latency</th><th>checked</th><th>error</th></tr>",
    );
    for check in checks {
        out.push_str("<tr>");
        cell(out, "", &check.name);
        cell(out, "num", &check.port.to_string());
        let (class, result) = if check.up {
            ("state-ok", "up")
        } else {
            ("state-down", "down")
        };
        cell(out, class, result);
        let latency = check
            .latency_us
            .map_or("—".into(), |us| format!("{:.1} ms", us as f64 / 1000.0));
        cell(out, "num", &latency);
        cell(out, "", &time(check.checked_at));
        cell(out, "", check.error.as_deref().unwrap_or(""));
        out.push_str("</tr>");
    }
    out.push_str("</table>");
}

fn backup(out: &mut String, backup: Option<&Backup>) {
    out.push_str("<h2>Backup</h2>");
    let Some(backup) = backup else {
        out.push_str("<p class=\"muted\">No backup yet.</p>");
        return;
    };
    let _ = write!(
        out,
        "<table class=\"backup\"><tr><th>version</th><td>v{}</td><th>created</th><td>{}</td>\
         </tr><tr><th>sha256</th><td colspan=\"3\"><code>{}</code></td></tr></table>",
        backup.version.unwrap_or(0),
        time(backup.created_at),
        esc(&backup.sha256)
    );
}

fn manage_forms(out: &mut String, node: &NodeRecord, csrf: &str) {
    let id = esc(node.node_id.as_str());
    let csrf = csrf_field(csrf);
    let (block, block_label) = if node.blocked {
        ("unblock", "Unblock")
    } else {
        ("block", "Block")
    };
    let (maintenance, maintenance_label) = if node.maintenance {
        ("maintenance-off", "End maintenance")
    } else {
        ("maintenance-on", "Start maintenance")
    };
    out.push_str("<h2>Manage</h2>");
    for (action, label) in [
        (block, block_label),
        (maintenance, maintenance_label),
        ("rotate-key", "Rotate API key"),
    ] {
        let _ = write!(
            out,
            "<form method=\"post\" action=\"/nodes/{id}/{action}\" class=\"inline\">{csrf}\
             <button type=\"submit\">{label}</button></form>"
        );
    }
    let _ = write!(
        out,
        "<form method=\"post\" action=\"/nodes/{id}/remove\" class=\"stack\">{csrf}\
         <label>Remove this node and everything stored for it: type its id \
         <input type=\"text\" name=\"confirm\" required autocomplete=\"off\"></label>\
         <button type=\"submit\" class=\"danger\">Remove node</button></form>"
    );
}

#[cfg(test)]
#[path = "node_page_tests.rs"]
mod tests;
