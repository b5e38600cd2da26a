//! [`View`]: every cacheable response body, rendered once per state change instead of once per
//! request. The server's refresh task rebuilds it when the [`SnapshotSource`] reports a change
//! and once a second (process figures, the link's age); handlers only clone `Bytes`.
//!
//! [`SnapshotSource`]: crate::observe::SnapshotSource

use super::metrics;
use super::process::ProcessStats;
use crate::observe::{LinkState, SourceSnapshot, SyncSnapshot, rfc3339};
use crate::time::Timestamp;
use axum::body::Bytes;
use axum::http::StatusCode;
use serde::Serialize;

/// The rendered responses for one state of the daemon.
#[derive(Debug, Clone)]
pub struct View {
    /// `/api/v1/status`: the snapshot as JSON, or why there is none.
    pub status: Result<Bytes, String>,
    /// `/api/v1/sources` as JSON, or why there is none.
    pub sources: Result<Bytes, String>,
    /// `/api/v1/health`: 200 or 503, and its JSON body.
    pub health: (StatusCode, Bytes),
    /// `/metrics`.
    pub metrics: Bytes,
}

/// The body of `/api/v1/sources`.
#[derive(Serialize)]
struct SourcesBody<'a> {
    #[serde(with = "rfc3339")]
    generated_at: Timestamp,
    host: &'a str,
    sources: &'a [SourceSnapshot],
}

/// The body of `/api/v1/health`.
#[derive(Debug, Serialize)]
struct HealthBody<'a> {
    /// `ok`, `unsynchronized` or `unavailable`.
    status: &'static str,
    synchronized: bool,
    /// `up`, `down` or `connecting`.
    link: &'static str,
    /// Where the state is read from: the socket path, or `in process`.
    daemon: &'a str,
    clock_state: Option<&'static str>,
    selected_source: Option<&'a str>,
    reason: Option<String>,
}

impl View {
    /// Renders every body for `link`; `daemon` says where the state comes from.
    pub fn build(link: &LinkState, daemon: &str, process: Option<&ProcessStats>) -> View {
        let metrics = Bytes::from(metrics::render(link, process));
        match link {
            LinkState::Up(snapshot) => View {
                status: Ok(json(snapshot.as_ref())),
                sources: Ok(json(&SourcesBody {
                    generated_at: snapshot.generated_at,
                    host: &snapshot.host,
                    sources: &snapshot.sources,
                })),
                health: health_up(snapshot, daemon),
                metrics,
            },
            LinkState::Connecting => {
                let reason = format!("connecting to shiwa sync at {daemon}");
                View::down(reason, "connecting", daemon, metrics)
            }
            LinkState::Down { reason, .. } => View::down(reason.clone(), "down", daemon, metrics),
        }
    }

    fn down(reason: String, link: &'static str, daemon: &str, metrics: Bytes) -> View {
        let body = HealthBody {
            status: "unavailable",
            synchronized: false,
            link,
            daemon,
            clock_state: None,
            selected_source: None,
            reason: Some(reason.clone()),
        };
        View {
            status: Err(reason.clone()),
            sources: Err(reason),
            health: (StatusCode::SERVICE_UNAVAILABLE, json(&body)),
            metrics,
        }
    }
}

fn health_up(snapshot: &SyncSnapshot, daemon: &str) -> (StatusCode, Bytes) {
    let clock = &snapshot.clock;
    let (status, code, reason) = if clock.synchronized {
        ("ok", StatusCode::OK, None)
    } else {
        let reason = format!("clock not synchronised (state {})", clock.state);
        (
            "unsynchronized",
            StatusCode::SERVICE_UNAVAILABLE,
            Some(reason),
        )
    };
    let body = HealthBody {
        status,
        synchronized: clock.synchronized,
        link: "up",
        daemon,
        clock_state: Some(clock.state.name()),
        selected_source: clock.selected_source.as_deref(),
        reason,
    };
    (code, json(&body))
}

/// Serialises `value`; the types here always serialise (no maps with non-string keys).
fn json<T: Serialize + ?Sized>(value: &T) -> Bytes {
    match serde_json::to_vec(value) {
        Ok(bytes) => Bytes::from(bytes),
        Err(err) => {
            tracing::error!(error = %err, "serialising an API response failed");
            Bytes::from_static(br#"{"error":"internal error","status":500}"#)
        }
    }
}
