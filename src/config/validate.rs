//! Checks that need more than one key at a time (a key that does not fit its source's
//! protocol, a missing server address, both kinds of credentials...), run after the file has
//! been read into the typed model. Positions come from the tree, so messages still point at the
//! line to fix.

use super::diagnostic::{Diagnostic, Severity};
use super::model::{CliConfig, Config, HttpConfig, HubConfig};
use super::outputs::{ElasticsearchConfig, SslConfig, VerificationMode};
use super::sources::{Protocol, SourceConfig};
use super::tree::{Node, NodeKind};
use std::collections::BTreeSet;
use std::time::Duration;

const COMMON_SOURCE_KEYS: &[&str] = &["protocol", "disable", "monitor_only"];

struct Checker<'a> {
    tree: &'a Node,
    file: &'a str,
    found: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn report(&mut self, severity: Severity, path: &str, message: impl Into<String>) {
        self.found.push(Diagnostic {
            severity,
            file: self.file.to_string(),
            pos: Some(self.tree.key_pos_of(path)),
            path: path.to_string(),
            message: message.into(),
        });
    }

    fn error(&mut self, path: &str, message: impl Into<String>) {
        self.report(Severity::Error, path, message);
    }

    fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.report(Severity::Warning, path, message);
    }
}

/// Every cross-key problem in `config`, located through `tree`.
///
/// `skipped` holds the paths of subtrees that failed to load (already reported); list
/// entries among them are missing from `config`, so indices are mapped back past them.
pub fn validate(
    config: &Config,
    tree: &Node,
    file: &str,
    skipped: &BTreeSet<String>,
) -> Vec<Diagnostic> {
    let mut checker = Checker {
        tree,
        file,
        found: Vec::new(),
    };
    let sync = &config.timebeat.clock_sync;
    for (group, sources) in [
        ("primary_clocks", &sync.primary_clocks),
        ("secondary_clocks", &sync.secondary_clocks),
    ] {
        let list = format!("timebeat.clock_sync.{group}");
        let paths = (0..)
            .map(|index| format!("{list}[{index}]"))
            .filter(|path| !skipped.contains(path));
        for (path, source) in paths.zip(sources) {
            check_source(&mut checker, &path, source);
        }
    }
    if sync.primary_clocks.is_empty() && sync.secondary_clocks.is_empty() {
        checker.warn(
            "timebeat.clock_sync",
            "no clock sources: add entries under primary_clocks",
        );
    }
    if let Some(stratum) = sync.local_stratum.filter(|s| !(1..=15).contains(s)) {
        checker.error(
            "timebeat.clock_sync.local_stratum",
            format!("{stratum} is out of range: a local stratum is 1 to 15"),
        );
    }
    for (path, host) in [
        ("timebeat.http.bind_host", &config.timebeat.http.bind_host),
        ("timebeat.cli.bind_host", &config.timebeat.cli.bind_host),
    ] {
        check_host(&mut checker, path, host);
    }
    check_http(&mut checker, &config.timebeat.http);
    check_cli(&mut checker, &config.timebeat.cli);
    if let Some(es) = &config.output.elasticsearch {
        check_elasticsearch(&mut checker, "output.elasticsearch", es, true);
    }
    if let Some(es) = &config.monitoring.elasticsearch {
        check_elasticsearch(&mut checker, "monitoring.elasticsearch", es, false);
    }
    if let Some(hub) = &config.hub {
        check_hub(&mut checker, hub);
    }
    check_shipping(&mut checker, config);
    checker.found
}

