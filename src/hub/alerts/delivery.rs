//! Webhook delivery: POSTs a [`Notification`] in its webhook's format, retrying with
//! exponential backoff, and records every attempt ([`AttemptRecord`], for the notification
//! log). The only alerting code that touches the network or reads the clock.
//!
//! Retried: connection errors, timeouts, 408, 429 (its `Retry-After` honoured up to
//! `max_backoff`) and 5xx. Not retried: other statuses (a 404 stays a 404), redirects (not
//! followed: the body would go to another address). URLs appear in logs and records only as
//! scheme and host ([`redact_url`]); error texts never include them.
#![expect(
    clippy::disallowed_methods,
    reason = "the delivery driver reads the clock to log attempts and sleeps between retries"
)]

use super::engine::{Notification, NotificationKind};
use super::format::render;
use super::settings::{AlertSettings, DeliverySettings, WebhookFormat, redact_url};
use crate::fleet::{EventType, NodeId, RecordId};
use crate::secret::Secret;
use crate::time::{Duration, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// The webhook accepted it (2xx).
    Delivered,
    /// Failed; another attempt follows.
    Retrying,
    /// Failed, and no attempt follows (attempts used up, or a status not worth retrying).
    Failed,
}

/// One delivery attempt, as the notification log keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptRecord {
    /// The notification ([`Notification::id`]).
    pub notification_id: RecordId,
    /// The event it is about ([`Notification::event`]).
    pub event_id: RecordId,
    /// The webhook's name.
    pub webhook: String,
    /// Its URL, redacted (`https://discord.com/…`).
    pub target: String,
    /// The node the notification is about.
    pub node_id: NodeId,
    /// The event type (the problem's, for a resolved notice).
    pub event_type: EventType,
    /// Firing, repeat, resolved or event.
    pub kind: NotificationKind,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// When the attempt started (hub clock).
    pub started_at: Timestamp,
    /// How long it took.
    pub duration: Duration,
    /// The HTTP status, if a response came back.
    pub http_status: Option<u16>,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// Why it failed (never containing the URL).
    pub error: Option<String>,
}

/// The result of delivering one notification.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Whether an attempt succeeded.
    pub delivered: bool,
    /// Every attempt, in order.
    pub attempts: Vec<AttemptRecord>,
}

/// Errors setting up delivery.
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    /// The HTTP client could not be built (TLS roots, ...).
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(String),
}

impl crate::exit::HasExitStatus for DeliveryError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Failure
    }
}

#[derive(Debug, Clone)]
struct Target {
    url: Secret,
    format: WebhookFormat,
    redacted: String,
}

/// Sends notifications to the configured webhooks.
#[derive(Debug, Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    delivery: DeliverySettings,
    targets: BTreeMap<String, Target>,
}

/// The hub's clock as a [`Timestamp`].
pub fn wall_now() -> Timestamp {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::from_nanos(i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX))
}

enum Attempt {
    Delivered(u16),
    Retry {
        status: Option<u16>,
        error: String,
        retry_after: Option<std::time::Duration>,
    },
    Permanent(u16, String),
}

