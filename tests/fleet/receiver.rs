//! A minimal recording hub double on 127.0.0.1: speaks the hub's push contract (201 stored,
//! 200 replay of a known id, 401 without the right Bearer key) and can be told to answer 500
//! or 400 for a while. A test double until the integrator's end-to-end test runs the real hub.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// How the receiver answers pushes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The contract: 201, or 200 for a known id.
    Accept,
    /// 500 for everything (nothing stored).
    Fail,
    /// 400 with a reason for backups, the contract for the rest.
    RefuseBackups,
}

/// One push as received.
#[derive(Debug, Clone)]
pub struct Push {
    /// `report`, `event` or `backup`.
    pub kind: String,
    /// The record's id.
    pub id: String,
    /// The status answered.
    pub status: u16,
    /// The body.
    pub body: Value,
}

#[derive(Default)]
struct Inner {
    mode: Option<Mode>,
    pushes: Vec<Push>,
    stored: HashSet<String>,
}

/// The shared state of a running receiver.
#[derive(Clone)]
pub struct Receiver {
    inner: Arc<Mutex<Inner>>,
    key: String,
}

impl Receiver {
    /// Sets how pushes are answered from now on.
    pub fn set_mode(&self, mode: Mode) {
        self.lock().mode = Some(mode);
    }

    /// Every push so far.
    pub fn pushes(&self) -> Vec<Push> {
        self.lock().pushes.clone()
    }

    /// The pushes that were stored (201), in order.
    pub fn stored(&self) -> Vec<Push> {
        self.pushes()
            .into_iter()
            .filter(|p| p.status == 201)
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn record_id(kind: &str, body: &Value) -> String {
    let field = match kind {
        "report" => "report_id",
        "event" => "event_id",
        _ => "backup_id",
    };
    body[field].as_str().unwrap_or("").to_string()
}

async fn push(
    State(receiver): State<Receiver>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, axum::Json<Value>) {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let body: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let id = record_id(&kind, &body);
    let mut inner = receiver.lock();
    let mode = inner.mode.unwrap_or(Mode::Accept);
    let (status, answer) = if auth != format!("Bearer {}", receiver.key) {
        (
            StatusCode::UNAUTHORIZED,
            json!({"error": "unknown API key"}),
        )
    } else if mode == Mode::Fail {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": "internal error"}),
        )
    } else if mode == Mode::RefuseBackups && kind == "backup" {
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "refused by the test", "field": "payload"}),
        )
    } else if id.is_empty() || !["report", "event", "backup"].contains(&kind.as_str()) {
        (
            StatusCode::BAD_REQUEST,
            json!({"error": "no id", "field": "id"}),
        )
    } else if inner.stored.insert(id.clone()) {
        (StatusCode::CREATED, json!({"stored": id}))
    } else {
        (StatusCode::OK, json!({"duplicate": id}))
    };
    inner.pushes.push(Push {
        kind,
        id,
        status: status.as_u16(),
        body,
    });
    (status, axum::Json(answer))
}

/// Serves the receiver on `port` (127.0.0.1) from a background thread until the test ends.
pub fn start(port: u16, key: &str, mode: Mode) -> Receiver {
    let receiver = Receiver {
        inner: Arc::new(Mutex::new(Inner {
            mode: Some(mode),
            ..Inner::default()
        })),
        key: key.to_string(),
    };
    let app = Router::new()
        .route("/api/v1/{kind}", post(push))
        .with_state(receiver.clone());
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("bind the receiver");
    serve_in_background(listener, app);
    receiver
}

/// Serves `app` on `listener` from a background thread with its own runtime until the test
/// ends.
pub fn serve_in_background(listener: std::net::TcpListener, app: Router) {
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = axum::serve(listener, app).await;
        });
    });
}
