//! The HTTP client that pushes spooled records to the hub: reqwest over rustls (aws-lc-rs),
//! trusting `hub.ssl.certificate_authorities` (and the system's roots when none are given),
//! with an optional client certificate, Bearer auth with `hub.api_key`.

use super::schedule::PushResult;
use super::spool::RecordKind;
use crate::config::HubConfig;
use crate::http_client::{SslSetupError, apply_ssl};
use crate::secret::Secret;
use crate::time::Duration;

/// How long one push may take, connect included.
pub const PUSH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);
/// The longest reason kept from a hub's error answer.
const MAX_REASON: usize = 512;

/// Why the hub client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// `hub.ssl` could not be applied (a file unreadable or unusable).
    #[error(transparent)]
    Ssl(#[from] SslSetupError),
    /// The client could not be set up.
    #[error("hub.ssl: {0}")]
    Tls(String),
}

impl crate::exit::HasExitStatus for ClientError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        match self {
            ClientError::Ssl(err) => crate::exit::HasExitStatus::exit_status(err),
            ClientError::Tls(_) => crate::exit::ExitStatus::Config,
        }
    }
}

/// Pushes records to one hub.
#[derive(Debug, Clone)]
pub struct HubClient {
    http: reqwest::Client,
    base: url::Url,
    api_key: Option<Secret>,
}

fn tls_error(err: reqwest::Error) -> ClientError {
    ClientError::Tls(err.to_string())
}

impl HubClient {
    /// A client for the hub `hub` describes.
    pub fn new(hub: &HubConfig) -> Result<Self, ClientError> {
        let mut builder = reqwest::Client::builder()
            .timeout(PUSH_TIMEOUT)
            .connect_timeout(std::time::Duration::from_secs(10))
            .user_agent(format!("shiwa/{}", crate::version::VERSION));
        if let Some(ssl) = &hub.ssl {
            builder = apply_ssl(builder, ssl, "hub.ssl")?;
        }
        Ok(HubClient {
            http: builder.build().map_err(tls_error)?,
            base: hub.url.clone(),
            api_key: hub.api_key.clone(),
        })
    }

    /// `{url}/api/v1/{kind}`.
    fn endpoint(&self, kind: RecordKind) -> String {
        let base = self.base.as_str().trim_end_matches('/');
        format!("{base}/api/v1/{}", kind.name())
    }

    /// POSTs one record's JSON and classifies the answer.
    pub async fn push(&self, kind: RecordKind, body: Vec<u8>) -> PushResult {
        let mut request = self
            .http
            .post(self.endpoint(kind))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key.expose());
        }
        match request.send().await {
            Ok(response) => classify(response).await,
            Err(err) => PushResult::Failed {
                reason: crate::errors::with_causes(&err),
                retry_after: None,
            },
        }
    }
}

/// The hub contract: 201 stored, 200 duplicate, 400/413 refused for good, 401/403 key
/// refused, anything else (429, 5xx, a proxy's 502, a 404 from a wrong URL) retried.
async fn classify(response: reqwest::Response) -> PushResult {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<i64>().ok())
        .filter(|secs| *secs >= 0)
        .map(Duration::from_secs);
    match status {
        201 => PushResult::Stored,
        200 => PushResult::Duplicate,
        400 | 413 => {
            let body = response.bytes().await.unwrap_or_default();
            PushResult::Refused {
                status,
                reason: refusal_reason(status, &body),
            }
        }
        401 | 403 => PushResult::Unauthorized { status },
        _ => PushResult::Failed {
            reason: format!("HTTP {status}"),
            retry_after,
        },
    }
}

/// The hub's `{"error": ..., "field": ...}` as one line, or the status.
fn refusal_reason(status: u16, body: &[u8]) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let text = |key: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let mut reason = match (text("field"), text("error")) {
        (Some(field), Some(error)) => format!("HTTP {status}: {field}: {error}"),
        (None, Some(error)) => format!("HTTP {status}: {error}"),
        _ => format!("HTTP {status}"),
    };
    if reason.len() > MAX_REASON {
        let mut cut = MAX_REASON;
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        reason.truncate(cut);
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_carry_the_hubs_field_and_reason() {
        let body = br#"{"error": "unknown event type", "field": "type"}"#;
        assert_eq!(
            refusal_reason(400, body),
            "HTTP 400: type: unknown event type"
        );
        assert_eq!(refusal_reason(413, b"<html>"), "HTTP 413");
        let long = format!(r#"{{"error": "{}"}}"#, "é".repeat(600));
        assert!(refusal_reason(400, long.as_bytes()).len() <= MAX_REASON);
    }
}
