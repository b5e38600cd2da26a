//! [`DashboardState`]: what the dashboard's handlers share — the hub's state (store, clock,
//! argon2 permits), the sessions, the login limiter and the settings — and the checks every
//! handler starts with (session, CSRF token), plus form bodies.

use super::error::DashboardError;
use super::sessions::{Entry, LOGIN_COOKIE, SESSION_COOKIE, Sessions, cookie};
use super::settings::DashboardSettings;
use crate::hub::api::HubState;
use crate::hub::api::state::RecoveryLimiter;
use crate::secret::Secret;
use crate::time::{Duration, Timestamp};
use axum::body::Bytes;
use axum::http::{Extensions, HeaderMap, header};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

/// The largest form body accepted.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// What the dashboard's handlers share.
#[derive(Debug, Clone)]
pub struct DashboardState<S> {
    /// The hub's state: store, clock, argon2 permits.
    pub hub: HubState<S>,
    /// Sessions and login forms.
    pub sessions: Arc<Mutex<Sessions>>,
    /// Failed logins per address (the recovery endpoint's limiter: 5 a minute).
    pub limiter: Arc<Mutex<RecoveryLimiter>>,
    /// The login name.
    pub username: Arc<str>,
    /// The password's argon2 PHC string.
    pub password_hash: Secret,
    /// Seconds between page reloads (0: never).
    pub refresh_s: u64,
    /// Rows of the worst-offset table.
    pub top_offsets: usize,
    /// Mark cookies `Secure`.
    pub secure_cookies: bool,
}

impl<S> DashboardState<S> {
    /// The state for `settings`; `None` when they do not enable the dashboard.
    pub fn new(hub: HubState<S>, settings: &DashboardSettings) -> Option<Self> {
        if !settings.enabled() {
            return None;
        }
        let password_hash = settings.password_hash.clone()?;
        let ttl = Duration::from_std(settings.session_ttl.0);
        Some(DashboardState {
            hub,
            sessions: Arc::new(Mutex::new(Sessions::new(ttl))),
            limiter: Arc::new(Mutex::new(RecoveryLimiter::default())),
            username: Arc::from(settings.username.as_str()),
            password_hash,
            refresh_s: settings.refresh.0.as_secs(),
            top_offsets: settings.top_offsets,
            secure_cookies: settings.secure_cookies.unwrap_or(false),
        })
    }

    /// Now, by the hub's clock.
    pub fn now(&self) -> Timestamp {
        (self.hub.clock)()
    }

    /// The sessions (a poisoned lock is taken over: the tables stay consistent).
    pub fn sessions(&self) -> MutexGuard<'_, Sessions> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The login limiter.
    pub fn limiter(&self) -> MutexGuard<'_, RecoveryLimiter> {
        self.limiter.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The request's valid session, or [`DashboardError::LoginRequired`].
    pub fn require_session(&self, headers: &HeaderMap) -> Result<Entry, DashboardError> {
        let id = cookie_value(headers, SESSION_COOKIE).ok_or(DashboardError::LoginRequired)?;
        let now = self.now();
        self.sessions()
            .session(id, now)
            .ok_or(DashboardError::LoginRequired)
    }

    /// The session of a POST whose form carries the session's CSRF token.
    pub fn require_csrf(&self, headers: &HeaderMap, form: &Form) -> Result<Entry, DashboardError> {
        let session = self.require_session(headers)?;
        check_csrf(&session, form)?;
        Ok(session)
    }

    /// The login form entry of the request's `shiwa_login` cookie, its token checked.
    pub fn require_login_form(
        &self,
        headers: &HeaderMap,
        form: &Form,
    ) -> Result<(), DashboardError> {
        let id = cookie_value(headers, LOGIN_COOKIE).ok_or(DashboardError::Csrf)?;
        let now = self.now();
        let entry = self
            .sessions()
            .login_form(id, now)
            .ok_or(DashboardError::Csrf)?;
        check_csrf(&entry, form)
    }
}

/// [`DashboardError::Csrf`] unless the form's `csrf` field is the entry's token.
pub fn check_csrf(entry: &Entry, form: &Form) -> Result<(), DashboardError> {
    match form.get("csrf") {
        Some(token) if entry.csrf.matches(token) => Ok(()),
        _ => Err(DashboardError::Csrf),
    }
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| cookie(value, name))
}

/// The client's address (from the server's `ConnectInfo`; unspecified in router tests).
pub fn client_address(extensions: &Extensions) -> IpAddr {
    extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

/// An `application/x-www-form-urlencoded` body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Form(Vec<(String, String)>);

impl Form {
    /// Parses a body (a body that is not a form has no fields).
    pub fn parse(body: &[u8]) -> Form {
        Form(
            url::form_urlencoded::parse(body)
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect(),
        )
    }

    /// The body of a request, or [`DashboardError::TooLarge`].
    pub fn from_body(
        body: Result<Bytes, axum::extract::rejection::BytesRejection>,
    ) -> Result<Form, DashboardError> {
        let bytes = body.map_err(|_| DashboardError::TooLarge {
            limit: MAX_FORM_BYTES,
        })?;
        Ok(Form::parse(&bytes))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The trimmed value of `name`, or a [`DashboardError::BadForm`] naming it.
    pub fn required(&self, name: &'static str) -> Result<&str, DashboardError> {
        self.get(name)
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .ok_or(DashboardError::BadForm {
                field: name,
                reason: "required".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::dashboard::sessions::Token;

    #[test]
    fn forms_parse_and_name_missing_fields() {
        let form = Form::parse(b"csrf=abc&node_id=gm%2D1&empty=&x=%3Cb%3E");
        assert_eq!(form.get("node_id"), Some("gm-1"));
        assert_eq!(form.get("x"), Some("<b>"));
        assert_eq!(form.required("node_id"), Ok("gm-1"));
        assert!(matches!(
            form.required("empty"),
            Err(DashboardError::BadForm { field: "empty", .. })
        ));
        assert_eq!(Form::parse(b"\xff\xfe&&=").get("csrf"), None);
    }

    #[test]
    fn a_form_needs_its_entrys_token() {
        let entry = Entry {
            csrf: Token::from_bytes([3; 32]),
            expires_at: Timestamp::from_nanos(1),
        };
        let good = format!("csrf={}", Token::from_bytes([3; 32]).expose());
        assert_eq!(check_csrf(&entry, &Form::parse(good.as_bytes())), Ok(()));
        let wrong = format!("csrf={}", Token::from_bytes([4; 32]).expose());
        for body in [wrong.as_str(), "csrf=", "other=1", ""] {
            assert_eq!(
                check_csrf(&entry, &Form::parse(body.as_bytes())),
                Err(DashboardError::Csrf),
                "{body}"
            );
        }
    }
}
