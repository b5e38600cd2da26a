//! [`HubApiError`]: what a request to the hub gets back when it fails, as JSON
//! `{"error": "...", "status": N}` (plus `"field"` for a refused payload field). 4xx messages
//! say what was wrong; a 500 is generic and its cause is logged, never sent.

use crate::fleet::WireError;
use crate::hub::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The `WWW-Authenticate` challenge of a 401.
pub const CHALLENGE: &str = "Bearer realm=\"shiwa-hub\"";

/// What went wrong with a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HubApiError {
    /// No such endpoint (or no such node, backup).
    #[error("not found: {0}")]
    NotFound(String),
    /// The endpoint exists but not for this method.
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed {
        /// The method used.
        method: String,
        /// The path.
        path: String,
    },
    /// A malformed request (query, JSON).
    #[error("{0}")]
    BadRequest(String),
    /// A payload field the hub refuses.
    #[error("{field}: {reason}")]
    InvalidField {
        /// The JSON field.
        field: String,
        /// Why.
        reason: String,
    },
    /// The body is larger than `limits.max_body_bytes`.
    #[error("request body too large: at most {limit} bytes")]
    PayloadTooLarge {
        /// The limit.
        limit: usize,
    },
    /// Credentials are missing or malformed.
    #[error("authentication required: {0}")]
    Unauthorized(&'static str),
    /// The credentials do not allow this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Too many failed attempts from this address.
    #[error("too many failed attempts: retry in {retry_after_s} s")]
    TooManyRequests {
        /// Seconds until the address may try again.
        retry_after_s: u64,
    },
    /// Something failed inside the hub; the cause is logged, not sent.
    #[error("internal error")]
    Internal(String),
}

impl HubApiError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            HubApiError::NotFound(_) => StatusCode::NOT_FOUND,
            HubApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            HubApiError::BadRequest(_) | HubApiError::InvalidField { .. } => {
                StatusCode::BAD_REQUEST
            }
            HubApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            HubApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            HubApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            HubApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            HubApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<WireError> for HubApiError {
    fn from(err: WireError) -> Self {
        HubApiError::InvalidField {
            field: err.field,
            reason: err.reason,
        }
    }
}

impl From<StoreError> for HubApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::UnknownNode(node) => HubApiError::Forbidden(format!("no node {node}")),
            other => HubApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for HubApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let HubApiError::Internal(cause) = &self {
            tracing::error!(cause = %cause, "hub API request failed");
        }
        let mut body = serde_json::json!({ "error": self.to_string(), "status": status.as_u16() });
        if let HubApiError::InvalidField { field, .. } = &self {
            body["field"] = serde_json::Value::String(field.clone());
        }
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            HubApiError::Unauthorized(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(CHALLENGE),
                );
            }
            HubApiError::TooManyRequests { retry_after_s } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
            }
            _ => {}
        }
        response
    }
}
