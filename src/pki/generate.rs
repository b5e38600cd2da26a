//! Building and signing certificates with rcgen: the CA and the leaves.

use super::inspect::CertInfo;
use super::keys::{self, KeyType};
use super::{PkiError, Role};
use crate::secret::Secret;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use std::net::IpAddr;
use std::path::Path;
use time::{Duration, OffsetDateTime};

/// How far notBefore is set before now, so peers whose clocks lag a little accept new
/// certificates.
pub(crate) const BACKDATE: Duration = Duration::hours(1);

/// What a leaf certificate says about its subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeafSpec {
    /// Common name.
    pub cn: String,
    /// Client or server.
    pub role: Role,
    /// SANs: DNS names or IP addresses, as strings.
    pub sans: Vec<String>,
}

/// A freshly generated certificate and key.
pub(crate) struct Issued {
    pub cert_pem: String,
    pub key_pem: Secret,
    pub info: CertInfo,
}

/// The validity window of a certificate issued at `now` for `days`.
pub(crate) fn validity(now: OffsetDateTime, days: u32) -> (OffsetDateTime, OffsetDateTime) {
    (now - BACKDATE, now + Duration::days(i64::from(days)))
}

/// True when `value` can be a DNS SAN: ASCII letters, digits, `-`, `_`, `.`, `*`.
pub(crate) fn is_dns_name(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 253
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*'))
}

/// Checks a `--san` value: an IP address or a DNS name.
pub(crate) fn check_san(value: &str) -> Result<(), PkiError> {
    if value.parse::<IpAddr>().is_ok() || is_dns_name(value) {
        Ok(())
    } else {
        Err(PkiError::InvalidSan(value.to_string()))
    }
}

fn subject(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn
}

fn generate_key(
    key_type: KeyType,
    key_path: &Path,
    on_keygen: &mut dyn FnMut(&Path, KeyType),
) -> Result<KeyPair, PkiError> {
    on_keygen(key_path, key_type);
    key_type.generate().map_err(|source| PkiError::Crypto {
        what: "generating the key",
        path: key_path.to_path_buf(),
        source,
    })
}

fn finish(cert: &rcgen::Certificate, key: &KeyPair, cert_path: &Path) -> Result<Issued, PkiError> {
    let cert_pem = cert.pem();
    // A certificate rcgen just produced always parses; report it against the file if not.
    let info = CertInfo::from_pem(cert_pem.as_bytes()).map_err(|_| PkiError::Crypto {
        what: "reading back the new certificate",
        path: cert_path.to_path_buf(),
        source: rcgen::Error::CouldNotParseCertificate,
    })?;
    Ok(Issued {
        cert_pem,
        key_pem: keys::key_pem(key),
        info,
    })
}

/// A new self-signed CA and the issuer that signs leaves with it.
pub(crate) fn new_ca(
    cn: Option<&str>,
    key_type: KeyType,
    window: (OffsetDateTime, OffsetDateTime),
    paths: (&Path, &Path),
    on_keygen: &mut dyn FnMut(&Path, KeyType),
) -> Result<(Issued, Issuer<'static, KeyPair>), PkiError> {
    let (cert_path, key_path) = paths;
    let key = generate_key(key_type, key_path, on_keygen)?;
    let mut params = CertificateParams::default();
    params.distinguished_name = match cn {
        Some(cn) => subject(cn),
        None => subject(&default_ca_cn(&key)),
    };
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    (params.not_before, params.not_after) = window;
    let cert = params
        .self_signed(&key)
        .map_err(|source| PkiError::Crypto {
            what: "signing the certificate",
            path: cert_path.to_path_buf(),
            source,
        })?;
    let issued = finish(&cert, &key, cert_path)?;
    Ok((issued, Issuer::new(params, key)))
}

/// `shiwa CA` and the first eight hex digits of the SHA-256 of the public key.
fn default_ca_cn(key: &KeyPair) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(key.public_key_raw());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{} {hex}", super::DEFAULT_CA_CN_PREFIX)
}

