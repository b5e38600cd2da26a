//! [`ApiSettings`]: where the API listens, whether it speaks TLS and what clients must present,
//! from `timebeat.http` and, for the standalone `serve-api`, command-line overrides.

use super::auth::AuthPolicy;
use super::error::ApiStartError;
use crate::config::{HttpConfig, HttpTlsConfig};
use crate::secret::Secret;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The standalone server's default address (the integration guide's port, loopback only).
pub const DEFAULT_BIND: &str = "127.0.0.1:8088";

/// The largest token file read (a token is one line).
const MAX_TOKEN_FILE: u64 = 4096;

/// How the API server runs.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiSettings {
    /// `ADDR:PORT` to listen on (`127.0.0.1:8088`, `[::]:8088`).
    pub bind: String,
    /// Serve HTTPS with these files.
    pub tls: Option<HttpTlsConfig>,
    /// What clients must present for anything but `/api/v1/health`.
    pub auth: AuthPolicy,
}

impl Default for ApiSettings {
    fn default() -> Self {
        ApiSettings {
            bind: DEFAULT_BIND.to_string(),
            tls: None,
            auth: AuthPolicy::Open,
        }
    }
}

impl ApiSettings {
    /// The settings `timebeat.http` describes (`bind_host`, `bind_port`, `tls`, `auth`).
    pub fn from_config(http: &HttpConfig) -> Self {
        let host = if http.bind_host.contains(':') && !http.bind_host.starts_with('[') {
            format!("[{}]", http.bind_host)
        } else {
            http.bind_host.clone()
        };
        ApiSettings {
            bind: format!("{host}:{}", http.bind_port.0),
            tls: http.tls.clone(),
            auth: AuthPolicy::from_config(http.auth.as_ref()),
        }
    }

    /// Listens on `bind` (`ADDR:PORT`) instead.
    pub fn with_bind(mut self, bind: &str) -> Result<Self, ApiStartError> {
        let valid = bind
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !valid {
            return Err(ApiStartError::Address {
                key: "--bind",
                value: bind.to_string(),
            });
        }
        self.bind = bind.to_string();
        Ok(self)
    }

    /// Requires `Authorization: Bearer TOKEN`, the token being the first line of `file`.
    /// A file others can read is accepted with a warning.
    pub fn with_token_file(mut self, file: &Path) -> Result<Self, ApiStartError> {
        let read_error = |error| ApiStartError::Read {
            file: file.to_path_buf(),
            error,
        };
        let metadata = std::fs::metadata(file).map_err(read_error)?;
        if metadata.len() > MAX_TOKEN_FILE {
            return Err(ApiStartError::Invalid {
                file: file.to_path_buf(),
                reason: format!("larger than {MAX_TOKEN_FILE} bytes: not a token file"),
            });
        }
        if metadata.permissions().mode() & 0o007 != 0 {
            tracing::warn!(file = %file.display(), "the API token file is readable by everyone: chmod 0600 or 0640");
        }
        let text = std::fs::read_to_string(file).map_err(read_error)?;
        let token = text.lines().next().unwrap_or("").trim();
        if token.is_empty() || token.contains(char::is_whitespace) {
            return Err(ApiStartError::Invalid {
                file: file.to_path_buf(),
                reason: "the first line must be the token: non-empty, without spaces".into(),
            });
        }
        self.auth = AuthPolicy::Bearer(Secret::new(token));
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Port;

    #[test]
    fn config_hosts_become_addresses_with_ports() {
        let mut http = HttpConfig::default();
        assert_eq!(ApiSettings::from_config(&http).bind, "127.0.0.1:8088");
        http.bind_host = "::".into();
        http.bind_port = Port(9000);
        assert_eq!(ApiSettings::from_config(&http).bind, "[::]:9000");
    }

    #[test]
    fn bind_flags_are_checked() {
        let settings = ApiSettings::default();
        assert!(settings.clone().with_bind("0.0.0.0:18088").is_ok());
        assert!(settings.clone().with_bind("[::1]:18088").is_ok());
        for bad in ["8088", "localhost", ":8088", "127.0.0.1:99999"] {
            let err = settings.clone().with_bind(bad).expect_err(bad);
            assert!(err.to_string().contains("--bind"), "{err}");
        }
    }

    #[test]
    fn token_files_give_a_bearer_token() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("token");
        std::fs::write(&file, "abc123\n").expect("write");
        let settings = ApiSettings::default()
            .with_token_file(&file)
            .expect("a token");
        assert_eq!(settings.auth, AuthPolicy::Bearer(Secret::new("abc123")));
        std::fs::write(&file, "\n").expect("write");
        let err = ApiSettings::default()
            .with_token_file(&file)
            .expect_err("empty");
        assert!(err.to_string().contains("token"), "{err}");
        let missing = ApiSettings::default().with_token_file(&dir.path().join("nope"));
        assert!(missing.is_err());
    }
}
