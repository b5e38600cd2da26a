//! TLS with certificates from `shiwa setup-pki` (test server only): a trusted CA works, a
//! wrong CA and a missing client certificate fail with reasons that say so, the client
//! certificate is presented when configured.

use super::{EsTarget, documents, encode};
use crate::support::shiwa;
use shiwa::config::{KeySource, SslConfig, VerificationMode};
use shiwa::es::template::{IndexTemplate, TemplateSettings};
use shiwa::es::testserver::{TestServerConfig, TestServerTls};
use shiwa::es::{BatchVerdict, EsClient, ItemVerdict};
use shiwa::exit::{ExitStatus, HasExitStatus};
use std::path::{Path, PathBuf};

/// `shiwa setup-pki --dir DIR --server-cn localhost --san 127.0.0.1`.
pub(super) fn pki(dir: &Path) -> PathBuf {
    shiwa()
        .args(["setup-pki", "--dir"])
        .arg(dir)
        .args(["--server-cn", "localhost", "--san", "127.0.0.1"])
        .assert()
        .success();
    dir.to_path_buf()
}

async fn tls_target(test: &str, pki: &Path, require_client_cert: bool) -> EsTarget {
    let config = TestServerConfig {
        tls: Some(TestServerTls {
            certificate: pki.join("localhost.crt"),
            key: pki.join("localhost.key"),
            client_ca: require_client_cert.then(|| pki.join("ca.crt")),
        }),
        ..TestServerConfig::default()
    };
    EsTarget::fake(test, config).await
}

fn ssl(ca: &Path, client: Option<&Path>) -> SslConfig {
    SslConfig {
        certificate_authorities: vec![ca.join("ca.crt")],
        certificate: client.map(|dir| dir.join("timebeat.crt")),
        key: client.map(|dir| KeySource::Path(dir.join("timebeat.key"))),
        ..SslConfig::default()
    }
}

async fn verdict(target: &EsTarget, ssl: SslConfig) -> BatchVerdict {
    let mut settings = target.settings();
    settings.ssl = Some(ssl);
    let client = EsClient::new(&settings).expect("client");
    let docs = documents(&target.index("logs"), 2);
    client.bulk(&encode(&docs, 0), 2).await.verdict
}

fn tls_failure(verdict: BatchVerdict, expected: &str) -> String {
    match verdict {
        BatchVerdict::RetryAll { status: 0, reason } => {
            assert!(reason.contains("TLS"), "{reason}");
            assert!(
                reason.contains(expected),
                "expected `{expected}` in: {reason}"
            );
            reason
        }
        other => panic!("expected a TLS failure, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_ca_works_and_a_wrong_ca_says_unknown_ca() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ours = pki(&dir.path().join("ours"));
    let other = pki(&dir.path().join("other"));
    let target = tls_target("tls-ca", &ours, false).await;
    let acked = BatchVerdict::Items(vec![ItemVerdict::Acked; 2]);
    assert_eq!(verdict(&target, ssl(&ours, None)).await, acked);
    let reason = tls_failure(verdict(&target, ssl(&other, None)).await, "unknown CA");
    assert!(reason.contains("certificate_authorities"), "{reason}");
    // `verification_mode: none` accepts it (and is warned about).
    let blind = SslConfig {
        verification_mode: Some(VerificationMode::None),
        ..ssl(&other, None)
    };
    let mut settings = target.settings();
    settings.ssl = Some(blind);
    let client = EsClient::new(&settings).expect("client");
    let docs = documents(&target.index("blind"), 1);
    assert_eq!(
        client.bulk(&encode(&docs, 0), 1).await.verdict,
        BatchVerdict::Items(vec![ItemVerdict::Acked])
    );
    // The template install reports the same, as a configuration problem (exit 78).
    let mut settings = target.settings();
    settings.ssl = Some(ssl(&other, None));
    let client = EsClient::new(&settings).expect("client");
    let template = IndexTemplate::new(&shiwa_patterns(), &TemplateSettings::default());
    let err = client
        .install_template(&template)
        .await
        .expect_err("wrong CA");
    assert!(err.to_string().contains("unknown CA"), "{err}");
    assert_eq!(err.exit_status(), ExitStatus::Config);
}

fn shiwa_patterns() -> shiwa::es::IndexPatterns {
    let parse = |text: &str| shiwa::es::IndexPattern::parse(text).expect("pattern");
    shiwa::es::IndexPatterns {
        logs: parse("timebeat-%{+yyyy.MM.dd}"),
        clock: parse("shiwatime_clock-%{+yyyy.MM.dd}"),
        source: parse("shiwatime_source-%{+yyyy.MM.dd}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_required_client_certificate_missing_is_named_and_presented_it_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ours = pki(&dir.path().join("ours"));
    let stranger = pki(&dir.path().join("stranger"));
    let target = tls_target("tls-client", &ours, true).await;
    tls_failure(
        verdict(&target, ssl(&ours, None)).await,
        "client certificate",
    );
    // A client certificate from another CA is refused the same way.
    let mut foreign = ssl(&ours, Some(&stranger));
    foreign.certificate_authorities = vec![ours.join("ca.crt")];
    tls_failure(verdict(&target, foreign).await, "client certificate");
    let acked = BatchVerdict::Items(vec![ItemVerdict::Acked; 2]);
    assert_eq!(verdict(&target, ssl(&ours, Some(&ours))).await, acked);
    assert_eq!(target.server().documents("*").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_mismatch_is_named_and_verification_mode_certificate_accepts_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = dir.path().join("pki");
    shiwa()
        .args(["setup-pki", "--dir"])
        .arg(&pki)
        .args(["--server-cn", "es.example.net"])
        .assert()
        .success();
    let config = TestServerConfig {
        tls: Some(TestServerTls {
            certificate: pki.join("es.example.net.crt"),
            key: pki.join("es.example.net.key"),
            client_ca: None,
        }),
        ..TestServerConfig::default()
    };
    let target = EsTarget::fake("tls-name", config).await;
    tls_failure(
        verdict(&target, ssl(&pki, None)).await,
        "does not name this host",
    );
    let chain_only = SslConfig {
        verification_mode: Some(VerificationMode::Certificate),
        ..ssl(&pki, None)
    };
    let acked = BatchVerdict::Items(vec![ItemVerdict::Acked; 2]);
    assert_eq!(verdict(&target, chain_only).await, acked);
    // `full` and `strict` both check the name.
    for mode in [VerificationMode::Full, VerificationMode::Strict] {
        let checked = SslConfig {
            verification_mode: Some(mode),
            ..ssl(&pki, None)
        };
        tls_failure(verdict(&target, checked).await, "does not name this host");
    }
}
