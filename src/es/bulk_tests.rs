use super::*;
use crate::es::document::DocumentKind;
use serde_json::json;
use std::io::Read;

fn doc(id: &str) -> Document {
    Document {
        index: "timebeat-2026.11.23".into(),
        id: id.into(),
        kind: DocumentKind::Log,
        body: json!({"message": format!("m{id}"), "n": 1}),
    }
}

#[test]
fn documents_are_encoded_as_create_actions_in_ndjson() {
    let (a, b) = (doc("a1"), doc("b2"));
    let body = encode(&[&a, &b], 0).expect("encode");
    assert!(!body.gzip);
    let text = String::from_utf8(body.bytes).expect("utf-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    assert!(text.ends_with('\n'), "the bulk API wants a final newline");
    let action: serde_json::Value = serde_json::from_str(lines[0]).expect("json");
    assert_eq!(
        action,
        json!({"create": {"_index": "timebeat-2026.11.23", "_id": "a1"}})
    );
    let source: serde_json::Value = serde_json::from_str(lines[3]).expect("json");
    assert_eq!(source["message"], "mb2");
    assert_eq!(body.raw_len, text.len());
}

#[test]
fn gzip_round_trips_and_is_smaller() {
    let docs: Vec<Document> = (0..200).map(|i| doc(&format!("id{i}"))).collect();
    let refs: Vec<&Document> = docs.iter().collect();
    let plain = encode(&refs, 0).expect("plain");
    let packed = encode(&refs, 5).expect("gzip");
    assert!(packed.gzip);
    assert!(packed.bytes.len() * 4 < plain.bytes.len(), "compressed");
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(packed.bytes.as_slice())
        .read_to_end(&mut unpacked)
        .expect("gunzip");
    assert_eq!(unpacked, plain.bytes);
}

#[test]
fn items_get_beats_verdicts_in_order() {
    let body = json!({
        "errors": true,
        "items": [
            {"create": {"status": 201}},
            {"create": {"status": 409, "error": {"type": "version_conflict_engine_exception", "reason": "exists"}}},
            {"create": {"status": 429, "error": {"type": "es_rejected_execution_exception", "reason": "queue full"}}},
            {"create": {"status": 503}},
            {"create": {"status": 400, "error": {"type": "mapper_parsing_exception", "reason": "failed to parse field [clock.offset]"}}},
        ]
    });
    let verdict = verdict(200, body.to_string().as_bytes(), 5);
    assert_eq!(
        verdict,
        BatchVerdict::Items(vec![
            ItemVerdict::Acked,
            ItemVerdict::Duplicate,
            ItemVerdict::Retry { status: 429 },
            ItemVerdict::Retry { status: 503 },
            ItemVerdict::DeadLetter {
                status: 400,
                reason: "mapper_parsing_exception: failed to parse field [clock.offset]".into()
            },
        ])
    );
}

#[test]
fn items_missing_from_the_response_are_retried() {
    let body = json!({"errors": false, "items": [{"create": {"status": 201}}]});
    assert_eq!(
        verdict(200, body.to_string().as_bytes(), 3),
        BatchVerdict::Items(vec![
            ItemVerdict::Acked,
            ItemVerdict::Retry { status: 0 },
            ItemVerdict::Retry { status: 0 }
        ])
    );
}

#[test]
fn whole_request_answers_split_or_retry() {
    let too_large = verdict(413, b"", 10);
    assert!(
        matches!(too_large, BatchVerdict::Split { status: 413, .. }),
        "{too_large:?}"
    );
    let error = json!({"error": {"type": "security_exception", "reason": "missing authentication credentials"}, "status": 401});
    assert_eq!(
        verdict(401, error.to_string().as_bytes(), 10),
        BatchVerdict::RetryAll {
            status: 401,
            reason: "security_exception: missing authentication credentials".into()
        }
    );
    assert!(matches!(
        verdict(503, b"<html>", 1),
        BatchVerdict::RetryAll { status: 503, .. }
    ));
    let garbage = verdict(200, b"{not json", 2);
    assert!(
        matches!(garbage, BatchVerdict::RetryAll { status: 200, .. }),
        "{garbage:?}"
    );
}
