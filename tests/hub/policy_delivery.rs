//! Alert delivery against a real HTTP receiver (axum on 127.0.0.1): each format's JSON
//! shape, retries with backoff and one log record per attempt, permanent failures, closed
//! ports and timeouts — and the webhook URL's token never in a record.
#![expect(
    clippy::disallowed_methods,
    reason = "the receiver sleeps to simulate a slow webhook; tests time delivery"
)]

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{Map, Value, json};
use shiwa::config::ConfigDuration;
use shiwa::fleet::{EventType, NodeId};
use shiwa::hub::alerts::{
    AlertEngine, AlertSettings, AttemptOutcome, DeliverySettings, Notification, WebhookFormat,
    WebhookSender, WebhookSettings,
};
use shiwa::hub::sweep::hub_event;
use shiwa::observe::EventSeverity;
use shiwa::secret::Secret;
use shiwa::time::Timestamp;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Received {
    bodies: Vec<(String, Value)>,
    failures_left: u32,
}

type Shared = Arc<Mutex<Received>>;

async fn hook(
    State(shared): State<Shared>,
    Path((name, _token)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> StatusCode {
    if name == "slow" {
        tokio::time::sleep(Duration::from_secs(5)).await;
    }
    let Ok(mut received) = shared.lock() else {
        return StatusCode::INTERNAL_SERVER_ERROR;
    };
    received.bodies.push((name.clone(), body));
    if name == "gone" {
        return StatusCode::NOT_FOUND;
    }
    if name == "flaky" && received.failures_left > 0 {
        received.failures_left -= 1;
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    StatusCode::NO_CONTENT
}

/// A receiver on an ephemeral port: `POST /{name}/{token}`.
async fn receiver(failures: u32) -> (String, Shared) {
    let shared: Shared = Arc::new(Mutex::new(Received {
        failures_left: failures,
        ..Received::default()
    }));
    let app = axum::Router::new()
        .route("/{name}/{token}", post(hook))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the receiver");
    let address = listener.local_addr().expect("receiver address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}"), shared)
}

fn settings(base: &str, hooks: &[(&str, WebhookFormat)]) -> AlertSettings {
    AlertSettings {
        webhooks: hooks
            .iter()
            .map(|(name, format)| WebhookSettings {
                name: (*name).to_string(),
                url: Secret::new(format!("{base}/{name}/SECRET-TOKEN")),
                format: *format,
                min_severity: EventSeverity::Info,
            })
            .collect(),
        delivery: DeliverySettings {
            attempts: 5,
            backoff: ConfigDuration(Duration::from_millis(20)),
            max_backoff: ConfigDuration(Duration::from_millis(100)),
            timeout: ConfigDuration(Duration::from_millis(500)),
        },
        ..AlertSettings::default()
    }
}

fn node_down_notifications(settings: &AlertSettings) -> Vec<Notification> {
    let node = NodeId::new("gm-1").expect("node id");
    let mut details = Map::new();
    details.insert("last_seen".into(), json!("2027-01-15T08:00:00Z"));
    let time = Timestamp::from_secs_nanos(1_800_000_000, 0);
    let event = hub_event(
        &node,
        EventType::NodeDown,
        time,
        "gm-1 is down".into(),
        details,
    );
    AlertEngine::new(settings).on_event(&event, time)
}

#[tokio::test]
async fn each_format_arrives_once_with_its_json_shape() {
    let (base, shared) = receiver(0).await;
    let hooks = [
        ("generic", WebhookFormat::Generic),
        ("discord", WebhookFormat::Discord),
        ("slack", WebhookFormat::Slack),
    ];
    let settings = settings(&base, &hooks);
    settings.validate().expect("valid settings");
    let sender = WebhookSender::new(&settings).expect("sender");
    for notification in node_down_notifications(&settings) {
        let delivery = sender.deliver(&notification).await;
        assert!(delivery.delivered, "{delivery:?}");
        assert_eq!(delivery.attempts.len(), 1);
        assert_eq!(delivery.attempts[0].http_status, Some(204));
        assert_eq!(delivery.attempts[0].target, format!("{base}/…"));
    }
    let received = shared.lock().expect("lock");
    let by_name = |name: &str| -> Vec<&Value> {
        let bodies = received.bodies.iter().filter(|(n, _)| n == name);
        bodies.map(|(_, body)| body).collect()
    };
    let generic = by_name("generic");
    assert_eq!(generic.len(), 1);
    assert_eq!(generic[0]["type"], "node_down");
    assert_eq!(generic[0]["status"], "firing");
    assert_eq!(generic[0]["node_id"], "gm-1");
    assert_eq!(generic[0]["details"]["last_seen"], "2027-01-15T08:00:00Z");
    let discord = by_name("discord");
    assert_eq!(discord.len(), 1);
    assert!(
        discord[0]["content"]
            .as_str()
            .is_some_and(|c| c.contains("node_down on gm-1"))
    );
    assert_eq!(discord[0]["embeds"][0]["fields"][0]["value"], "gm-1");
    let slack = by_name("slack");
    assert_eq!(slack.len(), 1);
    assert!(
        slack[0]["text"]
            .as_str()
            .is_some_and(|t| t.contains("gm-1 is down"))
    );
    assert_eq!(slack[0]["blocks"][1]["text"]["type"], "mrkdwn");
}

#[tokio::test]
async fn a_receiver_failing_three_times_gets_it_once_on_the_fourth_attempt() {
    let (base, shared) = receiver(3).await;
    let settings = settings(&base, &[("flaky", WebhookFormat::Generic)]);
    let sender = WebhookSender::new(&settings).expect("sender");
    let notification = node_down_notifications(&settings).remove(0);
    let started = std::time::Instant::now();
    let delivery = sender.deliver(&notification).await;
    assert!(delivery.delivered);
    let outcomes: Vec<_> = delivery.attempts.iter().map(|a| a.outcome).collect();
    assert_eq!(
        outcomes,
        [
            AttemptOutcome::Retrying,
            AttemptOutcome::Retrying,
            AttemptOutcome::Retrying,
            AttemptOutcome::Delivered
        ]
    );
    let statuses: Vec<_> = delivery.attempts.iter().map(|a| a.http_status).collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(503), Some(204)]);
    let numbers: Vec<_> = delivery.attempts.iter().map(|a| a.attempt).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
    // Backoff 20 + 40 + 80 ms between the attempts.
    assert!(
        started.elapsed() >= Duration::from_millis(140),
        "{:?}",
        started.elapsed()
    );
    assert!(
        delivery
            .attempts
            .iter()
            .all(|a| a.notification_id == notification.id)
    );
    let received = shared.lock().expect("lock");
    assert_eq!(received.bodies.len(), 4, "4 requests, 1 accepted");
    let json = serde_json::to_string(&delivery.attempts).expect("records as json");
    assert!(!json.contains("SECRET-TOKEN"), "{json}");
}

