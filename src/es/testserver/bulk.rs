//! `_bulk` as Elasticsearch 8 does it: NDJSON action/source pairs (`create`, `index`), one
//! result per item, 409 `version_conflict_engine_exception` for a `create` of a stored id,
//! data streams made on the first `create` into an index whose template has `data_stream`.

use super::faults::{Faults, ItemView};
use super::reply::EsError;
use super::store::{DataStream, Stats, Store, Stored, invalid_index_name};
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

/// Metadata keys Elasticsearch accepts on an action line.
const KNOWN_METADATA: &[&str] = &[
    "_index",
    "_id",
    "routing",
    "pipeline",
    "require_alias",
    "require_data_stream",
    "dynamic_templates",
    "if_seq_no",
    "if_primary_term",
    "version",
    "version_type",
    "list_executed_pipelines",
];

/// One parsed action.
#[derive(Debug)]
pub(super) struct Action {
    create: bool,
    index: String,
    id: Option<String>,
    /// The source as sent, checked to be one JSON object; or why it is not.
    source: Result<Box<RawValue>, String>,
}

fn malformed(line: usize, what: &str) -> EsError {
    EsError::new(
        400,
        "illegal_argument_exception",
        format!("Malformed action/metadata line [{line}], {what}"),
    )
}

/// Parses an NDJSON body; `default_index` comes from `/{index}/_bulk`.
pub(super) fn parse(body: &[u8], default_index: Option<&str>) -> Result<Vec<Action>, EsError> {
    if !body.is_empty() && !body.ends_with(b"\n") {
        return Err(EsError::new(
            400,
            "illegal_argument_exception",
            "The bulk request must be terminated by a newline [\\n]",
        ));
    }
    let mut lines = body.split(|byte| *byte == b'\n').enumerate();
    let mut actions = Vec::new();
    while let Some((number, line)) = lines.next() {
        let number = number + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let (create, meta) = action_line(line, number)?;
        let index = match meta.get("_index") {
            Some(Value::String(index)) => index.clone(),
            Some(_) => return Err(malformed(number, "[_index] must be a string")),
            None => default_index.map(str::to_string).ok_or_else(|| {
                EsError::new(
                    400,
                    "action_request_validation_exception",
                    "Validation Failed: 1: index is missing;",
                )
            })?,
        };
        let id = match meta.get("_id") {
            Some(Value::String(id)) => Some(id.clone()),
            None | Some(Value::Null) => None,
            Some(_) => return Err(malformed(number, "[_id] must be a string")),
        };
        let source = match lines.next() {
            Some((_, source)) if !source.iter().all(u8::is_ascii_whitespace) => {
                source_object(source)
            }
            _ => return Err(malformed(number, "the action has no source line")),
        };
        actions.push(Action {
            create,
            index,
            id,
            source,
        });
    }
    if actions.is_empty() {
        return Err(EsError::new(
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: no requests added;",
        ));
    }
    Ok(actions)
}

/// A source line checked to be one JSON object, kept as sent (Elasticsearch returns `_source`
/// byte for byte).
fn source_object(line: &[u8]) -> Result<Box<RawValue>, String> {
    match serde_json::from_slice::<Box<RawValue>>(line) {
        Ok(raw) if raw.get().starts_with('{') => Ok(raw),
        Ok(_) => Err("[1:1] failed to parse: the source is not a JSON object".into()),
        Err(err) => Err(format!("[1:{}] failed to parse: {err}", err.column())),
    }
}

/// `{"create": {...}}` → (is create, metadata).
fn action_line(line: &[u8], number: usize) -> Result<(bool, Map<String, Value>), EsError> {
    let value: Value = serde_json::from_slice(line).map_err(|err| {
        EsError::new(
            400,
            "x_content_parse_exception",
            format!("[{number}:{}] {err}", err.column()),
        )
    })?;
    let Value::Object(object) = value else {
        return Err(malformed(number, "expected START_OBJECT"));
    };
    let mut entries = object.into_iter();
    let (Some((op, meta)), None) = (entries.next(), entries.next()) else {
        return Err(malformed(number, "expected exactly one action"));
    };
    let create = match op.as_str() {
        "create" => true,
        "index" => false,
        "delete" | "update" => {
            return Err(EsError::new(
                400,
                "illegal_argument_exception",
                format!("[{op}] on line [{number}]: the test server implements create and index"),
            ));
        }
        other => {
            return Err(malformed(
                number,
                &format!(
                    "expected field [create], [delete], [index] or [update] but found [{other}]"
                ),
            ));
        }
    };
    let Value::Object(meta) = meta else {
        return Err(malformed(number, "expected START_OBJECT after the action"));
    };
    if let Some(unknown) = meta.keys().find(|k| !KNOWN_METADATA.contains(&k.as_str())) {
        return Err(EsError::new(
            400,
            "illegal_argument_exception",
            format!("Action/metadata line [{number}] contains an unknown parameter [{unknown}]"),
        ));
    }
    Ok((create, meta))
}

