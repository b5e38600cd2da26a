//! The wire format of the observation socket: one JSON object per line each way.
//!
//! Requests are [`Request`]s tagged by `"request"`; every request gets exactly one [`Reply`]
//! line, in order. Control requests travel on to the engine as [`ControlRequest`]s.

use super::logs::LogRecord;
use super::snapshot::{SourceSnapshot, SyncSnapshot};
use crate::source::SourceId;
use serde::{Deserialize, Serialize};
use std::fmt;
use tokio::sync::oneshot;

/// How many log records a `logs` request without `n` returns.
pub const DEFAULT_LOG_COUNT: usize = 50;

/// A request line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "request", rename_all = "snake_case")]
pub enum Request {
    /// `{"request":"snapshot"}`: the whole [`SyncSnapshot`].
    Snapshot,
    /// `{"request":"sources"}`: only the sources.
    Sources,
    /// `{"request":"logs","n":50}`: the newest `n` log records, oldest first.
    Logs {
        /// How many records (default [`DEFAULT_LOG_COUNT`]; capped by the buffer's size).
        #[serde(default = "default_log_count")]
        n: usize,
    },
    /// `{"request":"reload"}`: re-read the configuration (as SIGHUP does).
    Reload,
    /// `{"request":"enable","source":"ntp 10.99.1.1"}`: use a disabled source again.
    Enable {
        /// The source, by name or id.
        source: SourceSelector,
    },
    /// `{"request":"disable","source":0}`: stop using a source.
    Disable {
        /// The source, by name or id.
        source: SourceSelector,
    },
    /// `{"request":"config"}`: the running configuration, secrets redacted.
    Config,
    /// `{"request":"report_elasticsearch","elasticsearch":{...}}`: a standalone `ship-es`
    /// reports its counters, which the daemon shows in its snapshot (`status`, `/metrics`)
    /// while the reports keep coming.
    ReportElasticsearch {
        /// The shipper's state.
        elasticsearch: Box<crate::es::status::EsSnapshot>,
    },
}

impl Request {
    /// Parses one request line. Only a JSON object is a request (serde would also take
    /// `["snapshot"]`); the error says what is wrong, for the error reply.
    pub fn from_line(line: &[u8]) -> Result<Request, String> {
        let value: serde_json::Value =
            serde_json::from_slice(line).map_err(|err| format!("invalid request: {err}"))?;
        if !value.is_object() {
            return Err(
                "invalid request: expected a JSON object like {\"request\":\"snapshot\"}".into(),
            );
        }
        serde_json::from_value(value).map_err(|err| format!("invalid request: {err}"))
    }
}

fn default_log_count() -> usize {
    DEFAULT_LOG_COUNT
}

/// Names a source in `enable`/`disable`: its id (a JSON number) or its name or address (a string).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SourceSelector {
    /// The source's [`SourceId`] (index in the config).
    Id(SourceId),
    /// The source's name (`ntp 10.99.1.1`) or its address (`10.99.1.1`).
    Name(String),
}

impl SourceSelector {
    /// Reads what an operator typed: all digits is an id, anything else a name.
    pub fn parse(text: &str) -> Self {
        match text.parse::<usize>() {
            Ok(index) => SourceSelector::Id(SourceId(index)),
            Err(_) => SourceSelector::Name(text.to_string()),
        }
    }

    /// Whether this selects `source` (by id, name or address).
    pub fn matches(&self, source: &SourceSnapshot) -> bool {
        match self {
            SourceSelector::Id(id) => *id == source.id,
            SourceSelector::Name(name) => {
                *name == source.name || source.address.as_deref() == Some(name.as_str())
            }
        }
    }
}

impl fmt::Display for SourceSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSelector::Id(id) => write!(f, "source #{}", id.0),
            SourceSelector::Name(name) => write!(f, "source {name:?}"),
        }
    }
}

/// A reply line: `{"ok":true, <one payload field>}` or `{"ok":false,"error":"..."}`.
///
/// Absent payload fields are left out of the JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Reply {
    /// Whether the request succeeded.
    pub ok: bool,
    /// What went wrong, when `ok` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The answer to `snapshot`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SyncSnapshot>,
    /// The answer to `sources`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<SourceSnapshot>>,
    /// The answer to `logs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logs: Option<Vec<LogRecord>>,
    /// The engine's answer to `reload`, `enable` or `disable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The answer to `config`: the running configuration as a JSON document (the shape of
    /// `shiwa config show --json`), secrets redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
}

impl Reply {
    /// A failure reply.
    pub fn error(error: impl Into<String>) -> Self {
        Reply {
            ok: false,
            error: Some(error.into()),
            ..Reply::default()
        }
    }

    /// A successful `snapshot` reply.
    pub fn snapshot(snapshot: SyncSnapshot) -> Self {
        Reply {
            ok: true,
            snapshot: Some(snapshot),
            ..Reply::default()
        }
    }

    /// A successful `sources` reply.
    pub fn sources(sources: Vec<SourceSnapshot>) -> Self {
        Reply {
            ok: true,
            sources: Some(sources),
            ..Reply::default()
        }
    }

