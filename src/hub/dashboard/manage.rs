//! The management forms, through [`crate::hub::nodes`] (the code behind `shiwa hub node`):
//! `POST /nodes` adds a node and shows its API key and retrieval password once;
//! `POST /nodes/{id}/{action}` blocks, unblocks, starts or ends maintenance (then back to the
//! node page), rotates the key (shown once), or removes the node when the `confirm` field
//! repeats its id. Every form carries the session's CSRF token.

use super::error::DashboardError;
use super::html::{Frame, esc, page};
use super::respond::{html, redirect};
use super::state::{DashboardState, Form};
use crate::config::ConfigDuration;
use crate::fleet::NodeId;
use crate::hub::nodes::{self, DEFAULT_REPORT_INTERVAL_S, NodeChange, Provisioned};
use crate::hub::store::HubStore;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::fmt::Write;

type Body = Result<Bytes, axum::extract::rejection::BytesRejection>;

/// `POST /nodes`: `node_id`, optional `report_interval` (`15m`) and `ports`
/// (`api:8088:/api/v1/health, ssh:65129`).
pub async fn add<S: HubStore>(
    State(state): State<DashboardState<S>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, DashboardError> {
    let form = Form::from_body(body)?;
    let session = state.require_csrf(&headers, &form)?;
    let node_id =
        NodeId::new(form.required("node_id")?).map_err(|err| DashboardError::BadForm {
            field: "node_id",
            reason: err.to_string(),
        })?;
    let interval = match form.get("report_interval").map(str::trim) {
        None | Some("") => DEFAULT_REPORT_INTERVAL_S,
        Some(text) => report_interval(text)?,
    };
    let ports = form
        .get("ports")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|spec| !spec.is_empty())
        .map(nodes::parse_port_spec)
        .collect::<Result<Vec<_>, _>>()?;
    let provisioned = nodes::add(&state.hub.store, node_id, interval, ports, state.now()).await?;
    tracing::info!(node = %provisioned.node_id, "dashboard: node added");
    Ok(secrets_page(
        "Node added",
        &provisioned,
        session.csrf.expose(),
    ))
}

/// `POST /nodes/{id}/{action}`.
pub async fn act<S: HubStore>(
    State(state): State<DashboardState<S>>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, DashboardError> {
    let form = Form::from_body(body)?;
    let session = state.require_csrf(&headers, &form)?;
    let node_id = NodeId::new(id.as_str()).map_err(|_| DashboardError::UnknownNode(id))?;
    let store = &state.hub.store;
    let change = match action.as_str() {
        "block" => NodeChange::Blocked(true),
        "unblock" => NodeChange::Blocked(false),
        "maintenance-on" => NodeChange::Maintenance(true),
        "maintenance-off" => NodeChange::Maintenance(false),
        "rotate-key" => {
            let provisioned = nodes::rotate_key(store, node_id.clone()).await?;
            state.hub.credentials.forget(&node_id);
            tracing::info!(node = %provisioned.node_id, "dashboard: API key rotated");
            return Ok(secrets_page(
                "API key rotated",
                &provisioned,
                session.csrf.expose(),
            ));
        }
        "remove" => {
            if form.get("confirm").map(str::trim) != Some(node_id.as_str()) {
                return Err(DashboardError::BadForm {
                    field: "confirm",
                    reason: format!("type the node's id ({node_id}) to remove it"),
                });
            }
            NodeChange::Remove
        }
        _ => {
            return Err(DashboardError::BadForm {
                field: "action",
                reason: "block, unblock, maintenance-on, maintenance-off, rotate-key or remove"
                    .into(),
            });
        }
    };
    let done = nodes::change(store, &node_id, change).await?;
    // Pushes see the change at once, not after the credentials cache's second.
    state.hub.credentials.forget(&node_id);
    tracing::info!(node = %node_id, "dashboard: node {done}");
    Ok(match change {
        NodeChange::Remove => redirect("/"),
        _ => redirect(&format!("/nodes/{node_id}?done={action}")),
    })
}

/// A report interval like `15m`, whole seconds, at least 1 s.
fn report_interval(text: &str) -> Result<u64, DashboardError> {
    let bad = |reason: String| DashboardError::BadForm {
        field: "report_interval",
        reason,
    };
    let parsed = ConfigDuration::parse(text).map_err(bad)?;
    match parsed.0.as_secs() {
        0 => Err(bad("must be at least 1s".into())),
        seconds => Ok(seconds),
    }
}

/// The page that shows a new key (and retrieval password) once; never cached or reloaded.
fn secrets_page(title: &str, provisioned: &Provisioned, csrf: &str) -> Response {
    let id = esc(provisioned.node_id.as_str());
    let mut body = format!(
        "<p class=\"notice\">Copy these now: the hub keeps only their hashes and will not show \
         them again.</p><table class=\"secrets\"><tr><th>node</th><td>\
         <a href=\"/nodes/{id}\">{id}</a></td></tr>"
    );
    let secrets = [
        ("API key", "api-key", &provisioned.api_key),
        (
            "retrieval password",
            "retrieval-password",
            &provisioned.retrieval_password,
        ),
    ];
    for (label, class, secret) in secrets {
        if let Some(secret) = secret {
            let _ = write!(
                body,
                "<tr><th>{label}</th><td><span class=\"secret {class}\">{}</span></td></tr>",
                esc(secret.expose())
            );
        }
    }
    body.push_str("</table>");
    let frame = Frame {
        title,
        refresh_s: None,
        csrf: Some(csrf),
    };
    html(StatusCode::OK, page(frame, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_intervals_read_like_the_cli() {
        assert_eq!(report_interval("15m"), Ok(900));
        assert_eq!(report_interval("90s"), Ok(90));
        for bad in ["0s", "fast", "15", "500ms"] {
            assert!(
                matches!(
                    report_interval(bad),
                    Err(DashboardError::BadForm {
                        field: "report_interval",
                        ..
                    })
                ),
                "{bad}"
            );
        }
    }
}
