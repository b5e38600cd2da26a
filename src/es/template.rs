//! The composable index template shiwa installs (`PUT _index_template/{name}`), pure: one
//! template whose `index_patterns` cover the three index kinds (logs and events, clock,
//! source) — each pattern's literal prefix followed by `*` — with mappings for the fields
//! [`crate::es::document`] writes: `@timestamp` a date, names and states keywords, offsets and
//! delays (`*_ns`) longs in nanoseconds, frequencies (`*_ppb`) doubles, log fields flattened.
//! In data-stream mode the template carries `"data_stream": {}`.

use super::document::IndexPatterns;
use super::index::IndexPattern;
use serde_json::{Value, json};

/// The default template name.
pub const DEFAULT_TEMPLATE_NAME: &str = "shiwa";
/// The default priority: above Elasticsearch's built-in `logs-*`/`metrics-*` (100), as Beats
/// does (150).
pub const DEFAULT_PRIORITY: u32 = 150;

/// How the template is made (`setup.template.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSettings {
    /// Its name (`shiwa`).
    pub name: String,
    /// Its priority among templates matching the same index.
    pub priority: u32,
    /// Replace a template of the same name that is already installed.
    pub overwrite: bool,
    /// Write to data streams instead of plain indices.
    pub data_stream: bool,
    /// `index.number_of_shards`, when set.
    pub number_of_shards: Option<u32>,
    /// `index.number_of_replicas`, when set.
    pub number_of_replicas: Option<u32>,
}

impl Default for TemplateSettings {
    fn default() -> Self {
        TemplateSettings {
            name: DEFAULT_TEMPLATE_NAME.to_string(),
            priority: DEFAULT_PRIORITY,
            overwrite: false,
            data_stream: false,
            number_of_shards: None,
            number_of_replicas: None,
        }
    }
}

/// A template ready to install.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexTemplate {
    /// The template's name.
    pub name: String,
    /// Replace one already installed.
    pub overwrite: bool,
    /// The request body.
    pub body: Value,
}

impl IndexTemplate {
    /// The template for `patterns` made as `settings` say.
    pub fn new(patterns: &IndexPatterns, settings: &TemplateSettings) -> Self {
        let mut body = json!({
            "index_patterns": index_patterns(patterns),
            "priority": settings.priority,
            "template": { "mappings": mappings() },
            "_meta": { "description": "shiwa clock, source, event and log documents",
                       "managed_by": "shiwa", "version": crate::version::VERSION },
        });
        let mut index_settings = serde_json::Map::new();
        if let Some(shards) = settings.number_of_shards {
            index_settings.insert("number_of_shards".into(), json!(shards));
        }
        if let Some(replicas) = settings.number_of_replicas {
            index_settings.insert("number_of_replicas".into(), json!(replicas));
        }
        if !index_settings.is_empty() {
            body["template"]["settings"] = json!({ "index": index_settings });
        }
        if settings.data_stream {
            body["data_stream"] = json!({});
        }
        IndexTemplate {
            name: settings.name.clone(),
            overwrite: settings.overwrite,
            body,
        }
    }
}

/// Each pattern's literal prefix (up to its first `%{`) followed by `*`, without repeats.
pub fn index_patterns(patterns: &IndexPatterns) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for pattern in [&patterns.logs, &patterns.clock, &patterns.source] {
        let wildcard = wildcard_of(pattern);
        if !out.contains(&wildcard) {
            out.push(wildcard);
        }
    }
    out
}

fn wildcard_of(pattern: &IndexPattern) -> String {
    let text = pattern.as_str();
    let prefix = text.find("%{").map_or(text, |at| &text[..at]);
    format!("{prefix}*")
}

fn keyword() -> Value {
    json!({ "type": "keyword", "ignore_above": 1024 })
}

fn typed(kind: &str) -> Value {
    json!({ "type": kind })
}

fn mappings() -> Value {
    json!({
        "dynamic_templates": [
            { "nanoseconds": { "match": "*_ns", "mapping": typed("long") } },
            { "ppb": { "match": "*_ppb", "mapping": typed("double") } },
            { "strings_as_keyword": { "match_mapping_type": "string", "mapping": keyword() } },
        ],
        "properties": {
            "@timestamp": typed("date"),
            "message": typed("match_only_text"),
            "host": { "properties": { "name": keyword() } },
            "agent": { "properties": { "type": keyword(), "version": keyword() } },
            "event": { "properties": { "dataset": keyword(), "kind": keyword() } },
            "log": { "properties": { "level": keyword(), "logger": keyword() } },
            "fields": typed("flattened"),
            "shiwa": { "properties": { "event": { "properties": { "kind": keyword() } } } },
            "clock": { "properties": clock_properties() },
            "source": { "properties": source_properties() },
        }
    })
}

