//! Certificate authority and certificate generation for shiwa's mutual TLS (`shiwa setup-pki`).
//!
//! A PKI directory (default `/etc/shiwa/pki`) holds one CA and the leaf certificates it signed,
//! each as a PEM certificate `<name>.crt` (mode 0644) next to its PKCS#8 PEM key `<name>.key`
//! (mode 0600):
//!
//! - `ca.crt`/`ca.key`: the CA. basicConstraints `CA:TRUE, pathlen:0` (critical), key usage
//!   keyCertSign + cRLSign. Valid for `ca_days` (default 3650), which must be at least the leaf
//!   validity.
//! - `<client>.crt`/`.key` (default `timebeat`): the client certificate, EKU clientAuth.
//! - `<server>.crt`/`.key`: a server certificate per `--server-cn`, EKU serverAuth, with the
//!   CN itself as the first SAN (DNS name, or iPAddress when it is an IP) plus every `--san`.
//!
//! Leaves carry digitalSignature (plus keyEncipherment for RSA keys) and are valid for
//! `leaf_days` (default 365). `notBefore` is backdated one hour so a peer whose clock is
//! slightly behind still accepts a fresh certificate.
//!
//! [`setup`] is idempotent: valid files are kept byte for byte. Existing state that is wrong
//! (a key that does not match its certificate, a leaf not signed by the CA, an expired
//! certificate, a CN/SAN/key type other than the one asked for) is reported and nothing is
//! written; [`SetupMode::Renew`] re-issues every leaf (new keys) from the kept CA and
//! [`SetupMode::Force`] starts over with a new CA. Leaves found in the directory that were not
//! named on the command line (earlier `--server-cn` runs) are validated too, and re-issued with
//! their existing CN, SANs and usage on renew/force. Everything is generated in memory before
//! the first write, so a refusal or a failed key generation writes nothing.
//!
//! [`check`] inspects the same files without writing and reports each problem.

mod check;
mod error;
mod files;
mod generate;
mod inspect;
mod keys;
mod plan;
mod setup;
mod validate;

#[cfg(test)]
mod tests;

pub use check::{CertCheck, CheckReport, check};
pub use error::{PkiError, Problem};
pub use keys::KeyType;
pub use setup::setup;

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use time::OffsetDateTime;

/// The rules above for operators: `shiwa setup-pki --help` and its man page.
pub const SETUP_HELP: &str = "\
Files (in --dir): ca.crt/ca.key (CA:TRUE, pathlen 0, keyCertSign + cRLSign), <client-name>.crt/.key \
(clientAuth), <server-cn>.crt/.key (serverAuth; the CN is the first SAN, then every --san; IPs \
become iPAddress SANs). Keys are PKCS#8 PEM, mode 0600; certificates mode 0644; a missing \
directory is created 0755 (and given to --owner too). Leaves are valid --days (365), a new CA \
--ca-days (3650); notBefore is set one hour back for peers whose clocks lag.

Running again keeps valid files byte for byte. Wrong existing state (a key that does not match, a \
leaf not signed by ca.crt, an expired certificate, another CN/SAN/key type than asked for) is \
refused with the reason and nothing is written: --renew issues new keys and certificates for every \
leaf from the existing CA; --force starts over with a new CA. One --server-cn per run: run again \
with another name to add a server; servers added earlier are found in the directory, checked, and \
re-issued with their own CN and SANs on --renew/--force.

--check exits 1 when a certificate or leaf key is missing, expired, not yet valid, expiring within \
--warn-days, not signed by the CA, lacks its key usage, its key does not match, or a key is \
world-readable. A missing ca.key is fine there: nodes carry only ca.crt.

Examples:
  shiwa setup-pki --owner shiwa
  shiwa setup-pki --server-cn hub.example.com --san 10.0.0.5 --san hub
  shiwa setup-pki --renew --days 90
  shiwa setup-pki --check --warn-days 60 --json";

/// The default PKI directory.
pub const DEFAULT_DIR: &str = "/etc/shiwa/pki";
/// The default client certificate name (`timebeat.crt`/`timebeat.key`, as Timebeat expects).
pub const DEFAULT_CLIENT_NAME: &str = "timebeat";
/// The CN of a new CA unless another is asked for is this prefix followed by the first eight
/// hex digits of the SHA-256 of its public key (`shiwa CA 3f9a1c2e`), so two CAs made on
/// different machines never share a name.
pub const DEFAULT_CA_CN_PREFIX: &str = "shiwa CA";
/// Default leaf validity in days.
pub const DEFAULT_LEAF_DAYS: u32 = 365;
/// Default CA validity in days.
pub const DEFAULT_CA_DAYS: u32 = 3650;
/// File stem of the CA (`ca.crt`, `ca.key`).
pub const CA_NAME: &str = "ca";

/// What [`setup`] does with files that already exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupMode {
    /// Create what is missing, keep what is valid, refuse when something is wrong.
    Normal,
    /// Keep the CA; issue new keys and certificates for every leaf.
    Renew,
    /// Regenerate everything, the CA included.
    Force,
}

