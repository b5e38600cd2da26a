//! The router through `tower::ServiceExt::oneshot`: every endpoint and error, with each JSON
//! response validated against the committed OpenAPI document (strictly: a field the document
//! does not describe fails the test, so the document cannot fall behind the code).

use super::*;
use crate::api::auth::AuthPolicy;
use crate::observe::snapshot::tests::example;
use crate::observe::{ClockState, LogBuffer, LogLevel, ObserveState, SyncSnapshot};
use crate::secret::Secret;
use crate::time::Timestamp;
use axum::http::{HeaderMap, Request as HttpRequest};
use serde_json::{Value, json};
use tokio::sync::watch;
use tower::ServiceExt;

struct Fixture {
    snapshots: watch::Sender<SyncSnapshot>,
    logs: LogBuffer,
    state: ApiState,
}

fn fixture(policy: AuthPolicy) -> Fixture {
    let (snapshots, receiver) = watch::channel(example());
    let logs = LogBuffer::new(100);
    for index in 0..5 {
        logs.push(LogRecord {
            time: Timestamp::from_secs_nanos(1_763_827_000 + index, 0),
            level: LogLevel::Info,
            target: "shiwa::test".into(),
            message: format!("record {index}"),
            fields: serde_json::Map::from_iter([("index".to_string(), json!(index))]),
        });
    }
    let source = SnapshotSource::in_process(&ObserveState::new(receiver, logs.clone()));
    let state = ApiState::new(source, Authenticator::new(policy));
    Fixture {
        snapshots,
        logs,
        state,
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|err| {
            panic!("{err}: {}", String::from_utf8_lossy(&self.body));
        })
    }
}

async fn send(state: &ApiState, request: HttpRequest<Body>) -> Reply {
    let response = router(state.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    Reply {
        status,
        headers,
        body,
    }
}

async fn get(state: &ApiState, uri: &str) -> Reply {
    send(
        state,
        HttpRequest::get(uri).body(Body::empty()).expect("request"),
    )
    .await
}

async fn get_with(state: &ApiState, uri: &str, authorization: &str) -> Reply {
    let request = HttpRequest::get(uri)
        .header(header::AUTHORIZATION, authorization)
        .body(Body::empty())
        .expect("request");
    send(state, request).await
}

fn openapi() -> Value {
    serde_json::from_str(OPENAPI_JSON).expect("docs/openapi.json is JSON")
}

/// Validates `body` against the document's schema for `path` answering `status`.
fn assert_documented(path: &str, status: StatusCode, body: &Value) {
    crate::api::openapi_check::assert_documented(path, status.as_u16(), body);
}

#[tokio::test]
async fn status_and_sources_serve_the_snapshot() {
    let fixture = fixture(AuthPolicy::Open);
    let status = get(&fixture.state, "/api/v1/status").await;
    assert_eq!(status.status, StatusCode::OK);
    assert_eq!(status.headers[header::CONTENT_TYPE], "application/json");
    assert_eq!(
        status.json(),
        serde_json::to_value(example()).expect("json")
    );
    assert_documented("/api/v1/status", StatusCode::OK, &status.json());
    let sources = get(&fixture.state, "/api/v1/sources").await;
    assert_eq!(sources.status, StatusCode::OK);
    assert_eq!(sources.json()["sources"][0]["name"], "ntp 10.99.1.1");
    assert_eq!(sources.json()["host"], "node-1");
    assert_documented("/api/v1/sources", StatusCode::OK, &sources.json());
}

#[tokio::test]
async fn health_is_200_when_synchronised_and_503_with_the_reason_otherwise() {
    let fixture = fixture(AuthPolicy::Open);
    let ok = get(&fixture.state, "/api/v1/health").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json()["status"], "ok");
    assert_eq!(ok.json()["reason"], Value::Null);
    assert_documented("/api/v1/health", StatusCode::OK, &ok.json());

    fixture.snapshots.send_modify(|snapshot| {
        snapshot.clock.state = ClockState::Holdover;
        snapshot.clock.synchronized = false;
    });
    fixture.state.refresh();
    let holdover = get(&fixture.state, "/api/v1/health").await;
    assert_eq!(holdover.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        holdover.json()["reason"],
        "clock not synchronised (state holdover)"
    );
    assert_eq!(holdover.json()["link"], "up");
    assert_documented(
        "/api/v1/health",
        StatusCode::SERVICE_UNAVAILABLE,
        &holdover.json(),
    );
}

