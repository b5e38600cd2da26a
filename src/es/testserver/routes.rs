//! Request dispatch: delay, authentication, then the endpoint by method and path; `_bulk`
//! bodies read up to the size limit and gunzipped.
#![expect(
    clippy::disallowed_methods,
    reason = "the test server's injected response delay sleeps; it is a driver, not the core"
)]

use super::Shared;
use super::bulk;
use super::faults::RequestFault;
use super::filter::filter;
use super::indices;
use super::reply::{EsError, empty_response, json_response};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::response::Response;
use std::io::Read;
use std::sync::Arc;

/// The default largest `_bulk` body, Elasticsearch's `http.max_content_length` (100 MB).
pub const DEFAULT_MAX_BODY: usize = 100 * 1024 * 1024;
/// How much of a body over the limit is read and dropped before answering 413, so the client
/// gets the answer rather than a reset.
const DRAIN_BEYOND_LIMIT: usize = 256 * 1024 * 1024;

/// Every request comes here.
pub(super) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let delay = shared.faults.delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let (parts, body) = request.into_parts();
    let response = match shared.auth.check(&parts.headers, parts.uri.path()) {
        Ok(()) => route(&shared, &parts, body).await,
        Err(refusal) => {
            let _ = read_limited(body, 0).await;
            *refusal
        }
    };
    let mut stats = shared.stats();
    stats.requests += 1;
    *stats
        .request_statuses
        .entry(response.status().as_u16())
        .or_insert(0) += 1;
    response
}

async fn route(shared: &Shared, parts: &Parts, body: Body) -> Response {
    let segments: Vec<String> = parts
        .uri
        .path()
        .split('/')
        .filter(|s| !s.is_empty())
        .map(percent_decode)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = &parts.method;
    let query = parts.uri.query().unwrap_or("");
    let post = method == Method::POST || method == Method::PUT;
    match (segments.as_slice(), method) {
        ([], &Method::GET | &Method::HEAD) => indices::cluster_info(),
        (["_cluster", "health"], &Method::GET) => indices::cluster_health(shared),
        (["_bulk"], _) if post => bulk(shared, parts, body, None).await,
        ([index, "_bulk"], _) if post => bulk(shared, parts, body, Some(index)).await,
        (["_index_template", name], _) => {
            let bytes = read_limited(body, DEFAULT_MAX_BODY)
                .await
                .unwrap_or_default();
            indices::index_template(shared, method, name, query, &bytes)
        }
        (["_data_stream", name], &Method::GET) => indices::data_stream(shared, name),
        (["_data_stream", name], &Method::DELETE) => indices::delete_data_stream(shared, name),
        ([index, "_count"], &Method::GET | &Method::POST) => indices::count(shared, index),
        ([index, "_doc", id], &Method::GET) => indices::get_document(shared, index, id),
        ([index, "_refresh"], &Method::GET | &Method::POST) => indices::refresh(shared, index),
        _ => json_response(
            400,
            &serde_json::json!({
                "error": format!("no handler found for uri [{}] and method [{method}]", parts.uri),
                "status": 400,
            }),
        ),
    }
}

async fn bulk(shared: &Shared, parts: &Parts, body: Body, index: Option<&str>) -> Response {
    shared.stats().bulk_requests += 1;
    if let Some(fault) = shared.faults.next_request_fault() {
        let _ = read_limited(body, 0).await;
        return request_fault(fault);
    }
    let max = shared.faults.max_body().unwrap_or(DEFAULT_MAX_BODY);
    let Some(wire) = read_limited(body, max).await else {
        return empty_response(413);
    };
    let gzip = parts
        .headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("gzip"));
    let raw = if gzip {
        match gunzip(&wire, max) {
            Ok(Some(raw)) => raw,
            Ok(None) => return empty_response(413),
            Err(err) => return err.into_response(),
        }
    } else {
        wire.clone()
    };
    {
        let mut stats = shared.stats();
        stats.wire_bytes += wire.len() as u64;
        stats.raw_bytes += raw.len() as u64;
        stats.gzip_requests += u64::from(gzip);
    }
    let actions = match bulk::parse(&raw, index) {
        Ok(actions) => actions,
        Err(err) => return err.into_response(),
    };
    let full = {
        let mut store = shared.store();
        let mut stats = shared.stats();
        bulk::execute(actions, &mut store, &shared.faults, &mut stats)
    };
    let query = parts.uri.query().unwrap_or("");
    match query_param(query, "filter_path") {
        Some(paths) => json_response(200, &filter(full, &paths)),
        None => json_response(200, &full),
    }
}

fn request_fault(fault: RequestFault) -> Response {
    let error = match fault.status {
        429 => EsError::new(
            429,
            "es_rejected_execution_exception",
            "rejected execution of coordinating operation [shards=1, primary=1]",
        ),
        503 => EsError::new(
            503,
            "cluster_block_exception",
            "blocked by: [SERVICE_UNAVAILABLE/2/no master];",
        ),
        status => EsError::new(status, "exception", format!("injected failure ({status})")),
    };
    let mut response = error.into_response();
    if let Some(value) = fault
        .retry_after
        .and_then(|v| HeaderValue::from_str(&v).ok())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The body, or `None` when it is longer than `max` (then up to [`DRAIN_BEYOND_LIMIT`] more
/// is read and dropped).
pub(super) async fn read_limited(body: Body, max: usize) -> Option<Vec<u8>> {
    let mut body = std::pin::pin!(body);
    let mut bytes = Vec::new();
    let mut seen = 0usize;
    while seen <= max.saturating_add(DRAIN_BEYOND_LIMIT) {
        match std::future::poll_fn(|cx| hyper::body::Body::poll_frame(body.as_mut(), cx)).await {
            Some(Ok(frame)) => {
                if let Some(data) = frame.data_ref() {
                    seen += data.len();
                    if seen <= max {
                        bytes.extend_from_slice(data);
                    }
                }
            }
            Some(Err(_)) | None => break,
        }
    }
    (seen <= max).then_some(bytes)
}

/// The decompressed body, `None` when over `max`.
fn gunzip(wire: &[u8], max: usize) -> Result<Option<Vec<u8>>, EsError> {
    let mut raw = Vec::with_capacity(wire.len() * 4);
    flate2::read::MultiGzDecoder::new(wire)
        .take(max as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|err| {
            EsError::new(
                400,
                "parse_exception",
                format!("the body is not valid gzip: {err}"),
            )
        })?;
    Ok((raw.len() <= max).then_some(raw))
}

/// The decoded value of `name` in a query string.
pub(super) fn query_param(query: &str, name: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// `%XX` escapes of a path segment decoded (invalid escapes kept as written).
fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&hi), Some(&lo)) if hex(hi).is_some() && hex(lo).is_some() => {
                out.push((hex(hi).unwrap_or(0) * 16 + hex(lo).unwrap_or(0)) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_and_queries_decode() {
        assert_eq!(percent_decode("logs%2A"), "logs*");
        assert_eq!(percent_decode("a%zzb"), "a%zzb");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(
            query_param("x=1&filter_path=errors%2Citems.*.status", "filter_path").as_deref(),
            Some("errors,items.*.status")
        );
        assert_eq!(query_param("", "filter_path"), None);
    }
}
