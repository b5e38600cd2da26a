//! Basic and ApiKey authentication, and refused credentials (never echoed in reasons).

use super::{EsTarget, documents, encode};
use shiwa::es::testserver::{TestAuth, TestServerConfig};
use shiwa::es::{BatchVerdict, EsAuth, EsClient, ItemVerdict};
use shiwa::secret::Secret;

async fn guarded() -> EsTarget {
    let config = TestServerConfig {
        auth: TestAuth::basic("elastic", "s3cret-pass")
            .with_api_key("VuaCfGcBCdbkQm", "ui2lp2axTNmsyakw9tvNnw"),
        ..TestServerConfig::default()
    };
    EsTarget::fake("auth", config).await
}

async fn verdict_with(target: &EsTarget, auth: Option<EsAuth>, index: &str) -> BatchVerdict {
    let mut settings = target.settings();
    settings.auth = auth;
    let client = EsClient::new(&settings).expect("client");
    let docs = documents(index, 2);
    client.bulk(&encode(&docs, 0), 2).await.verdict
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn basic_and_api_key_credentials_are_accepted_and_wrong_ones_refused() {
    let target = guarded().await;
    let basic = EsAuth::Basic {
        username: "elastic".into(),
        password: Secret::new("s3cret-pass"),
    };
    let api_key = EsAuth::ApiKey(Secret::new("VuaCfGcBCdbkQm:ui2lp2axTNmsyakw9tvNnw"));
    let acked = BatchVerdict::Items(vec![ItemVerdict::Acked; 2]);
    assert_eq!(
        verdict_with(&target, Some(basic), &target.index("basic")).await,
        acked
    );
    assert_eq!(
        verdict_with(&target, Some(api_key), &target.index("apikey")).await,
        acked
    );
    let wrong_password = EsAuth::Basic {
        username: "elastic".into(),
        password: Secret::new("guessed-wrong"),
    };
    let wrong_key = EsAuth::ApiKey(Secret::new("VuaCfGcBCdbkQm:not-the-key"));
    for (auth, secret) in [
        (Some(wrong_password), "guessed-wrong"),
        (Some(wrong_key), "not-the-key"),
        (None, ""),
    ] {
        match verdict_with(&target, auth, &target.index("refused")).await {
            BatchVerdict::RetryAll {
                status: 401,
                reason,
            } => {
                assert!(reason.contains("credentials were refused"), "{reason}");
                assert!(reason.contains("security_exception"), "{reason}");
                assert!(secret.is_empty() || !reason.contains(secret), "{reason}");
            }
            other => panic!("expected 401, got {other:?}"),
        }
    }
    assert_eq!(target.server().stats().request_statuses.get(&401), Some(&3));
    assert_eq!(target.server().documents("*").len(), 4);
}

#[tokio::test]
async fn an_api_key_must_be_id_colon_key_and_is_never_printed() {
    let target = guarded().await;
    let mut settings = target.settings();
    settings.auth = Some(EsAuth::ApiKey(Secret::new("only-a-key-no-id")));
    let err = EsClient::new(&settings).expect_err("refused");
    assert!(
        err.to_string()
            .starts_with("output.elasticsearch.api_key: "),
        "{err}"
    );
    assert!(!err.to_string().contains("only-a-key"), "{err}");
    settings.auth = Some(EsAuth::ApiKey(Secret::new("id:hidden-key")));
    let client = EsClient::new(&settings).expect("client");
    assert!(!format!("{client:?}").contains("hidden-key"));
}

/// Against a real cluster with credentials: they work, and a wrong password is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_clusters_credentials_work_and_a_wrong_password_is_refused() {
    let target = EsTarget::new("real-auth").await;
    let Some(EsAuth::Basic { username, .. }) = target.auth.clone() else {
        eprintln!(
            "es::real-auth: needs SHIWA_TEST_ES_URL with SHIWA_TEST_ES_USERNAME; covered by the test server above"
        );
        return;
    };
    let acked = BatchVerdict::Items(vec![ItemVerdict::Acked; 2]);
    assert_eq!(
        verdict_with(&target, target.auth.clone(), &target.index("ok")).await,
        acked
    );
    let wrong = EsAuth::Basic {
        username,
        password: Secret::new("shiwa-wrong-password"),
    };
    assert!(matches!(
        verdict_with(&target, Some(wrong), &target.index("refused")).await,
        BatchVerdict::RetryAll { status: 401, .. }
    ));
}

#[test]
fn settings_never_print_credentials() {
    let settings = shiwa::es::ClientSettings {
        hosts: vec![url::Url::parse("https://es1:9200/").expect("url")],
        auth: Some(EsAuth::Basic {
            username: "elastic".into(),
            password: Secret::new("pa55word-in-settings"),
        }),
        ssl: None,
        compression_level: 0,
        timeout: std::time::Duration::from_secs(1),
    };
    let text = format!("{settings:?}");
    assert!(
        text.contains("elastic") && !text.contains("pa55word"),
        "{text}"
    );
    let client = EsClient::new(&settings).expect("client");
    assert!(!format!("{client:?}").contains("pa55word"));
}
