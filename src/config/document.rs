//! The configuration as a document (JSON value / YAML text) for `config show`, exports and
//! imports, including the Timebeat keys shiwa keeps without implementing.

use super::model::Config;
use super::tree::{PathSegment, split_path};
use crate::secret::REDACTED;
use serde_json::{Map, Value};

/// Key names whose values are secrets wherever they appear (used for passthrough values).
const SECRET_KEYS: &[&str] = &[
    "password",
    "api_key",
    "key_passphrase",
    "passphrase",
    "secret",
    "token",
    "private_key",
    "retrieval_password",
    "bearer_token",
    "password_hash",
];

/// The configuration as JSON: the typed model plus the kept unimplemented keys.
pub fn to_document(config: &Config) -> Value {
    let mut doc = serde_json::to_value(config).unwrap_or(Value::Object(Map::new()));
    for (path, value) in &config.unimplemented {
        insert_at(&mut doc, path, value.clone());
    }
    doc
}

/// The configuration as YAML text, ready to be written to a file.
pub fn to_yaml(config: &Config) -> Result<String, yaml_serde::Error> {
    yaml_serde::to_string(&to_document(config))
}

/// Replaces the values of secret-named keys (`password`, `api_key`, ...) inside `value`.
pub fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if SECRET_KEYS.contains(&key.as_str()) && !child.is_null() {
                    *child = Value::String(REDACTED.to_string());
                } else {
                    redact_json(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// The value at a dotted path such as `output.elasticsearch.password` or `a.b[2].c`.
pub fn value_at<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    split_path(path)
        .into_iter()
        .try_fold(doc, |node, segment| match segment {
            PathSegment::Key(key) => node.get(key),
            PathSegment::Index(i) => node.get(i),
        })
}

/// Sets the value at a dotted path, creating mappings on the way (list items must exist).
pub fn insert_at(doc: &mut Value, path: &str, value: Value) {
    let segments = split_path(path);
    let Some((last, parents)) = segments.split_last() else {
        return;
    };
    let mut node = doc;
    for segment in parents {
        node = match segment {
            PathSegment::Key(key) => {
                if !node.is_object() {
                    *node = Value::Object(Map::new());
                }
                let Value::Object(map) = node else { return };
                map.entry(key.to_string())
                    .or_insert_with(|| Value::Object(Map::new()))
            }
            PathSegment::Index(i) => match node.get_mut(*i) {
                Some(child) => child,
                None => return,
            },
        };
    }
    if let (PathSegment::Key(key), Value::Object(map)) = (last, node) {
        map.insert(key.to_string(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn inserts_kept_keys_at_their_paths() {
        let mut config = Config::default();
        config
            .unimplemented
            .insert("timebeat.advanced.steering.algo".into(), json!("sigma"));
        config
            .unimplemented
            .insert("logging.level".into(), json!("info"));
        let doc = to_document(&config);
        assert_eq!(
            doc["timebeat"]["advanced"]["steering"]["algo"],
            json!("sigma")
        );
        assert_eq!(doc["logging"]["level"], json!("info"));
        assert_eq!(doc["timebeat"]["http"]["bind_port"], json!(8088));
    }

    #[test]
    fn redacts_secret_named_keys_deeply() {
        let mut value = json!({"output": {"kafka": {"password": "p", "hosts": ["h"]}}});
        redact_json(&mut value);
        assert_eq!(value["output"]["kafka"]["password"], json!(REDACTED));
        assert_eq!(value["output"]["kafka"]["hosts"], json!(["h"]));
    }
}
