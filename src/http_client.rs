//! TLS for the outgoing HTTP clients (the hub reporter, the Elasticsearch shipper): one
//! reading of an `ssl:` section onto a reqwest (rustls, aws-lc-rs) client builder.
//!
//! - `certificate_authorities`: the only roots trusted (the system's when none are given);
//! - `certificate` + `key` (a file or inline PEM): the client certificate;
//! - `verification_mode`: `full` (default) and `strict` check the chain and the host name,
//!   `certificate` the chain only, `none` nothing (a warning is logged when the client is
//!   built);
//! - `enabled: false`: the section is ignored.
//!
//! Errors name the configuration key (`hub.ssl`, `output.elasticsearch.ssl`) and the file.

use crate::config::{KeySource, SslConfig, VerificationMode};
use std::path::{Path, PathBuf};

/// Why an `ssl:` section could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum SslSetupError {
    /// A file could not be read.
    #[error("{key}: reading {file}: {source}")]
    Read {
        /// The configuration key of the section (`hub.ssl`).
        key: &'static str,
        /// The file.
        file: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file's content cannot be used (not PEM, a key that does not match, ...).
    #[error("{key}: {file}: {reason}")]
    Invalid {
        /// The configuration key of the section.
        key: &'static str,
        /// The file (or `<inline key>`).
        file: PathBuf,
        /// Why.
        reason: String,
    },
    /// A key without a certificate, or the reverse.
    #[error("{key}: {reason}")]
    Incomplete {
        /// The configuration key of the section.
        key: &'static str,
        /// What is missing.
        reason: String,
    },
}

impl crate::exit::HasExitStatus for SslSetupError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        match self {
            SslSetupError::Read { source, .. } => crate::exit::ExitStatus::for_io(source),
            SslSetupError::Invalid { .. } | SslSetupError::Incomplete { .. } => {
                crate::exit::ExitStatus::Config
            }
        }
    }
}

fn read(key: &'static str, file: &Path) -> Result<Vec<u8>, SslSetupError> {
    std::fs::read(file).map_err(|source| SslSetupError::Read {
        key,
        file: file.to_path_buf(),
        source,
    })
}

/// Applies `ssl` (the section at config key `key`) to `builder`.
pub fn apply_ssl(
    mut builder: reqwest::ClientBuilder,
    ssl: &SslConfig,
    key: &'static str,
) -> Result<reqwest::ClientBuilder, SslSetupError> {
    if ssl.enabled == Some(false) {
        return Ok(builder);
    }
    let mut roots = Vec::new();
    for file in &ssl.certificate_authorities {
        let bundle = reqwest::Certificate::from_pem_bundle(&read(key, file)?).map_err(|err| {
            SslSetupError::Invalid {
                key,
                file: file.clone(),
                reason: crate::errors::with_causes(&err),
            }
        })?;
        if bundle.is_empty() {
            return Err(SslSetupError::Invalid {
                key,
                file: file.clone(),
                reason: "no PEM certificate in the file".into(),
            });
        }
        roots.extend(bundle);
    }
    if !roots.is_empty() {
        builder = builder.tls_certs_only(roots);
    }
    builder = with_identity(builder, ssl, key)?;
    match ssl.verification_mode {
        Some(VerificationMode::None) => {
            tracing::warn!(
                key,
                "{key}.verification_mode: none — the server's certificate is not checked at all; \
                 anyone on the path can read and change this traffic"
            );
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        Some(VerificationMode::Certificate) => {
            builder = builder.tls_danger_accept_invalid_hostnames(true);
        }
        Some(VerificationMode::Full | VerificationMode::Strict) | None => {}
    }
    Ok(builder)
}

/// The client certificate and its key, when configured.
fn with_identity(
    builder: reqwest::ClientBuilder,
    ssl: &SslConfig,
    key: &'static str,
) -> Result<reqwest::ClientBuilder, SslSetupError> {
    let certificate = match (&ssl.certificate, &ssl.key) {
        (None, None) => return Ok(builder),
        (Some(certificate), Some(_)) => certificate,
        (Some(_), None) => {
            return Err(SslSetupError::Incomplete {
                key,
                reason: "`certificate` is set without `key`".into(),
            });
        }
        (None, Some(_)) => {
            return Err(SslSetupError::Incomplete {
                key,
                reason: "`key` is set without `certificate`".into(),
            });
        }
    };
    let mut pem = read(key, certificate)?;
    if !pem.ends_with(b"\n") {
        pem.push(b'\n');
    }
    match &ssl.key {
        Some(KeySource::Path(file)) => pem.extend(read(key, file)?),
        Some(KeySource::Inline(inline)) => pem.extend(inline.expose().as_bytes()),
        None => {}
    }
    let identity = reqwest::Identity::from_pem(&pem).map_err(|err| SslSetupError::Invalid {
        key,
        file: match &ssl.key {
            Some(KeySource::Path(file)) => file.clone(),
            _ => certificate.clone(),
        },
        reason: format!(
            "the client certificate and key cannot be used together ({})",
            crate::errors::with_causes(&err)
        ),
    })?;
    Ok(builder.identity(identity))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::{ExitStatus, HasExitStatus};

    fn builder() -> reqwest::ClientBuilder {
        reqwest::Client::builder()
    }

    #[test]
    fn missing_and_garbage_files_name_the_key_and_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = dir.path().join("ca.crt");
        let ssl = SslConfig {
            certificate_authorities: vec![ca.clone()],
            ..SslConfig::default()
        };
        let Err(missing) = apply_ssl(builder(), &ssl, "output.elasticsearch.ssl") else {
            panic!("a missing CA file was accepted");
        };
        let text = missing.to_string();
        assert!(
            text.starts_with("output.elasticsearch.ssl: reading ") && text.contains("ca.crt"),
            "{text}"
        );
        assert_eq!(missing.exit_status(), ExitStatus::Failure);
        std::fs::write(&ca, "not a certificate").expect("write");
        let Err(garbage) = apply_ssl(builder(), &ssl, "hub.ssl") else {
            panic!("a garbage CA file was accepted");
        };
        assert!(
            garbage.to_string().starts_with("hub.ssl: ") && garbage.to_string().contains("ca.crt"),
            "{garbage}"
        );
        assert_eq!(garbage.exit_status(), ExitStatus::Config);
    }

    #[test]
    fn a_certificate_needs_its_key_and_disabled_sections_are_ignored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ssl = SslConfig {
            certificate: Some(dir.path().join("node.crt")),
            ..SslConfig::default()
        };
        let Err(err) = apply_ssl(builder(), &ssl, "hub.ssl") else {
            panic!("a certificate without a key was accepted");
        };
        assert_eq!(
            err.to_string(),
            "hub.ssl: `certificate` is set without `key`"
        );
        assert_eq!(err.exit_status(), ExitStatus::Config);
        let disabled = SslConfig {
            enabled: Some(false),
            ..ssl
        };
        assert!(apply_ssl(builder(), &disabled, "hub.ssl").is_ok());
    }
}
