//! Alerts: hub and node events → notifications to webhooks.
//!
//! - [`settings`]: the `alerts:` section ([`AlertSettings`]) and URL redaction.
//! - [`engine`]: pure: routing by severity, per node + type cooldown, repeat while a problem
//!   persists, resolved notices ([`AlertEngine`] → [`Notification`]s).
//! - [`format`]: pure: generic JSON, Discord and Slack payloads.
//! - [`delivery`]: the driver: POST with retries and backoff, one [`AttemptRecord`] per
//!   attempt for the notification log.
//! - [`driver`]: the alert task ([`run_alerts`]): events in, deliveries in their own tasks,
//!   attempt records out on a channel.

pub mod delivery;
pub mod driver;
pub mod engine;
pub mod format;
pub mod settings;

pub use delivery::{
    AttemptOutcome, AttemptRecord, Delivery, DeliveryError, WebhookSender, wall_now,
};
pub use driver::run_alerts;
pub use engine::{AlertEngine, Notification, NotificationKind};
pub use settings::{
    AlertSettings, AlertSettingsError, DeliverySettings, WebhookFormat, WebhookSettings, redact_url,
};
