//! `GET /login`, `POST /login`, `POST /logout`.
//!
//! The login form is CSRF-protected like every other form (a login form entry and its cookie,
//! see [`super::sessions`]). The password is checked with argon2 off the async threads, at
//! most [`crate::hub::api::state::CONCURRENT_HASHES`] at once (the permits the recovery
//! endpoint uses), and always, so a wrong user name costs the same time as a wrong password.
//! A failed login is answered after [`FAILED_LOGIN_DELAY`]; an address that failed
//! [`crate::hub::api::state::RECOVERY_ATTEMPTS`] times within a minute gets 429 until the minute is over.
#![expect(
    clippy::disallowed_methods,
    reason = "a failed login is answered after a real delay (tokio::time::sleep)"
)]

use super::error::DashboardError;
use super::html::{Frame, csrf_field, esc, page};
use super::respond::{html, redirect, with_cookie};
use super::sessions::{LOGIN_COOKIE, LOGIN_FORM_TTL, SESSION_COOKIE, Token, set_cookie};
use super::state::{DashboardState, Form, client_address, cookie_value};
use crate::hub::api::state::RecoveryLimiter;
use crate::hub::store::HubStore;
use crate::secret::{Secret, verify_password_hash};
use crate::time::{Duration, Timestamp};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::Response;
use std::net::IpAddr;
use subtle::ConstantTimeEq;

/// How long a failed login waits before it is answered.
pub const FAILED_LOGIN_DELAY: std::time::Duration = std::time::Duration::from_secs(1);

/// `GET /login`: the form (or `/` when already logged in).
pub async fn login_page<S: HubStore>(
    State(state): State<DashboardState<S>>,
    headers: HeaderMap,
) -> Result<Response, DashboardError> {
    if state.require_session(&headers).is_ok() {
        return Ok(redirect("/"));
    }
    let (id, csrf) = (random()?, random()?);
    let body = login_form(csrf.expose(), None);
    let now = state.now();
    state.sessions().open_login_form(&id, csrf, now);
    let cookie = set_cookie(
        LOGIN_COOKIE,
        id.expose(),
        LOGIN_FORM_TTL,
        state.secure_cookies,
    );
    Ok(with_cookie(html(StatusCode::OK, body), &cookie))
}

