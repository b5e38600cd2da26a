//! Who may talk to the test server: anyone, or basic auth, or `ApiKey base64(id:key)`, or
//! either of the two. Refusals are 401 with `WWW-Authenticate` and a `security_exception`
//! body, as Elasticsearch's security answers.

use super::reply::json_response;
use crate::secret::Secret;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use base64::Engine;
use serde_json::json;

/// The credentials the server accepts (none set: open to all).
#[derive(Debug, Clone, Default)]
pub struct TestAuth {
    basic: Option<(String, Secret)>,
    api_key: Option<(String, Secret)>,
}

impl TestAuth {
    /// No authentication.
    pub fn none() -> Self {
        TestAuth::default()
    }

    /// Basic auth with one user.
    pub fn basic(username: &str, password: &str) -> Self {
        TestAuth::default().with_basic(username, password)
    }

    /// An API key `id:key` (sent as `ApiKey base64(id:key)`).
    pub fn api_key(id: &str, key: &str) -> Self {
        TestAuth::default().with_api_key(id, key)
    }

    /// Also accepts basic auth with this user.
    pub fn with_basic(mut self, username: &str, password: &str) -> Self {
        self.basic = Some((username.to_string(), Secret::new(password)));
        self
    }

    /// Also accepts this API key.
    pub fn with_api_key(mut self, id: &str, key: &str) -> Self {
        self.api_key = Some((id.to_string(), Secret::new(key)));
        self
    }

    fn is_open(&self) -> bool {
        self.basic.is_none() && self.api_key.is_none()
    }

    /// Checks a request's `Authorization`; the 401 to answer when it fails.
    pub(super) fn check(&self, headers: &HeaderMap, path: &str) -> Result<(), Box<Response>> {
        if self.is_open() {
            return Ok(());
        }
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        let Some((scheme, encoded)) = given.and_then(|value| value.split_once(' ')) else {
            return Err(Box::new(refusal(format!(
                "missing authentication credentials for REST request [{path}]"
            ))));
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .unwrap_or_default();
        let (user, secret) = decoded.split_once(':').unwrap_or(("", ""));
        let accepted = match scheme.to_ascii_lowercase().as_str() {
            "basic" => self.basic.as_ref(),
            "apikey" => self.api_key.as_ref(),
            _ => None,
        }
        .is_some_and(|(name, expected)| name == user && expected.matches(secret));
        if accepted {
            return Ok(());
        }
        Err(Box::new(refusal(if scheme.eq_ignore_ascii_case("basic") {
            format!("unable to authenticate user [{user}] for REST request [{path}]")
        } else {
            "unable to authenticate with provided credentials and anonymous access is not \
             allowed for this request"
                .to_string()
        })))
    }
}

const CHALLENGES: [&str; 2] = ["Basic realm=\"security\", charset=\"UTF-8\"", "ApiKey"];

fn refusal(reason: String) -> Response {
    let challenge = json!({ "WWW-Authenticate": CHALLENGES });
    let error = json!({ "type": "security_exception", "reason": reason, "header": challenge });
    let body = json!({
        "error": { "root_cause": [error.clone()], "type": "security_exception",
                   "reason": reason, "header": challenge },
        "status": 401,
    });
    let mut response = json_response(401, &body);
    for value in CHALLENGES {
        response
            .headers_mut()
            .append(header::WWW_AUTHENTICATE, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(value).expect("header"),
        );
        headers
    }

    #[test]
    fn basic_and_api_keys_are_checked() {
        let auth = TestAuth::basic("elastic", "changeme").with_api_key("kid", "ksecret");
        let b64 = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
        assert!(
            auth.check(&headers(&format!("Basic {}", b64("elastic:changeme"))), "/")
                .is_ok()
        );
        assert!(
            auth.check(&headers(&format!("ApiKey {}", b64("kid:ksecret"))), "/")
                .is_ok()
        );
        let wrong = auth
            .check(
                &headers(&format!("Basic {}", b64("elastic:nope"))),
                "/_bulk",
            )
            .expect_err("wrong password");
        assert_eq!(wrong.status(), 401);
        assert_eq!(
            wrong
                .headers()
                .get_all(header::WWW_AUTHENTICATE)
                .iter()
                .count(),
            2
        );
        assert!(auth.check(&HeaderMap::new(), "/").is_err());
        assert!(
            auth.check(&headers(&format!("ApiKey {}", b64("kid:x"))), "/")
                .is_err()
        );
        assert!(TestAuth::none().check(&HeaderMap::new(), "/").is_ok());
    }
}