#[tokio::test]
async fn a_client_error_is_not_retried() {
    let (base, shared) = receiver(0).await;
    let settings = settings(&base, &[("gone", WebhookFormat::Slack)]);
    let sender = WebhookSender::new(&settings).expect("sender");
    let delivery = sender.deliver(&node_down_notifications(&settings)[0]).await;
    assert!(!delivery.delivered);
    assert_eq!(delivery.attempts.len(), 1);
    assert_eq!(delivery.attempts[0].outcome, AttemptOutcome::Failed);
    assert_eq!(delivery.attempts[0].error.as_deref(), Some("HTTP 404"));
    assert_eq!(shared.lock().expect("lock").bodies.len(), 1);
}

#[tokio::test]
async fn a_closed_port_and_a_slow_receiver_fail_every_attempt_without_the_url() {
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address")
    }; // dropped: nothing listens there now
    let (base, _shared) = receiver(0).await;
    for (base, name, expected) in [
        (format!("http://{closed}"), "closed", "cannot connect"),
        (base, "slow", "timed out"),
    ] {
        let mut settings = settings(&base, &[(name, WebhookFormat::Discord)]);
        settings.delivery.attempts = 2;
        let sender = WebhookSender::new(&settings).expect("sender");
        let started = std::time::Instant::now();
        let delivery = sender.deliver(&node_down_notifications(&settings)[0]).await;
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        assert!(!delivery.delivered);
        let outcomes: Vec<_> = delivery.attempts.iter().map(|a| a.outcome).collect();
        assert_eq!(outcomes, [AttemptOutcome::Retrying, AttemptOutcome::Failed]);
        for attempt in &delivery.attempts {
            let error = attempt.error.as_deref().unwrap_or("");
            assert!(error.starts_with(expected), "{name}: {error}");
            assert!(
                !error.contains("SECRET-TOKEN") && !error.contains("http://"),
                "{error}"
            );
            assert_eq!(attempt.http_status, None);
        }
    }
}

#[tokio::test]
async fn the_alert_task_delivers_a_problem_and_its_resolution_and_logs_both() {
    let (base, shared) = receiver(0).await;
    let settings = settings(&base, &[("generic", WebhookFormat::Generic)]);
    let sender = WebhookSender::new(&settings).expect("sender");
    let (events, events_rx) = tokio::sync::mpsc::channel(16);
    let (records_tx, mut records) = tokio::sync::mpsc::unbounded_channel();
    let engine = AlertEngine::new(&settings);
    let task = tokio::spawn(shiwa::hub::alerts::run_alerts(
        engine,
        sender,
        events_rx,
        records_tx,
        std::future::pending(),
    ));
    let node = NodeId::new("gm-1").expect("node id");
    let now = shiwa::hub::alerts::wall_now();
    for event_type in [EventType::NodeDown, EventType::NodeRecovered] {
        let event = hub_event(&node, event_type, now, format!("{event_type}"), Map::new());
        events.send(event).await.expect("send the event");
        let record = tokio::time::timeout(Duration::from_secs(5), records.recv())
            .await
            .expect("a record within 5 s")
            .expect("the task is running");
        assert_eq!(record.outcome, AttemptOutcome::Delivered);
        assert_eq!(record.event_type, EventType::NodeDown);
    }
    drop(events);
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the task ends when the events channel closes")
        .expect("no panic");
    let received = shared.lock().expect("lock");
    let statuses: Vec<&Value> = received.bodies.iter().map(|(_, b)| &b["status"]).collect();
    assert_eq!(statuses, [&json!("firing"), &json!("resolved")]);
}
