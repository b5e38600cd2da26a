//! Optional authentication for everything but `/api/v1/health`: a bearer token, or HTTP basic
//! auth against an argon2 password hash.
//!
//! Tokens are compared by their SHA-256 digests in constant time (no length leak). A basic-auth
//! password is checked with argon2 on a blocking thread, at most [`MAX_CONCURRENT_HASHES`] at a
//! time so guessing cannot take every core; the digest of the last accepted `Authorization`
//! header is kept so a scraper presenting the same credentials every 15 s costs one hash, not
//! one per request.

use super::error::ApiError;
use crate::config::HttpAuthConfig;
use crate::secret::Secret;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

/// How many argon2 verifications may run at once.
pub const MAX_CONCURRENT_HASHES: usize = 1;

const BEARER_CHALLENGE: &str = "Bearer realm=\"shiwa\"";
const BASIC_CHALLENGE: &str = "Basic realm=\"shiwa\", charset=\"UTF-8\"";

/// What a client must present.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum AuthPolicy {
    /// Nothing: the API is open (bind it to loopback, or firewall it).
    #[default]
    Open,
    /// `Authorization: Bearer TOKEN`.
    Bearer(Secret),
    /// `Authorization: Basic ...` with this user and a password matching the argon2 hash.
    Basic {
        /// The user name.
        username: String,
        /// The argon2 PHC string.
        password_hash: Secret,
    },
}

impl AuthPolicy {
    /// The policy a `timebeat.http.auth` section asks for (validated at load).
    pub fn from_config(auth: Option<&HttpAuthConfig>) -> Self {
        let Some(auth) = auth else {
            return AuthPolicy::Open;
        };
        match (&auth.bearer_token, &auth.username, &auth.password_hash) {
            (Some(token), _, _) => AuthPolicy::Bearer(token.clone()),
            (None, Some(username), Some(hash)) => AuthPolicy::Basic {
                username: username.clone(),
                password_hash: hash.clone(),
            },
            _ => AuthPolicy::Open,
        }
    }

    /// `open`, `bearer token` or `basic auth`, for the start-up log line.
    pub fn describe(&self) -> &'static str {
        match self {
            AuthPolicy::Open => "open",
            AuthPolicy::Bearer(_) => "bearer token",
            AuthPolicy::Basic { .. } => "basic auth",
        }
    }
}

/// Checks requests against an [`AuthPolicy`].
#[derive(Debug, Clone)]
pub struct Authenticator {
    policy: AuthPolicy,
    /// SHA-256 of the last `Authorization` header value that passed an argon2 check.
    verified: Arc<Mutex<Option<[u8; 32]>>>,
    hashing: Arc<Semaphore>,
}

impl Authenticator {
    /// An authenticator for `policy`.
    pub fn new(policy: AuthPolicy) -> Self {
        Authenticator {
            policy,
            verified: Arc::new(Mutex::new(None)),
            hashing: Arc::new(Semaphore::new(MAX_CONCURRENT_HASHES)),
        }
    }

    /// Whether requests need credentials at all.
    pub fn is_open(&self) -> bool {
        self.policy == AuthPolicy::Open
    }

    /// Accepts or refuses the value of a request's `Authorization` header.
    pub async fn check(&self, authorization: Option<&[u8]>) -> Result<(), ApiError> {
        match &self.policy {
            AuthPolicy::Open => Ok(()),
            AuthPolicy::Bearer(token) => {
                let presented = authorization.and_then(|value| strip_scheme(value, "bearer"));
                match presented {
                    Some(presented) if digests_match(token.expose().as_bytes(), presented) => {
                        Ok(())
                    }
                    _ => Err(ApiError::Unauthorized {
                        challenge: BEARER_CHALLENGE,
                    }),
                }
            }
            AuthPolicy::Basic {
                username,
                password_hash,
            } => {
                let refused = ApiError::Unauthorized {
                    challenge: BASIC_CHALLENGE,
                };
                let header = authorization.ok_or(refused.clone())?;
                if self.was_verified(header) {
                    return Ok(());
                }
                let (user, password) = decode_basic(header).ok_or(refused.clone())?;
                let user_ok = digests_match(username.as_bytes(), user.as_bytes());
                let password_ok = self.verify_password(password, password_hash).await?;
                if user_ok && password_ok {
                    self.remember(header);
                    Ok(())
                } else {
                    Err(refused)
                }
            }
        }
    }

    fn was_verified(&self, header: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(header).into();
        let verified = self.verified.lock().unwrap_or_else(|p| p.into_inner());
        verified.is_some_and(|known| bool::from(known.ct_eq(&digest)))
    }

    fn remember(&self, header: &[u8]) {
        let digest: [u8; 32] = Sha256::digest(header).into();
        *self.verified.lock().unwrap_or_else(|p| p.into_inner()) = Some(digest);
    }

    async fn verify_password(&self, password: String, hash: &Secret) -> Result<bool, ApiError> {
        let _permit = self
            .hashing
            .acquire()
            .await
            .map_err(|err| ApiError::Internal(format!("password check queue closed: {err}")))?;
        let hash = hash.clone();
        tokio::task::spawn_blocking(move || crate::secret::verify_password_hash(&hash, &password))
            .await
            .map_err(|err| ApiError::Internal(format!("password check failed: {err}")))
    }
}

/// The axum middleware: refuses a request without valid credentials with 401.
pub async fn require(
    State(authenticator): State<Authenticator>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if !authenticator.is_open() {
        let authorization = request
            .headers()
            .get(header::AUTHORIZATION)
            .map(|value| value.as_bytes());
        authenticator.check(authorization).await?;
    }
    Ok(next.run(request).await)
}

/// The credentials after `scheme ` (case-insensitive scheme, spaces after it skipped).
fn strip_scheme<'a>(value: &'a [u8], scheme: &str) -> Option<&'a [u8]> {
    let (name, rest) = value.split_at_checked(scheme.len())?;
    if !name.eq_ignore_ascii_case(scheme.as_bytes()) || rest.first() != Some(&b' ') {
        return None;
    }
    let start = rest.iter().position(|b| *b != b' ')?;
    Some(&rest[start..])
}

fn decode_basic(value: &[u8]) -> Option<(String, String)> {
    let encoded = strip_scheme(value, "basic")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Compares two byte strings by SHA-256 digest in constant time (hides the length too).
fn digests_match(expected: &[u8], presented: &[u8]) -> bool {
    let expected = Sha256::digest(expected);
    let presented = Sha256::digest(presented);
    bool::from(expected.as_slice().ct_eq(presented.as_slice()))
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