fn check_source(checker: &mut Checker<'_>, path: &str, source: &SourceConfig) {
    let allowed = source.protocol.keys();
    if let Some(Node {
        kind: NodeKind::Map(entries),
        ..
    }) = checker.tree.lookup(path)
    {
        for entry in entries {
            let key = entry.key.as_str();
            if !COMMON_SOURCE_KEYS.contains(&key) && !allowed.contains(&key) {
                checker.error(
                    &format!("{path}.{key}"),
                    format!(
                        "`{key}` does not apply to a {} source (its keys: {})",
                        source.protocol.name(),
                        allowed.join(", ")
                    ),
                );
            }
        }
    }
    let server_only = source.server_only == Some(true);
    let required: &[(&str, bool)] = match source.protocol {
        Protocol::Ntp => &[("ip", source.ip.is_some() || server_only)],
        Protocol::Pps => &[("interface", source.interface.is_some())],
        Protocol::Nmea | Protocol::Phc => &[("device", source.device.is_some())],
        Protocol::Ptp => &[],
    };
    for (key, present) in required {
        if !present {
            checker.error(
                path,
                format!("a {} source needs `{key}`", source.protocol.name()),
            );
        }
    }
    if let Some(domain) = source.domain.filter(|d| *d > 127) {
        checker.error(
            &format!("{path}.domain"),
            format!("{domain} is out of range: PTP domains are 0 to 127"),
        );
    }
    if let Some(poll) = source.pollinterval {
        let (min, max) = (Duration::from_millis(15), Duration::from_secs(131_072));
        if poll.0 < min || poll.0 > max {
            checker.error(
                &format!("{path}.pollinterval"),
                format!("{poll} is out of range: from 15ms (2^-6 s) to 36h (2^17 s)"),
            );
        }
    }
    if let Some(table) = &source.unicast_master_table
        && table.iter().any(|m| m.trim().is_empty())
    {
        checker.error(
            &format!("{path}.unicast_master_table"),
            "empty address in the unicast master table",
        );
    }
}

fn check_host(checker: &mut Checker<'_>, path: &str, host: &str) {
    let valid_name = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_'));
    if !valid_name {
        checker.error(
            path,
            format!("`{host}` is not an address or host name (e.g. 0.0.0.0, 127.0.0.1, ::)"),
        );
    }
}

fn check_http(checker: &mut Checker<'_>, http: &HttpConfig) {
    if let Some(auth) = &http.auth {
        for (key, message) in super::http::auth_problems(auth) {
            checker.error(&format!("timebeat.http.auth.{key}"), message);
        }
        if http.tls.is_none() && http.bind_host != "127.0.0.1" && http.bind_host != "::1" {
            checker.warn(
                "timebeat.http.auth",
                "credentials travel unencrypted over plain HTTP: add timebeat.http.tls",
            );
        }
    }
}

fn check_elasticsearch(
    checker: &mut Checker<'_>,
    path: &str,
    es: &ElasticsearchConfig,
    output: bool,
) {
    if output && es.enabled && es.hosts.is_empty() {
        checker.error(path, "needs at least one entry in `hosts`");
    }
    for (index, host) in es.hosts.iter().enumerate() {
        if host.trim().is_empty() || host.contains(char::is_whitespace) {
            checker.error(
                &format!("{path}.hosts[{index}]"),
                format!("invalid host `{host}`"),
            );
        }
    }
    if es.api_key.is_some() && (es.username.is_some() || es.password.is_some()) {
        checker.error(
            &format!("{path}.api_key"),
            "set either username/password or api_key, not both",
        );
    }
    if es.password.is_some() && es.username.is_none() {
        checker.error(&format!("{path}.password"), "a password needs a `username`");
    }
    if let Some(level) = es.compression_level.filter(|l| *l > 9) {
        checker.error(
            &format!("{path}.compression_level"),
            format!("{level} is out of range: 0 (off) to 9"),
        );
    }
    if let Some(ssl) = &es.ssl {
        check_ssl(checker, &format!("{path}.ssl"), ssl);
    }
}

