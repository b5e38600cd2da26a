//! Elasticsearch's `filter_path` response filtering: comma-separated dotted paths, `*`
//! matching any one key, arrays looked through, and objects or arrays left empty dropped.

use serde_json::{Map, Value};

/// `value` filtered by `filter_path` (e.g. `errors,items.*.status`); `None` when nothing is
/// left (Elasticsearch then answers `{}`).
pub fn filter(value: Value, filter_path: &str) -> Value {
    let paths: Vec<Vec<&str>> = filter_path
        .split(',')
        .map(str::trim)
        .filter(|path| !path.is_empty())
        .map(|path| path.split('.').collect())
        .collect();
    if paths.is_empty() {
        return value;
    }
    let borrowed: Vec<&[&str]> = paths.iter().map(Vec::as_slice).collect();
    keep(value, &borrowed).unwrap_or_else(|| Value::Object(Map::new()))
}

/// What of `value` the paths keep, moved out of it (a bulk answer has an item per document:
/// nothing is copied).
fn keep(value: Value, paths: &[&[&str]]) -> Option<Value> {
    match value {
        Value::Array(elements) => {
            let kept: Vec<Value> = elements
                .into_iter()
                .filter_map(|e| keep(e, paths))
                .collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        Value::Object(fields) => {
            let mut kept = Map::new();
            let mut rest: Vec<&[&str]> = Vec::with_capacity(paths.len());
            for (key, field) in fields {
                rest.clear();
                rest.extend(
                    paths
                        .iter()
                        .filter(|path| path.first().is_some_and(|head| matches(head, &key)))
                        .map(|path| &path[1..]),
                );
                if rest.is_empty() {
                    continue;
                }
                if rest.iter().any(|path| path.is_empty()) {
                    kept.insert(key, field);
                } else if let Some(inner) = keep(field, &rest) {
                    kept.insert(key, inner);
                }
            }
            (!kept.is_empty()).then_some(Value::Object(kept))
        }
        _ => None,
    }
}

/// A path segment against a key: `*` alone, or a glob with `*` anywhere.
fn matches(pattern: &str, key: &str) -> bool {
    crate::es::testserver::store::glob(pattern, key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_shipper_filter_keeps_errors_statuses_and_error_texts() {
        let full = json!({
            "took": 3, "errors": true,
            "items": [
                {"create": {"_index": "a", "_id": "1", "_version": 1, "result": "created", "status": 201}},
                {"create": {"_index": "a", "_id": "2", "status": 409,
                    "error": {"type": "version_conflict_engine_exception", "reason": "exists", "index": "a"}}}
            ]
        });
        let filtered = filter(full.clone(), crate::es::FILTER_PATH);
        assert_eq!(
            filtered,
            json!({"errors": true, "items": [
                {"create": {"status": 201}},
                {"create": {"status": 409, "error": {"type": "version_conflict_engine_exception", "reason": "exists"}}}
            ]})
        );
        assert_eq!(filter(full.clone(), "took"), json!({"took": 3}));
        assert_eq!(filter(full.clone(), "nothing.here"), json!({}));
        assert_eq!(filter(full.clone(), ""), full);
    }
}
