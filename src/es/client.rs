//! The Elasticsearch HTTP client: `_bulk` and `_index_template` over reqwest (rustls,
//! aws-lc-rs), with failover between `hosts`, basic or `ApiKey` authentication and
//! `output.elasticsearch.ssl`.
//!
//! Failover: requests go to the current host; a connection error, a timeout, a TLS failure,
//! a 5xx or a 429 for the whole request moves the next call to the next host (round robin),
//! and the batch is answered `RetryAll` with a reason naming the host. 401/403 are
//! `RetryAll` too, saying the credentials were refused: the caller backs off while the
//! operator fixes them. Reasons never carry credentials.
#![expect(
    clippy::disallowed_methods,
    reason = "an HTTP-date Retry-After is read against the wall clock at the I/O edge"
)]

use super::bulk::{self, BatchVerdict, BulkBody, FILTER_PATH};
use super::client_error::{
    answer_error, credentials_refused, describe_send_error, send_unless_refused_unsent,
};
use super::template::IndexTemplate;
use crate::config::SslConfig;
use crate::secret::Secret;
use crate::time::{Duration, Timestamp};
use base64::Engine;
use reqwest::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use super::client_error::EsClientError;

/// The most of an answer's body read.
const MAX_RESPONSE: usize = 64 * 1024 * 1024;
/// The config key prefix of the client's settings, for messages.
pub const CONFIG_KEY: &str = "output.elasticsearch";

/// Credentials (`username`/`password` or `api_key`, never both).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EsAuth {
    /// Basic authentication.
    Basic {
        /// The user.
        username: String,
        /// The password.
        password: Secret,
    },
    /// An API key `id:key`, sent as `Authorization: ApiKey base64(id:key)`.
    ApiKey(Secret),
}

/// What the client needs from `output.elasticsearch`.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Full base URLs with scheme and `path` prefix (`https://es1:9200/proxy/`).
    pub hosts: Vec<url::Url>,
    /// Credentials.
    pub auth: Option<EsAuth>,
    /// TLS settings (`output.elasticsearch.ssl`).
    pub ssl: Option<SslConfig>,
    /// gzip level for the caller's `bulk::encode` (0 = off); the client only sets headers.
    pub compression_level: u8,
    /// How long one request may take, connect included.
    pub timeout: std::time::Duration,
}

/// Whether a template was installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemplateOutcome {
    /// Installed (or replaced, with `overwrite`).
    Installed,
    /// One of that name was there and `overwrite` is off: left alone.
    AlreadyInstalled,
}

/// The answer to one bulk request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkOutcome {
    /// What to do with the batch.
    pub verdict: BatchVerdict,
    /// The server's `Retry-After` (429/503), when it sent one.
    pub retry_after: Option<Duration>,
    /// The host that answered (or failed): `scheme://host:port`, never credentials.
    pub host: String,
}

#[derive(Debug)]
struct Host {
    base: url::Url,
    bulk: url::Url,
    label: String,
}

/// A client for the hosts of one `output.elasticsearch`; clones share connections and the
/// failover position.
#[derive(Debug, Clone)]
pub struct EsClient {
    http: reqwest::Client,
    hosts: Arc<[Host]>,
    current: Arc<AtomicUsize>,
    auth: Option<Authorization>,
}

#[derive(Clone)]
enum Authorization {
    Basic { username: String, password: Secret },
    Header(HeaderValue),
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Authorization::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Authorization::Header(_) => f.write_str("ApiKey(***)"),
        }
    }
}

/// `scheme://host:port` of `url`.
pub fn host_label(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    }
}

fn endpoint(base: &url::Url, segments: &[&str]) -> url::Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

fn host(url: &url::Url) -> Result<Host, EsClientError> {
    let label = host_label(url);
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(EsClientError::Host {
            host: label,
            reason: "must be an http:// or https:// URL with a host".into(),
        });
    }
    let mut bulk = endpoint(url, &["_bulk"]);
    bulk.set_query(Some(&format!("filter_path={FILTER_PATH}")));
    Ok(Host {
        base: url.clone(),
        bulk,
        label,
    })
}

fn authorization(auth: &EsAuth) -> Result<Authorization, EsClientError> {
    match auth {
        EsAuth::Basic { username, password } => Ok(Authorization::Basic {
            username: username.clone(),
            password: password.clone(),
        }),
        EsAuth::ApiKey(key) => {
            if !key.expose().contains(':') {
                return Err(EsClientError::ApiKey);
            }
            let encoded = base64::engine::general_purpose::STANDARD.encode(key.expose());
            let mut value = HeaderValue::from_str(&format!("ApiKey {encoded}"))
                .map_err(|_| EsClientError::ApiKey)?;
            value.set_sensitive(true);
            Ok(Authorization::Header(value))
        }
    }
}

