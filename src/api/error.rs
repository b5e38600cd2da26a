//! The API's two error types: [`ApiError`] (what a request gets back) and [`ApiStartError`]
//! (why the server could not start).

use crate::exit::{ExitStatus, HasExitStatus};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::io;
use std::path::PathBuf;

/// What went wrong with a request. Rendered as JSON `{"error": "...", "status": N}`; 4xx
/// messages say what was wrong, a 503 says why the daemon's state is unavailable (naming the
/// socket), a 500 is generic and its cause is logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// No such endpoint.
    #[error("no such endpoint: {path}")]
    NotFound {
        /// The path asked for.
        path: String,
    },
    /// The endpoint exists but not for this method.
    #[error("method {method} is not allowed on {path}")]
    MethodNotAllowed {
        /// The method used.
        method: String,
        /// The path.
        path: String,
    },
    /// A malformed request (a bad query parameter).
    #[error("{0}")]
    BadRequest(String),
    /// The request carries a body larger than the API accepts.
    #[error("request body too large: at most {limit} bytes")]
    PayloadTooLarge {
        /// The largest body accepted, in bytes.
        limit: usize,
    },
    /// Credentials are missing or wrong.
    #[error("authentication required")]
    Unauthorized {
        /// The `WWW-Authenticate` challenge (`Bearer realm="shiwa"`).
        challenge: &'static str,
    },
    /// The daemon's state cannot be read (not reachable, or not yet).
    #[error("{reason}")]
    Unavailable {
        /// Why, naming the socket.
        reason: String,
    },
    /// Something failed inside the API; the cause is logged, not sent.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            ApiError::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(cause = %cause, "HTTP API request failed");
        }
        let body = serde_json::json!({ "error": self.to_string(), "status": status.as_u16() });
        let mut response = (status, axum::Json(body)).into_response();
        if let ApiError::Unauthorized { challenge } = self {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(challenge),
            );
        }
        response
    }
}

/// Why the API server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ApiStartError {
    /// The listening address is not `ADDR:PORT`.
    #[error("{key}: `{value}` is not an address and port (e.g. 127.0.0.1:8088, [::]:8088)")]
    Address {
        /// The flag or config key (`--bind`, `timebeat.http.bind_host`).
        key: &'static str,
        /// What was given.
        value: String,
    },
    /// The port is taken, or binding is not allowed.
    #[error("HTTP API: cannot listen on {address}: {}", describe(error))]
    Bind {
        /// The address (`127.0.0.1:8088`).
        address: String,
        /// Why.
        error: io::Error,
    },
    /// A certificate, key or token file could not be read.
    #[error("HTTP API: reading {}: {}", file.display(), describe(error))]
    Read {
        /// The file.
        file: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// A certificate, key or token file does not hold what it should.
    #[error("HTTP API: {}: {reason}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl HasExitStatus for ApiStartError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            ApiStartError::Address { .. } | ApiStartError::Invalid { .. } => ExitStatus::Config,
            ApiStartError::Bind { error, .. } => ExitStatus::for_io(error),
            ApiStartError::Read { error, .. } if error.kind() == io::ErrorKind::NotFound => {
                ExitStatus::Config
            }
            ApiStartError::Read { error, .. } => ExitStatus::for_io(error),
        }
    }
}

/// An I/O error as the OS describes it, without Rust's `(os error N)` suffix.
fn describe(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_string(),
        None => err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_errors_name_the_address_or_file_and_map_to_exit_statuses() {
        let taken = ApiStartError::Bind {
            address: "127.0.0.1:8088".into(),
            error: io::Error::from_raw_os_error(libc::EADDRINUSE),
        };
        assert_eq!(
            taken.to_string(),
            "HTTP API: cannot listen on 127.0.0.1:8088: Address already in use"
        );
        assert_eq!(taken.exit_status(), ExitStatus::Failure);
        let denied = ApiStartError::Bind {
            address: "0.0.0.0:80".into(),
            error: io::Error::from_raw_os_error(libc::EACCES),
        };
        assert_eq!(denied.exit_status(), ExitStatus::Permission);
        let missing = ApiStartError::Read {
            file: "/etc/shiwa/pki/n.crt".into(),
            error: io::Error::from_raw_os_error(libc::ENOENT),
        };
        assert!(
            missing.to_string().contains("/etc/shiwa/pki/n.crt"),
            "{missing}"
        );
        assert_eq!(missing.exit_status(), ExitStatus::Config);
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let error = ApiError::Internal("database password is hunter2".into());
        assert_eq!(error.to_string(), "internal error");
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
