//! The export envelope and the PKI files it can carry.

use super::TransferError;
use crate::config::tree::{Node, NodeKind};
use crate::fsutil;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The `format` field of an export.
pub const EXPORT_FORMAT: &str = "shiwa-config-export";
/// The envelope version this build writes and reads.
pub const EXPORT_VERSION: u32 = 1;

/// What `export config` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// Envelope version.
    pub version: u32,
    /// When the export was made (RFC 3339, UTC).
    pub exported_at: String,
    /// The host it was made on.
    pub host: String,
    /// The shiwa version that made it.
    pub shiwa_version: String,
    /// The configuration file exported.
    pub source: String,
    /// Whether secrets were replaced by `<redacted>`.
    pub redacted: bool,
    /// The configuration, as nested JSON with Timebeat's keys.
    pub config: serde_json::Value,
    /// Files named by `ssl.*` keys (with `--with-pki`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pki: Vec<PkiFile>,
}

/// One embedded file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PkiFile {
    /// Where it lives (and is restored to).
    pub path: PathBuf,
    /// Permission bits to restore (0600 for keys).
    pub mode: u32,
    /// sha256 of the contents, hex.
    pub sha256: String,
    /// The contents, base64; absent when redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_base64: Option<String>,
    /// Whether the file is a private key.
    pub secret: bool,
}

impl PkiFile {
    /// Reads `path` for embedding; private keys are left out when `redact` is set.
    pub fn read(path: &Path, redact: bool) -> Result<PkiFile, TransferError> {
        let contents = std::fs::read(path).map_err(|source| TransferError::ReadPki {
            path: path.to_path_buf(),
            source,
        })?;
        let secret = is_private_key(&contents);
        Ok(PkiFile {
            path: path.to_path_buf(),
            mode: if secret { 0o600 } else { 0o644 },
            sha256: hex_sha256(&contents),
            content_base64: (!(secret && redact)).then(|| BASE64.encode(&contents)),
            secret,
        })
    }

    /// Checks that the contents are present and match the checksum.
    pub fn verify(&self, origin: &str) -> Result<Vec<u8>, TransferError> {
        let fail = |message: String| TransferError::Envelope {
            origin: origin.to_string(),
            message: format!("pki file {}: {message}", self.path.display()),
        };
        if !self.path.is_absolute() {
            return Err(fail("path must be absolute".into()));
        }
        let encoded = self
            .content_base64
            .as_ref()
            .ok_or_else(|| fail("contents were redacted in the export".into()))?;
        let contents = BASE64
            .decode(encoded)
            .map_err(|e| fail(format!("invalid base64: {e}")))?;
        let actual = hex_sha256(&contents);
        if actual != self.sha256.to_ascii_lowercase() {
            return Err(fail(format!(
                "sha256 mismatch: envelope says {}, contents hash to {actual}",
                self.sha256
            )));
        }
        Ok(contents)
    }

    /// Writes the file back atomically (keys 0600), creating its directory when missing.
    pub fn restore(&self) -> Result<(), TransferError> {
        let contents = self.verify("import")?;
        if let Some(parent) = self.path.parent() {
            fsutil::create_dir_all(parent, 0o755)?;
        }
        let mode = if self.secret {
            0o600
        } else {
            self.mode & 0o644
        };
        fsutil::write_atomic(&self.path, &contents, mode)?;
        Ok(())
    }
}

fn is_private_key(contents: &[u8]) -> bool {
    String::from_utf8_lossy(contents).contains("PRIVATE KEY-----")
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// For an envelope, its `config` subtree and PKI files; `None` for bare YAML/JSON.
pub(super) fn config_subtree(
    tree: &Node,
    origin: &str,
) -> Result<Option<(Node, Vec<PkiFile>)>, TransferError> {
    let NodeKind::Map(entries) = &tree.kind else {
        return Ok(None);
    };
    if !super::is_envelope_root(&tree.kind) {
        return Ok(None);
    }
    let fail = |message: String| TransferError::Envelope {
        origin: origin.to_string(),
        message,
    };
    let field = |name: &str| entries.iter().find(|e| e.key == name).map(|e| &e.value);
    let format = field("format").map(Node::to_json);
    if format.as_ref().and_then(|f| f.as_str()) != Some(EXPORT_FORMAT) {
        return Err(fail(format!(
            "`format` is {}, expected \"{EXPORT_FORMAT}\"",
            format.map(|f| f.to_string()).unwrap_or_default()
        )));
    }
    let version = field("version").and_then(|v| v.to_json().as_u64());
    if version != Some(u64::from(EXPORT_VERSION)) {
        return Err(fail(format!(
            "unsupported envelope version {}: this shiwa reads version {EXPORT_VERSION}",
            version.map_or("(missing)".to_string(), |v| v.to_string())
        )));
    }
    let config = field("config")
        .cloned()
        .ok_or_else(|| fail("the envelope has no `config`".into()))?;
    let pki = match field("pki") {
        None => Vec::new(),
        Some(node) => serde_json::from_value(node.to_json())
            .map_err(|e| fail(format!("malformed `pki` list: {e}")))?,
    };
    Ok(Some((config, pki)))
}
