//! HTTPS for the API: a rustls server configuration (aws-lc-rs provider) from the PEM files
//! `shiwa setup-pki` writes (`<server-cn>.crt`, `<server-cn>.key`).

use super::error::ApiStartError;
use crate::config::HttpTlsConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// A TLS acceptor serving the certificate chain and key named in `tls`.
pub fn acceptor(tls: &HttpTlsConfig) -> Result<TlsAcceptor, ApiStartError> {
    let certificates = read_certificates(&tls.certificate)?;
    let key = read_key(&tls.key)?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| invalid(&tls.certificate, err))?
        .with_no_client_auth()
        .with_single_cert(certificates, key)
        .map_err(|err| ApiStartError::Invalid {
            file: tls.key.clone(),
            reason: format!("cannot be used with {}: {err}", tls.certificate.display()),
        })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn read(file: &Path) -> Result<Vec<u8>, ApiStartError> {
    std::fs::read(file).map_err(|error| ApiStartError::Read {
        file: file.to_path_buf(),
        error,
    })
}

fn read_certificates(file: &Path) -> Result<Vec<CertificateDer<'static>>, ApiStartError> {
    let pem = read(file)?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| invalid(file, err))?;
    if certificates.is_empty() {
        return Err(ApiStartError::Invalid {
            file: file.to_path_buf(),
            reason: "no PEM certificate in the file".into(),
        });
    }
    Ok(certificates)
}

fn read_key(file: &Path) -> Result<PrivateKeyDer<'static>, ApiStartError> {
    let pem = read(file)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|err| ApiStartError::Invalid {
        file: file.to_path_buf(),
        reason: match err {
            rustls::pki_types::pem::Error::NoItemsFound => "no PEM private key in the file".into(),
            other => other.to_string(),
        },
    })
}

fn invalid(file: &Path, err: impl std::fmt::Display) -> ApiStartError {
    ApiStartError::Invalid {
        file: file.to_path_buf(),
        reason: err.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::{ExitStatus, HasExitStatus};

    #[test]
    fn missing_and_garbage_files_are_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cert = dir.path().join("node.crt");
        let key = dir.path().join("node.key");
        let tls = HttpTlsConfig {
            certificate: cert.clone(),
            key: key.clone(),
        };
        let Err(missing) = acceptor(&tls) else {
            panic!("missing files accepted");
        };
        assert!(missing.to_string().contains("node.crt"), "{missing}");
        assert_eq!(missing.exit_status(), ExitStatus::Config);
        std::fs::write(&cert, "not a certificate").expect("write");
        let Err(garbage) = acceptor(&tls) else {
            panic!("garbage accepted");
        };
        assert!(
            garbage.to_string().contains("node.crt: no PEM certificate"),
            "{garbage}"
        );
        assert_eq!(garbage.exit_status(), ExitStatus::Config);
    }
}
