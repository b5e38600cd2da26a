//! `POST /api/v1/report|event|backup`: Bearer node key, bound to the payload's `node_id`.
//!
//! Order of checks: `Authorization` present (401) → body within the limit (413) → JSON
//! (400 naming the field) → the key is the payload node's and the node is not blocked (403)
//! → the wire type's validation (400 naming the field) → stored: 201 `{"status":"stored"}`,
//! or 200 `{"status":"duplicate"}` for a replay of a known id. Reports are group-committed
//! by the store: the answer comes once the report's batch is committed.
//!
//! The credentials check accepts on credentials read less than 1 s before (the
//! [`CredentialCache`](super::credential_cache::CredentialCache)): a key rotated or a node
//! blocked or removed by `shiwa hub node` is refused within 1 s.

use super::error::HubApiError;
use super::state::{HubState, Kind, Outcome, bearer};
use crate::api::server::discard_body;
use crate::fleet::{Backup, Event, NodeId, Report};
use crate::hub::nodes::key_matches;
use crate::hub::store::{HubStore, Inserted};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

/// `POST /api/v1/report`.
pub async fn report<S: HubStore>(
    State(state): State<HubState<S>>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let report: Report = read_payload(&state, &headers, body).await?;
        authorize(&state, &headers, &report.node_id).await?;
        report.validate()?;
        let inserted = state.store.insert_report(&report, state.now()).await?;
        // The one hook after a report is stored: dead-man's recovery and check targets.
        if inserted == Inserted::New {
            let peer = extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|info| info.0.ip());
            state.policy.report_stored(&report, peer);
        }
        Ok(inserted)
    }
    .await;
    answer(
        &state,
        Kind::Report,
        result.map(|inserted| (inserted, None)),
    )
}

/// `POST /api/v1/event`.
pub async fn event<S: HubStore>(
    State(state): State<HubState<S>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let event: Event = read_payload(&state, &headers, body).await?;
        authorize(&state, &headers, &event.node_id).await?;
        event.validate_from_node()?;
        let inserted = state.store.insert_event(&event, state.now()).await?;
        if inserted == Inserted::New {
            state.policy.event_stored(&event);
        }
        Ok(inserted)
    }
    .await;
    answer(&state, Kind::Event, result.map(|inserted| (inserted, None)))
}

/// `POST /api/v1/backup`: the answer carries the hub-assigned `version`.
pub async fn backup<S: HubStore>(
    State(state): State<HubState<S>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let backup: Backup = read_payload(&state, &headers, body).await?;
        authorize(&state, &headers, &backup.node_id).await?;
        backup.validate()?;
        Ok(state.store.insert_backup(&backup, state.now()).await?)
    }
    .await;
    answer(
        &state,
        Kind::Backup,
        result.map(|(inserted, version)| (inserted, Some(version))),
    )
}

fn answer<S>(
    state: &HubState<S>,
    kind: Kind,
    result: Result<(Inserted, Option<u64>), HubApiError>,
) -> Response {
    match result {
        Ok((inserted, version)) => {
            let (code, outcome, status) = match inserted {
                Inserted::New => (StatusCode::CREATED, Outcome::New, "stored"),
                Inserted::Duplicate => (StatusCode::OK, Outcome::Duplicate, "duplicate"),
            };
            state.counters.count(kind, outcome);
            let mut body = serde_json::json!({ "status": status });
            if let Some(version) = version {
                body["version"] = version.into();
            }
            (code, axum::Json(body)).into_response()
        }
        Err(error) => {
            state.counters.count(kind, Outcome::of(&error));
            error.into_response()
        }
    }
}

/// Reads and parses the body, after checking that credentials were sent at all.
async fn read_payload<S, T: DeserializeOwned>(
    state: &HubState<S>,
    headers: &HeaderMap,
    body: Body,
) -> Result<T, HubApiError> {
    if let Err(refused) = bearer(headers) {
        discard_body(body).await;
        return Err(refused);
    }
    let limit = state.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        discard_body(body).await;
        return Err(HubApiError::PayloadTooLarge { limit });
    }
    let bytes: Bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| HubApiError::PayloadTooLarge { limit })?;
    parse_json(&bytes)
}

/// Parses JSON, naming the field that failed (`clock.offset_ns`, `node_id`).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, HubApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let field = err.path().to_string();
        let reason = err.into_inner().to_string();
        if field == "." {
            HubApiError::BadRequest(format!("invalid JSON: {reason}"))
        } else {
            HubApiError::InvalidField { field, reason }
        }
    })
}

/// Accepts the request's key for `node`: 403 when it is not that node's key, when there is
/// no such node, or when the node is blocked. Credentials read less than 1 s ago are enough
/// to accept (see [`CredentialCache`](super::credential_cache::CredentialCache)); a refusal
/// is always decided on a fresh read.
async fn authorize<S: HubStore>(
    state: &HubState<S>,
    headers: &HeaderMap,
    node: &NodeId,
) -> Result<(), HubApiError> {
    let presented = bearer(headers)?;
    let now = state.now();
    if let Some(cached) = state.credentials.get(node, now)
        && !cached.blocked
        && key_matches(&cached.api_key_sha256, presented)
    {
        return Ok(());
    }
    let credentials = state.store.credentials(node).await?;
    match credentials {
        Some(c) if key_matches(&c.api_key_sha256, presented) => {
            let blocked = c.blocked;
            state.credentials.insert(node, c, now);
            if blocked {
                Err(HubApiError::Forbidden(format!("node {node} is blocked")))
            } else {
                Ok(())
            }
        }
        _ => Err(HubApiError::Forbidden(format!(
            "this key does not belong to node {node}"
        ))),
    }
}
