//! The admin GETs: `nodes`, `nodes/{id}`, `nodes/{id}/history`, `events` (JSON, or CSV with
//! `format=csv`). Every answer carries an `ETag`; `If-None-Match` with it answers 304.

use super::csv;
use super::error::HubApiError;
use super::state::HubState;
use crate::fleet::NodeId;
use crate::hub::store::{EventFilter, HubStore};
use crate::observe::EventSeverity;
use crate::time::{Duration, Timestamp};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// `history?period=` when not given.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(7 * 86_400);
/// `events?limit=` when not given, and its maximum.
pub const DEFAULT_EVENTS: u32 = 1000;
/// The largest `events?limit=`.
pub const MAX_EVENTS: u32 = 10_000;

/// `?format=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON (default).
    #[default]
    Json,
    /// CSV with a header line.
    Csv,
}

/// `GET /api/v1/nodes`.
pub async fn nodes<S: HubStore>(
    State(state): State<HubState<S>>,
    headers: HeaderMap,
) -> Result<Response, HubApiError> {
    state.require_admin(&headers)?;
    let nodes = state.store.list_nodes().await?;
    json_tagged(&headers, &serde_json::json!({ "nodes": nodes }))
}

/// `GET /api/v1/nodes/{id}`: the node and its ports' latest checks.
pub async fn node<S: HubStore>(
    State(state): State<HubState<S>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, HubApiError> {
    state.require_admin(&headers)?;
    let id = node_id(&id)?;
    let node = state
        .store
        .get_node(&id)
        .await?
        .ok_or_else(|| HubApiError::NotFound(format!("node {id}")))?;
    let checks = state.store.port_checks(&id).await?;
    json_tagged(
        &headers,
        &serde_json::json!({ "node": node, "port_checks": checks }),
    )
}

/// `history?period=&format=`.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    period: Option<String>,
    #[serde(default)]
    format: Format,
}

/// `GET /api/v1/nodes/{id}/history`.
pub async fn history<S: HubStore>(
    State(state): State<HubState<S>>,
    Path(id): Path<String>,
    query: Result<Query<HistoryQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, HubApiError> {
    state.require_admin(&headers)?;
    let Query(query) = query.map_err(|e| HubApiError::BadRequest(e.body_text()))?;
    let id = node_id(&id)?;
    let period = match &query.period {
        Some(text) => parse_period(text)?,
        None => DEFAULT_PERIOD,
    };
    if state.store.get_node(&id).await?.is_none() {
        return Err(HubApiError::NotFound(format!("node {id}")));
    }
    let points = state.store.history(&id, state.now() - period).await?;
    match query.format {
        Format::Json => json_tagged(
            &headers,
            &serde_json::json!({ "node_id": id, "points": points }),
        ),
        Format::Csv => Ok(tagged(
            &headers,
            csv::history(&points).into_bytes(),
            csv::CONTENT_TYPE,
        )),
    }
}

/// `events?since=&severity=&node=&limit=&format=`.
#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    since: Option<String>,
    severity: Option<EventSeverity>,
    node: Option<String>,
    limit: Option<u32>,
    #[serde(default)]
    format: Format,
}

/// `GET /api/v1/events`, newest first.
pub async fn events<S: HubStore>(
    State(state): State<HubState<S>>,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, HubApiError> {
    state.require_admin(&headers)?;
    let Query(query) = query.map_err(|e| HubApiError::BadRequest(e.body_text()))?;
    let since = query
        .since
        .as_deref()
        .map(|text| parse_since(text, state.now()))
        .transpose()?;
    let limit = query.limit.unwrap_or(DEFAULT_EVENTS);
    if limit == 0 || limit > MAX_EVENTS {
        return Err(HubApiError::BadRequest(format!("limit: 1 to {MAX_EVENTS}")));
    }
    let filter = EventFilter {
        since,
        min_severity: query.severity,
        node: query.node.as_deref().map(node_id).transpose()?,
        limit,
    };
    let events = state.store.events(&filter).await?;
    match query.format {
        Format::Json => json_tagged(&headers, &serde_json::json!({ "events": events })),
        Format::Csv => Ok(tagged(
            &headers,
            csv::events(&events).into_bytes(),
            csv::CONTENT_TYPE,
        )),
    }
}

/// A node id from a path or query, 400 when it is not one (`../x`, quotes).
pub fn node_id(text: &str) -> Result<NodeId, HubApiError> {
    NodeId::new(text).map_err(|err| HubApiError::InvalidField {
        field: "node_id".into(),
        reason: err.to_string(),
    })
}

/// `7d`, `24h`, `30m`, `90s`: at least 1 s, at most 400 days.
pub fn parse_period(text: &str) -> Result<Duration, HubApiError> {
    let bad = || {
        HubApiError::BadRequest(format!(
            "period: `{text}` is not a period like 7d, 24h, 30m or 90s (at most 400d)"
        ))
    };
    let split = text.len().checked_sub(1).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let number: i64 = number.parse().map_err(|_| bad())?;
    let unit = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" => 1,
        _ => return Err(bad()),
    };
    let seconds = number
        .checked_mul(unit)
        .filter(|s| (1..=400 * 86_400).contains(s));
    seconds.map(Duration::from_secs).ok_or_else(bad)
}

/// `since=`: an RFC 3339 time, or a period back from now (`24h`).
pub fn parse_since(text: &str, now: Timestamp) -> Result<Timestamp, HubApiError> {
    if let Ok(period) = parse_period(text) {
        return Ok(now - period);
    }
    let parsed = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|_| {
            HubApiError::BadRequest(format!(
                "since: `{text}` is neither an RFC 3339 time nor a period like 24h"
            ))
        })?;
    let nanos = i64::try_from(parsed.unix_timestamp_nanos())
        .map_err(|_| HubApiError::BadRequest(format!("since: `{text}` is out of range")))?;
    Ok(Timestamp::from_nanos(nanos))
}

fn json_tagged(headers: &HeaderMap, value: &serde_json::Value) -> Result<Response, HubApiError> {
    let bytes = serde_json::to_vec(value).map_err(|e| HubApiError::Internal(e.to_string()))?;
    Ok(tagged(headers, bytes, "application/json"))
}

/// The body with a strong `ETag` (SHA-256 of the bytes), or 304 when `If-None-Match` names it.
pub fn tagged(headers: &HeaderMap, body: Vec<u8>, content_type: &'static str) -> Response {
    let digest = Sha256::digest(&body);
    let etag: String = format!(
        "\"{}\"",
        digest[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|candidate| {
            let candidate = candidate.trim();
            candidate == "*" || candidate.trim_start_matches("W/") == etag
        });
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = (StatusCode::OK, body).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        response
    };
    if let Ok(value) = HeaderValue::from_str(&etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
