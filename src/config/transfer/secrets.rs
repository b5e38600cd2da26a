//! Redacted secrets in an import: taken from the file being replaced, or refused.
//!
//! A redacted export (`export config --redact`) is what people keep in version control. When it
//! is imported onto a node whose current file holds the real values, those are kept; when there
//! is nothing to keep, the import is refused rather than writing `<redacted>` as a password.

use super::TransferError;
use crate::config::diagnostic::{ConfigError, Diagnostic, Severity};
use crate::config::document::{insert_at, to_document, value_at};
use crate::config::load::{LoadedConfig, load_str};
use crate::config::model::Config;
use crate::config::tree::join_key;
use crate::secret::REDACTED;
use serde_json::Value;

/// The import after redacted secrets were filled in.
pub(super) struct Filled {
    /// The configuration to write.
    pub loaded: LoadedConfig,
    /// Dotted paths of secrets kept from the current file (empty: nothing was redacted).
    pub kept: Vec<String>,
}

/// Replaces every `<redacted>` value with the current file's value at the same path, or fails
/// naming each secret that has no value to keep.
pub(super) fn fill_redacted(
    loaded: LoadedConfig,
    current: Option<&Config>,
    origin: &str,
) -> Result<Filled, TransferError> {
    let mut doc = to_document(&loaded.config);
    let mut redacted = Vec::new();
    find_redacted(&doc, "", &mut redacted);
    if redacted.is_empty() {
        return Ok(Filled {
            loaded,
            kept: Vec::new(),
        });
    }
    let current_doc = current.map(to_document);
    let mut missing = Vec::new();
    for path in &redacted {
        let keep = current_doc
            .as_ref()
            .and_then(|c| value_at(c, path))
            .filter(|v| v.as_str() != Some(REDACTED) && !v.is_null());
        match keep {
            Some(value) => insert_at(&mut doc, path, value.clone()),
            None => missing.push(path.clone()),
        }
    }
    if !missing.is_empty() {
        return Err(refused(origin, missing));
    }
    let mut loaded = load_str(&doc.to_string(), origin)?;
    loaded.origin = origin.to_string();
    Ok(Filled {
        loaded,
        kept: redacted,
    })
}

fn refused(origin: &str, paths: Vec<String>) -> TransferError {
    ConfigError::Invalid {
        file: origin.to_string(),
        diagnostics: paths
            .into_iter()
            .map(|path| Diagnostic {
                severity: Severity::Error,
                file: origin.to_string(),
                pos: None,
                path,
                message: "secret was redacted in the export and the current file has none to \
                          keep: export without --redact, or fill it in"
                    .into(),
            })
            .collect(),
    }
    .into()
}

/// Dotted paths of values equal to the redaction placeholder.
fn find_redacted(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s == REDACTED => out.push(prefix.to_string()),
        Value::Object(map) => {
            for (key, child) in map {
                find_redacted(child, &join_key(prefix, key), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                find_redacted(item, &format!("{prefix}[{index}]"), out);
            }
        }
        _ => {}
    }
}
