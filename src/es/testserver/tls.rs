//! HTTPS for the test server: a certificate chain and key (e.g. from `shiwa setup-pki`), and
//! optionally client certificates REQUIRED, verified against a CA file.

use super::TestServerError;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// The test server's TLS files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestServerTls {
    /// The server's certificate chain (PEM).
    pub certificate: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// When set, every client must present a certificate issued by this CA.
    pub client_ca: Option<PathBuf>,
}

fn invalid(file: &Path, reason: impl std::fmt::Display) -> TestServerError {
    TestServerError::Tls {
        file: file.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn certificates(file: &Path) -> Result<Vec<CertificateDer<'static>>, TestServerError> {
    let pem = std::fs::read(file).map_err(|err| invalid(file, err))?;
    let certificates = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| invalid(file, err))?;
    if certificates.is_empty() {
        return Err(invalid(file, "no PEM certificate in the file"));
    }
    Ok(certificates)
}

/// The acceptor for `tls`.
pub(super) fn acceptor(tls: &TestServerTls) -> Result<TlsAcceptor, TestServerError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let chain = certificates(&tls.certificate)?;
    let key_pem = std::fs::read(&tls.key).map_err(|err| invalid(&tls.key, err))?;
    let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|err| invalid(&tls.key, err))?;
    let builder = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|err| invalid(&tls.certificate, err))?;
    let builder = match &tls.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for certificate in certificates(ca)? {
                roots.add(certificate).map_err(|err| invalid(ca, err))?;
            }
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .build()
            .map_err(|err| invalid(ca, err))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|err| invalid(&tls.key, err))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}
