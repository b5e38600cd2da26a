//! Elasticsearch-shaped answers: JSON bodies with `X-elastic-product`, and the error body
//! `{"error": {"root_cause": [...], "type", "reason"}, "status"}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// An Elasticsearch error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct EsError {
    pub status: u16,
    pub error_type: &'static str,
    pub reason: String,
}

impl EsError {
    pub fn new(status: u16, error_type: &'static str, reason: impl Into<String>) -> Self {
        EsError {
            status,
            error_type,
            reason: reason.into(),
        }
    }

    /// The body Elasticsearch sends with it.
    pub fn body(&self) -> Value {
        let cause = json!({ "type": self.error_type, "reason": self.reason });
        json!({
            "error": { "root_cause": [cause], "type": self.error_type, "reason": self.reason },
            "status": self.status,
        })
    }

    pub fn into_response(self) -> Response {
        json_response(self.status, &self.body())
    }
}

/// `body` as JSON with `status`, as Elasticsearch 8 sends it.
pub(super) fn json_response(status: u16, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        bytes,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        "x-elastic-product",
        HeaderValue::from_static("Elasticsearch"),
    );
    response
}

/// A status with an empty body (HEAD answers, 413).
pub(super) fn empty_response(status: u16) -> Response {
    let mut response = StatusCode::from_u16(status)
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        .into_response();
    response.headers_mut().insert(
        "x-elastic-product",
        HeaderValue::from_static("Elasticsearch"),
    );
    response
}
