use super::*;

fn url(text: &str) -> url::Url {
    url::Url::parse(text).expect("url")
}

#[test]
fn endpoints_keep_the_path_prefix() {
    for base in ["https://es1:9200/proxy/", "https://es1:9200/proxy"] {
        let host = host(&url(base)).expect("host");
        assert_eq!(
            host.bulk.as_str(),
            format!("https://es1:9200/proxy/_bulk?filter_path={FILTER_PATH}")
        );
        assert_eq!(host.label, "https://es1:9200");
    }
    let plain = host(&url("http://es1")).expect("host");
    assert_eq!(plain.bulk.path(), "/_bulk");
    assert_eq!(plain.label, "http://es1:80");
    let template = endpoint(&url("http://es1:9200/a/"), &["_index_template", "my tpl/x"]);
    assert_eq!(template.path(), "/a/_index_template/my%20tpl%2Fx");
}

#[test]
fn labels_never_carry_credentials_and_bad_hosts_are_named() {
    assert_eq!(
        host_label(&url("https://elastic:secret@es1:9243/x")),
        "https://es1:9243"
    );
    let Err(err) = host(&url("ftp://es1/")) else {
        panic!("ftp accepted");
    };
    assert!(
        err.to_string()
            .starts_with("output.elasticsearch.hosts: ftp://es1"),
        "{err}"
    );
    let Err(none) = EsClient::new(&ClientSettings {
        hosts: Vec::new(),
        auth: None,
        ssl: None,
        compression_level: 0,
        timeout: std::time::Duration::from_secs(1),
    }) else {
        panic!("no hosts accepted");
    };
    assert_eq!(
        crate::exit::HasExitStatus::exit_status(&none),
        crate::exit::ExitStatus::Config
    );
}

#[test]
fn api_keys_are_sent_base64_and_marked_sensitive() {
    let Ok(Authorization::Header(value)) = authorization(&EsAuth::ApiKey(Secret::new("id:key")))
    else {
        panic!("an id:key API key is accepted");
    };
    assert_eq!(value.to_str().ok(), Some("ApiKey aWQ6a2V5"));
    assert!(value.is_sensitive());
}
