//! The routes, built by a pure function of the [`ApiState`], and their handlers.

use super::auth::{self, Authenticator};
use super::error::ApiError;
use super::metrics::CONTENT_TYPE as METRICS_CONTENT_TYPE;
use super::process::ProcessStats;
use super::view::View;
use crate::observe::{LogRecord, SnapshotSource};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, RwLock};

/// The OpenAPI 3.1 document of the JSON endpoints (`docs/openapi.json`), served as is.
pub const OPENAPI_JSON: &str = include_str!("../../docs/openapi.json");

/// The largest request body accepted (no endpoint takes one).
pub const MAX_BODY_BYTES: usize = 1024;

/// `logs?n=` when `n` is not given.
pub const DEFAULT_LOG_LINES: usize = 50;

/// The largest `n` for `logs?n=` (the daemon keeps this many records).
pub const MAX_LOG_LINES: usize = crate::observe::logs::DEFAULT_CAPACITY;

const JSON: &str = "application/json";

/// What the handlers share: where the state comes from, the cached responses, the auth check.
#[derive(Debug, Clone)]
pub struct ApiState {
    source: SnapshotSource,
    view: Arc<RwLock<Arc<View>>>,
    authenticator: Authenticator,
}

impl ApiState {
    /// State over `source`, with the responses rendered for its current link state.
    pub fn new(source: SnapshotSource, authenticator: Authenticator) -> Self {
        let view = View::build(&source.link(), &source.describe(), None);
        ApiState {
            source,
            view: Arc::new(RwLock::new(Arc::new(view))),
            authenticator,
        }
    }

    /// Re-renders the cached responses from the source's current state.
    pub fn refresh(&self) {
        let process = ProcessStats::read();
        let view = View::build(
            &self.source.link(),
            &self.source.describe(),
            process.as_ref(),
        );
        *self.view.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(view);
    }

    /// The source, for the refresh task to wait on.
    pub fn source(&self) -> &SnapshotSource {
        &self.source
    }

    fn view(&self) -> Arc<View> {
        Arc::clone(&self.view.read().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The API's router: `/api/v1/{status,sources,health,logs,openapi.json}` and `/metrics`.
/// Everything but `/api/v1/health` requires the configured credentials.
pub fn router(state: ApiState) -> Router {
    let mut protected = Router::new()
        .route("/api/v1/status", get(status))
        .route("/api/v1/sources", get(sources))
        .route("/api/v1/logs", get(logs))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/metrics", get(metrics));
    if !state.authenticator.is_open() {
        protected = protected.route_layer(middleware::from_fn_with_state(
            state.authenticator.clone(),
            auth::require,
        ));
    }
    Router::new()
        .route("/api/v1/health", get(health))
        .merge(protected)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(limit_body))
        .with_state(state)
}

async fn status(State(state): State<ApiState>) -> Result<Response, ApiError> {
    cached_json(state.view().status.clone())
}

async fn sources(State(state): State<ApiState>) -> Result<Response, ApiError> {
    cached_json(state.view().sources.clone())
}

async fn health(State(state): State<ApiState>) -> Response {
    let (code, body) = state.view().health.clone();
    let mut response = with_content_type(body, JSON);
    *response.status_mut() = code;
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn metrics(State(state): State<ApiState>) -> Response {
    with_content_type(state.view().metrics.clone(), METRICS_CONTENT_TYPE)
}

async fn openapi() -> Response {
    with_content_type(Bytes::from_static(OPENAPI_JSON.as_bytes()), JSON)
}

/// `logs?n=`.
#[derive(Debug, Deserialize)]
struct LogsQuery {
    n: Option<usize>,
}

#[derive(Serialize)]
struct LogsBody {
    logs: Vec<LogRecord>,
}

async fn logs(
    State(state): State<ApiState>,
    query: Result<Query<LogsQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(|err| {
        ApiError::BadRequest(format!(
            "bad query: {} (n is a count of log records, 0 to {MAX_LOG_LINES})",
            err.body_text()
        ))
    })?;
    let n = query.n.unwrap_or(DEFAULT_LOG_LINES);
    if n > MAX_LOG_LINES {
        return Err(ApiError::BadRequest(format!(
            "n={n} is too large: at most {MAX_LOG_LINES}"
        )));
    }
    let logs = state.source.logs(n).await.map_err(|err| match err {
        crate::observe::SurfaceError::Unavailable { reason } => ApiError::Unavailable { reason },
        crate::observe::SurfaceError::Refused(reason) => {
            ApiError::Internal(format!("the daemon refused a logs request: {reason}"))
        }
    })?;
    Ok(axum::Json(LogsBody { logs }).into_response())
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::NotFound {
        path: uri.path().to_string(),
    }
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_string(),
    }
}

/// Refuses a request announcing a body larger than [`MAX_BODY_BYTES`] with 413, and drops the
/// body of any other (no endpoint reads one).
async fn limit_body(request: Request, next: Next) -> Result<Response, ApiError> {
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .map(|text| text.trim().parse::<u64>());
    match length {
        Some(Ok(length)) if length <= MAX_BODY_BYTES as u64 => {}
        Some(Ok(_)) => {
            super::server::discard_body(request.into_body()).await;
            return Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        Some(Err(_)) => {
            return Err(ApiError::BadRequest(
                "Content-Length is not a number".into(),
            ));
        }
        None if request.headers().contains_key(header::TRANSFER_ENCODING) => {
            super::server::discard_body(request.into_body()).await;
            return Err(ApiError::PayloadTooLarge {
                limit: MAX_BODY_BYTES,
            });
        }
        None => {}
    }
    let (parts, _) = request.into_parts();
    Ok(next.run(Request::from_parts(parts, Body::empty())).await)
}

fn cached_json(body: Result<Bytes, String>) -> Result<Response, ApiError> {
    match body {
        Ok(bytes) => Ok(with_content_type(bytes, JSON)),
        Err(reason) => Err(ApiError::Unavailable { reason }),
    }
}

fn with_content_type(body: Bytes, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

#[cfg(test)]
#[path = "router_tests.rs"]
mod tests;
