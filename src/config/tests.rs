//! Loader tests: every kind of problem is reported with file, line, column and key path.

use super::*;

fn load(text: &str) -> Result<LoadedConfig, ConfigError> {
    load_str(text, "test.yml")
}

fn errors(text: &str) -> Vec<String> {
    match load(text) {
        Ok(loaded) => panic!("expected errors, loaded {:?}", loaded.config),
        Err(err) => err
            .diagnostics()
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(ToString::to_string)
            .collect(),
    }
}

const CLOUD: &str = include_str!("../../examples/timebeat-cloud.yml");

#[test]
fn the_integration_guide_config_loads() {
    let loaded = load(CLOUD).expect("loads");
    let config = &loaded.config;
    let source = &config.timebeat.clock_sync.primary_clocks[0];
    assert_eq!(source.protocol, Protocol::Ptp);
    assert_eq!(source.interface.as_deref(), Some("enp0s3"));
    assert_eq!(source.server_only, Some(true));
    assert_eq!(config.timebeat.http.bind_port, Port(8088));
    assert_eq!(config.timebeat.cli.bind_port, Port(65129));
    let es = config.output.elasticsearch.as_ref().expect("es output");
    assert_eq!(es.hosts, vec!["elastic.customer.timebeat.app:9200"]);
    assert_eq!(es.password.as_ref().map(|s| s.expose()), Some("changeme"));
    let ssl = es.ssl.as_ref().expect("ssl");
    assert_eq!(ssl.certificate_authorities.len(), 1);
    assert!(config.monitoring.enabled);
    assert_eq!(config.monitoring.elasticsearch, None);
    assert_eq!(
        config.timebeat.clock_sync.step_limit,
        StepLimit::Limit(ConfigDuration::parse("15m").expect("duration"))
    );
}