impl EsClient {
    /// A client for `settings` (reads the TLS files now).
    pub fn new(settings: &ClientSettings) -> Result<Self, EsClientError> {
        if settings.hosts.is_empty() {
            return Err(EsClientError::NoHosts);
        }
        let hosts = settings
            .hosts
            .iter()
            .map(host)
            .collect::<Result<Vec<_>, _>>()?;
        let mut builder = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(std::time::Duration::from_secs(10)))
            .user_agent(format!("shiwa/{}", crate::version::VERSION));
        if let Some(ssl) = &settings.ssl {
            builder = crate::http_client::apply_ssl(builder, ssl, "output.elasticsearch.ssl")?;
        }
        let http = builder
            .build()
            .map_err(|err| EsClientError::Build(crate::errors::with_causes(&err)))?;
        Ok(EsClient {
            http,
            hosts: hosts.into(),
            current: Arc::new(AtomicUsize::new(0)),
            auth: settings.auth.as_ref().map(authorization).transpose()?,
        })
    }

    /// The host the next request goes to (`scheme://host:port`).
    pub fn current_host(&self) -> &str {
        &self.host_at(self.current.load(Ordering::Relaxed)).label
    }

    fn host_at(&self, slot: usize) -> &Host {
        &self.hosts[slot % self.hosts.len()]
    }

    /// Moves to the next host, once per failed slot (concurrent failures move it once).
    fn fail_over(&self, slot: usize) {
        if self.hosts.len() > 1 {
            let _ = self.current.compare_exchange(
                slot,
                slot.wrapping_add(1),
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }

    fn authorize(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            None => request,
            Some(Authorization::Basic { username, password }) => {
                request.basic_auth(username, Some(password.expose()))
            }
            Some(Authorization::Header(value)) => request.header(AUTHORIZATION, value.clone()),
        }
    }

    /// POSTs `body` (`count` documents) to `{host}/_bulk?filter_path=...` and reads the
    /// answer with [`bulk::verdict`].
    pub async fn bulk(&self, body: &BulkBody, count: usize) -> BulkOutcome {
        let slot = self.current.load(Ordering::Relaxed);
        let host = self.host_at(slot);
        let mut request = self
            .http
            .post(host.bulk.clone())
            .header(CONTENT_TYPE, "application/x-ndjson")
            .body(body.bytes.clone());
        if body.gzip {
            request = request.header(CONTENT_ENCODING, "gzip");
        }
        let outcome = |verdict, retry_after| BulkOutcome {
            verdict,
            retry_after,
            host: host.label.clone(),
        };
        let response = match send_unless_refused_unsent(self.authorize(request)).await {
            Ok(response) => response,
            Err(err) => {
                self.fail_over(slot);
                let (_, reason) = describe_send_error(&err);
                let reason = format!("{}: {reason}", host.label);
                return outcome(BatchVerdict::RetryAll { status: 0, reason }, None);
            }
        };
        let status = response.status().as_u16();
        let retry_after = retry_after(&response);
        let body = match read_body(response).await {
            Ok(body) => body,
            Err(reason) => {
                self.fail_over(slot);
                let reason = format!(
                    "{}: HTTP {status}, reading the answer: {reason}",
                    host.label
                );
                return outcome(BatchVerdict::RetryAll { status, reason }, retry_after);
            }
        };
        if status == 429 || status >= 500 {
            self.fail_over(slot);
        }
        let verdict = match (status, bulk::verdict(status, &body, count)) {
            (401 | 403, _) => BatchVerdict::RetryAll {
                status,
                reason: credentials_refused(&host.label, status, &body),
            },
            (_, BatchVerdict::RetryAll { status, reason }) => BatchVerdict::RetryAll {
                status,
                reason: format!("{}: {reason}", host.label),
            },
            (_, BatchVerdict::Split { status, reason }) => BatchVerdict::Split {
                status,
                reason: format!("{}: {reason}", host.label),
            },
            (_, items) => items,
        };
        outcome(verdict, retry_after)
    }

    /// Installs `template` (`PUT {host}/_index_template/{name}`), leaving one already there
    /// alone unless `template.overwrite`. Tries each host once, starting at the current one.
    pub async fn install_template(
        &self,
        template: &IndexTemplate,
    ) -> Result<TemplateOutcome, EsClientError> {
        let mut last = EsClientError::NoHosts;
        for _ in 0..self.hosts.len() {
            let slot = self.current.load(Ordering::Relaxed);
            match self.try_install(self.host_at(slot), template).await {
                Ok(outcome) => return Ok(outcome),
                Err(err) if err.tries_next_host() => {
                    self.fail_over(slot);
                    last = err;
                }
                Err(err) => return Err(err),
            }
        }
        Err(last)
    }

    async fn try_install(
        &self,
        host: &Host,
        template: &IndexTemplate,
    ) -> Result<TemplateOutcome, EsClientError> {
        let url = endpoint(&host.base, &["_index_template", &template.name]);
        let failed = |kind, status, reason| EsClientError::Template {
            host: host.label.clone(),
            name: template.name.clone(),
            kind,
            status,
            reason,
        };
        let send = |request: reqwest::RequestBuilder| async {
            match send_unless_refused_unsent(self.authorize(request)).await {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = read_body(response).await.unwrap_or_default();
                    Ok((status, body))
                }
                Err(err) => {
                    let (kind, reason) = describe_send_error(&err);
                    Err(failed(kind, None, reason))
                }
            }
        };
        if !template.overwrite {
            match send(self.http.head(url.clone())).await? {
                (200, _) => return Ok(TemplateOutcome::AlreadyInstalled),
                (404, _) => {}
                (status, body) => return Err(answer_error(status, &body, &failed)),
            }
        }
        let body = serde_json::to_vec(&template.body).unwrap_or_default();
        let request = self
            .http
            .put(url)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        match send(request).await? {
            (200..=299, _) => Ok(TemplateOutcome::Installed),
            (status, body) => Err(answer_error(status, &body, &failed)),
        }
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| Timestamp::from_nanos(since.as_nanos().min(i64::MAX as u128) as i64))
        .unwrap_or(Timestamp::EPOCH);
    super::backoff::parse_retry_after(value, now)
}

async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_RESPONSE {
                    return Err(format!("the answer is longer than {MAX_RESPONSE} bytes"));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(err) => return Err(crate::errors::with_causes(&err)),
        }
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
