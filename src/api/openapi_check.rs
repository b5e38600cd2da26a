//! Test support shared by the router tests and the integration tests (which include this file
//! with `#[path]`): validates a JSON body against the committed OpenAPI document, strictly.

use serde_json::{Value, json};

/// Validates `body` against `docs/openapi.json`'s schema for `GET path` answering `code`,
/// strictly: a field the document does not list fails.
pub fn assert_documented(path: &str, code: u16, body: &Value) {
    assert_documented_in(
        include_str!("../../docs/openapi.json"),
        "get",
        path,
        code,
        body,
    );
}

/// Validates `body` against `document`'s schema for `METHOD path` answering `code`, strictly
/// (used for `docs/hub-openapi.json` too).
pub fn assert_documented_in(document: &str, method: &str, path: &str, code: u16, body: &Value) {
    let doc: Value = serde_json::from_str(document).expect("the OpenAPI document is JSON");
    let schema = &doc["paths"][path][method]["responses"][code.to_string()]["content"]["application/json"]
        ["schema"];
    assert!(schema.is_object(), "{path} {code} is not documented");
    let mut root = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "components": doc["components"].clone(),
        "allOf": [schema.clone()],
    });
    strict(&mut root);
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&root)
        .expect("the document's schemas compile");
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{path} {code}: {errors:#?}\n{body:#}");
}

/// Forbids properties a schema does not list, everywhere in `schema` except free-form maps.
fn strict(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            map.values_mut().for_each(strict);
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}