impl SetupMode {
    /// The mode for the `--force` and `--renew` flags (force wins).
    pub fn from_flags(force: bool, renew: bool) -> Self {
        match (force, renew) {
            (true, _) => SetupMode::Force,
            (_, true) => SetupMode::Renew,
            _ => SetupMode::Normal,
        }
    }
}

/// A server certificate to create or keep.
#[derive(Debug, Clone)]
pub struct ServerRequest {
    /// Common name, also the file stem (`<cn>.crt`) and the first SAN.
    pub cn: String,
    /// Extra SANs: DNS names, or IP addresses (which become iPAddress entries).
    pub sans: Vec<String>,
}

/// Everything [`setup`] needs.
#[derive(Debug, Clone)]
pub struct PkiOptions {
    /// The PKI directory; created (0755) when missing.
    pub dir: PathBuf,
    /// The current time (certificates' validity starts here).
    pub now: OffsetDateTime,
    /// Key type for new keys. `None`: the existing CA's type, else ECDSA P-256. When given, an
    /// existing key of another type is reported as a mismatch.
    pub key_type: Option<KeyType>,
    /// Leaf validity in days.
    pub leaf_days: u32,
    /// CA validity in days (at least `leaf_days`).
    pub ca_days: u32,
    /// CA common name. `None`: keep the existing one, [`DEFAULT_CA_CN_PREFIX`] and a key
    /// fingerprint for a new CA.
    pub ca_cn: Option<String>,
    /// Client file stem.
    pub client_name: String,
    /// Client common name. `None`: keep the existing one, `client_name` for a new one.
    pub client_cn: Option<String>,
    /// A server certificate to create (one per invocation).
    pub server: Option<ServerRequest>,
    /// Give the files (and a directory created here) to this user and its primary group.
    pub owner: Option<String>,
    /// How to treat existing files.
    pub mode: SetupMode,
}

impl PkiOptions {
    /// Options with the documented defaults for `dir` at time `now`.
    pub fn new(dir: impl Into<PathBuf>, now: OffsetDateTime) -> Self {
        PkiOptions {
            dir: dir.into(),
            now,
            key_type: None,
            leaf_days: DEFAULT_LEAF_DAYS,
            ca_days: DEFAULT_CA_DAYS,
            ca_cn: None,
            client_name: DEFAULT_CLIENT_NAME.to_string(),
            client_cn: None,
            server: None,
            owner: None,
            mode: SetupMode::Normal,
        }
    }
}

/// Everything [`check`] needs.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// The PKI directory.
    pub dir: PathBuf,
    /// The current time.
    pub now: OffsetDateTime,
    /// Client file stem.
    pub client_name: String,
    /// Server certificates that must be present (others found in the directory are checked too).
    pub servers: Vec<String>,
    /// A certificate expiring within this many days is a problem.
    pub warn_days: u32,
}

/// The part a certificate plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The certificate authority.
    Ca,
    /// A TLS client (EKU clientAuth).
    Client,
    /// A TLS server (EKU serverAuth).
    Server,
}

/// Whether a row is about a certificate or a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// A PEM certificate.
    Certificate,
    /// A PKCS#8 PEM private key.
    Key,
}

/// What [`setup`] did with a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// It did not exist and was written.
    Created,
    /// It existed, was valid and was left as it was.
    Kept,
    /// It existed and was replaced (`--renew`, `--force`).
    Renewed,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Created => "created",
            Action::Kept => "kept",
            Action::Renewed => "renewed",
        })
    }
}

/// One file handled by [`setup`]. JSON field names are stable.
#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    /// File name inside the directory (`ca.crt`).
    pub file: String,
    /// Full path.
    pub path: PathBuf,
    /// Certificate or key.
    pub kind: FileKind,
    /// CA, client or server.
    pub role: Role,
    /// What happened.
    pub action: Action,
    /// Certificate subject (`CN=...`); `None` for keys.
    pub subject: Option<String>,
    /// Certificate notAfter, RFC 3339; `None` for keys.
    pub not_after: Option<String>,
    /// Key type (`ecdsa-p256`, `ed25519`, `rsa-4096`, ...).
    pub key_type: String,
}

/// The result of [`setup`]. JSON field names are stable.
#[derive(Debug, Clone, Serialize)]
pub struct SetupReport {
    /// The PKI directory.
    pub dir: PathBuf,
    /// One row per file: each certificate, then its key; CA first, then the leaves.
    pub files: Vec<FileOutcome>,
}

impl FileOutcome {
    /// The subject for certificates, `private key (<type>)` for keys.
    pub fn describe(&self) -> String {
        match &self.subject {
            Some(subject) => subject.clone(),
            None => format!("private key ({})", self.key_type),
        }
    }
}

/// Formats a time as RFC 3339 (UTC, seconds).
pub(crate) fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}