#[tokio::test]
async fn a_stopped_engine_gives_503_everywhere_but_metrics() {
    let fixture = fixture(AuthPolicy::Open);
    drop(fixture.snapshots);
    fixture.state.refresh();
    let health = get(&fixture.state, "/api/v1/health").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health.json()["link"], "down");
    assert_eq!(health.json()["reason"], "the sync engine has stopped");
    assert_documented(
        "/api/v1/health",
        StatusCode::SERVICE_UNAVAILABLE,
        &health.json(),
    );
    for path in ["/api/v1/status", "/api/v1/sources"] {
        let reply = get(&fixture.state, path).await;
        assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(reply.json()["error"], "the sync engine has stopped");
        assert_documented(path, StatusCode::SERVICE_UNAVAILABLE, &reply.json());
    }
    let metrics = get(&fixture.state, "/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&metrics.body).contains("\nshiwa_up 0\n"));
}

#[tokio::test]
async fn logs_take_a_bounded_n() {
    let fixture = fixture(AuthPolicy::Open);
    let two = get(&fixture.state, "/api/v1/logs?n=2").await;
    assert_eq!(two.status, StatusCode::OK);
    let messages: Vec<_> = two.json()["logs"]
        .as_array()
        .expect("logs")
        .iter()
        .map(|record| record["message"].clone())
        .collect();
    assert_eq!(messages, [json!("record 3"), json!("record 4")]);
    assert_documented("/api/v1/logs", StatusCode::OK, &two.json());
    let default = get(&fixture.state, "/api/v1/logs").await;
    assert_eq!(default.json()["logs"].as_array().map(Vec::len), Some(5));
    assert_eq!(fixture.logs.recent(100).len(), 5);
    for bad in [
        "n=abc",
        "n=-1",
        "n=1001",
        "n=99999999999999999999999",
        "n=1.5",
    ] {
        let reply = get(&fixture.state, &format!("/api/v1/logs?{bad}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            reply.json()["error"]
                .as_str()
                .is_some_and(|e| e.contains('n'))
        );
        assert_documented("/api/v1/logs", StatusCode::BAD_REQUEST, &reply.json());
    }
}

#[tokio::test]
async fn metrics_and_the_openapi_document_are_served() {
    let fixture = fixture(AuthPolicy::Open);
    let metrics = get(&fixture.state, "/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert_eq!(
        metrics.headers[header::CONTENT_TYPE],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert!(String::from_utf8_lossy(&metrics.body).contains("\nshiwatime_sources_total 2\n"));
    let document = get(&fixture.state, "/api/v1/openapi.json").await;
    assert_eq!(document.status, StatusCode::OK);
    assert_eq!(document.json(), openapi());
}

#[tokio::test]
async fn errors_are_json_with_a_message() {
    let fixture = fixture(AuthPolicy::Open);
    let missing = get(&fixture.state, "/api/v2/status").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"], "no such endpoint: /api/v2/status");
    let post = HttpRequest::post("/api/v1/status")
        .body(Body::empty())
        .expect("request");
    let wrong_method = send(&fixture.state, post).await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        wrong_method.json()["error"],
        "method POST is not allowed on /api/v1/status"
    );
    let big = HttpRequest::get("/api/v1/status")
        .header(header::CONTENT_LENGTH, "5000")
        .body(Body::from(vec![b'x'; 5000]))
        .expect("request");
    let too_large = send(&fixture.state, big).await;
    assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(too_large.json()["status"], 413);
    let nonsense = HttpRequest::get("/api/v1/status")
        .header(header::CONTENT_LENGTH, "lots")
        .body(Body::empty())
        .expect("request");
    assert_eq!(
        send(&fixture.state, nonsense).await.status,
        StatusCode::BAD_REQUEST
    );
    let head = HttpRequest::head("/api/v1/health")
        .body(Body::empty())
        .expect("request");
    let head = send(&fixture.state, head).await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
}

#[tokio::test]
async fn a_token_guards_everything_but_health() {
    let fixture = fixture(AuthPolicy::Bearer(Secret::new("s3cret")));
    for path in [
        "/api/v1/status",
        "/api/v1/sources",
        "/api/v1/logs?n=1",
        "/api/v1/openapi.json",
        "/metrics",
    ] {
        let anonymous = get(&fixture.state, path).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(
            anonymous.headers[header::WWW_AUTHENTICATE],
            "Bearer realm=\"shiwa\""
        );
        assert_eq!(anonymous.json()["error"], "authentication required");
        let wrong = get_with(&fixture.state, path, "Bearer s3cre").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{path}");
        let right = get_with(&fixture.state, path, "Bearer s3cret").await;
        assert_eq!(right.status, StatusCode::OK, "{path}");
    }
    let openapi_path = "/api/v1/status";
    let anonymous = get(&fixture.state, openapi_path).await;
    assert_documented(openapi_path, StatusCode::UNAUTHORIZED, &anonymous.json());
    assert_eq!(
        get(&fixture.state, "/api/v1/health").await.status,
        StatusCode::OK
    );
}

#[test]
fn every_documented_path_is_routed_and_every_route_documented() {
    let doc = openapi();
    assert_eq!(doc["openapi"], "3.1.0");
    let documented: Vec<&String> = doc["paths"].as_object().expect("paths").keys().collect();
    let routed = [
        "/api/v1/health",
        "/api/v1/logs",
        "/api/v1/openapi.json",
        "/api/v1/sources",
        "/api/v1/status",
        "/metrics",
    ];
    assert_eq!(documented, routed);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let fixture = runtime.block_on(async { fixture(AuthPolicy::Open) });
    for path in routed {
        let reply = runtime.block_on(get(&fixture.state, path));
        assert_ne!(reply.status, StatusCode::NOT_FOUND, "{path}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Whatever the path, query and method, the answer is one of the documented statuses.
    #[test]
    fn any_request_gets_a_documented_status(
        path in "/[a-z0-9/._%?=&-]{0,40}",
        method in proptest::sample::select(vec!["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]),
    ) {
        let Ok(request) = HttpRequest::builder().method(method).uri(&path).body(Body::empty()) else {
            return Ok(());
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let status = runtime.block_on(async {
            let fixture = fixture(AuthPolicy::Open);
            send(&fixture.state, request).await.status
        });
        proptest::prop_assert!([200, 400, 404, 405].contains(&status.as_u16()), "{} {}: {}", method, path, status);
    }
}

#[test]
fn the_validation_catches_undocumented_and_wrong_fields() {
    let mut extra = serde_json::to_value(example()).expect("json");
    extra["clock"]["new_field"] = json!(1);
    let caught = std::panic::catch_unwind(|| {
        assert_documented("/api/v1/status", StatusCode::OK, &extra);
    });
    assert!(caught.is_err(), "an undocumented field passed");
    let mut wrong = serde_json::to_value(example()).expect("json");
    wrong["generated_at"] = json!("yesterday");
    let caught = std::panic::catch_unwind(|| {
        assert_documented("/api/v1/status", StatusCode::OK, &wrong);
    });
    assert!(caught.is_err(), "a bad date-time passed");
}