/// Runs `actions` against the store; the full (unfiltered) response.
pub(super) fn execute(
    actions: Vec<Action>,
    store: &mut Store,
    faults: &Faults,
    stats: &mut Stats,
) -> Value {
    let mut items = Vec::with_capacity(actions.len());
    let mut errors = false;
    for action in actions {
        stats.docs_received += 1;
        let op = if action.create { "create" } else { "index" };
        let id = action.id.clone().unwrap_or_else(|| store.auto_id());
        let result = item(action, &id, store, faults, stats);
        let status = result["status"].as_u64().unwrap_or(500) as u16;
        *stats.item_statuses.entry(status).or_insert(0) += 1;
        errors |= status >= 300;
        items.push(json!({ op: result }));
    }
    json!({ "took": 1, "errors": errors, "items": items })
}

fn failed(index: &str, id: &str, status: u16, error_type: &str, reason: &str) -> Value {
    json!({
        "_index": index, "_id": id, "status": status,
        "error": {
            "type": error_type, "reason": reason,
            "index_uuid": "shiwa-test-server", "shard": "0", "index": index,
        },
    })
}

fn item(action: Action, id: &str, store: &mut Store, faults: &Faults, stats: &mut Stats) -> Value {
    let index = action.index.as_str();
    let source = match action.source {
        Ok(source) => source,
        Err(reason) => return failed(index, id, 400, "document_parsing_exception", &reason),
    };
    if let Some(why) = invalid_index_name(index) {
        let reason = format!("Invalid index name [{index}], {why}");
        return failed(index, id, 400, "invalid_index_name_exception", &reason);
    }
    let view = ItemView {
        index,
        id,
        source: &source,
    };
    if let Some(failure) = faults.item_failure(&view) {
        return failed(
            index,
            id,
            failure.status,
            &failure.error_type,
            &failure.reason,
        );
    }
    let mut shown_index = index.to_string();
    if let Some(template) = data_stream_template(store, index) {
        if !action.create {
            let reason = "only write ops with an op_type of create are allowed in data streams";
            return failed(index, id, 400, "illegal_argument_exception", reason);
        }
        let Some(timestamp) = timestamp_of(&source) else {
            let reason =
                "[1:1] failed to parse: data stream timestamp field [@timestamp] is missing";
            return failed(index, id, 400, "document_parsing_exception", reason);
        };
        let day = timestamp
            .get(..10)
            .unwrap_or("1970-01-01")
            .replace('-', ".");
        let stream = store
            .data_streams
            .entry(index.to_string())
            .or_insert_with(|| DataStream {
                name: index.to_string(),
                backing_index: format!(".ds-{index}-{day}-000001"),
                template,
            });
        shown_index = stream.backing_index.clone();
    }
    let shards = json!({ "total": 2, "successful": 1, "failed": 0 });
    match store.put(index, id, source, action.create) {
        Stored::Conflict { version } => {
            stats.duplicates += 1;
            let reason = format!(
                "[{id}]: version conflict, document already exists (current version [{version}])"
            );
            failed(
                &shown_index,
                id,
                409,
                "version_conflict_engine_exception",
                &reason,
            )
        }
        Stored::Created { seq_no } => {
            stats.docs_stored += 1;
            json!({ "_index": shown_index, "_id": id, "_version": 1, "result": "created",
                    "_shards": shards, "_seq_no": seq_no, "_primary_term": 1, "status": 201 })
        }
        Stored::Updated { version, seq_no } => {
            stats.docs_stored += 1;
            json!({ "_index": shown_index, "_id": id, "_version": version, "result": "updated",
                    "_shards": shards, "_seq_no": seq_no, "_primary_term": 1, "status": 200 })
        }
    }
}

/// The source's top-level `@timestamp` string, which a data stream needs.
fn timestamp_of(source: &RawValue) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Timestamped {
        #[serde(rename = "@timestamp")]
        timestamp: Option<Value>,
    }
    let parsed: Timestamped = serde_json::from_str(source.get()).ok()?;
    match parsed.timestamp {
        Some(Value::String(timestamp)) => Some(timestamp),
        _ => None,
    }
}

