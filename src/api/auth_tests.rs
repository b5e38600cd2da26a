//! Bearer and basic authentication decisions.

use super::*;
use argon2::PasswordHasher;

/// An argon2id PHC string for `password`, with small parameters so tests stay fast.
pub(crate) fn cheap_hash(password: &str) -> String {
    let params = argon2::Params::new(256, 1, 1, None).expect("params");
    let hasher = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    hasher
        .hash_password_with_salt(password.as_bytes(), b"0123456789abcdef")
        .expect("hash")
        .to_string()
}

fn basic(user: &str, password: &str) -> Vec<u8> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {encoded}").into_bytes()
}

fn refused(result: Result<(), ApiError>) -> &'static str {
    match result {
        Err(ApiError::Unauthorized { challenge }) => challenge,
        other => panic!("expected 401, got {other:?}"),
    }
}

#[tokio::test]
async fn open_accepts_anything() {
    let auth = Authenticator::new(AuthPolicy::Open);
    assert!(auth.is_open());
    assert!(auth.check(None).await.is_ok());
    assert!(auth.check(Some(b"Bearer whatever")).await.is_ok());
}

#[tokio::test]
async fn bearer_needs_the_exact_token() {
    let auth = Authenticator::new(AuthPolicy::Bearer(Secret::new("s3cret")));
    assert!(auth.check(Some(b"Bearer s3cret")).await.is_ok());
    assert!(
        auth.check(Some(b"bearer   s3cret")).await.is_ok(),
        "scheme is case-insensitive"
    );
    for wrong in [
        &b"Bearer s3cre"[..],
        b"Bearer s3cret2",
        b"Bearer ",
        b"Bearers3cret",
        b"Basic s3cret",
        b"s3cret",
    ] {
        let challenge = refused(auth.check(Some(wrong)).await);
        assert!(challenge.starts_with("Bearer"), "{challenge}");
    }
    refused(auth.check(None).await);
}

#[tokio::test]
async fn basic_checks_the_user_and_the_argon2_hash() {
    let auth = Authenticator::new(AuthPolicy::Basic {
        username: "prometheus".into(),
        password_hash: Secret::new(cheap_hash("correct horse")),
    });
    assert!(
        auth.check(Some(&basic("prometheus", "correct horse")))
            .await
            .is_ok()
    );
    // The accepted header is remembered: the second check does not need the hash.
    assert!(auth.was_verified(&basic("prometheus", "correct horse")));
    assert!(
        auth.check(Some(&basic("prometheus", "correct horse")))
            .await
            .is_ok()
    );
    for (user, password) in [("prometheus", "wrong"), ("root", "correct horse"), ("", "")] {
        let challenge = refused(auth.check(Some(&basic(user, password))).await);
        assert!(challenge.starts_with("Basic"), "{challenge}");
        assert!(!auth.was_verified(&basic(user, password)));
    }
    refused(auth.check(Some(b"Basic !!!not-base64")).await);
    refused(auth.check(Some(b"Bearer correct horse")).await);
    refused(auth.check(None).await);
}

#[test]
fn the_policy_follows_the_config() {
    assert_eq!(AuthPolicy::from_config(None), AuthPolicy::Open);
    let token = HttpAuthConfig {
        bearer_token: Some(Secret::new("t")),
        ..HttpAuthConfig::default()
    };
    assert_eq!(
        AuthPolicy::from_config(Some(&token)),
        AuthPolicy::Bearer(Secret::new("t"))
    );
    let basic = HttpAuthConfig {
        username: Some("u".into()),
        password_hash: Some(Secret::new("h")),
        ..HttpAuthConfig::default()
    };
    assert_eq!(
        AuthPolicy::from_config(Some(&basic)).describe(),
        "basic auth"
    );
}
