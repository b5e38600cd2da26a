//! Webhook payloads, pure: a [`Notification`] as generic JSON, a Discord message or a Slack
//! message.
//!
//! Generic (`format: generic`), one object:
//! `{"version": 1, "id", "kind": "firing|repeat|resolved|event", "status": "firing|resolved",
//! "webhook", "node_id", "type", "resolves": type or null, "severity", "message",
//! "time", "since", "sent_at" (RFC 3339), "event_id", "details": {...}}`.
//!
//! Node-supplied text (messages) cannot ping anyone: Discord gets `allowed_mentions` with no
//! parse targets; Slack text escapes `&`, `<`, `>`. Texts are cut to each service's limits.

use super::engine::{Notification, NotificationKind};
use super::settings::WebhookFormat;
use crate::observe::EventSeverity;
use serde_json::{Value, json};

/// The JSON body for `notification` in `format`.
pub fn render(notification: &Notification, format: WebhookFormat) -> Value {
    match format {
        WebhookFormat::Generic => generic(notification),
        WebhookFormat::Discord => discord(notification),
        WebhookFormat::Slack => slack(notification),
    }
}

fn status(notification: &Notification) -> &'static str {
    match notification.kind {
        NotificationKind::Resolved => "resolved",
        _ => "firing",
    }
}

/// `[FIRING] node_down on gm-1`, `[RESOLVED] port_down (api) on gm-1`.
fn title(notification: &Notification) -> String {
    let event = &notification.event;
    let tag = match notification.kind {
        NotificationKind::Firing => "FIRING",
        NotificationKind::Repeat => "STILL FIRING",
        NotificationKind::Resolved => "RESOLVED",
        NotificationKind::Event => "EVENT",
    };
    let event_type = notification.resolves.unwrap_or(event.event_type);
    let port = event
        .details
        .get("port_name")
        .and_then(Value::as_str)
        .map(|name| format!(" ({name})"))
        .unwrap_or_default();
    format!("[{tag}] {event_type}{port} on {}", event.node_id)
}

fn generic(notification: &Notification) -> Value {
    let event = &notification.event;
    json!({
        "version": 1,
        "id": notification.id.as_str(),
        "kind": notification.kind,
        "status": status(notification),
        "webhook": notification.webhook,
        "node_id": event.node_id.as_str(),
        "type": event.event_type.name(),
        "resolves": notification.resolves.map(|t| t.name()),
        "severity": event.severity,
        "message": event.message,
        "time": event.time.to_rfc3339(),
        "since": notification.since.to_rfc3339(),
        "sent_at": notification.created_at.to_rfc3339(),
        "event_id": event.event_id.as_str(),
        "details": event.details,
    })
}

fn color(notification: &Notification) -> u32 {
    if notification.kind == NotificationKind::Resolved {
        return 0x2E_CC_71; // green
    }
    match notification.event.severity {
        EventSeverity::Error => 0xE7_4C_3C,
        EventSeverity::Warning => 0xF3_9C_12,
        EventSeverity::Info => 0x34_98_DB,
    }
}

fn discord(notification: &Notification) -> Value {
    let event = &notification.event;
    let title = title(notification);
    json!({
        "content": cut(&format!("{title}: {}", event.message), 2000),
        "allowed_mentions": { "parse": [] },
        "embeds": [{
            "title": cut(&title, 256),
            "description": cut(&event.message, 4096),
            "color": color(notification),
            "timestamp": event.time.to_rfc3339(),
            "fields": [
                { "name": "node", "value": cut(event.node_id.as_str(), 1024), "inline": true },
                { "name": "severity", "value": event.severity.to_string(), "inline": true },
                { "name": "since", "value": notification.since.to_rfc3339(), "inline": true },
            ],
            "footer": { "text": format!("shiwa hub · {}", event.event_id) },
        }],
    })
}

fn slack(notification: &Notification) -> Value {
    let event = &notification.event;
    let title = title(notification);
    let message = escape_slack(&event.message);
    json!({
        "text": cut(&format!("{} {message}", escape_slack(&title)), 3000),
        "blocks": [
            { "type": "header", "text": { "type": "plain_text", "text": cut(&title, 150) } },
            {
                "type": "section",
                "text": { "type": "mrkdwn", "text": cut(&message, 3000) },
                "fields": [
                    { "type": "mrkdwn", "text": format!("*Node*\n{}", event.node_id) },
                    { "type": "mrkdwn", "text": format!("*Severity*\n{}", event.severity) },
                ],
            },
            {
                "type": "context",
                "elements": [{
                    "type": "mrkdwn",
                    "text": format!(
                        "since {} · event {}",
                        notification.since.to_rfc3339(),
                        event.event_id
                    ),
                }],
            },
        ],
    })
}

/// Slack's three control characters in mrkdwn.
fn escape_slack(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// At most `max` characters, the last one `…` when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_on_character_boundaries() {
        assert_eq!(cut("héllo", 10), "héllo");
        assert_eq!(cut("héllo", 3), "hé…");
        assert_eq!(cut(&"é".repeat(5000), 2000).chars().count(), 2000);
    }

    #[test]
    fn slack_control_characters_are_escaped() {
        assert_eq!(
            escape_slack("<!channel> & <https://x|y>"),
            "&lt;!channel&gt; &amp; &lt;https://x|y&gt;"
        );
    }
}
