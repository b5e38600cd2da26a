//! Reading certificates (x509-parser) and judging a certificate/key pair against its CA.

use super::files::PairOnDisk;
use super::keys;
use super::{Problem, Role, rfc3339};
use rcgen::KeyPair;
use std::net::IpAddr;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{ExtendedKeyUsage, GeneralName, KeyUsage};
use x509_parser::prelude::FromDer;

/// What shiwa needs to know about a certificate, owned.
#[derive(Debug, Clone)]
pub(crate) struct CertInfo {
    /// The DER encoding.
    pub der: Vec<u8>,
    /// Subject, `CN=...` form.
    pub subject: String,
    /// Issuer, `CN=...` form.
    pub issuer: String,
    /// The first common name in the subject.
    pub common_name: Option<String>,
    /// DNS subject alternative names.
    pub dns_sans: Vec<String>,
    /// IP subject alternative names.
    pub ip_sans: Vec<IpAddr>,
    /// Key usage flags by their RFC 5280 names.
    pub key_usage: Vec<String>,
    /// Extended key usages by their RFC 5280 names (OIDs for others).
    pub extended_key_usage: Vec<String>,
    /// Whether there is an extended key usage extension at all (absent: any usage).
    pub has_eku: bool,
    /// basicConstraints CA:TRUE.
    pub is_ca: bool,
    /// notBefore.
    pub not_before: OffsetDateTime,
    /// notAfter.
    pub not_after: OffsetDateTime,
    /// Key type name (`ecdsa-p256`, `rsa-2048`, ...).
    pub key_type: String,
    /// The subjectPublicKey bits, to compare with a private key's public half.
    public_key: Vec<u8>,
}

impl CertInfo {
    /// Parses the first PEM certificate in `pem`.
    pub fn from_pem(pem: &[u8]) -> Result<CertInfo, String> {
        let (_, block) = x509_parser::pem::parse_x509_pem(pem)
            .map_err(|err| format!("not a PEM certificate ({err})"))?;
        if block.label != "CERTIFICATE" {
            return Err(format!("PEM block is {:?}, not CERTIFICATE", block.label));
        }
        let cert = block
            .parse_x509()
            .map_err(|err| format!("not a valid X.509 certificate ({err})"))?;
        Self::from_x509(&cert, &block.contents)
    }

    fn from_x509(cert: &X509Certificate<'_>, der: &[u8]) -> Result<CertInfo, String> {
        let bad = |err| format!("bad extension ({err})");
        let key_usage = cert
            .key_usage()
            .map_err(bad)?
            .map(|e| key_usage_names(e.value));
        let eku = cert.extended_key_usage().map_err(bad)?;
        let sans = cert.subject_alternative_name().map_err(bad)?;
        let (mut dns_sans, mut ip_sans) = (Vec::new(), Vec::new());
        for name in sans.iter().flat_map(|ext| ext.value.general_names.iter()) {
            match name {
                GeneralName::DNSName(dns) => dns_sans.push((*dns).to_string()),
                GeneralName::IPAddress(bytes) => ip_sans.extend(ip_from_bytes(bytes)),
                _ => {}
            }
        }
        let common_name = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map(str::to_string);
        Ok(CertInfo {
            der: der.to_vec(),
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            common_name,
            dns_sans,
            ip_sans,
            key_usage: key_usage.unwrap_or_default(),
            extended_key_usage: eku.as_ref().map(|e| eku_names(e.value)).unwrap_or_default(),
            has_eku: eku.is_some(),
            is_ca: cert.is_ca(),
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            key_type: keys::describe_spki(cert.public_key()),
            public_key: cert.public_key().subject_public_key.data.to_vec(),
        })
    }

    /// SANs as `DNS:name` / `IP:addr`, in certificate order (DNS first).
    pub fn sans(&self) -> Vec<String> {
        let dns = self.dns_sans.iter().map(|d| format!("DNS:{d}"));
        dns.chain(self.ip_sans.iter().map(|ip| format!("IP:{ip}")))
            .collect()
    }

