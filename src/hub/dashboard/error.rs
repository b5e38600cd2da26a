//! [`DashboardError`]: what a dashboard request gets when it fails — an HTML page saying
//! what was wrong (a 500 says nothing more and logs its cause), or a redirect to the login.

use super::html::{Frame, esc, page};
use super::respond::{html, redirect};
use crate::exit::{ExitStatus, HasExitStatus};
use crate::hub::nodes::NodeError;
use crate::hub::store::StoreError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;

/// Why a dashboard request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DashboardError {
    /// No valid session: the answer is a 303 to `/login`.
    #[error("log in first")]
    LoginRequired,
    /// A POST form without this session's (or login form's) CSRF token.
    #[error(
        "this form has expired or did not come from this dashboard (CSRF check failed): \
         reload the page and try again"
    )]
    Csrf,
    /// No such node.
    #[error("no node {0}")]
    UnknownNode(String),
    /// A form field is missing or wrong.
    #[error("{field}: {reason}")]
    BadForm {
        /// The form field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The body is larger than a form can be.
    #[error("the form is too large: at most {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Too many failed logins from this address.
    #[error("too many failed logins from {address}: try again in {retry_after_s} s")]
    TooManyLogins {
        /// The client.
        address: IpAddr,
        /// Seconds until it may try again.
        retry_after_s: u64,
    },
    /// Something failed inside the hub; the cause is logged, not shown.
    #[error("internal error: the hub's log says more")]
    Internal(String),
}

impl DashboardError {
    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            DashboardError::LoginRequired => StatusCode::SEE_OTHER,
            DashboardError::Csrf => StatusCode::FORBIDDEN,
            DashboardError::UnknownNode(_) => StatusCode::NOT_FOUND,
            DashboardError::BadForm { .. } => StatusCode::BAD_REQUEST,
            DashboardError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            DashboardError::TooManyLogins { .. } => StatusCode::TOO_MANY_REQUESTS,
            DashboardError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl HasExitStatus for DashboardError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            DashboardError::LoginRequired
            | DashboardError::Csrf
            | DashboardError::TooManyLogins { .. } => ExitStatus::Permission,
            DashboardError::BadForm { .. } | DashboardError::TooLarge { .. } => ExitStatus::Usage,
            DashboardError::UnknownNode(_) | DashboardError::Internal(_) => ExitStatus::Failure,
        }
    }
}

impl From<StoreError> for DashboardError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::UnknownNode(node) => DashboardError::UnknownNode(node.to_string()),
            StoreError::NodeExists(node) => DashboardError::BadForm {
                field: "node_id",
                reason: format!("node {node} already exists"),
            },
            other => DashboardError::Internal(other.to_string()),
        }
    }
}

impl From<NodeError> for DashboardError {
    fn from(err: NodeError) -> Self {
        match err {
            NodeError::Store(store) => store.into(),
            NodeError::Unknown(node) => DashboardError::UnknownNode(node.to_string()),
            NodeError::PortSpec { .. } => DashboardError::BadForm {
                field: "ports",
                reason: err.to_string(),
            },
            other => DashboardError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for DashboardError {
    fn into_response(self) -> Response {
        if self == DashboardError::LoginRequired {
            return redirect("/login");
        }
        if let DashboardError::Internal(cause) = &self {
            tracing::error!(cause = %cause, "dashboard request failed");
        }
        let status = self.status();
        let body = format!(
            "<p class=\"error\">{}</p><p><a href=\"/\">Back to the fleet</a></p>",
            esc(&self.to_string())
        );
        let title = status.canonical_reason().unwrap_or("Error");
        let frame = Frame {
            title,
            refresh_s: None,
            csrf: None,
        };
        let mut response = html(status, page(frame, &body));
        if let DashboardError::TooManyLogins { retry_after_s, .. } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
        }
        response
    }
}
