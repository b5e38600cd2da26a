//! The hub's HTTP API (axum, like [`crate::api`]).
//!
//! | endpoint | auth | answer |
//! |---|---|---|
//! | `POST /api/v1/report`, `/event`, `/backup` | Bearer node key (must be the payload node's) | 201 `{"status":"stored"}`, 200 `{"status":"duplicate"}` for a replay (backups add `version`); 400 naming the field, 401, 403, 413 |
//! | `GET /api/v1/nodes`, `/nodes/{id}` | Bearer admin key | nodes (no secrets), with the latest port checks for one |
//! | `GET /api/v1/nodes/{id}/history?period=7d[&format=csv]` | admin | time, state, offset, frequency, path delay per report |
//! | `GET /api/v1/events?since=&severity=&node=&limit=[&format=csv]` | admin | newest first |
//! | `GET /api/v1/recovery/{id}[?version=N]` | `X-Retrieval-Password` (argon2, rate-limited per address) | the backup |
//! | `GET /healthz`, `/metrics`, `/api/v1/openapi.json` | none | liveness, Prometheus text, `docs/hub-openapi.json` |
//!
//! Errors are JSON `{"error": "...", "status": N}` (see [`error`]); GETs carry an `ETag` and
//! answer 304 to a matching `If-None-Match`.

pub mod credential_cache;
pub mod csv;
pub mod error;
pub mod ingest;
pub mod metrics;
pub mod query;
pub mod recovery;
pub mod router;
pub mod state;

pub use error::HubApiError;
pub use router::{OPENAPI_JSON, router};
pub use state::{Counters, HubState};
