//! Reading a configuration file: find it, read it safely, parse it, fill the typed model and
//! report every problem at once.

use super::de::{DeError, NodeDe, Pass};
use super::diagnostic::{ConfigError, Diagnostic, Pos, Severity};
use super::model::Config;
use super::tree::{self, Entry, Node, NodeKind, join_key};
use super::validate::validate;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Where the configuration is looked for when none is given, in order.
pub const DEFAULT_PATHS: [&str; 2] = ["/etc/shiwa/shiwa.yml", "/etc/timebeat/timebeat.yml"];

/// Larger files are refused: a configuration is a few kilobytes.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The most passes the loader makes while collecting errors.
const MAX_PASSES: usize = 200;

/// A successfully loaded configuration.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The typed configuration.
    pub config: Config,
    /// Problems that did not prevent loading.
    pub warnings: Vec<Diagnostic>,
    /// Where it came from (a path, or `<stdin>`).
    pub origin: String,
}

/// The file to use: the one given (`--config` / `SHIWA_CONFIG`), else the first default that
/// exists.
pub fn resolve_path(explicit: Option<&Path>) -> Result<PathBuf, ConfigError> {
    if let Some(path) = explicit {
        return Ok(path.to_path_buf());
    }
    DEFAULT_PATHS
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .ok_or_else(|| ConfigError::NotFound {
            tried: DEFAULT_PATHS.iter().map(PathBuf::from).collect(),
        })
}

/// Reads and loads the file at `path`.
pub fn load_file(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let bytes = read_config_bytes(path)?;
    let origin = path.display().to_string();
    let mut loaded = load_bytes(&bytes, &origin)?;
    if let Some(warning) = permission_warning(path, &loaded.config) {
        loaded.warnings.insert(0, warning);
    }
    Ok(loaded)
}

/// Reads a configuration file, refusing directories and files over [`MAX_CONFIG_BYTES`].
pub fn read_config_bytes(path: &Path) -> Result<Vec<u8>, ConfigError> {
    let read_error = |cause| ConfigError::Read {
        path: path.to_path_buf(),
        cause,
    };
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if meta.is_dir() {
        return Err(whole_file_error(
            &path.display().to_string(),
            "is a directory, not a file",
        ));
    }
    if meta.len() > MAX_CONFIG_BYTES {
        return Err(too_large(&path.display().to_string(), meta.len()));
    }
    std::fs::read(path).map_err(read_error)
}

/// Loads configuration text given as bytes (a file's contents or standard input).
pub fn load_bytes(bytes: &[u8], origin: &str) -> Result<LoadedConfig, ConfigError> {
    let text = decode(bytes, origin)?;
    load_str(text, origin)
}

/// Loads configuration text.
pub fn load_str(text: &str, origin: &str) -> Result<LoadedConfig, ConfigError> {
    let tree = parse_tree(text, origin)?;
    load_tree(tree, origin)
}

/// Checks size and encoding, and strips a byte-order mark.
pub fn decode<'a>(bytes: &'a [u8], origin: &str) -> Result<&'a str, ConfigError> {
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_large(origin, bytes.len() as u64));
    }
    decode_unlimited(bytes, origin)
}

