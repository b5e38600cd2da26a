//! Keys that Timebeat (or the Beats framework under it) defines but shiwa does not implement
//! yet. They load with one warning each, instead of the error an unknown key gets, and are
//! kept so that exports give them back.

/// Dotted path prefixes; `[]` matches any list index. A key matches when it equals a prefix
/// or lies below one.
const UNIMPLEMENTED: &[&str] = &[
    // Timebeat agent settings.
    "timebeat.license",
    "timebeat.config",
    // Includes Timebeat's per-interface PHC lists `advanced.linux_specific.phc_offset_strategy`,
    // `phc_samples`, `phc_smoothing_strategy`. shiwa implements the same settings per source
    // entry (`phc_offset_strategy`, `phc_samples`, `phc_smoothing`, see `config/sources.rs`),
    // so those are ordinary keys, not listed here.
    "timebeat.advanced",
    "timebeat.leap_second_file",
    "timebeat.clock_sync.primary_clocks[].profile",
    "timebeat.clock_sync.secondary_clocks[].profile",
    "timebeat.clock_sync.primary_clocks[].asymmetry_compensation",
    "timebeat.clock_sync.secondary_clocks[].asymmetry_compensation",
    "timebeat.clock_sync.primary_clocks[].logsource",
    "timebeat.clock_sync.secondary_clocks[].logsource",
    // Beats framework settings.
    "name",
    "tags",
    "fields",
    "fields_under_root",
    "processors",
    "logging",
    // `setup.template.{enabled,name,overwrite}` are implemented (config/shipping.rs).
    "setup.dashboards",
    "setup.kibana",
    "setup.ilm",
    "setup.template.settings",
    "setup.template.fields",
    "setup.template.json",
    "setup.template.append_fields",
    "setup.template.pattern",
    "setup.template.type",
    "path",
    // `queue.disk.{path,max_size,when_full}` are implemented (config/shipping.rs).
    "queue.mem",
    "queue.disk.segment_size",
    "queue.disk.read_ahead",
    "queue.disk.write_ahead",
    "queue.disk.retry_interval",
    "queue.disk.max_retry_interval",
    "http",
    "max_procs",
    "seccomp",
    "keystore",
    "monitoring.cluster_uuid",
    "monitoring.elasticsearch.metrics",
    "output.logstash",
    "output.kafka",
    "output.redis",
    "output.file",
    "output.console",
    "output.elasticsearch.worker",
    "output.elasticsearch.workers",
    "output.elasticsearch.loadbalance",
    "output.elasticsearch.pipeline",
    "output.elasticsearch.pipelines",
    "output.elasticsearch.indices",
    "output.elasticsearch.headers",
    "output.elasticsearch.parameters",
    "output.elasticsearch.proxy_url",
    "output.elasticsearch.proxy_disable",
    "output.elasticsearch.escape_html",
    "output.elasticsearch.max_retries",
    "output.elasticsearch.allow_older_versions",
    "output.elasticsearch.preset",
    "output.elasticsearch.idle_connection_timeout",
    "output.elasticsearch.non_indexable_policy",
    "output.elasticsearch.ssl.supported_protocols",
    "output.elasticsearch.ssl.cipher_suites",
    "output.elasticsearch.ssl.curve_types",
    "output.elasticsearch.ssl.renegotiation",
    "output.elasticsearch.ssl.ca_sha256",
    "output.elasticsearch.ssl.ca_trusted_fingerprint",
];

/// True when `path` (e.g. `timebeat.advanced.steering.algo`) is a Timebeat key shiwa does not
/// implement yet.
pub fn is_unimplemented_timebeat_key(path: &str) -> bool {
    let normalized = strip_indices(path);
    UNIMPLEMENTED.iter().any(|prefix| {
        normalized == *prefix
            || normalized
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

fn strip_indices(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_prefixes_and_indices() {
        assert!(is_unimplemented_timebeat_key("timebeat.advanced"));
        assert!(is_unimplemented_timebeat_key(
            "timebeat.advanced.steering.algo"
        ));
        assert!(is_unimplemented_timebeat_key(
            "timebeat.clock_sync.primary_clocks[3].profile"
        ));
        assert!(!is_unimplemented_timebeat_key("timebeat.advancedx"));
        assert!(!is_unimplemented_timebeat_key(
            "timebeat.clock_sync.adjust_clok"
        ));
    }

    #[test]
    fn phc_settings_are_implemented_per_source_and_warned_under_advanced() {
        for key in ["phc_offset_strategy", "phc_samples", "phc_smoothing"] {
            let path = format!("timebeat.clock_sync.secondary_clocks[1].{key}");
            assert!(!is_unimplemented_timebeat_key(&path), "{path}");
        }
        assert!(is_unimplemented_timebeat_key(
            "timebeat.advanced.linux_specific.phc_smoothing_strategy"
        ));
        assert!(is_unimplemented_timebeat_key(
            "timebeat.advanced.linux_specific.phc_samples"
        ));
    }
}
