//! The Elasticsearch client against the in-repo wire-format test server (and, when
//! `SHIWA_TEST_ES_URL` is set, the tests that need no fault injection against a real cluster:
//! `SHIWA_TEST_ES_USERNAME`/`SHIWA_TEST_ES_PASSWORD` or `SHIWA_TEST_ES_API_KEY` (`id:key`)
//! for its credentials, `SHIWA_TEST_ES_CA` for its CA file). Delivery is checked through the
//! Elasticsearch API only (`_refresh`, `_count`, `_doc`), so the checks hold for both.

mod auth;
mod bulk;
mod faults;
mod server;
mod shipping;
mod tls;

use serde_json::{Value, json};
use shiwa::config::SslConfig;
use shiwa::es::testserver::{TestServer, TestServerConfig};
use shiwa::es::{ClientSettings, Document, DocumentKind, EsAuth, EsClient};
use shiwa::secret::Secret;
use std::time::Duration;

/// Where the tests send documents: the test server, or a real cluster.
pub struct EsTarget {
    /// The test server (absent against a real cluster).
    pub server: Option<TestServer>,
    /// The base URL.
    pub url: url::Url,
    /// The credentials to use.
    pub auth: Option<EsAuth>,
    /// TLS settings for a real cluster's CA.
    pub ssl: Option<SslConfig>,
    /// Unique per test and run: index names start with it.
    pub prefix: String,
}

fn real_cluster() -> Option<url::Url> {
    let text = std::env::var("SHIWA_TEST_ES_URL").ok()?;
    Some(url::Url::parse(&text).unwrap_or_else(|err| panic!("SHIWA_TEST_ES_URL `{text}`: {err}")))
}

fn real_auth() -> Option<EsAuth> {
    if let Ok(key) = std::env::var("SHIWA_TEST_ES_API_KEY") {
        return Some(EsAuth::ApiKey(Secret::new(key)));
    }
    let username = std::env::var("SHIWA_TEST_ES_USERNAME").ok()?;
    let password = std::env::var("SHIWA_TEST_ES_PASSWORD").unwrap_or_default();
    Some(EsAuth::Basic {
        username,
        password: Secret::new(password),
    })
}

/// Unique per run (process id and a random number), so runs against one real cluster never
/// share an index.
fn unique_prefix(test: &str) -> String {
    use std::hash::BuildHasher;
    let random = std::collections::hash_map::RandomState::new().hash_one(test) & 0xffff_ffff;
    format!(
        "shiwa-test-{}-{random:08x}-{}",
        std::process::id(),
        test.replace('_', "-")
    )
}

impl EsTarget {
    /// A real cluster when `SHIWA_TEST_ES_URL` is set, else a fresh test server.
    pub async fn new(test: &str) -> EsTarget {
        if let Some(url) = real_cluster() {
            eprintln!(
                "es::{test}: against the real cluster at {}",
                shiwa::es::client::host_label(&url)
            );
            let ssl = std::env::var("SHIWA_TEST_ES_CA").ok().map(|ca| SslConfig {
                certificate_authorities: vec![ca.into()],
                ..SslConfig::default()
            });
            return EsTarget {
                server: None,
                url,
                auth: real_auth(),
                ssl,
                prefix: unique_prefix(test),
            };
        }
        EsTarget::fake(test, TestServerConfig::default()).await
    }

    /// Always the test server (fault injection is fake-only).
    pub async fn fake(test: &str, config: TestServerConfig) -> EsTarget {
        if real_cluster().is_some() {
            eprintln!("es::{test}: needs fault injection or TLS files: test server only");
        }
        let server = TestServer::start(config).await.expect("test server starts");
        EsTarget {
            url: server.url(),
            server: Some(server),
            auth: None,
            ssl: None,
            prefix: unique_prefix(test),
        }
    }

    /// The test server (panics against a real cluster).
    pub fn server(&self) -> &TestServer {
        self.server
            .as_ref()
            .expect("a fake-only test runs against the test server")
    }

    /// Client settings for this target.
    pub fn settings(&self) -> ClientSettings {
        ClientSettings {
            hosts: vec![self.url.clone()],
            auth: self.auth.clone(),
            ssl: self.ssl.clone(),
            compression_level: 0,
            timeout: Duration::from_secs(10),
        }
    }

    /// A client for this target.
    pub fn client(&self) -> EsClient {
        EsClient::new(&self.settings()).expect("client")
    }

    /// `{prefix}-{suffix}`, an index name unique to this test run.
    pub fn index(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.prefix)
    }

    fn http(&self) -> reqwest::Client {
        let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(10));
        if let Some(ssl) = &self.ssl {
            builder = shiwa::http_client::apply_ssl(builder, ssl, "test").expect("test ssl");
        }
        builder.build().expect("reqwest client")
    }

    /// An API call with the target's credentials: (status, JSON body or null).
    pub async fn call(&self, method: reqwest::Method, path: &str) -> (u16, Value) {
        let url = self.url.join(path).expect("url");
        let mut request = self.http().request(method, url);
        request = match &self.auth {
            Some(EsAuth::Basic { username, password }) => {
                request.basic_auth(username, Some(password.expose()))
            }
            Some(EsAuth::ApiKey(key)) => {
                use base64::Engine;
                let encoded = base64::engine::general_purpose::STANDARD.encode(key.expose());
                request.header("Authorization", format!("ApiKey {encoded}"))
            }
            None => request,
        };
        let response = request.send().await.expect("API call");
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default();
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// `_refresh` then `_count` of `pattern`.
    pub async fn count(&self, pattern: &str) -> u64 {
        let _ = self
            .call(reqwest::Method::POST, &format!("{pattern}/_refresh"))
            .await;
        let (status, body) = self
            .call(reqwest::Method::GET, &format!("{pattern}/_count"))
            .await;
        assert_eq!(status, 200, "_count {pattern}: {body}");
        body["count"].as_u64().expect("count")
    }
}

/// `count` log documents for `index`, ids `{index}-{n}`, each with `@timestamp`.
pub fn documents(index: &str, count: usize) -> Vec<Document> {
    (0..count)
        .map(|n| Document {
            index: index.to_string(),
            id: format!("{index}-{n}"),
            kind: DocumentKind::Log,
            body: json!({
                "@timestamp": format!("2026-11-23T10:{:02}:{:02}.000000123Z", (n / 60) % 60, n % 60),
                "message": format!("document {n} of the shiwa ES client test"),
                "host": { "name": "test-node" },
                "event": { "dataset": "shiwa.log" },
            }),
        })
        .collect()
}

/// `documents` encoded at gzip `level`.
pub fn encode(documents: &[Document], level: u8) -> shiwa::es::BulkBody {
    let refs: Vec<&Document> = documents.iter().collect();
    shiwa::es::encode(&refs, level).expect("encode")
}
