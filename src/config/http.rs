//! shiwa's extensions of `timebeat.http` (the HTTP API): `tls` and `auth`.
//!
//! Timebeat's section has only `enable`, `bind_host` and `bind_port`; these keys are shiwa's own
//! and optional, so a Timebeat file loads unchanged.
//!
//! ```yaml
//! timebeat:
//!   http:
//!     enable: true
//!     bind_host: 0.0.0.0
//!     tls:                                  # serve HTTPS (files from `shiwa setup-pki`)
//!       certificate: /etc/shiwa/pki/node1.example.com.crt
//!       key: /etc/shiwa/pki/node1.example.com.key
//!     auth:                                 # everything but /api/v1/health needs it
//!       bearer_token: "a long random string"
//!       # or HTTP basic auth, with an argon2 PHC hash (`argon2 SALT -id -e`):
//!       # username: prometheus
//!       # password_hash: "$argon2id$v=19$m=19456,t=2,p=1$..."
//! ```

use super::model::redact_option;
use crate::secret::Secret;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `timebeat.http.tls`: serve HTTPS with this certificate (chain) and key, PEM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HttpTlsConfig {
    /// The server certificate, PEM; further certificates in the file form the chain.
    pub certificate: PathBuf,
    /// Its private key, PEM (PKCS#8, as `setup-pki` writes it; SEC1 and PKCS#1 are accepted).
    pub key: PathBuf,
}

/// `timebeat.http.auth`: what a client must present for anything but `/api/v1/health`.
/// Either `bearer_token`, or `username` + `password_hash` (HTTP basic auth).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HttpAuthConfig {
    /// A token clients send as `Authorization: Bearer TOKEN`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token: Option<Secret>,
    /// The basic-auth user name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// The basic-auth password as an argon2 PHC string (`$argon2id$v=19$...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<Secret>,
}

impl HttpAuthConfig {
    /// Replaces the token and the password hash with the redaction placeholder.
    pub(super) fn redact(&mut self) {
        redact_option(&mut self.bearer_token);
        redact_option(&mut self.password_hash);
    }
}

/// What is wrong with an auth section, as `(key, message)`; empty when it is fine.
pub(super) fn auth_problems(auth: &HttpAuthConfig) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    let basic = auth.username.is_some() || auth.password_hash.is_some();
    if auth.bearer_token.is_some() && basic {
        problems.push((
            "bearer_token",
            "set either bearer_token or username/password_hash, not both".to_string(),
        ));
    }
    if let Some(token) = &auth.bearer_token
        && (token.expose().trim().is_empty() || token.expose().contains(char::is_whitespace))
    {
        problems.push((
            "bearer_token",
            "a token must be non-empty and contain no spaces".to_string(),
        ));
    }
    match (&auth.username, &auth.password_hash) {
        (Some(_), None) => problems.push(("username", "needs a `password_hash`".to_string())),
        (None, Some(_)) => problems.push(("password_hash", "needs a `username`".to_string())),
        (Some(name), Some(_)) if name.is_empty() || name.contains(':') => problems.push((
            "username",
            "a basic-auth user name must be non-empty and contain no `:`".to_string(),
        )),
        _ => {}
    }
    if let Some(hash) = &auth.password_hash
        && !hash.is_redacted()
        && let Err(reason) = crate::secret::check_password_hash(hash.expose())
    {
        problems.push(("password_hash", reason));
    }
    if !basic && auth.bearer_token.is_none() {
        problems.push((
            "bearer_token",
            "the auth section is empty: set bearer_token, or username and password_hash"
                .to_string(),
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                        wHQ7mW8cH2pPKeMbcAqBS7YBd6jEzE7fgCOYLh4ZAOc";

    fn keys(auth: &HttpAuthConfig) -> Vec<&'static str> {
        auth_problems(auth)
            .into_iter()
            .map(|(key, _)| key)
            .collect()
    }

    #[test]
    fn a_token_or_a_user_with_a_hash_is_fine() {
        let token = HttpAuthConfig {
            bearer_token: Some(Secret::new("s3cret-token")),
            ..HttpAuthConfig::default()
        };
        assert!(auth_problems(&token).is_empty());
        let basic = HttpAuthConfig {
            username: Some("prometheus".into()),
            password_hash: Some(Secret::new(HASH)),
            ..HttpAuthConfig::default()
        };
        assert!(
            auth_problems(&basic).is_empty(),
            "{:?}",
            auth_problems(&basic)
        );
    }

    #[test]
    fn conflicts_missing_halves_and_bad_hashes_are_named() {
        let both = HttpAuthConfig {
            bearer_token: Some(Secret::new("t")),
            username: Some("u".into()),
            password_hash: Some(Secret::new(HASH)),
        };
        assert_eq!(keys(&both), ["bearer_token"]);
        let user_only = HttpAuthConfig {
            username: Some("u".into()),
            ..HttpAuthConfig::default()
        };
        assert_eq!(keys(&user_only), ["username"]);
        let plain = HttpAuthConfig {
            username: Some("u".into()),
            password_hash: Some(Secret::new("hunter2")),
            ..HttpAuthConfig::default()
        };
        let problems = auth_problems(&plain);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].1.contains("not a PHC password hash"),
            "{problems:?}"
        );
        assert!(
            !problems[0].1.contains("hunter2"),
            "the value is never echoed"
        );
        assert_eq!(keys(&HttpAuthConfig::default()), ["bearer_token"]);
        let spaced = HttpAuthConfig {
            bearer_token: Some(Secret::new("a b")),
            ..HttpAuthConfig::default()
        };
        assert_eq!(keys(&spaced), ["bearer_token"]);
    }

    #[test]
    fn other_algorithms_are_refused() {
        let scrypt = "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E";
        let err = crate::secret::check_password_hash(scrypt).expect_err("scrypt refused");
        assert!(err.contains("argon2id"), "{err}");
    }

    #[test]
    fn the_loader_names_the_key_and_line_and_redaction_hides_the_secrets() {
        let bad = "timebeat:\n  http:\n    enable: true\n    auth:\n      username: u\n      password_hash: hunter2\n";
        let err = crate::config::load_str(bad, "api.yml").expect_err("a bad hash is refused");
        let text = err.to_string();
        assert!(
            text.contains("api.yml:6") && text.contains("timebeat.http.auth.password_hash"),
            "{text}"
        );
        let good = format!(
            "timebeat:\n  http:\n    enable: true\n    tls:\n      certificate: /p/n.crt\n      key: /p/n.key\n    auth:\n      username: u\n      password_hash: \"{HASH}\"\n"
        );
        let config = crate::config::load_str(&good, "api.yml")
            .expect("loads")
            .config;
        let http = &config.timebeat.http;
        assert_eq!(
            http.tls.as_ref().map(|t| t.key.clone()),
            Some("/p/n.key".into())
        );
        let shown = serde_json::to_string(&config.redacted()).expect("json");
        assert!(!shown.contains("argon2id"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
        let typo = "timebeat:\n  http:\n    auth:\n      bearer_tokn: x\n";
        let err = crate::config::load_str(typo, "api.yml").expect_err("unknown key");
        assert!(
            err.to_string().contains("bearer_token"),
            "did you mean: {err}"
        );
    }
}
