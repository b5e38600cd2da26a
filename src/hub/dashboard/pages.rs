//! `GET /` (the fleet: counts by state, every node, the worst offsets, the add-node form)
//! and `GET /alerts` (recent events by severity, the notification log). The handlers read the
//! store; the `*_body` functions are pure.

use super::error::DashboardError;
use super::html::{Frame, ago, cell, csrf_field, esc, offset, page, time};
use super::respond::html;
use super::state::DashboardState;
use crate::hub::store::{
    EventFilter, HubStore, NodeRecord, NodeState, Notification, StoredEvent, severity_rank,
};
use crate::time::{Duration, Timestamp};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::fmt::Write;

/// Events shown on `/alerts`.
pub const ALERT_EVENTS: u32 = 200;
/// Notification log entries shown on `/alerts`.
pub const ALERT_NOTIFICATIONS: u32 = 100;

/// `GET /`.
pub async fn fleet<S: HubStore>(
    State(state): State<DashboardState<S>>,
    headers: HeaderMap,
) -> Result<Response, DashboardError> {
    let session = state.require_session(&headers)?;
    let nodes = state.hub.store.list_nodes().await?;
    let csrf = session.csrf.expose();
    let body = fleet_body(&nodes, state.now(), state.top_offsets, csrf);
    let frame = Frame {
        title: "Fleet",
        refresh_s: Some(state.refresh_s),
        csrf: Some(csrf),
    };
    Ok(html(StatusCode::OK, page(frame, &body)))
}

/// `GET /alerts`.
pub async fn alerts<S: HubStore>(
    State(state): State<DashboardState<S>>,
    headers: HeaderMap,
) -> Result<Response, DashboardError> {
    let session = state.require_session(&headers)?;
    let filter = EventFilter {
        since: None,
        min_severity: None,
        node: None,
        limit: ALERT_EVENTS,
    };
    let events = state.hub.store.events(&filter).await?;
    let notifications = state.hub.store.notifications(ALERT_NOTIFICATIONS).await?;
    let body = alerts_body(events, &notifications);
    let frame = Frame {
        title: "Alerts",
        refresh_s: Some(state.refresh_s),
        csrf: Some(session.csrf.expose()),
    };
    Ok(html(StatusCode::OK, page(frame, &body)))
}

/// The CSS class of a node's state (`state-ok`).
pub fn state_class(state: NodeState) -> &'static str {
    match state {
        NodeState::New => "state-new",
        NodeState::Ok => "state-ok",
        NodeState::Stale => "state-stale",
        NodeState::Down => "state-down",
    }
}

/// The state and the flags that make the sweep skip a node (`ok (blocked)`).
pub fn state_cell(out: &mut String, node: &NodeRecord) {
    let _ = write!(
        out,
        "<td class=\"{}\">{}",
        state_class(node.state),
        node.state
    );
    for (on, flag) in [(node.blocked, "blocked"), (node.maintenance, "maintenance")] {
        if on {
            let _ = write!(out, " <span class=\"flag\">({flag})</span>");
        }
    }
    out.push_str("</td>");
}

/// The fleet page's body.
pub fn fleet_body(nodes: &[NodeRecord], now: Timestamp, top: usize, csrf: &str) -> String {
    let mut out = String::with_capacity(2048 + 512 * nodes.len());
    counts(&mut out, nodes);
    out.push_str("<h2>Worst offsets</h2>");
    worst_offsets(&mut out, nodes, now, top);
    let _ = write!(out, "<h2>Nodes ({})</h2>", nodes.len());
    out.push_str(
        "<table class=\"nodes\"><tr><th>node</th><th>host</th><th>state</th><th>since</th>\
         <th>last seen</th><th>offset</th><th>selected source</th><th>backup</th></tr>",
    );
    for node in nodes {
        node_row(&mut out, node, now);
    }
    out.push_str("</table>");
    add_node_form(&mut out, csrf);
    out
}

fn counts(out: &mut String, nodes: &[NodeRecord]) {
    let of = |state| nodes.iter().filter(|n| n.state == state).count();
    let boxes = [
        ("ok", of(NodeState::Ok), "state-ok"),
        ("stale", of(NodeState::Stale), "state-stale"),
        ("down", of(NodeState::Down), "state-down"),
        ("new", of(NodeState::New), "state-new"),
        (
            "blocked",
            nodes.iter().filter(|n| n.blocked).count(),
            "flag",
        ),
        (
            "maintenance",
            nodes.iter().filter(|n| n.maintenance).count(),
            "flag",
        ),
    ];
    out.push_str("<div class=\"counts\">");
    for (name, count, class) in boxes {
        let _ = write!(
            out,
            "<div class=\"count {class}\" id=\"count-{name}\"><b>{count}</b>{name}</div>"
        );
    }
    out.push_str("</div>");
}

fn node_link(out: &mut String, node: &NodeRecord) {
    let id = esc(node.node_id.as_str());
    let _ = write!(out, "<td><a href=\"/nodes/{id}\">{id}</a></td>");
}