#[test]
fn every_problem_is_reported_at_once_with_positions() {
    let text = "\
timebeat:
  clock_sync:
    adjust_clok: true
    step_limit: 15
    primary_clocks:
      - protocol: ntp
        ip: 10.0.0.1
        pollinterval: 4x
      - protocol: ptpp
  http:
    bind_port: 70000
";
    let found = errors(text);
    let expected = [
        "test.yml:3:5: timebeat.clock_sync.adjust_clok: unknown key `adjust_clok`; did you mean `adjust_clock`?",
        "test.yml:4:17: timebeat.clock_sync.step_limit: duration `15` needs a unit",
        "test.yml:8:23: timebeat.clock_sync.primary_clocks[0].pollinterval: invalid duration unit `x`",
        "test.yml:9:19: timebeat.clock_sync.primary_clocks[1].protocol: unknown value `ptpp`; did you mean `ptp`?",
        "test.yml:11:16: timebeat.http.bind_port: 70000 is out of range: ports are 1 to 65535",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (got, want) in found.iter().zip(expected) {
        assert!(got.starts_with(want), "got {got:?}\nwant prefix {want:?}");
    }
}

#[test]
fn dotted_keys_and_the_shiwa_alias_are_accepted() {
    let dotted = load("shiwa.http.enable: yes\noutput.elasticsearch.hosts: [a:9200]\n")
        .expect("loads")
        .config;
    let nested = load(
        "timebeat:\n  http:\n    enable: true\noutput:\n  elasticsearch:\n    hosts: ['a:9200']\n",
    )
    .expect("loads")
    .config;
    assert_eq!(dotted, nested);
    assert!(dotted.timebeat.http.enable);
}

#[test]
fn both_agent_section_names_is_an_error() {
    let found = errors("timebeat: {}\nshiwa: {}\n");
    assert!(
        found[0].contains("`shiwa` and `timebeat` mean the same"),
        "{found:?}"
    );
}

#[test]
fn unimplemented_timebeat_keys_warn_and_are_kept() {
    let text = "timebeat:\n  license.keyfile: /etc/timebeat/timebeat.lic\n  advanced:\n    steering:\n      algo: sigma\nlogging.level: info\n";
    let loaded = load(text).expect("loads");
    let paths: Vec<_> = loaded.warnings.iter().map(|w| w.path.as_str()).collect();
    assert!(paths.contains(&"timebeat.license"), "{paths:?}");
    assert!(paths.contains(&"timebeat.advanced.steering"), "{paths:?}");
    assert!(paths.contains(&"logging"), "{paths:?}");
    let doc = to_document(&loaded.config);
    assert_eq!(doc["timebeat"]["advanced"]["steering"]["algo"], "sigma");
    assert_eq!(
        doc["timebeat"]["license"]["keyfile"],
        "/etc/timebeat/timebeat.lic"
    );
}

#[test]
fn keys_of_another_protocol_are_rejected() {
    let text =
        "timebeat.clock_sync.primary_clocks:\n  - protocol: ntp\n    ip: 10.0.0.1\n    domain: 3\n";
    let found = errors(text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("test.yml:4:5: timebeat.clock_sync.primary_clocks[0].domain: `domain` does not apply to a ntp source"), "{}", found[0]);
}

#[test]
fn missing_required_keys_are_named() {
    let found = errors(
        "timebeat.clock_sync.primary_clocks:\n  - ip: 10.0.0.1\n  - protocol: ntp\nhub:\n  api_key: x\n",
    );
    assert!(
        found
            .iter()
            .any(|e| e.contains("primary_clocks[0]: missing required key `protocol`")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|e| e.contains("primary_clocks[1]: a ntp source needs `ip`")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|e| e.contains("hub: missing required key `url`")),
        "{found:#?}"
    );
}

#[test]
fn wrong_types_say_what_was_expected() {
    let found = errors("timebeat:\n  http:\n    enable: maybe\n    bind_host: [a]\n  cli: 5\n");
    assert!(
        found[0].contains("timebeat.http.enable: expected true or false, found `maybe`"),
        "{found:#?}"
    );
    assert!(
        found[1].contains("timebeat.http.bind_host: expected text, found a list"),
        "{found:#?}"
    );
    assert!(
        found[2]
            .contains("timebeat.cli: expected a mapping (keys and values), found a single value"),
        "{found:#?}"
    );
}

#[test]
fn port_zero_and_bad_intervals_are_rejected() {
    let found = errors(
        "timebeat:\n  http.bind_port: 0\n  clock_sync.primary_clocks:\n    - protocol: ptp\n      sync_interval: 9\n      domain: 200\n",
    );
    assert!(
        found
            .iter()
            .any(|e| e.contains("bind_port: 0 is out of range: ports are 1 to 65535")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|e| e.contains("sync_interval: 9 is out of range")),
        "{found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|e| e.contains("domain: 200 is out of range: PTP domains are 0 to 127")),
        "{found:#?}"
    );
}

#[test]
fn credentials_conflicts_are_errors() {
    let found = errors(
        "output.elasticsearch:\n  hosts: [a]\n  username: u\n  password: p\n  api_key: id:key\n",
    );
    assert!(
        found[0].contains("output.elasticsearch.api_key: set either username/password or api_key"),
        "{found:#?}"
    );
}

#[test]
fn empty_and_non_utf8_and_huge_inputs_are_refused() {
    let empty = load("# nothing\n").expect_err("empty");
    assert!(empty.to_string().contains("the file is empty"), "{empty}");
    let binary = load_bytes(b"timebeat:\n  http: \xff\xfe\n", "bin.yml").expect_err("binary");
    assert!(
        binary.to_string().contains("bin.yml:2:9: not valid UTF-8"),
        "{binary}"
    );
    let huge = vec![b'#'; (MAX_CONFIG_BYTES + 1) as usize];
    let err = load_bytes(&huge, "huge.yml").expect_err("huge");
    assert!(err.to_string().contains("limited to"), "{err}");
}

#[test]
fn top_level_must_be_a_mapping() {
    let err = load("- a\n- b\n").expect_err("list");
    assert!(
        err.to_string().contains("expected a mapping of sections"),
        "{err}"
    );
}

#[test]
fn secrets_never_print() {
    let loaded = load(CLOUD).expect("loads");
    let debug = format!("{:?}", loaded.config);
    assert!(!debug.contains("changeme"), "secret in Debug output");
    let shown = to_yaml(&loaded.config.redacted()).expect("yaml");
    assert!(!shown.contains("changeme"), "secret in redacted YAML");
    assert!(shown.contains("<redacted>"));
}

#[test]
fn step_limit_off_removes_the_limit() {
    let loaded = load("timebeat.clock_sync.step_limit: off\n").expect("loads");
    assert_eq!(
        loaded.config.timebeat.clock_sync.step_limit,
        StepLimit::Unlimited
    );
}

#[test]
fn authorized_keys_spelling_is_accepted() {
    let loaded = load("timebeat.cli.authorized_keys: /etc/shiwa/keys\n").expect("loads");
    assert_eq!(
        loaded.config.timebeat.cli.authorised_keys.as_deref(),
        Some(std::path::Path::new("/etc/shiwa/keys"))
    );
}

#[test]
fn cli_password_hash_must_be_an_argon2_phc_string() {
    let good = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                Rz7aL+zl0CPvYS0P8Y0Y7nbSJzIH1wz5R8bE1s7Vw3c";
    let loaded = load(&format!("timebeat.cli.password_hash: '{good}'\n")).expect("loads");
    let hash = loaded.config.timebeat.cli.password_hash.as_ref();
    assert_eq!(hash.map(crate::secret::Secret::expose), Some(good));
    let shown = to_document(&loaded.config.redacted()).to_string();
    assert!(!shown.contains("argon2id"), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");

    let bad = errors("timebeat.cli.password_hash: 'changeme'\n");
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].contains("timebeat.cli.password_hash"), "{bad:?}");
    assert!(bad[0].contains("not a PHC password hash"), "{bad:?}");
    assert!(bad[0].contains("--hash-password"), "{bad:?}");
    let not_argon = errors("timebeat.cli.password_hash: '$pbkdf2-sha256$i=1000$c2FsdA$aGFzaA'\n");
    assert!(not_argon[0].contains("argon2"), "{not_argon:?}");

    let both = errors(&format!(
        "timebeat.cli:\n  password: x\n  password_hash: '{good}'\n"
    ));
    assert!(both[0].contains("not both"), "{both:?}");
}

