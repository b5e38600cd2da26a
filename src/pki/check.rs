//! `check`: inspect a PKI directory without writing and list every problem.

use super::files::{self, PairOnDisk};
use super::inspect::{CertInfo, Examined, examine};
use super::{CA_NAME, CheckOptions, PkiError, Role, rfc3339};
use serde::Serialize;
use std::path::PathBuf;
use time::OffsetDateTime;

/// The result of [`check`]. JSON field names are stable.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The PKI directory.
    pub dir: PathBuf,
    /// When the check ran, RFC 3339.
    pub checked_at: String,
    /// Certificates expiring within this many days count as problems.
    pub warn_days: u32,
    /// True when no certificate has a problem.
    pub ok: bool,
    /// One entry per certificate: the CA, the client, named servers, then others found.
    pub certificates: Vec<CertCheck>,
}

/// One certificate (and its key) as found. Fields the file could not tell are `null`.
#[derive(Debug, Clone, Serialize)]
pub struct CertCheck {
    /// Certificate file name (`timebeat.crt`).
    pub file: String,
    /// Full path of the certificate.
    pub path: PathBuf,
    /// Key file name (`timebeat.key`).
    pub key_file: String,
    /// CA, client or server.
    pub role: Role,
    /// Whether the certificate file exists.
    pub present: bool,
    /// Subject (`CN=...`).
    pub subject: Option<String>,
    /// Issuer (`CN=...`).
    pub issuer: Option<String>,
    /// SANs as `DNS:name` / `IP:addr`.
    pub sans: Vec<String>,
    /// Key usage names (`digitalSignature`, `keyCertSign`, ...).
    pub key_usage: Vec<String>,
    /// Extended key usage names (`clientAuth`, `serverAuth`, ...).
    pub extended_key_usage: Vec<String>,
    /// Key type (`ecdsa-p256`, `ed25519`, `rsa-4096`, ...).
    pub key_type: Option<String>,
    /// notAfter, RFC 3339.
    pub not_after: Option<String>,
    /// Whole days until notAfter (negative once expired).
    pub days_left: Option<i64>,
    /// Signed by `ca.crt` (for the CA: its self-signature verifies).
    pub chain_valid: Option<bool>,
    /// The key file holds the private half of the certificate's public key.
    pub key_matches: Option<bool>,
    /// Everything wrong with it; empty when fine.
    pub problems: Vec<String>,
}

impl CheckReport {
    /// Every problem of every certificate, in table order.
    pub fn problems(&self) -> impl Iterator<Item = &str> {
        self.certificates
            .iter()
            .flat_map(|c| c.problems.iter().map(String::as_str))
    }
}

impl crate::exit::HasExitStatus for CheckReport {
    /// 0 when every certificate is fine, 1 otherwise.
    fn exit_status(&self) -> crate::exit::ExitStatus {
        if self.ok {
            crate::exit::ExitStatus::Success
        } else {
            crate::exit::ExitStatus::Failure
        }
    }
}

impl CertCheck {
    /// Key usage and extended key usage, one comma-separated line each (empty ones left out).
    pub fn usage_lines(&self) -> String {
        let lines = [
            self.key_usage.join(", "),
            self.extended_key_usage.join(", "),
        ];
        let lines: Vec<String> = lines.into_iter().filter(|l| !l.is_empty()).collect();
        lines.join("\n")
    }
}

/// Checks the CA, the client, the named servers and every other leaf in the directory.
///
/// Problems: a missing certificate or leaf key, a certificate that is expired, not yet valid,
/// expiring within `warn_days`, not signed by the CA, without the usage its role needs, a key
/// that does not match, a world-readable key. A missing `ca.key` is not a problem: nodes only
/// carry `ca.crt`. Errors are reserved for a directory that cannot be read.
pub fn check(opts: &CheckOptions) -> Result<CheckReport, PkiError> {
    super::validate::check_stem("--client-name", &opts.client_name)?;
    for server in &opts.servers {
        super::validate::check_stem("--server-cn", server)?;
    }
    let ca_disk = files::read_pair(&opts.dir, CA_NAME)?;
    let ca = examine(&ca_disk, Role::Ca, None, opts.now, false);
    let ca_info = ca.info.clone();
    let mut certificates = vec![entry(&ca_disk, Role::Ca, ca, opts)];

    let mut named: Vec<(String, Option<Role>)> =
        vec![(opts.client_name.clone(), Some(Role::Client))];
    named.extend(opts.servers.iter().map(|s| (s.clone(), Some(Role::Server))));
    let known: Vec<&str> = named.iter().map(|(stem, _)| stem.as_str()).collect();
    let found = files::discover_leaves(&opts.dir, &known)?;
    named.extend(found.into_iter().map(|stem| (stem, None)));

    for (stem, role) in named {
        let disk = files::read_pair(&opts.dir, &stem)?;
        let role = role.unwrap_or_else(|| {
            let parsed = disk
                .cert
                .as_deref()
                .and_then(|c| CertInfo::from_pem(c).ok());
            parsed.as_ref().map_or(Role::Server, CertInfo::leaf_role)
        });
        let examined = examine(&disk, role, ca_info.as_ref(), opts.now, true);
        certificates.push(entry(&disk, role, examined, opts));
    }
    let ok = certificates.iter().all(|c| c.problems.is_empty());
    Ok(CheckReport {
        dir: opts.dir.clone(),
        checked_at: rfc3339(opts.now),
        warn_days: opts.warn_days,
        ok,
        certificates,
    })
}

fn entry(disk: &PairOnDisk, role: Role, examined: Examined, opts: &CheckOptions) -> CertCheck {
    let mut problems: Vec<String> = examined.problems.into_iter().map(|p| p.message).collect();
    if let Some(info) = &examined.info
        && let Some(message) = expiry_warning(info, opts.now, opts.warn_days)
    {
        problems.push(format!("{}: {message}", disk.paths.cert_file()));
    }
    if let Some(mode) = disk.key_mode
        && mode & 0o004 != 0
    {
        problems.push(format!(
            "{}: readable by every user (mode {mode:04o}); run chmod 600",
            disk.paths.key_file()
        ));
    }
    let info = examined.info.as_ref();
    CertCheck {
        file: disk.paths.cert_file(),
        path: disk.paths.cert.clone(),
        key_file: disk.paths.key_file(),
        role,
        present: disk.cert.is_some(),
        subject: info.map(|i| i.subject.clone()),
        issuer: info.map(|i| i.issuer.clone()),
        sans: info.map(CertInfo::sans).unwrap_or_default(),
        key_usage: info.map(|i| i.key_usage.clone()).unwrap_or_default(),
        extended_key_usage: info
            .map(|i| i.extended_key_usage.clone())
            .unwrap_or_default(),
        key_type: info.map(|i| i.key_type.clone()),
        not_after: info.map(|i| rfc3339(i.not_after)),
        days_left: info.map(|i| i.days_left(opts.now)),
        chain_valid: examined.chain_valid,
        key_matches: examined.key_matches,
        problems,
    }
}

/// "expires in N days" when a still-valid certificate ends within `warn_days`.
fn expiry_warning(info: &CertInfo, now: OffsetDateTime, warn_days: u32) -> Option<String> {
    let left = info.not_after - now;
    let window = time::Duration::days(i64::from(warn_days));
    (left.is_positive() && left < window).then(|| {
        format!(
            "expires in {} days on {} (within --warn-days {warn_days})",
            left.whole_days(),
            rfc3339(info.not_after)
        )
    })
}