/// `POST /login`: `username`, `password`, `csrf`.
pub async fn login<S: HubStore>(
    State(state): State<DashboardState<S>>,
    extensions: Extensions,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, DashboardError> {
    let form = Form::from_body(body)?;
    state.require_login_form(&headers, &form)?;
    let address = client_address(&extensions);
    let now = state.now();
    login_gate(&mut state.limiter(), address, now)?;
    let user = form.get("username").unwrap_or_default().to_string();
    let password = Secret::new(form.get("password").unwrap_or_default());
    if !verify(&state, user, password).await? {
        state.limiter().fail(address, now);
        tracing::warn!(%address, "dashboard: failed login");
        tokio::time::sleep(FAILED_LOGIN_DELAY).await;
        let again = login_form(
            form.get("csrf").unwrap_or_default(),
            Some("wrong user name or password"),
        );
        return Ok(html(StatusCode::UNAUTHORIZED, again));
    }
    let (id, csrf) = (random()?, random()?);
    let ttl = {
        let mut sessions = state.sessions();
        if let Some(form_id) = cookie_value(&headers, LOGIN_COOKIE) {
            sessions.close_login_form(form_id);
        }
        sessions.open(&id, csrf, now);
        sessions.ttl()
    };
    tracing::info!(%address, "dashboard: logged in");
    let secure = state.secure_cookies;
    let response = with_cookie(
        redirect("/"),
        &set_cookie(SESSION_COOKIE, id.expose(), ttl, secure),
    );
    Ok(with_cookie(
        response,
        &set_cookie(LOGIN_COOKIE, "", Duration::ZERO, secure),
    ))
}

/// `POST /logout`: ends the session.
pub async fn logout<S: HubStore>(
    State(state): State<DashboardState<S>>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, DashboardError> {
    let form = Form::from_body(body)?;
    state.require_csrf(&headers, &form)?;
    if let Some(id) = cookie_value(&headers, SESSION_COOKIE) {
        state.sessions().close(id);
    }
    let cookie = set_cookie(SESSION_COOKIE, "", Duration::ZERO, state.secure_cookies);
    Ok(with_cookie(redirect("/login"), &cookie))
}

/// [`DashboardError::TooManyLogins`] while `address` has used up its attempts.
pub fn login_gate(
    limiter: &mut RecoveryLimiter,
    address: IpAddr,
    now: Timestamp,
) -> Result<(), DashboardError> {
    limiter
        .check(address, now)
        .map_err(|retry_after_s| DashboardError::TooManyLogins {
            address,
            retry_after_s,
        })
}

fn random() -> Result<Token, DashboardError> {
    Token::random().map_err(|err| DashboardError::Internal(err.to_string()))
}

/// Whether `user` and `password` are the configured ones (argon2 on a blocking thread).
async fn verify<S>(
    state: &DashboardState<S>,
    user: String,
    password: Secret,
) -> Result<bool, DashboardError> {
    let _permit = state
        .hub
        .hashing
        .acquire()
        .await
        .map_err(|e| DashboardError::Internal(e.to_string()))?;
    let expected_user = state.username.clone();
    let hash = state.password_hash.clone();
    tokio::task::spawn_blocking(move || {
        let user_ok = bool::from(expected_user.as_bytes().ct_eq(user.as_bytes()));
        let password_ok = verify_password_hash(&hash, password.expose());
        user_ok & password_ok
    })
    .await
    .map_err(|e| DashboardError::Internal(e.to_string()))
}

/// The login page with its form (`csrf` is the login form's token).
fn login_form(csrf: &str, error: Option<&str>) -> String {
    let error = error
        .map(|text| format!("<p class=\"error\">{}</p>", esc(text)))
        .unwrap_or_default();
    let body = format!(
        "{error}<form method=\"post\" action=\"/login\" class=\"login stack\">{}\
         <label>User name <input type=\"text\" name=\"username\" autocomplete=\"username\" \
         required autofocus></label>\
         <label>Password <input type=\"password\" name=\"password\" \
         autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">Log in</button></form>",
        csrf_field(csrf)
    );
    let frame = Frame {
        title: "Log in",
        refresh_s: None,
        csrf: None,
    };
    page(frame, &body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::api::state::RECOVERY_ATTEMPTS;
    use std::net::Ipv4Addr;

    #[test]
    fn an_address_that_keeps_failing_waits_the_others_do_not() {
        let mut limiter = RecoveryLimiter::default();
        let (guesser, other) = (
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)),
            IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)),
        );
        let t0 = Timestamp::from_secs_nanos(1_795_400_000, 0);
        for attempt in 0..RECOVERY_ATTEMPTS {
            assert_eq!(login_gate(&mut limiter, guesser, t0), Ok(()), "{attempt}");
            limiter.fail(guesser, t0);
        }
        let refused = login_gate(&mut limiter, guesser, t0 + Duration::from_secs(10));
        assert_eq!(
            refused,
            Err(DashboardError::TooManyLogins {
                address: guesser,
                retry_after_s: 50
            })
        );
        assert_eq!(refused.unwrap_err().status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(login_gate(&mut limiter, other, t0), Ok(()));
        let later = t0 + Duration::from_secs(61);
        assert_eq!(login_gate(&mut limiter, guesser, later), Ok(()));
    }

    #[test]
    fn the_login_form_carries_its_token_and_an_escaped_error() {
        let form = login_form("tok", Some("<bad>"));
        assert!(form.contains("name=\"csrf\" value=\"tok\""), "{form}");
        assert!(form.contains("&lt;bad&gt;") && !form.contains("<bad>"));
        assert!(form.contains("type=\"password\""));
        assert!(!form.contains("http-equiv"), "no reload while typing");
    }
}