#[test]
fn phc_sources_take_strategy_samples_and_smoothing() {
    let text = "\
timebeat.clock_sync.primary_clocks:
  - protocol: phc
    device: /dev/ptp0
  - protocol: phc
    device: /dev/ptp1
    phc_offset_strategy: precise
    phc_samples: 25
    phc_smoothing: median
  - protocol: phc
    device: /dev/ptp2
    phc_offset_strategy: sys_offset
    phc_samples: \"1\"
  - protocol: phc
    device: /dev/ptp3
    phc_offset_strategy: extended
    phc_smoothing: min_delay
";
    let loaded = load(text).expect("loads");
    let sources = &loaded.config.timebeat.clock_sync.primary_clocks;
    let settings: Vec<_> = sources
        .iter()
        .map(|source| crate::phc_source::PhcSourceSettings::from_config(source).expect("phc"))
        .collect();
    use crate::phc_source::{PhcSamples, PhcSmoothing, PhcStrategyChoice};
    let summary: Vec<_> = settings
        .iter()
        .map(|s| (s.strategy, s.samples.get(), s.smoothing))
        .collect();
    assert_eq!(
        summary,
        [
            (PhcStrategyChoice::Auto, 15, PhcSmoothing::MinDelay),
            (PhcStrategyChoice::Precise, 25, PhcSmoothing::Median),
            (PhcStrategyChoice::Basic, 1, PhcSmoothing::MinDelay),
            (PhcStrategyChoice::Extended, 15, PhcSmoothing::MinDelay),
        ]
    );
    assert_eq!(settings[1].device, std::path::Path::new("/dev/ptp1"));
    assert_eq!(PhcSamples::default().get(), 15);
    // Exports give the keys back as written (the alias in its canonical spelling).
    let doc = to_document(&loaded.config);
    let exported = &doc["timebeat"]["clock_sync"]["primary_clocks"];
    assert_eq!(exported[1]["phc_offset_strategy"], "precise");
    assert_eq!(exported[1]["phc_samples"], 25);
    assert_eq!(exported[1]["phc_smoothing"], "median");
    assert_eq!(exported[2]["phc_offset_strategy"], "basic");
    assert!(exported[0].get("phc_samples").is_none(), "{exported}");
}

