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