fn clock_properties() -> Value {
    json!({
        "state": keyword(), "synchronized": typed("boolean"), "adjust_clock": typed("boolean"),
        "selected_source": keyword(), "group": keyword(),
        "offset_ns": typed("long"), "frequency_ppb": typed("double"),
        "path_delay_ns": typed("long"), "root_distance_ns": typed("long"),
        "last_update": typed("date"), "steps": typed("long"), "state_since": typed("date"),
    })
}

fn source_properties() -> Value {
    json!({
        "id": typed("long"), "name": keyword(), "protocol": keyword(), "group": keyword(),
        "address": keyword(), "state": keyword(), "reason": keyword(),
        "stratum": typed("short"), "refid": keyword(), "parent": keyword(),
        "reach": typed("short"), "poll_ns": typed("long"), "offset_ns": typed("long"),
        "delay_ns": typed("long"), "jitter_ns": typed("long"), "last_sample": typed("date"),
        "counters": { "properties": {
            "samples": typed("long"), "rejected": typed("long"), "timeouts": typed("long"),
        } },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns() -> IndexPatterns {
        let parse = |text: &str| IndexPattern::parse(text).expect("pattern");
        IndexPatterns {
            logs: parse(crate::es::index::DEFAULT_LOG_INDEX),
            clock: parse(crate::es::index::DEFAULT_CLOCK_INDEX),
            source: parse(crate::es::index::DEFAULT_SOURCE_INDEX),
        }
    }

    #[test]
    fn covers_the_three_index_kinds_with_the_document_fields() {
        let template = IndexTemplate::new(&patterns(), &TemplateSettings::default());
        assert_eq!(template.name, "shiwa");
        assert!(!template.overwrite);
        let body = &template.body;
        assert_eq!(
            body["index_patterns"],
            json!(["timebeat-*", "shiwatime_clock-*", "shiwatime_source-*"])
        );
        assert_eq!(body["priority"], 150);
        assert!(body.get("data_stream").is_none());
        assert!(body["template"].get("settings").is_none());
        let properties = &body["template"]["mappings"]["properties"];
        assert_eq!(properties["@timestamp"]["type"], "date");
        assert_eq!(properties["host"]["properties"]["name"]["type"], "keyword");
        assert_eq!(
            properties["clock"]["properties"]["offset_ns"]["type"],
            "long"
        );
        assert_eq!(
            properties["clock"]["properties"]["frequency_ppb"]["type"],
            "double"
        );
        assert_eq!(
            properties["source"]["properties"]["delay_ns"]["type"],
            "long"
        );
        assert_eq!(
            properties["event"]["properties"]["dataset"]["type"],
            "keyword"
        );
    }

    #[test]
    fn every_field_of_real_documents_is_mapped_or_dynamic() {
        let snapshot = crate::observe::snapshot::tests::example();
        let documents = crate::es::snapshot_documents(&snapshot, &patterns());
        let template = IndexTemplate::new(&patterns(), &TemplateSettings::default());
        let properties = &template.body["template"]["mappings"]["properties"];
        for document in &documents {
            for (kind, fields) in document.body.as_object().into_iter().flatten() {
                if let (Some(inner), Some(mapped)) = (
                    fields.as_object(),
                    properties[kind]["properties"].as_object(),
                ) {
                    for field in inner.keys() {
                        assert!(mapped.contains_key(field), "{kind}.{field} is not mapped");
                    }
                } else {
                    assert!(properties.get(kind).is_some(), "{kind} is not mapped");
                }
            }
        }
    }

    #[test]
    fn data_stream_mode_shards_and_custom_names() {
        let settings = TemplateSettings {
            name: "tb".into(),
            priority: 200,
            overwrite: true,
            data_stream: true,
            number_of_shards: Some(1),
            number_of_replicas: Some(0),
        };
        let mut indices = patterns();
        indices.clock = IndexPattern::parse("timebeat-clock-%{+yyyy.MM.dd}").expect("pattern");
        let template = IndexTemplate::new(&indices, &settings);
        assert_eq!(template.name, "tb");
        assert!(template.overwrite);
        assert_eq!(template.body["data_stream"], json!({}));
        assert_eq!(template.body["priority"], 200);
        assert_eq!(
            template.body["template"]["settings"],
            json!({"index": {"number_of_shards": 1, "number_of_replicas": 0}})
        );
        assert_eq!(
            template.body["index_patterns"],
            json!(["timebeat-*", "timebeat-clock-*", "shiwatime_source-*"])
        );
    }
}