/// The name of the `data_stream` template `index` falls under, if any.
fn data_stream_template(store: &Store, index: &str) -> Option<String> {
    if store.data_streams.contains_key(index) {
        return store.data_streams.get(index).map(|s| s.template.clone());
    }
    let (name, body) = store.template_for(index)?;
    body.get("data_stream")
        .is_some_and(Value::is_object)
        .then(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(body: &str, store: &mut Store) -> Value {
        let actions = parse(body.as_bytes(), None).expect("parses");
        execute(actions, store, &Faults::default(), &mut Stats::default())
    }

    #[test]
    fn creates_then_conflicts_and_reports_each_item() {
        let mut store = Store::default();
        let body = "{\"create\":{\"_index\":\"logs-a\",\"_id\":\"1\"}}\n{\"m\":1}\n{\"index\":{\"_index\":\"logs-a\",\"_id\":\"2\"}}\n{\"m\":2}\n";
        let first = run(body, &mut store);
        assert_eq!(first["errors"], false);
        assert_eq!(first["items"][0]["create"]["status"], 201);
        assert_eq!(first["items"][1]["index"]["result"], "created");
        let again = run(body, &mut store);
        assert_eq!(again["errors"], true);
        assert_eq!(again["items"][0]["create"]["status"], 409);
        assert_eq!(
            again["items"][0]["create"]["error"]["type"],
            "version_conflict_engine_exception"
        );
        assert_eq!(again["items"][1]["index"]["status"], 200);
        assert_eq!(again["items"][1]["index"]["_version"], 2);
    }

    #[test]
    fn malformed_bodies_are_refused_as_a_whole_bad_sources_per_item() {
        for bad in [
            "{\"create\":{}}\n{}\n",
            "not json\n",
            "{\"create\":{\"_index\":\"a\"}}\n",
            "{\"create\":{\"_index\":\"a\"}}\n{}",
            "",
            "{\"create\":{\"_index\":\"a\",\"oops\":1}}\n{}\n",
        ] {
            let err = parse(bad.as_bytes(), None).expect_err(bad);
            assert_eq!(err.status, 400, "{bad:?}");
        }
        let mut store = Store::default();
        let answer = run(
            "{\"create\":{\"_index\":\"a\",\"_id\":\"1\"}}\n[1]\n{\"create\":{\"_index\":\"UP\",\"_id\":\"2\"}}\n{}\n",
            &mut store,
        );
        assert_eq!(
            answer["items"][0]["create"]["error"]["type"],
            "document_parsing_exception"
        );
        assert_eq!(
            answer["items"][1]["create"]["error"]["type"],
            "invalid_index_name_exception"
        );
    }

    #[test]
    fn data_streams_need_create_and_a_timestamp() {
        let mut store = Store::default();
        store.templates.insert(
            "t".into(),
            json!({"index_patterns": ["ds-*"], "data_stream": {}, "priority": 100}),
        );
        let answer = run(
            concat!(
                "{\"create\":{\"_index\":\"ds-x\",\"_id\":\"1\"}}\n{\"@timestamp\":\"2026-11-23T10:00:00Z\"}\n",
                "{\"create\":{\"_index\":\"ds-x\",\"_id\":\"2\"}}\n{\"m\":1}\n",
                "{\"index\":{\"_index\":\"ds-x\",\"_id\":\"3\"}}\n{\"@timestamp\":\"2026-11-23T10:00:00Z\"}\n",
            ),
            &mut store,
        );
        assert_eq!(
            answer["items"][0]["create"]["_index"],
            ".ds-ds-x-2026.11.23-000001"
        );
        assert_eq!(answer["items"][1]["create"]["status"], 400);
        assert_eq!(answer["items"][2]["index"]["status"], 400);
        assert!(store.data_streams.contains_key("ds-x"));
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_are_answered_without_panicking(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            lines in proptest::collection::vec("[{}\\[\\]\":,a-z_0-9 ]{0,40}", 0..8),
            filter_path in "[a-z*.,_]{0,30}",
        ) {
            let mut store = Store::default();
            for candidate in [body, (lines.join("\n") + "\n").into_bytes()] {
                if let Ok(actions) = parse(&candidate, Some("default")) {
                    let count = actions.len();
                    let full =
                        execute(actions, &mut store, &Faults::default(), &mut Stats::default());
                    proptest::prop_assert_eq!(
                        full["items"].as_array().map(Vec::len),
                        Some(count),
                        "one result per action"
                    );
                    let _ = crate::es::testserver::filter(full, &filter_path);
                }
            }
        }
    }
}
