//! `export config` and `import config`: the configuration as a JSON envelope, and the way
//! back, validated in full before anything is written.
//!
//! Envelope: `{format, version, exported_at, host, shiwa_version, source, redacted, config,
//! pki}`. `pki` (with `--with-pki`) embeds the files named by `ssl.*` keys as base64 with their
//! sha256. Import accepts the envelope, or bare YAML or JSON, from any origin.

mod diff;
mod envelope;
mod secrets;

pub use diff::{Change, ChangeKind, diff_documents};
pub use envelope::{EXPORT_FORMAT, EXPORT_VERSION, Envelope, PkiFile};

use super::diagnostic::{ConfigError, Diagnostic};
use super::document::{to_document, to_yaml};
use super::load::{load_file, load_tree, parse_tree};
use super::model::Config;
use super::tree::NodeKind;
use crate::exit::{ExitStatus, HasExitStatus};
use crate::fsutil::{self, WriteError};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Imports larger than this are refused (a config plus its PKI files is a few kilobytes).
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

/// Why an export or import failed.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The configuration (exported or imported) is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The envelope is malformed.
    #[error("{origin}: {message}")]
    Envelope {
        /// Where the input came from.
        origin: String,
        /// What is wrong with it.
        message: String,
    },
    /// A file to embed could not be read.
    #[error("reading {path} (named by an ssl.* key): {source}")]
    ReadPki {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Writing failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl HasExitStatus for TransferError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            TransferError::Config(e) => e.exit_status(),
            TransferError::Envelope { .. } => ExitStatus::Config,
            TransferError::ReadPki { source, .. } => ExitStatus::for_io(source),
            TransferError::Write(e) => e.exit_status(),
        }
    }
}

/// What `export config` needs besides the file.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Replace secrets with `<redacted>` (and leave private keys out of `pki`).
    pub redact: bool,
    /// Embed the files named by `ssl.*` keys.
    pub with_pki: bool,
    /// RFC 3339 time of the export (the caller reads the clock).
    pub exported_at: String,
    /// This machine's host name.
    pub host: String,
}

/// Builds the export envelope for the configuration file at `path`.
pub fn export(path: &Path, options: &ExportOptions) -> Result<Envelope, TransferError> {
    let loaded = load_file(path)?;
    let config = if options.redact {
        loaded.config.redacted()
    } else {
        loaded.config.clone()
    };
    let pki = if options.with_pki {
        loaded
            .config
            .pki_files()
            .iter()
            .map(|file| PkiFile::read(file, options.redact))
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    Ok(Envelope {
        format: EXPORT_FORMAT.to_string(),
        version: EXPORT_VERSION,
        exported_at: options.exported_at.clone(),
        host: options.host.clone(),
        shiwa_version: crate::version::VERSION.to_string(),
        source: path.display().to_string(),
        redacted: options.redact,
        config: to_document(&config),
        pki,
    })
}

/// A validated import, ready to be written.
#[derive(Debug, Clone)]
pub struct ImportPlan {
    /// The configuration file to write.
    pub target: PathBuf,
    /// The text that will be written there.
    pub text: String,
    /// The imported configuration.
    pub config: Config,
    /// Warnings from loading it.
    pub warnings: Vec<Diagnostic>,
    /// What changes compared with the current file (everything, when there is none).
    pub changes: Vec<Change>,
    /// PKI files to restore, checksums verified.
    pub pki: Vec<PkiFile>,
    /// Secrets that were redacted in the input and are kept from the current file.
    pub kept_secrets: Vec<String>,
}

/// Reads and validates `input` fully; nothing is written.
pub fn prepare_import(
    input: &[u8],
    origin: &str,
    target: &Path,
) -> Result<ImportPlan, TransferError> {
    if input.len() > MAX_IMPORT_BYTES {
        return Err(envelope_error(
            origin,
            format!("input is larger than {MAX_IMPORT_BYTES} bytes"),
        ));
    }
    let text = super::load::decode_unlimited(input, origin)?;
    let tree = parse_tree(text, origin)?;
    let (loaded, pki, text_to_write) = match envelope::config_subtree(&tree, origin)? {
        Some((config_tree, pki)) => {
            let loaded = load_tree(config_tree, origin)?;
            let yaml = render_yaml(&loaded.config, origin)?;
            (loaded, pki, yaml)
        }
        None => {
            let loaded = load_tree(tree, origin)?;
            let is_json = text.trim_start().starts_with('{');
            let yaml = if is_json {
                render_yaml(&loaded.config, origin)?
            } else {
                text.to_string()
            };
            (loaded, Vec::new(), yaml)
        }
    };
    for file in &pki {
        file.verify(origin)?;
    }
    let current = load_file(target).ok().map(|c| c.config);
    let filled = secrets::fill_redacted(loaded, current.as_ref(), origin)?;
    let text = match filled.kept.is_empty() {
        true => text_to_write,
        false => render_yaml(&filled.loaded.config, origin)?,
    };
    let changes = diff_documents(
        current.as_ref().map(to_document).as_ref(),
        &to_document(&filled.loaded.config),
    );
    Ok(ImportPlan {
        target: target.to_path_buf(),
        text,
        config: filled.loaded.config,
        warnings: filled.loaded.warnings,
        changes,
        pki,
        kept_secrets: filled.kept,
    })
}

/// What an applied import did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportOutcome {
    /// The configuration file written.
    pub written: PathBuf,
    /// Its permission bits.
    pub mode: u32,
    /// Where the previous file was kept, if there was one.
    pub backup: Option<PathBuf>,
    /// PKI files restored.
    pub pki_written: Vec<PathBuf>,
}