    /// SANs as plain strings, the form `--san` takes.
    pub fn san_values(&self) -> Vec<String> {
        let ips = self.ip_sans.iter().map(IpAddr::to_string);
        self.dns_sans.iter().cloned().chain(ips).collect()
    }

    /// True when the extended key usage allows `role` (no EKU extension allows everything).
    pub fn allows(&self, role: Role) -> bool {
        let wanted = match role {
            Role::Ca => return true,
            Role::Client => "clientAuth",
            Role::Server => "serverAuth",
        };
        !self.has_eku || self.extended_key_usage.iter().any(|u| u == wanted)
    }

    /// The role an existing leaf plays: from its extended key usage, or, when it has none,
    /// server when it has SANs and client otherwise.
    pub fn leaf_role(&self) -> Role {
        let has = |name: &str| self.extended_key_usage.iter().any(|u| u == name);
        if has("serverAuth") {
            Role::Server
        } else if has("clientAuth") || (self.dns_sans.is_empty() && self.ip_sans.is_empty()) {
            Role::Client
        } else {
            Role::Server
        }
    }

    /// True when the key usage has keyCertSign (no key usage extension allows everything).
    pub fn can_sign_certificates(&self) -> bool {
        self.key_usage.is_empty() || self.key_usage.iter().any(|u| u == "keyCertSign")
    }

    /// Checks that `issuer` signed this certificate: names match and the signature verifies.
    pub fn verify_signed_by(&self, issuer: &CertInfo) -> Result<(), String> {
        let (_, cert) = X509Certificate::from_der(&self.der).map_err(|e| e.to_string())?;
        let (_, ca) = X509Certificate::from_der(&issuer.der).map_err(|e| e.to_string())?;
        if cert.issuer().as_raw() != ca.subject().as_raw() {
            return Err(format!("issued by {}, not {}", self.issuer, issuer.subject));
        }
        cert.verify_signature(Some(ca.public_key()))
            .map_err(|err| format!("signature does not verify with {} ({err})", issuer.subject))
    }

    /// True when `key` is the private half of this certificate's public key.
    pub fn matches_key(&self, key: &KeyPair) -> bool {
        key.public_key_raw() == self.public_key.as_slice()
    }

    /// Whole days from `now` to notAfter (negative once expired).
    pub fn days_left(&self, now: OffsetDateTime) -> i64 {
        (self.not_after - now).whole_days()
    }
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}

fn key_usage_names(ku: &KeyUsage) -> Vec<String> {
    let flags = [
        (ku.digital_signature(), "digitalSignature"),
        (ku.non_repudiation(), "nonRepudiation"),
        (ku.key_encipherment(), "keyEncipherment"),
        (ku.data_encipherment(), "dataEncipherment"),
        (ku.key_agreement(), "keyAgreement"),
        (ku.key_cert_sign(), "keyCertSign"),
        (ku.crl_sign(), "cRLSign"),
        (ku.encipher_only(), "encipherOnly"),
        (ku.decipher_only(), "decipherOnly"),
    ];
    flags
        .into_iter()
        .filter(|(set, _)| *set)
        .map(|(_, name)| name.to_string())
        .collect()
}

fn eku_names(eku: &ExtendedKeyUsage<'_>) -> Vec<String> {
    let known = [
        (eku.server_auth, "serverAuth"),
        (eku.client_auth, "clientAuth"),
        (eku.code_signing, "codeSigning"),
        (eku.email_protection, "emailProtection"),
        (eku.time_stamping, "timeStamping"),
        (eku.ocsp_signing, "OCSPSigning"),
        (eku.any, "anyExtendedKeyUsage"),
    ];
    let names = known
        .into_iter()
        .filter(|(set, _)| *set)
        .map(|(_, n)| n.to_string());
    names
        .chain(eku.other.iter().map(ToString::to_string))
        .collect()
}

