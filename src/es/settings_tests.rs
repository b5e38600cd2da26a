use super::*;

fn settings(yaml: &str) -> Result<ShipperSettings, SettingsError> {
    let loaded = crate::config::load_str(yaml, "test.yml").expect("valid config");
    ShipperSettings::from_config(&loaded.config, Path::new("/var/lib/shiwa"))
}

fn hosts(settings: &ShipperSettings) -> Vec<String> {
    settings.hosts.iter().map(|u| u.to_string()).collect()
}

#[test]
fn defaults_are_beats_and_the_issues() {
    let s = settings("output.elasticsearch:\n  hosts: ['es1', 'es2:9201']\n").expect("settings");
    assert_eq!(hosts(&s), ["http://es1:9200/", "http://es2:9201/"]);
    assert_eq!((s.bulk_max_size, s.compression_level), (1600, 1));
    assert_eq!(s.timeout, Duration::from_secs(90));
    assert_eq!(s.backoff, (Duration::from_secs(1), Duration::from_secs(60)));
    assert_eq!(s.snapshot_interval, Duration::from_secs(10));
    assert_eq!(s.indices.logs.as_str(), "timebeat-%{+yyyy.MM.dd}");
    assert_eq!(s.indices.clock.as_str(), "shiwatime_clock-%{+yyyy.MM.dd}");
    assert_eq!(s.indices.source.as_str(), "shiwatime_source-%{+yyyy.MM.dd}");
    assert!(s.template_enabled && !s.template.overwrite && !s.data_stream);
    assert_eq!(s.template.name, "shiwa");
    assert_eq!(s.spool_file, Path::new("/var/lib/shiwa/es-spool.db"));
    assert_eq!(
        s.dead_letter_file,
        Path::new("/var/lib/shiwa/es-dead-letter.ndjson")
    );
    assert_eq!(
        (s.spool_max_bytes, s.when_full),
        (256 << 20, WhenFull::Block)
    );
    assert_eq!(s.credentials, None);
}

#[test]
fn protocol_path_credentials_and_queue_are_taken() {
    let s = settings(
        "output.elasticsearch:\n  hosts: ['es1', 'https://es2:9443/base']\n  protocol: https\n  \
         path: /proxy/\n  api_key: 'id:key'\n  bulk_max_size: 50\n  compression_level: 0\n  \
         backoff: {init: 2s, max: 30s}\n\
         setup.template: {name: fleet, overwrite: true}\n\
         queue.disk: {path: /srv/spool, max_size: 2GiB, when_full: drop_oldest}\n",
    )
    .expect("settings");
    assert_eq!(
        hosts(&s),
        ["https://es1:9200/proxy/", "https://es2:9443/base/proxy/"]
    );
    assert_eq!(s.credentials, Some(EsAuth::ApiKey(Secret::new("id:key"))));
    assert_eq!((s.bulk_max_size, s.compression_level), (50, 0));
    assert_eq!(s.backoff, (Duration::from_secs(2), Duration::from_secs(30)));
    assert_eq!(
        (s.template.name.as_str(), s.template.overwrite),
        ("fleet", true)
    );
    assert_eq!(s.spool_file, Path::new("/srv/spool/es-spool.db"));
    assert_eq!(
        (s.spool_max_bytes, s.when_full),
        (2 << 30, WhenFull::DropOldest)
    );
}

#[test]
fn data_streams_take_undated_names() {
    let s = settings("output.elasticsearch:\n  hosts: [es]\n  data_stream: true\n").expect("ok");
    assert!(s.data_stream && s.template.data_stream);
    assert_eq!(s.indices.logs.as_str(), "timebeat");
    assert!(!s.indices.clock.has_date() && !s.indices.source.has_date());
    let dated = crate::config::load_str(
        "output.elasticsearch:\n  hosts: [es]\n  data_stream: true\n  index: 'x-%{+yyyy}'\n",
        "test.yml",
    )
    .expect_err("a dated data stream is refused at load");
    assert!(
        dated.to_string().contains("output.elasticsearch.index"),
        "{dated}"
    );
}

#[test]
fn a_missing_or_disabled_output_is_named() {
    let none = settings("timebeat: {}\n").expect_err("no output");
    assert!(matches!(none, SettingsError::NotConfigured));
    let off = settings("output.elasticsearch:\n  enabled: false\n  hosts: [es]\n");
    assert!(matches!(off, Err(SettingsError::NotConfigured)));
    let bad = settings("output.elasticsearch:\n  hosts: ['ftp://es']\n").expect_err("ftp");
    assert!(bad.to_string().contains("hosts[0]"), "{bad}");
}
