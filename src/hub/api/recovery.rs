//! `GET /api/v1/recovery/{node_id}[?version=N]` with `X-Retrieval-Password`: the node's
//! newest backup (or version N). The password is checked with argon2 on a blocking thread,
//! at most [`super::state::CONCURRENT_HASHES`] at once; an address that fails
//! [`super::state::RECOVERY_ATTEMPTS`] times in a minute gets 429 until the minute is over.
//! Unknown node and wrong password answer the same 403.

use super::error::HubApiError;
use super::query::node_id;
use super::state::HubState;
use crate::hub::store::HubStore;
use crate::secret::{Secret, verify_password_hash};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The header carrying the retrieval password.
pub const PASSWORD_HEADER: &str = "x-retrieval-password";

/// `?version=`.
#[derive(Debug, Deserialize)]
pub struct RecoveryQuery {
    version: Option<u64>,
}

/// `GET /api/v1/recovery/{node_id}`.
pub async fn recovery<S: HubStore>(
    State(state): State<HubState<S>>,
    Path(id): Path<String>,
    query: Result<Query<RecoveryQuery>, axum::extract::rejection::QueryRejection>,
    extensions: axum::http::Extensions,
    headers: HeaderMap,
) -> Result<Response, HubApiError> {
    let address = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let Query(query) = query.map_err(|e| HubApiError::BadRequest(e.body_text()))?;
    let id = node_id(&id)?;
    let password = headers
        .get(PASSWORD_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(|v| Secret::new(v.to_string()))
        .ok_or(HubApiError::Unauthorized("send X-Retrieval-Password"))?;
    let now = state.now();
    state
        .limiter
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .check(address, now)
        .map_err(|retry_after_s| HubApiError::TooManyRequests { retry_after_s })?;
    let credentials = state.store.credentials(&id).await?;
    let verified = match credentials {
        Some(credentials) => verify(&state, credentials.retrieval_hash, password).await?,
        None => false,
    };
    if !verified {
        state
            .limiter
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .fail(address, now);
        return Err(HubApiError::Forbidden(format!(
            "wrong retrieval password for node {id}, or no such node"
        )));
    }
    let backup = state
        .store
        .latest_backup(&id, query.version)
        .await?
        .ok_or_else(|| match query.version {
            Some(version) => HubApiError::NotFound(format!("backup version {version} of {id}")),
            None => HubApiError::NotFound(format!("a backup of {id}")),
        })?;
    Ok(axum::Json(backup).into_response())
}

async fn verify<S>(
    state: &HubState<S>,
    hash: String,
    password: Secret,
) -> Result<bool, HubApiError> {
    let _permit = state
        .hashing
        .acquire()
        .await
        .map_err(|e| HubApiError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || verify_password_hash(&Secret::new(hash), password.expose()))
        .await
        .map_err(|e| HubApiError::Internal(e.to_string()))
}