/// A certificate/key pair read from disk and judged.
pub(crate) struct Examined {
    /// The parsed certificate, when present and parseable.
    pub info: Option<CertInfo>,
    /// The parsed key, when present and parseable.
    pub key: Option<KeyPair>,
    /// Whether the CA signed it (self-signature for the CA); `None` when it could not be told.
    pub chain_valid: Option<bool>,
    /// Whether the key matches the certificate; `None` when either is missing.
    pub key_matches: Option<bool>,
    /// Everything wrong, each message starting with the file name.
    pub problems: Vec<Problem>,
}

/// Judges `pair` as a `role` certificate issued by `ca` (`None` for the CA itself, or when the
/// CA is unusable) at time `now`. A missing key is a problem only when `key_required`.
pub(crate) fn examine(
    pair: &PairOnDisk,
    role: Role,
    ca: Option<&CertInfo>,
    now: OffsetDateTime,
    key_required: bool,
) -> Examined {
    let (cert_name, key_name) = (pair.paths.cert_file(), pair.paths.key_file());
    let mut problems = Vec::new();
    let mut problem = |message: String| {
        problems.push(Problem {
            message,
            needs_force: role == Role::Ca,
        })
    };
    let info = match &pair.cert {
        None => {
            problem(format!("{cert_name}: missing"));
            None
        }
        Some(pem) => CertInfo::from_pem(pem)
            .map_err(|err| problem(format!("{cert_name}: {err}")))
            .ok(),
    };
    let key = match &pair.key {
        None if key_required => {
            problem(format!("{key_name}: missing"));
            None
        }
        None => None,
        Some(pem) => keys::load_key(pem)
            .map_err(|err| problem(format!("{key_name}: {err}")))
            .ok(),
    };
    let key_matches = info
        .as_ref()
        .zip(key.as_ref())
        .map(|(i, k)| i.matches_key(k));
    if key_matches == Some(false) {
        problem(format!(
            "{key_name}: does not match the public key in {cert_name}"
        ));
    }
    let mut chain_valid = None;
    if let Some(info) = &info {
        for message in judge_certificate(info, role, ca, now, &mut chain_valid) {
            problem(format!("{cert_name}: {message}"));
        }
    }
    Examined {
        info,
        key,
        chain_valid,
        key_matches,
        problems,
    }
}

/// Validity, usage and signature problems of one certificate (messages without the file name).
fn judge_certificate(
    info: &CertInfo,
    role: Role,
    ca: Option<&CertInfo>,
    now: OffsetDateTime,
    chain_valid: &mut Option<bool>,
) -> Vec<String> {
    let mut out = Vec::new();
    if now > info.not_after {
        out.push(format!("expired on {}", rfc3339(info.not_after)));
    }
    if now < info.not_before {
        out.push(format!("not valid before {}", rfc3339(info.not_before)));
    }
    if !info.allows(role) {
        let wanted = if role == Role::Client {
            "clientAuth"
        } else {
            "serverAuth"
        };
        out.push(format!("extended key usage lacks {wanted}"));
    }
    let issuer = match role {
        Role::Ca => {
            if !info.is_ca {
                out.push("not a CA certificate (basicConstraints CA:TRUE missing)".into());
            }
            if !info.can_sign_certificates() {
                out.push("key usage lacks keyCertSign".into());
            }
            Some(info)
        }
        Role::Client | Role::Server => ca,
    };
    if let Some(issuer) = issuer {
        let verdict = info.verify_signed_by(issuer);
        *chain_valid = Some(verdict.is_ok());
        if let Err(err) = verdict {
            let whom = if role == Role::Ca { "itself" } else { "ca.crt" };
            out.push(format!("not signed by {whom}: {err}"));
        }
    }
    out
}