/// Writes a prepared import: the old file is kept as `.bak`, PKI files are restored, then the
/// configuration is written atomically. A replaced file keeps its owner and group and its mode
/// (never wider than 0640, so a `root:shiwa 0640` file stays readable by the service); a new
/// file is 0600.
pub fn apply_import(plan: &ImportPlan) -> Result<ImportOutcome, TransferError> {
    let (mode, owner) = match std::fs::metadata(&plan.target) {
        Ok(meta) => (meta.mode() & 0o640, Some((meta.uid(), meta.gid()))),
        Err(_) => (0o600, None),
    };
    let backup = if plan.target.exists() {
        let backup = backup_path(&plan.target);
        fsutil::backup_file(&plan.target, &backup)?;
        Some(backup)
    } else {
        if let Some(parent) = plan.target.parent().filter(|p| !p.as_os_str().is_empty()) {
            fsutil::create_dir_all(parent, 0o755)?;
        }
        None
    };
    let mut pki_written = Vec::new();
    for file in &plan.pki {
        file.restore()?;
        pki_written.push(file.path.clone());
    }
    fsutil::write_atomic_owned(&plan.target, plan.text.as_bytes(), mode, owner)?;
    Ok(ImportOutcome {
        written: plan.target.clone(),
        mode,
        backup,
        pki_written,
    })
}

/// `shiwa.yml` → `shiwa.yml.bak`.
pub fn backup_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".bak");
    PathBuf::from(name)
}

fn render_yaml(config: &Config, origin: &str) -> Result<String, TransferError> {
    let body =
        to_yaml(config).map_err(|e| envelope_error(origin, format!("rendering YAML: {e}")))?;
    Ok(format!(
        "# Written by `shiwa import config` from {origin}.\n{body}"
    ))
}

fn envelope_error(origin: &str, message: String) -> TransferError {
    TransferError::Envelope {
        origin: origin.to_string(),
        message,
    }
}

/// True when the tree's root looks like an export envelope.
pub(crate) fn is_envelope_root(kind: &NodeKind) -> bool {
    matches!(kind, NodeKind::Map(entries) if entries.iter().any(|e| e.key == "format"))
}