#[test]
fn bad_phc_settings_name_the_field() {
    let text = "\
timebeat.clock_sync.primary_clocks:
  - protocol: phc
    device: /dev/ptp0
    phc_offset_strategy: precies
    phc_samples: 26
    phc_smoothing: mean
  - protocol: phc
    device: /dev/ptp1
    phc_samples: 0
  - protocol: phc
    device: /dev/ptp2
    phc_samples: -3
  - protocol: ntp
    ip: 10.0.0.1
    phc_samples: 5
";
    let found = errors(text);
    let expected = [
        "test.yml:4:26: timebeat.clock_sync.primary_clocks[0].phc_offset_strategy: unknown value `precies`; did you mean `precise`?",
        "test.yml:5:18: timebeat.clock_sync.primary_clocks[0].phc_samples: 26 is out of range: phc_samples is 1 to 25 (the kernel's PTP_MAX_SAMPLES)",
        "test.yml:6:20: timebeat.clock_sync.primary_clocks[0].phc_smoothing: unknown value `mean`",
        "test.yml:9:18: timebeat.clock_sync.primary_clocks[1].phc_samples: 0 is out of range: phc_samples is 1 to 25",
        "test.yml:12:18: timebeat.clock_sync.primary_clocks[2].phc_samples: -3 is out of range: phc_samples is 1 to 25",
        "test.yml:15:5: timebeat.clock_sync.primary_clocks[3].phc_samples: `phc_samples` does not apply to a ntp source",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (got, want) in found.iter().zip(expected) {
        assert!(got.starts_with(want), "got {got:?}\nwant prefix {want:?}");
    }
}

#[test]
fn hardware_timestamping_is_read_and_the_rest_of_advanced_still_warns() {
    let yaml = "timebeat:\n  advanced:\n    linux_specific:\n      hardware_timestamping: true\n      phc_samples: 10\n";
    let loaded = load(yaml).expect("loads");
    assert!(
        loaded
            .config
            .timebeat
            .advanced
            .linux_specific
            .hardware_timestamping
    );
    let paths: Vec<_> = loaded
        .warnings
        .iter()
        .map(|w| w.path.as_str())
        .filter(|path| path.starts_with("timebeat.advanced"))
        .collect();
    assert_eq!(paths, ["timebeat.advanced.linux_specific.phc_samples"]);
    let doc = to_document(&loaded.config);
    assert_eq!(
        doc["timebeat"]["advanced"]["linux_specific"]["phc_samples"],
        10
    );
    assert_eq!(
        doc["timebeat"]["advanced"]["linux_specific"]["hardware_timestamping"],
        true
    );
    let bad = "timebeat:\n  advanced:\n    linux_specific:\n      hardware_timestamping: maybe\n";
    let problems = errors(bad);
    assert!(
        problems[0].contains("timebeat.advanced.linux_specific.hardware_timestamping"),
        "{problems:?}"
    );
}

#[test]
fn a_hub_section_with_both_retrieval_password_forms_is_refused() {
    let found = errors(
        "hub:\n  url: https://hub.example:8080\n  api_key: k\n  retrieval_password: a b c\n  retrieval_password_file: /etc/shiwa/words\n",
    );
    assert!(
        found.iter().any(|e| e.contains(
            "hub.retrieval_password: set either retrieval_password or retrieval_password_file"
        )),
        "{found:#?}"
    );
}