    /// A successful `logs` reply.
    pub fn logs(logs: Vec<LogRecord>) -> Self {
        Reply {
            ok: true,
            logs: Some(logs),
            ..Reply::default()
        }
    }

    /// A successful `config` reply.
    pub fn config(config: serde_json::Value) -> Self {
        Reply {
            ok: true,
            config: Some(config),
            ..Reply::default()
        }
    }

    /// A successful control reply carrying the engine's message.
    pub fn done(message: impl Into<String>) -> Self {
        Reply {
            ok: true,
            message: Some(message.into()),
            ..Reply::default()
        }
    }

    /// The reply as one line of JSON, newline included.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).unwrap_or_else(|err| {
            // Only a non-string map key or a failing Serialize impl can get here; none exist in
            // these types, but a reply must still go out.
            let fallback = Reply::error(format!("cannot encode the reply: {err}"));
            serde_json::to_vec(&fallback).unwrap_or_else(|_| b"{\"ok\":false}".to_vec())
        });
        line.push(b'\n');
        line
    }
}

/// What a control request asks the engine to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControlCommand {
    /// Re-read the configuration; a bad one is rejected and the old one kept.
    Reload,
    /// Use the source again.
    Enable(SourceSelector),
    /// Stop using the source.
    Disable(SourceSelector),
}

impl fmt::Display for ControlCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ControlCommand::Reload => f.write_str("reload"),
            ControlCommand::Enable(source) => write!(f, "enable {source}"),
            ControlCommand::Disable(source) => write!(f, "disable {source}"),
        }
    }
}

/// The engine's answer to a control command: `Ok(message)` or `Err(reason)`, both one line for
/// the operator (`disabled ntp 10.99.1.1`, `no source named "x"`).
pub type ControlOutcome = Result<String, String>;

/// A control command from a socket client, sent to the engine over an `mpsc` channel. The engine
/// must answer on [`ControlRequest::reply`]; dropping it tells the client the engine gave no answer.
#[derive(Debug)]
pub struct ControlRequest {
    /// What to do.
    pub command: ControlCommand,
    /// Where the engine sends its answer.
    pub reply: oneshot::Sender<ControlOutcome>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(line: &str) -> Result<Request, String> {
        Request::from_line(line.as_bytes())
    }

    #[test]
    fn parses_every_request() {
        assert_eq!(
            parse(r#"{"request":"snapshot"}"#).ok(),
            Some(Request::Snapshot)
        );
        assert_eq!(
            parse(r#"{"request":"sources"}"#).ok(),
            Some(Request::Sources)
        );
        assert_eq!(
            parse(r#"{"request":"logs","n":5}"#).ok(),
            Some(Request::Logs { n: 5 })
        );
        assert_eq!(
            parse(r#"{"request":"logs"}"#).ok(),
            Some(Request::Logs {
                n: DEFAULT_LOG_COUNT
            })
        );
        assert_eq!(parse(r#"{"request":"reload"}"#).ok(), Some(Request::Reload));
        assert_eq!(parse(r#"{"request":"config"}"#).ok(), Some(Request::Config));
        assert_eq!(
            parse(r#"{"request":"enable","source":"ntp 10.99.1.1"}"#).ok(),
            Some(Request::Enable {
                source: SourceSelector::Name("ntp 10.99.1.1".into())
            })
        );
        assert_eq!(
            parse(r#"{"request":"disable","source":3}"#).ok(),
            Some(Request::Disable {
                source: SourceSelector::Id(SourceId(3))
            })
        );
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        let unknown = parse(r#"{"request":"explode"}"#).expect_err("unknown");
        assert!(unknown.contains("explode"), "{unknown}");
        let untagged = parse(r#"{"n":5}"#).expect_err("no tag");
        assert!(untagged.contains("missing field `request`"), "{untagged}");
        assert!(parse(r#"{"request":"logs","n":"five"}"#).is_err());
        assert!(parse(r#"{"request":"logs","n":-1}"#).is_err());
        assert!(parse(r#"{"request":"enable"}"#).is_err());
        let array = parse(r#"["snapshot"]"#).expect_err("not an object");
        assert!(array.contains("JSON object"), "{array}");
        assert!(parse("{").is_err());
    }

    #[test]
    fn replies_leave_out_absent_fields() {
        let line = Reply::error("nope").to_line();
        assert_eq!(line, b"{\"ok\":false,\"error\":\"nope\"}\n");
        let value: serde_json::Value =
            serde_json::from_slice(&Reply::done("reloaded").to_line()).expect("json");
        assert_eq!(value, json!({"ok": true, "message": "reloaded"}));
    }

    #[test]
    fn selectors_match_by_id_name_or_address() {
        let snapshot = super::super::snapshot::tests::example();
        let ntp = &snapshot.sources[0];
        assert!(SourceSelector::parse("0").matches(ntp));
        assert!(SourceSelector::parse("ntp 10.99.1.1").matches(ntp));
        assert!(SourceSelector::parse("10.99.1.1").matches(ntp));
        assert!(!SourceSelector::parse("1").matches(ntp));
        assert!(!SourceSelector::parse("10.99.1.2").matches(ntp));
    }
}
