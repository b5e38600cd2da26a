//! The read side and index templates: `GET /`, `_cluster/health`, `_index_template`,
//! `_data_stream`, `_count`, `_doc`, `_refresh` — enough for tests to check delivery through
//! the Elasticsearch API alone, so the same checks run against a real cluster.

use super::Shared;
use super::reply::{EsError, empty_response, json_response};
use super::routes::query_param;
use super::store::patterns_of;
use axum::http::Method;
use axum::response::Response;
use serde_json::{Value, json};

/// The version the server claims to be.
pub const VERSION: &str = "8.15.0";

pub(super) fn cluster_info() -> Response {
    json_response(
        200,
        &json!({
            "name": "shiwa-test-server",
            "cluster_name": "shiwa-test",
            "cluster_uuid": "c2hpd2EtdGVzdC1zZXJ2ZXI",
            "version": {
                "number": VERSION,
                "build_flavor": "default",
                "build_type": "shiwa-test-server",
                "build_snapshot": false,
                "lucene_version": "9.11.1",
                "minimum_wire_compatibility_version": "7.17.0",
                "minimum_index_compatibility_version": "7.0.0",
            },
            "tagline": "You Know, for Search",
        }),
    )
}

pub(super) fn cluster_health(shared: &Shared) -> Response {
    let shards = shared.store().indices.len();
    json_response(
        200,
        &json!({
            "cluster_name": "shiwa-test", "status": "green", "timed_out": false,
            "number_of_nodes": 1, "number_of_data_nodes": 1,
            "active_primary_shards": shards, "active_shards": shards,
            "relocating_shards": 0, "initializing_shards": 0, "unassigned_shards": 0,
            "delayed_unassigned_shards": 0, "number_of_pending_tasks": 0,
            "number_of_in_flight_fetch": 0, "task_max_waiting_in_queue_millis": 0,
            "active_shards_percent_as_number": 100.0,
        }),
    )
}

fn no_such_index(name: &str) -> Response {
    EsError::new(
        404,
        "index_not_found_exception",
        format!("no such index [{name}]"),
    )
    .into_response()
}

pub(super) fn index_template(
    shared: &Shared,
    method: &Method,
    name: &str,
    query: &str,
    body: &[u8],
) -> Response {
    let mut store = shared.store();
    let exists = store.templates.contains_key(name);
    let not_found = || {
        EsError::new(
            404,
            "resource_not_found_exception",
            format!("index template matching [{name}] not found"),
        )
        .into_response()
    };
    match *method {
        Method::HEAD => empty_response(if exists { 200 } else { 404 }),
        Method::GET => match store.templates.get(name) {
            Some(template) => json_response(
                200,
                &json!({ "index_templates": [{ "name": name, "index_template": template }] }),
            ),
            None => not_found(),
        },
        Method::DELETE => match store.templates.remove(name) {
            Some(_) => json_response(200, &json!({ "acknowledged": true })),
            None => not_found(),
        },
        Method::PUT | Method::POST => {
            if exists && query_param(query, "create").as_deref() == Some("true") {
                let reason = format!("index template [{name}] already exists");
                return EsError::new(400, "illegal_argument_exception", reason).into_response();
            }
            let template: Value = match serde_json::from_slice(body) {
                Ok(template @ Value::Object(_)) => template,
                Ok(_) | Err(_) => {
                    let reason = "request body is required and must be a JSON object";
                    return EsError::new(400, "parse_exception", reason).into_response();
                }
            };
            if patterns_of(&template).is_empty() {
                let reason = "Validation Failed: 1: index patterns are missing;";
                return EsError::new(400, "action_request_validation_exception", reason)
                    .into_response();
            }
            store.templates.insert(name.to_string(), template);
            json_response(200, &json!({ "acknowledged": true }))
        }
        _ => EsError::new(405, "method_not_allowed", format!("{method} on a template"))
            .into_response(),
    }
}

pub(super) fn data_stream(shared: &Shared, name: &str) -> Response {
    let store = shared.store();
    let streams: Vec<Value> = store
        .data_streams
        .values()
        .filter(|stream| super::store::glob(name, &stream.name) || name == "_all")
        .map(|stream| {
            json!({
                "name": stream.name,
                "timestamp_field": { "name": "@timestamp" },
                "indices": [{ "index_name": stream.backing_index, "index_uuid": "shiwa" }],
                "generation": 1, "status": "GREEN", "template": stream.template,
                "hidden": false, "system": false,
            })
        })
        .collect();
    if streams.is_empty() && !name.contains('*') {
        return no_such_index(name);
    }
    json_response(200, &json!({ "data_streams": streams }))
}

/// Deletes a data stream and its documents.
pub(super) fn delete_data_stream(shared: &Shared, name: &str) -> Response {
    let mut store = shared.store();
    if store.data_streams.remove(name).is_none() {
        return no_such_index(name);
    }
    store.indices.remove(name);
    json_response(200, &json!({ "acknowledged": true }))
}

pub(super) fn count(shared: &Shared, expression: &str) -> Response {
    let store = shared.store();
    match store.resolve(expression) {
        Ok(indices) => {
            let count: usize = indices.iter().map(|index| index.docs.len()).sum();
            let shards = indices.len();
            json_response(
                200,
                &json!({ "count": count, "_shards": {
                    "total": shards, "successful": shards, "skipped": 0, "failed": 0 } }),
            )
        }
        Err(missing) => no_such_index(&missing),
    }
}

pub(super) fn get_document(shared: &Shared, index: &str, id: &str) -> Response {
    let store = shared.store();
    let Some(found) = store.indices.get(index) else {
        return no_such_index(index);
    };
    match found.docs.get(id) {
        Some(doc) => json_response(
            200,
            &json!({
                "_index": index, "_id": id, "_version": doc.version, "_seq_no": doc.seq_no,
                "_primary_term": 1, "found": true, "_source": &doc.source,
            }),
        ),
        None => json_response(404, &json!({ "_index": index, "_id": id, "found": false })),
    }
}

pub(super) fn refresh(shared: &Shared, expression: &str) -> Response {
    match shared.store().resolve(expression) {
        Ok(indices) => {
            let shards = indices.len();
            json_response(
                200,
                &json!({ "_shards": { "total": shards * 2, "successful": shards, "failed": 0 } }),
            )
        }
        Err(missing) => no_such_index(&missing),
    }
}