/// Checks the encoding (not the size) and strips a byte-order mark.
pub(crate) fn decode_unlimited<'a>(bytes: &'a [u8], origin: &str) -> Result<&'a str, ConfigError> {
    let text = std::str::from_utf8(bytes).map_err(|err| {
        let valid = &bytes[..err.valid_up_to()];
        let line = valid.iter().filter(|b| **b == b'\n').count() + 1;
        let col = valid.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        ConfigError::single(Diagnostic {
            severity: Severity::Error,
            file: origin.to_string(),
            pos: Some(Pos { line, col }),
            path: String::new(),
            message: "not valid UTF-8 text (is this a binary file, or another encoding?)".into(),
        })
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// Parses text into a positioned tree whose root is a mapping.
pub fn parse_tree(text: &str, origin: &str) -> Result<Node, ConfigError> {
    let tree = tree::parse(text).map_err(|err| {
        ConfigError::single(Diagnostic {
            severity: Severity::Error,
            file: origin.to_string(),
            pos: Some(err.pos),
            path: err.path,
            message: err.message,
        })
    })?;
    let tree = tree.ok_or_else(|| {
        whole_file_error(
            origin,
            "the file is empty: expected a configuration (see examples/)",
        )
    })?;
    if !matches!(tree.kind, NodeKind::Map(_)) {
        return Err(ConfigError::single(Diagnostic {
            severity: Severity::Error,
            file: origin.to_string(),
            pos: Some(tree.pos),
            path: String::new(),
            message: format!(
                "expected a mapping of sections at the top, found {}",
                tree.shape()
            ),
        }));
    }
    Ok(tree)
}

/// Fills the typed model from a parsed tree, collecting every problem.
pub fn load_tree(mut tree: Node, origin: &str) -> Result<LoadedConfig, ConfigError> {
    let mut diagnostics = Vec::new();
    apply_aliases(&mut tree, origin, &mut diagnostics);
    let (config, mut found, skipped) = deserialize_collecting::<Config>(&tree, origin);
    let config = config.map(|(mut config, unimplemented)| {
        config.unimplemented = unimplemented;
        config
    });
    diagnostics.append(&mut found);
    if let Some(config) = &config {
        diagnostics.extend(validate(config, &tree, origin, &skipped));
    }
    diagnostics.sort_by_key(|d| (d.pos.unwrap_or_default(), d.severity));
    diagnostics.dedup();
    let has_errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
    match config {
        Some(config) if !has_errors => Ok(LoadedConfig {
            config,
            warnings: diagnostics,
            origin: origin.to_string(),
        }),
        _ => Err(ConfigError::Invalid {
            file: origin.to_string(),
            diagnostics,
        }),
    }
}

/// What [`deserialize_collecting`] returns: the value with the unimplemented Timebeat keys met
/// (when the root could be built), the problems, and the skipped paths.
type Collected<T> = (
    Option<(T, BTreeMap<String, serde_json::Value>)>,
    Vec<Diagnostic>,
    BTreeSet<String>,
);

/// Reads and loads a YAML file into any `T` (`hub.yaml`) with the same positioned errors as
/// the sync config (`FILE:LINE:COL: key.path: message`, every problem at once); returns it
/// with its warnings.
pub fn load_typed_file<T: DeserializeOwned>(
    path: &Path,
) -> Result<(T, Vec<Diagnostic>), ConfigError> {
    let bytes = read_config_bytes(path)?;
    let origin = path.display().to_string();
    let tree = parse_tree(decode(&bytes, &origin)?, &origin)?;
    let (value, mut diagnostics, _) = deserialize_collecting::<T>(&tree, &origin);
    diagnostics.sort_by_key(|d| (d.pos.unwrap_or_default(), d.severity));
    diagnostics.dedup();
    match value {
        Some((value, _)) if !diagnostics.iter().any(|d| d.severity == Severity::Error) => {
            Ok((value, diagnostics))
        }
        _ => Err(ConfigError::Invalid {
            file: origin,
            diagnostics,
        }),
    }
}

/// Deserializes any `T` (the sync config, the hub's `hub.yaml`), and on each failure records
/// it, skips the failing subtree and tries again.
fn deserialize_collecting<T: DeserializeOwned>(tree: &Node, origin: &str) -> Collected<T> {
    let mut poisoned = BTreeSet::new();
    let mut fatal = Vec::new();
    for _ in 0..MAX_PASSES {
        let pass = Pass::new(&poisoned, origin);
        let result = T::deserialize(NodeDe::root(tree, &pass));
        let mut diagnostics = pass.diagnostics.into_inner();
        match result {
            Ok(value) => {
                fatal.append(&mut diagnostics);
                return (
                    Some((value, pass.unimplemented.into_inner())),
                    fatal,
                    poisoned,
                );
            }
            Err(err) => {
                let path = err.path.clone().unwrap_or_default();
                if let Some(diagnostic) = describe_failure(&err, &path, &poisoned, tree, origin) {
                    fatal.push(diagnostic);
                }
                if path.is_empty() || !poisoned.insert(path) {
                    fatal.append(&mut diagnostics);
                    return (None, fatal, poisoned);
                }
            }
        }
    }
    (None, fatal, poisoned)
}

fn describe_failure(
    err: &DeError,
    path: &str,
    poisoned: &BTreeSet<String>,
    tree: &Node,
    origin: &str,
) -> Option<Diagnostic> {
    if let Some(field) = err.missing_field
        && poisoned.contains(&join_key(path, field))
    {
        return None;
    }
    Some(Diagnostic {
        severity: Severity::Error,
        file: origin.to_string(),
        pos: err.pos.or_else(|| Some(tree.pos_of(path))),
        path: path.to_string(),
        message: err.message.clone(),
    })
}

/// `shiwa:` means `timebeat:`; `authorized_keys` means `authorised_keys`.
fn apply_aliases(tree: &mut Node, origin: &str, diagnostics: &mut Vec<Diagnostic>) {
    rename_key(tree, "", "shiwa", "timebeat", origin, diagnostics);
    if let NodeKind::Map(entries) = &mut tree.kind
        && let Some(agent) = entries.iter_mut().find(|e| e.key == "timebeat")
        && let NodeKind::Map(sections) = &mut agent.value.kind
        && let Some(cli) = sections.iter_mut().find(|e| e.key == "cli")
    {
        let cli_path = "timebeat.cli";
        rename_key(
            &mut cli.value,
            cli_path,
            "authorized_keys",
            "authorised_keys",
            origin,
            diagnostics,
        );
    }
}

fn rename_key(
    node: &mut Node,
    path: &str,
    alias: &str,
    canonical: &str,
    origin: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let NodeKind::Map(entries) = &mut node.kind else {
        return;
    };
    let has_canonical = entries.iter().any(|e| e.key == canonical);
    let Some(entry) = entries.iter_mut().find(|e| e.key == alias) else {
        return;
    };
    if has_canonical {
        diagnostics.push(Diagnostic {
            severity: Severity::Error,
            file: origin.to_string(),
            pos: Some(entry.key_pos),
            path: join_key(path, alias),
            message: format!("`{alias}` and `{canonical}` mean the same: give only one"),
        });
        entries.retain(|e: &Entry| e.key != alias);
        return;
    }
    entry.key = canonical.to_string();
}

fn permission_warning(path: &Path, config: &Config) -> Option<Diagnostic> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    let holds_secrets = config.redacted() != *config;
    (mode & 0o044 != 0 && holds_secrets).then(|| Diagnostic {
        severity: Severity::Warning,
        file: path.display().to_string(),
        pos: None,
        path: String::new(),
        message: format!(
            "holds secrets but is readable by group or others (mode {:o}): chmod 600 {}",
            mode & 0o777,
            path.display()
        ),
    })
}

fn whole_file_error(origin: &str, message: &str) -> ConfigError {
    ConfigError::single(Diagnostic {
        severity: Severity::Error,
        file: origin.to_string(),
        pos: None,
        path: String::new(),
        message: message.to_string(),
    })
}

fn too_large(origin: &str, size: u64) -> ConfigError {
    whole_file_error(
        origin,
        &format!("is {size} bytes: configuration files are limited to {MAX_CONFIG_BYTES} bytes"),
    )
}