/// The issuer for an existing CA certificate and its key.
pub(crate) fn existing_ca(
    ca: &CertInfo,
    key: KeyPair,
    cert_path: &Path,
) -> Result<Issuer<'static, KeyPair>, PkiError> {
    let der = rustls::pki_types::CertificateDer::from(ca.der.as_slice());
    Issuer::from_ca_cert_der(&der, key).map_err(|source| PkiError::Crypto {
        what: "loading the CA",
        path: cert_path.to_path_buf(),
        source,
    })
}

/// A new key and leaf certificate for `spec`, signed by `issuer`.
pub(crate) fn issue_leaf(
    spec: &LeafSpec,
    key_type: KeyType,
    window: (OffsetDateTime, OffsetDateTime),
    issuer: &Issuer<'_, KeyPair>,
    paths: (&Path, &Path),
    on_keygen: &mut dyn FnMut(&Path, KeyType),
) -> Result<Issued, PkiError> {
    let (cert_path, key_path) = paths;
    let key = generate_key(key_type, key_path, on_keygen)?;
    let signing_error = |source| PkiError::Crypto {
        what: "signing the certificate",
        path: cert_path.to_path_buf(),
        source,
    };
    let mut params = CertificateParams::new(spec.sans.clone()).map_err(signing_error)?;
    params.distinguished_name = subject(&spec.cn);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    if key_type == KeyType::Rsa4096 {
        params.key_usages.push(KeyUsagePurpose::KeyEncipherment);
    }
    params.extended_key_usages = vec![match spec.role {
        Role::Server => ExtendedKeyUsagePurpose::ServerAuth,
        Role::Client | Role::Ca => ExtendedKeyUsagePurpose::ClientAuth,
    }];
    params.use_authority_key_identifier_extension = true;
    (params.not_before, params.not_after) = window;
    let cert = params.signed_by(&key, issuer).map_err(signing_error)?;
    finish(&cert, &key, cert_path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_progress() -> impl FnMut(&Path, KeyType) {
        |_, _| {}
    }

    #[test]
    fn ca_signs_a_server_leaf_with_sans() {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("valid time");
        let paths = (Path::new("ca.crt"), Path::new("ca.key"));
        let (ca, issuer) = new_ca(
            None,
            KeyType::EcdsaP256,
            validity(now, 3650),
            paths,
            &mut no_progress(),
        )
        .expect("CA");
        assert!(ca.info.is_ca);
        let cn = ca.info.common_name.clone().expect("CA has a CN");
        assert!(
            cn.starts_with("shiwa CA ") && cn.len() == "shiwa CA ".len() + 8,
            "{cn}"
        );
        assert_eq!(ca.info.key_usage, vec!["keyCertSign", "cRLSign"]);
        let spec = LeafSpec {
            cn: "ntp1.example.com".into(),
            role: Role::Server,
            sans: vec!["ntp1.example.com".into(), "192.0.2.7".into()],
        };
        let paths = (Path::new("ntp1.crt"), Path::new("ntp1.key"));
        let leaf = issue_leaf(
            &spec,
            KeyType::Ed25519,
            validity(now, 30),
            &issuer,
            paths,
            &mut no_progress(),
        )
        .expect("leaf");
        assert_eq!(
            leaf.info.sans(),
            vec!["DNS:ntp1.example.com", "IP:192.0.2.7"]
        );
        assert_eq!(leaf.info.extended_key_usage, vec!["serverAuth"]);
        assert_eq!(leaf.info.key_type, "ed25519");
        assert!(!leaf.info.is_ca);
        leaf.info
            .verify_signed_by(&ca.info)
            .expect("chain verifies");
        assert_eq!(leaf.info.not_after, now + Duration::days(30));
        assert_eq!(leaf.info.not_before, now - BACKDATE);
    }

    #[test]
    fn san_syntax() {
        assert!(check_san("10.0.0.1").is_ok());
        assert!(check_san("::1").is_ok());
        assert!(check_san("*.example.com").is_ok());
        assert!(check_san("bad name").is_err());
        assert!(check_san("").is_err());
    }
}