/// The shipper's own keys: index patterns (dates refused in data-stream mode), sizes,
/// intervals, the template name and the spool bound.
fn check_shipping(checker: &mut Checker<'_>, config: &Config) {
    let Some(es) = &config.output.elasticsearch else {
        return;
    };
    let path = "output.elasticsearch";
    let data_stream = es.data_stream == Some(true);
    for (key, pattern) in [
        ("index", &es.index),
        ("clock_index", &es.clock_index),
        ("source_index", &es.source_index),
    ] {
        let Some(pattern) = pattern else { continue };
        match crate::es::IndexPattern::parse(pattern) {
            Err(err) => checker.error(&format!("{path}.{key}"), err.reason),
            Ok(parsed) if data_stream && parsed.has_date() => checker.error(
                &format!("{path}.{key}"),
                "a data stream name cannot contain a date (data streams roll over by \
                 themselves): drop the %{+...} part or set data_stream: false",
            ),
            Ok(_) => {}
        }
    }
    if es.bulk_max_size == Some(0) {
        checker.error(&format!("{path}.bulk_max_size"), "must be at least 1");
    }
    if let Some(interval) = es
        .snapshot_interval
        .filter(|i| i.0 < Duration::from_secs(1))
    {
        checker.error(
            &format!("{path}.snapshot_interval"),
            format!("{interval} is too short: at least 1s"),
        );
    }
    if let Some(name) = &config.setup.template.name
        && (name.is_empty() || name.starts_with(['-', '_', '+']) || name != &name.to_lowercase())
    {
        checker.error(
            "setup.template.name",
            format!("`{name}` is not a template name: lowercase, not starting with - _ +"),
        );
    }
    if let Some(size) = config.queue.disk.max_size.filter(|s| s.0 < 1 << 20) {
        checker.error(
            "queue.disk.max_size",
            format!("{size} is too small: at least 1MiB"),
        );
    }
}

fn check_ssl(checker: &mut Checker<'_>, path: &str, ssl: &SslConfig) {
    match (&ssl.certificate, &ssl.key) {
        (Some(_), None) => checker.error(path, "`certificate` is set without `key`"),
        (None, Some(_)) => checker.error(path, "`key` is set without `certificate`"),
        _ => {}
    }
    if ssl.verification_mode == Some(VerificationMode::None) {
        checker.warn(
            &format!("{path}.verification_mode"),
            "`none` turns off certificate checks: anyone on the path can read and alter traffic",
        );
    }
}

/// `timebeat.cli`: a password hash must be an argon2 PHC string; one kind of password only.
fn check_cli(checker: &mut Checker<'_>, cli: &CliConfig) {
    if let Some(hash) = cli.password_hash.as_ref().filter(|h| !h.is_redacted())
        && let Err(reason) = crate::secret::check_password_hash(hash.expose())
    {
        checker.error(
            "timebeat.cli.password_hash",
            format!("{reason}; make one with `shiwa cli-ssh --hash-password`"),
        );
    }
    if cli.password.is_some() && cli.password_hash.is_some() {
        checker.error(
            "timebeat.cli.password",
            "set either password or password_hash, not both",
        );
    }
}

fn check_hub(checker: &mut Checker<'_>, hub: &HubConfig) {
    match hub.url.scheme() {
        "https" => {}
        "http" if hub.api_key.is_some() => checker.warn(
            "hub.url",
            "plain http: the node's API key travels unencrypted (use https)",
        ),
        "http" => {}
        other => checker.error(
            "hub.url",
            format!("unsupported scheme `{other}`: use https:// (or http://)"),
        ),
    }
    if hub.report_interval.0 < Duration::from_secs(10) {
        checker.error(
            "hub.report_interval",
            format!("{} is too short: at least 10s", hub.report_interval),
        );
    }
    if hub.retrieval_password.is_some() && hub.retrieval_password_file.is_some() {
        checker.error(
            "hub.retrieval_password",
            "set either retrieval_password or retrieval_password_file, not both",
        );
    }
    if let Some(ssl) = &hub.ssl {
        check_ssl(checker, "hub.ssl", ssl);
    }
}
