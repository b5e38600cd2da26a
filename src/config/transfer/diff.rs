//! What an import changes: a flat list of added, removed and changed keys.

use crate::config::tree::join_key;
use crate::secret::REDACTED;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// How a key changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// New key.
    Added,
    /// Key goes away.
    Removed,
    /// Value differs.
    Changed,
}

/// One changed key. Values of secret keys are shown as `<redacted>`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Added, removed or changed.
    pub kind: ChangeKind,
    /// Dotted key path.
    pub path: String,
    /// Value before (JSON text).
    pub before: Option<String>,
    /// Value after (JSON text).
    pub after: Option<String>,
}

/// Differences between the current document (if any) and the new one, by dotted key path.
pub fn diff_documents(before: Option<&Value>, after: &Value) -> Vec<Change> {
    let mut old = BTreeMap::new();
    if let Some(before) = before {
        flatten(before, "", &mut old);
    }
    let mut new = BTreeMap::new();
    flatten(after, "", &mut new);
    let mut changes = Vec::new();
    for (path, value) in &new {
        match old.get(path) {
            None => changes.push(change(ChangeKind::Added, path, None, Some(value))),
            Some(previous) if previous != value => {
                changes.push(change(
                    ChangeKind::Changed,
                    path,
                    Some(previous),
                    Some(value),
                ));
            }
            Some(_) => {}
        }
    }
    for (path, value) in &old {
        if !new.contains_key(path) {
            changes.push(change(ChangeKind::Removed, path, Some(value), None));
        }
    }
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

fn change(kind: ChangeKind, path: &str, before: Option<&String>, after: Option<&String>) -> Change {
    let secret = is_secret_path(path);
    let shown = |v: Option<&String>| {
        v.map(|v| {
            if secret {
                format!("\"{REDACTED}\"")
            } else {
                v.clone()
            }
        })
    };
    Change {
        kind,
        path: path.to_string(),
        before: shown(before),
        after: shown(after),
    }
}

fn is_secret_path(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path);
    matches!(
        last,
        "password"
            | "api_key"
            | "key_passphrase"
            | "passphrase"
            | "secret"
            | "token"
            | "bearer_token"
            | "password_hash"
    ) || (last == "key" && path.contains("ssl"))
}

fn flatten(value: &Value, prefix: &str, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let path = join_key(prefix, key);
                flatten(child, &path, out);
            }
        }
        Value::Array(items) if items.iter().any(|i| i.is_object()) => {
            for (index, item) in items.iter().enumerate() {
                flatten(item, &format!("{prefix}[{index}]"), out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_added_removed_and_changed_keys_with_secrets_hidden() {
        let before = json!({"a": {"b": 1, "password": "old"}, "gone": true});
        let after = json!({"a": {"b": 2, "password": "new"}, "new": [1, 2]});
        let changes = diff_documents(Some(&before), &after);
        let summary: Vec<_> = changes.iter().map(|c| (c.kind, c.path.as_str())).collect();
        assert_eq!(
            summary,
            vec![
                (ChangeKind::Changed, "a.b"),
                (ChangeKind::Changed, "a.password"),
                (ChangeKind::Removed, "gone"),
                (ChangeKind::Added, "new"),
            ]
        );
        let password = &changes[1];
        assert!(!format!("{password:?}").contains("new\""), "{password:?}");
    }
}
