//! The HTTP API and Prometheus endpoint (`serve-api`, or `timebeat.http.enable` inside
//! `shiwa sync`).
//!
//! The same code runs in both places over a [`SnapshotSource`]: the engine's channels in
//! process, or the observation socket from an unprivileged process. When the daemon goes away
//! the server keeps running, answers `/api/v1/health` with 503 naming the socket, and picks the
//! daemon up again when it returns.
//!
//! | endpoint | answer |
//! |---|---|
//! | `GET /api/v1/status` | the whole snapshot, as `shiwa status --json` prints it (schema in [`crate::observe`]) |
//! | `GET /api/v1/sources` | `{"generated_at", "host", "sources": [...]}` |
//! | `GET /api/v1/health` | 200 `{"status":"ok",...}` when synchronised; 503 with `reason` otherwise, or when the daemon is unreachable; never needs credentials |
//! | `GET /api/v1/logs?n=50` | `{"logs": [...]}`, the newest `n` (0 to 1000) records, oldest first |
//! | `GET /api/v1/openapi.json` | the OpenAPI 3.1 document of these endpoints (`docs/openapi.json`) |
//! | `GET /metrics` | Prometheus text format 0.0.4 (see [`metrics`]) |
//!
//! Errors are JSON `{"error": "...", "status": N}`: 404 unknown path, 405 wrong method, 400 bad
//! query, 401 missing or wrong credentials (with `WWW-Authenticate`), 413 a request body
//! (none is accepted beyond 1 KiB), 431 request head over 16 KiB (from the HTTP layer, no body),
//! 503 the daemon's state is unavailable (the reason names the socket), 500 generic (the
//! cause is logged).
//!
//! Responses that depend only on the daemon's state (status, sources, health, metrics) are
//! rendered once per state change into a [`view::View`] and served from it, so a request costs
//! a clone of some bytes; the cache is rebuilt on every change and every second.
//!
//! [`SnapshotSource`]: crate::observe::SnapshotSource

pub mod auth;
pub mod error;
pub mod metrics;
mod metrics_es;
mod metrics_hub;
#[cfg(test)]
mod openapi_check;
pub mod process;
pub mod router;
pub mod server;
pub mod settings;
pub mod tls;
pub mod view;

pub use auth::{AuthPolicy, Authenticator};
pub use error::{ApiError, ApiStartError};
pub use router::{ApiState, OPENAPI_JSON, router};
pub use server::ApiServer;
pub use settings::{ApiSettings, DEFAULT_BIND};
