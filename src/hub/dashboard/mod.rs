//! The hub's web dashboard: server-rendered HTML, no JavaScript, nothing fetched from
//! elsewhere (the stylesheet is served from the binary).
//!
//! | route | what |
//! |---|---|
//! | `GET /login`, `POST /login`, `POST /logout` | argon2 password (`dashboard.password_hash`), server-side sessions, login rate limit per address ([`auth`]) |
//! | `GET /` | fleet: counts by state, every node, worst offsets, add-node form ([`pages`]) |
//! | `GET /alerts` | recent events by severity, the notification log ([`pages`]) |
//! | `GET /nodes/{id}?period=1h\|24h\|7d` | SVG charts of offset and frequency, events, port checks, backup, management forms ([`node_page`], [`chart`]) |
//! | `POST /nodes`, `POST /nodes/{id}/{action}` | add, block/unblock, maintenance, rotate key, remove ([`manage`]) |
//! | `GET /dashboard.css` | the stylesheet |
//!
//! A page without a valid session answers 303 to `/login`; a POST whose form lacks the
//! session's (or the login form's) CSRF token answers 403. Pages reload themselves every
//! `dashboard.refresh`. Every value from the store is escaped ([`html::esc`]); every answer
//! carries a strict Content-Security-Policy. The JSON API keeps its own auth (the admin key):
//! a dashboard session opens nothing there.

pub mod auth;
pub mod chart;
pub mod error;
pub mod html;
pub mod manage;
pub mod node_page;
pub mod pages;
pub mod respond;
pub mod sessions;
pub mod settings;
pub mod state;

pub use error::DashboardError;
pub use settings::{DashboardSettings, DashboardSettingsError, hash_password};
pub use state::DashboardState;

use crate::hub::api::HubState;
use crate::hub::store::HubStore;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

/// The dashboard's routes over the hub's state, to merge into the hub's router; no routes
/// when `settings` do not enable the dashboard.
pub fn routes<S: HubStore>(hub: HubState<S>, settings: &DashboardSettings) -> Router {
    let Some(state) = DashboardState::new(hub, settings) else {
        return Router::new();
    };
    Router::new()
        .route("/", get(pages::fleet::<S>))
        .route("/alerts", get(pages::alerts::<S>))
        .route("/login", get(auth::login_page::<S>).post(auth::login::<S>))
        .route("/logout", post(auth::logout::<S>))
        .route("/nodes", post(manage::add::<S>))
        .route("/nodes/{id}", get(node_page::node::<S>))
        .route("/nodes/{id}/{action}", post(manage::act::<S>))
        .route(html::STYLESHEET_PATH, get(async || respond::stylesheet()))
        .layer(DefaultBodyLimit::max(state::MAX_FORM_BYTES))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::api::router;
    use crate::hub::store::SqliteStore;
    use crate::secret::Secret;
    use crate::time::Timestamp;
    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use tower::ServiceExt;

    fn clock() -> Timestamp {
        Timestamp::from_secs_nanos(1_795_400_000, 0)
    }

    /// The status and the `Location` header (or, without one, the content type).
    async fn answer(app: &Router, method: &str, uri: &str) -> (StatusCode, String) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        let response = app.clone().oneshot(request).await.expect("infallible");
        let headers = response.headers();
        let shown = headers
            .get(header::LOCATION)
            .or_else(|| headers.get(header::CONTENT_TYPE))
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (response.status(), shown)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_pages_exist_only_when_enabled_and_leave_the_api_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/hub.db", dir.path().display());
        let store = SqliteStore::open(&url).await.expect("open");
        let state = HubState::new(store.clone(), Some([7; 32]), 1 << 20, clock);
        let off = router(state.clone(), &DashboardSettings::default());
        let (status, content_type) = answer(&off, "GET", "/").await;
        assert_eq!(
            (status, content_type.as_str()),
            (StatusCode::NOT_FOUND, "application/json")
        );
        assert_eq!(answer(&off, "GET", "/login").await.0, StatusCode::NOT_FOUND);

        let settings = DashboardSettings {
            password_hash: Some(Secret::new(
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                 eBvZXAFnBE6FK1kvKzd7QIHwPqxHmoFXHsUHJ4MLBZ4",
            )),
            ..DashboardSettings::default()
        };
        let on = router(state, &settings);
        for path in ["/", "/alerts", "/nodes/gm-1"] {
            let (status, location) = answer(&on, "GET", path).await;
            assert_eq!(
                (status, location.as_str()),
                (StatusCode::SEE_OTHER, "/login"),
                "{path}"
            );
        }
        let (status, location) = answer(&on, "POST", "/nodes/gm-1/block").await;
        assert_eq!(
            (status, location.as_str()),
            (StatusCode::SEE_OTHER, "/login")
        );
        let (status, content_type) = answer(&on, "GET", "/login").await;
        assert_eq!(
            (status, content_type.as_str()),
            (StatusCode::OK, "text/html; charset=utf-8")
        );
        let (status, content_type) = answer(&on, "GET", html::STYLESHEET_PATH).await;
        assert_eq!(
            (status, content_type.as_str()),
            (StatusCode::OK, "text/css; charset=utf-8")
        );
        assert_eq!(
            answer(&on, "GET", "/api/v1/nodes").await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(answer(&on, "GET", "/healthz").await.0, StatusCode::OK);
        store.close().await;
    }
}