impl WebhookSender {
    /// A sender for `settings.webhooks` (validated by [`AlertSettings::validate`]).
    pub fn new(settings: &AlertSettings) -> Result<Self, DeliveryError> {
        let client = reqwest::Client::builder()
            .timeout(settings.delivery.timeout.0)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(format!("shiwa-hub/{}", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| DeliveryError::Client(err.without_url().to_string()))?;
        let targets = settings
            .webhooks
            .iter()
            .map(|webhook| {
                let target = Target {
                    url: webhook.url.clone(),
                    format: webhook.format,
                    redacted: redact_url(webhook.url.expose()),
                };
                (webhook.name.clone(), target)
            })
            .collect();
        Ok(WebhookSender {
            client,
            delivery: settings.delivery.clone(),
            targets,
        })
    }

    /// Delivers `notification`, retrying as `alerts.delivery` says.
    pub async fn deliver(&self, notification: &Notification) -> Delivery {
        let Some(target) = self.targets.get(&notification.webhook) else {
            return self.unknown_webhook(notification);
        };
        let mut attempts = Vec::new();
        let body = render(notification, target.format);
        let total = self.delivery.attempts.max(1);
        for number in 1..=total {
            let started_at = wall_now();
            let started = std::time::Instant::now();
            let result = self.attempt(target, &body).await;
            let mut record = self.record(notification, &target.redacted, number, started_at);
            record.duration = Duration::from_std(started.elapsed());
            let wait = match result {
                Attempt::Delivered(status) => {
                    record.http_status = Some(status);
                    attempts.push(record);
                    tracing::info!(webhook = %notification.webhook, target = %target.redacted, attempt = number, "notification delivered");
                    return Delivery {
                        delivered: true,
                        attempts,
                    };
                }
                Attempt::Permanent(status, error) => {
                    record.http_status = Some(status);
                    record.error = Some(error);
                    record.outcome = AttemptOutcome::Failed;
                    attempts.push(record);
                    break;
                }
                Attempt::Retry {
                    status,
                    error,
                    retry_after,
                } => {
                    record.http_status = status;
                    record.error = Some(error);
                    let backoff = self.delivery.backoff_before(number + 1);
                    retry_after
                        .map_or(backoff, |after| after.max(backoff))
                        .min(self.delivery.max_backoff.0)
                }
            };
            record.outcome = if number == total {
                AttemptOutcome::Failed
            } else {
                AttemptOutcome::Retrying
            };
            tracing::warn!(webhook = %notification.webhook, target = %target.redacted, attempt = number, error = record.error.as_deref().unwrap_or(""), "webhook attempt failed");
            attempts.push(record);
            if number < total {
                tokio::time::sleep(wait).await;
            }
        }
        tracing::error!(webhook = %notification.webhook, target = %target.redacted, attempts = attempts.len(), "notification not delivered");
        Delivery {
            delivered: false,
            attempts,
        }
    }

    fn unknown_webhook(&self, notification: &Notification) -> Delivery {
        let record = self.record(notification, "<unknown webhook>", 1, wall_now());
        Delivery {
            delivered: false,
            attempts: vec![AttemptRecord {
                outcome: AttemptOutcome::Failed,
                error: Some(format!("no webhook named `{}`", notification.webhook)),
                ..record
            }],
        }
    }

    async fn attempt(&self, target: &Target, body: &serde_json::Value) -> Attempt {
        let response = self
            .client
            .post(target.url.expose())
            .json(body)
            .send()
            .await;
        let response = match response {
            Ok(response) => response,
            Err(err) => {
                return Attempt::Retry {
                    status: None,
                    error: describe(&err),
                    retry_after: None,
                };
            }
        };
        let status = response.status();
        let code = status.as_u16();
        if status.is_success() {
            return Attempt::Delivered(code);
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|text| text.trim().parse::<u64>().ok())
            .map(std::time::Duration::from_secs);
        let error = format!("HTTP {code}");
        if code == 408 || code == 429 || status.is_server_error() {
            Attempt::Retry {
                status: Some(code),
                error,
                retry_after,
            }
        } else {
            Attempt::Permanent(code, error)
        }
    }

    fn record(
        &self,
        notification: &Notification,
        target: &str,
        attempt: u32,
        started_at: Timestamp,
    ) -> AttemptRecord {
        AttemptRecord {
            notification_id: notification.id.clone(),
            event_id: notification.event.event_id.clone(),
            webhook: notification.webhook.clone(),
            target: target.to_string(),
            node_id: notification.event.node_id.clone(),
            event_type: notification
                .resolves
                .unwrap_or(notification.event.event_type),
            kind: notification.kind,
            attempt,
            started_at,
            duration: Duration::ZERO,
            http_status: None,
            outcome: AttemptOutcome::Delivered,
            error: None,
        }
    }
}

/// A reqwest error without its URL, with its causes (`connection refused`, `timed out`).
fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        "timed out".to_string()
    } else if err.is_connect() {
        "cannot connect".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) && !cause_text.contains("://") {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