fn node_row(out: &mut String, node: &NodeRecord, now: Timestamp) {
    let _ = write!(out, "<tr id=\"node-{}\">", esc(node.node_id.as_str()));
    node_link(out, node);
    cell(
        out,
        "",
        node.host.as_ref().map_or("—", |h| h.hostname.as_str()),
    );
    state_cell(out, node);
    cell(out, "", &ago(node.state_since, now));
    let seen = node
        .last_seen
        .map_or_else(|| "never".into(), |t| ago(t, now));
    cell(out, "", &seen);
    let report = node.last_report.as_ref();
    cell(out, "num", &offset(report.and_then(|r| r.offset_ns)));
    let source = report.and_then(|r| r.selected_source.as_deref());
    cell(out, "", source.unwrap_or("—"));
    let backup = match node.backup_version {
        0 => "none".to_string(),
        version => format!("v{version}"),
    };
    cell(out, "num", &backup);
    out.push_str("</tr>");
}

fn worst_offsets(out: &mut String, nodes: &[NodeRecord], now: Timestamp, top: usize) {
    let mut measured: Vec<(&NodeRecord, i64, Timestamp, &str)> = nodes
        .iter()
        .filter_map(|node| {
            let report = node.last_report.as_ref()?;
            Some((
                node,
                report.offset_ns?,
                report.sent_at,
                report.clock_state.name(),
            ))
        })
        .collect();
    if measured.is_empty() {
        out.push_str("<p class=\"muted\">No node has reported an offset yet.</p>");
        return;
    }
    measured.sort_by_key(|(node, ns, _, _)| (std::cmp::Reverse(ns.unsigned_abs()), &node.node_id));
    out.push_str(
        "<table class=\"worst\"><tr><th>node</th><th>|offset|</th><th>offset</th>\
         <th>clock</th><th>state</th><th>reported</th></tr>",
    );
    for (node, ns, sent_at, clock) in measured.into_iter().take(top) {
        out.push_str("<tr>");
        node_link(out, node);
        let magnitude = i64::try_from(ns.unsigned_abs()).unwrap_or(i64::MAX);
        cell(out, "num", &Duration::from_nanos(magnitude).to_string());
        cell(out, "num", &offset(Some(ns)));
        cell(out, "", clock);
        state_cell(out, node);
        cell(out, "", &ago(sent_at, now));
        out.push_str("</tr>");
    }
    out.push_str("</table>");
}

fn add_node_form(out: &mut String, csrf: &str) {
    let _ = write!(
        out,
        "<h2>Add a node</h2><form method=\"post\" action=\"/nodes\" class=\"stack\">{}\
         <label>Node id <input type=\"text\" name=\"node_id\" required \
         pattern=\"[A-Za-z0-9._-]+\"></label>\
         <label>Report interval <input type=\"text\" name=\"report_interval\" \
         placeholder=\"15m\"></label>\
         <label>Ports to check <input type=\"text\" name=\"ports\" \
         placeholder=\"api:8088:/api/v1/health, ssh:65129\"></label>\
         <button type=\"submit\">Add node</button> \
         <span class=\"muted\">Its API key and retrieval password are shown once.</span></form>",
        csrf_field(csrf)
    );
}

/// The alerts page's body: events (newest first) grouped error, warning, info; the log.
pub fn alerts_body(mut events: Vec<StoredEvent>, notifications: &[Notification]) -> String {
    events.sort_by_key(|e| std::cmp::Reverse(severity_rank(e.event.severity)));
    let mut out = String::with_capacity(1024 + 256 * (events.len() + notifications.len()));
    let _ = write!(out, "<h2>Recent events ({})</h2>", events.len());
    if events.is_empty() {
        out.push_str("<p class=\"muted\">No events.</p>");
    } else {
        events_table(&mut out, &events, true);
    }
    let _ = write!(out, "<h2>Notifications ({})</h2>", notifications.len());
    if notifications.is_empty() {
        out.push_str("<p class=\"muted\">No notifications were sent.</p>");
        return out;
    }
    out.push_str(
        "<table class=\"notifications\"><tr><th>time</th><th>node</th><th>event</th>\
         <th>channel</th><th>outcome</th><th>detail</th></tr>",
    );
    for entry in notifications {
        out.push_str("<tr>");
        cell(&mut out, "", &time(entry.time));
        cell(
            &mut out,
            "",
            entry.node_id.as_ref().map_or("—", |n| n.as_str()),
        );
        cell(&mut out, "", entry.event_id.as_deref().unwrap_or("—"));
        cell(&mut out, "", &entry.channel);
        cell(&mut out, "", &entry.outcome);
        cell(&mut out, "", &entry.detail);
        out.push_str("</tr>");
    }
    out.push_str("</table>");
    out
}

/// A table of events (with a node column when `with_node`).
pub fn events_table(out: &mut String, events: &[StoredEvent], with_node: bool) {
    out.push_str("<table class=\"events\"><tr><th>time</th><th>severity</th>");
    if with_node {
        out.push_str("<th>node</th>");
    }
    out.push_str("<th>type</th><th>message</th></tr>");
    for stored in events {
        let event = &stored.event;
        out.push_str("<tr>");
        cell(out, "", &time(event.time));
        let severity = event.severity.to_string();
        let _ = write!(out, "<td class=\"sev-{severity}\">{severity}</td>");
        if with_node {
            let id = esc(event.node_id.as_str());
            let _ = write!(out, "<td><a href=\"/nodes/{id}\">{id}</a></td>");
        }
        cell(out, "", event.event_type.name());
        cell(out, "", &event.message);
        out.push_str("</tr>");
    }
    out.push_str("</table>");
}

#[cfg(test)]
#[path = "pages_tests.rs"]
pub(crate) mod tests;
