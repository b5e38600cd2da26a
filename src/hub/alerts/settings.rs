//! The `alerts:` section of `hub.yaml`: webhooks, routing, cooldown, repeat and delivery.

use crate::config::ConfigDuration;
use crate::observe::EventSeverity;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::time::Duration as StdDuration;

/// The `alerts:` section.
///
/// ```yaml
/// alerts:
///   cooldown: 15m          # at most one notification per node + type (+ port) in this time
///   repeat_interval: 4h    # remind while a problem persists (0s: never)
///   send_resolved: true    # node_recovered / port_up / sync_recovered close the problem
///   webhooks:
///     - name: ops-discord
///       url: https://discord.com/api/webhooks/ID/TOKEN
///       format: discord    # generic | discord | slack
///       min_severity: warning   # info | warning | error
///   delivery:
///     attempts: 5
///     backoff: 1s          # doubled after each failed attempt ...
///     max_backoff: 60s     # ... up to this
///     timeout: 10s         # per attempt
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertSettings {
    /// Least time between two notifications for the same node, type and port (default 15 min).
    pub cooldown: ConfigDuration,
    /// While a problem persists, remind this often (default 4 h; `0s` turns reminders off).
    pub repeat_interval: ConfigDuration,
    /// Send a resolved notice when a notified problem ends (default true).
    pub send_resolved: bool,
    /// Where notifications go.
    pub webhooks: Vec<WebhookSettings>,
    /// Retries and timeouts.
    pub delivery: DeliverySettings,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            cooldown: ConfigDuration(StdDuration::from_secs(15 * 60)),
            repeat_interval: ConfigDuration(StdDuration::from_secs(4 * 3600)),
            send_resolved: true,
            webhooks: Vec::new(),
            delivery: DeliverySettings::default(),
        }
    }
}

/// One webhook under `alerts.webhooks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSettings {
    /// A short name for logs and the notification log (`ops-discord`).
    pub name: String,
    /// The URL. Discord and Slack put a token in it, so it is a secret: logs show only
    /// the scheme and host.
    pub url: Secret,
    /// The payload shape (default `generic`).
    #[serde(default)]
    pub format: WebhookFormat,
    /// Events below this severity are not sent here (default `warning`). Resolved notices go
    /// wherever the problem went.
    #[serde(default = "default_min_severity")]
    pub min_severity: EventSeverity,
}

fn default_min_severity() -> EventSeverity {
    EventSeverity::Warning
}

/// The payload a webhook expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookFormat {
    /// The notification as JSON (documented in `alerts::format`).
    #[default]
    Generic,
    /// Discord: `content` plus one embed.
    Discord,
    /// Slack incoming webhook: `text` plus blocks.
    Slack,
}

/// `alerts.delivery`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliverySettings {
    /// Attempts per notification and webhook, the first included (default 5).
    pub attempts: u32,
    /// Wait after the first failed attempt; doubled after each further one (default 1 s).
    pub backoff: ConfigDuration,
    /// Longest wait between attempts, also the cap on a `Retry-After` (default 60 s).
    pub max_backoff: ConfigDuration,
    /// Time limit of one attempt (default 10 s).
    pub timeout: ConfigDuration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            attempts: 5,
            backoff: ConfigDuration(StdDuration::from_secs(1)),
            max_backoff: ConfigDuration(StdDuration::from_secs(60)),
            timeout: ConfigDuration(StdDuration::from_secs(10)),
        }
    }
}

impl DeliverySettings {
    /// The wait before attempt `next` (2, 3, ...): `backoff × 2^(next − 2)`, at most
    /// `max_backoff`.
    pub fn backoff_before(&self, next: u32) -> StdDuration {
        let doublings = next.saturating_sub(2).min(30);
        self.backoff
            .0
            .saturating_mul(1 << doublings)
            .min(self.max_backoff.0)
    }
}

/// An `alerts:` value the hub cannot run with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("alerts.{key}: {reason}")]
pub struct AlertSettingsError {
    /// The key under `alerts:` (`webhooks[1].url`).
    pub key: String,
    /// What is wrong with it.
    pub reason: String,
}

impl crate::exit::HasExitStatus for AlertSettingsError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Config
    }
}

impl AlertSettings {
    /// Checks names, URLs and delivery values.
    pub fn validate(&self) -> Result<(), AlertSettingsError> {
        let error = |key: String, reason: &str| AlertSettingsError {
            key,
            reason: reason.to_string(),
        };
        for (index, webhook) in self.webhooks.iter().enumerate() {
            let name_ok = !webhook.name.is_empty()
                && webhook.name.len() <= 64
                && webhook
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !name_ok {
                return Err(error(
                    format!("webhooks[{index}].name"),
                    "1 to 64 of letters, digits, `-`, `_`, `.`",
                ));
            }
            if self.webhooks[..index]
                .iter()
                .any(|other| other.name == webhook.name)
            {
                return Err(error(
                    format!("webhooks[{index}].name"),
                    "used by an earlier webhook",
                ));
            }
            check_url(webhook.url.expose())
                .map_err(|reason| error(format!("webhooks[{index}].url"), reason))?;
        }
        if self.delivery.attempts == 0 {
            return Err(error("delivery.attempts".into(), "must be at least 1"));
        }
        if self.delivery.timeout.0.is_zero() {
            return Err(error("delivery.timeout".into(), "must be more than 0s"));
        }
        Ok(())
    }
}

/// An absolute `http`/`https` URL with a host (the reason does not repeat the URL: it is a
/// secret).
fn check_url(text: &str) -> Result<(), &'static str> {
    let url = url::Url::parse(text).map_err(|_| "not a URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http:// or https:// URL");
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("has no host");
    }
    Ok(())
}

/// `url` for logs: scheme, host and port only (`https://discord.com/…`); anything that is
/// not a URL becomes `<invalid url>`.
pub fn redact_url(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return "<invalid url>".to_string();
    };
    let host = parsed.host_str().unwrap_or("");
    let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
    let rest = if parsed.path().len() > 1 || parsed.query().is_some() {
        "/…"
    } else {
        ""
    };
    format!("{}://{host}{port}{rest}", parsed.scheme())
}
