//! The hub's routes, built by a pure function of the [`HubState`].

use super::error::HubApiError;
use super::state::HubState;
use super::{ingest, metrics, query, recovery};
use crate::hub::dashboard::DashboardSettings;
use crate::hub::store::HubStore;
use axum::Router;
use axum::http::{HeaderValue, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

/// The OpenAPI 3.1 document of the hub's API (`docs/hub-openapi.json`), served as is.
pub const OPENAPI_JSON: &str = include_str!("../../../docs/hub-openapi.json");

/// The hub's router, with the dashboard's pages when `dashboard` enables them.
pub fn router<S: HubStore>(state: HubState<S>, dashboard: &DashboardSettings) -> Router {
    Router::new()
        .route("/api/v1/report", post(ingest::report::<S>))
        .route("/api/v1/event", post(ingest::event::<S>))
        .route("/api/v1/backup", post(ingest::backup::<S>))
        .route("/api/v1/nodes", get(query::nodes::<S>))
        .route("/api/v1/nodes/{id}", get(query::node::<S>))
        .route("/api/v1/nodes/{id}/history", get(query::history::<S>))
        .route("/api/v1/events", get(query::events::<S>))
        .route("/api/v1/recovery/{id}", get(recovery::recovery::<S>))
        .route("/api/v1/openapi.json", get(openapi))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text::<S>))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone())
        .merge(crate::hub::dashboard::routes(state, dashboard))
}

async fn healthz() -> Response {
    axum::Json(serde_json::json!({ "status": "ok" })).into_response()
}

async fn openapi() -> Response {
    with_type(OPENAPI_JSON.as_bytes().to_vec(), "application/json")
}

async fn metrics_text<S: HubStore>(
    axum::extract::State(state): axum::extract::State<HubState<S>>,
) -> Result<Response, HubApiError> {
    let nodes = state.store.node_counts().await?;
    Ok(with_type(
        metrics::render(&nodes, &state.counters).into_bytes(),
        metrics::CONTENT_TYPE,
    ))
}

fn with_type(body: Vec<u8>, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

async fn not_found(uri: Uri) -> HubApiError {
    HubApiError::NotFound(format!("no endpoint {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> HubApiError {
    HubApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_string(),
    }
}
