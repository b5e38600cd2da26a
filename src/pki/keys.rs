//! Key types: generation (rcgen over aws-lc-rs), loading and naming.

use crate::secret::Secret;
use rcgen::{KeyPair, RsaKeySize};
use rustls::pki_types::PrivatePkcs8KeyDer;
use std::fmt;
use std::str::FromStr;
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_PKCS1_RSAENCRYPTION, OID_SIG_ED25519,
};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

/// The key types `setup-pki` generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// ECDSA on NIST P-256 with SHA-256 (the default: small, fast, supported everywhere).
    EcdsaP256,
    /// Ed25519 (rustls and OpenSSL ≥ 1.1.1 accept it; some older TLS stacks do not).
    Ed25519,
    /// RSA 4096 with PKCS#1 v1.5 SHA-256 signatures (slow to generate: seconds per key).
    Rsa4096,
}

impl KeyType {
    /// Every key type, in the order they are documented.
    pub const ALL: [KeyType; 3] = [KeyType::EcdsaP256, KeyType::Ed25519, KeyType::Rsa4096];

    /// The name used on the command line and in output (`ecdsa-p256`).
    pub fn name(self) -> &'static str {
        match self {
            KeyType::EcdsaP256 => "ecdsa-p256",
            KeyType::Ed25519 => "ed25519",
            KeyType::Rsa4096 => "rsa-4096",
        }
    }

    /// True when generating a key takes long enough to deserve a progress indicator.
    pub fn is_slow(self) -> bool {
        self == KeyType::Rsa4096
    }

    /// Generates a new key pair of this type.
    pub(crate) fn generate(self) -> Result<KeyPair, rcgen::Error> {
        match self {
            KeyType::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            KeyType::Ed25519 => generate_ed25519(),
            KeyType::Rsa4096 => {
                KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, RsaKeySize::_4096)
            }
        }
    }
}

/// Ed25519 keys are written as PKCS#8 v1: the v2 form (with the public key) that rcgen
/// produces is refused by the OpenSSL 3.0 CLI ("unsupported") and by other older readers.
fn generate_ed25519() -> Result<KeyPair, rcgen::Error> {
    let key = aws_lc_rs::signature::Ed25519KeyPair::generate()
        .and_then(|key| key.to_pkcs8v1())
        .map_err(|_| rcgen::Error::RingUnspecified)?;
    let der = PrivatePkcs8KeyDer::from(key.as_ref());
    KeyPair::from_pkcs8_der_and_sign_algo(&der, &rcgen::PKCS_ED25519)
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for KeyType {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyType::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| format!("unknown key type {s:?} (ecdsa-p256, ed25519, rsa-4096)"))
    }
}

/// Parses a PEM private key (PKCS#8, SEC1 or PKCS#1). Unencrypted keys only.
pub(crate) fn load_key(pem: &Secret) -> Result<KeyPair, String> {
    KeyPair::from_pem(pem.expose())
        .map_err(|err| format!("not a usable unencrypted PEM private key ({err})"))
}

/// The key as PKCS#8 PEM, kept in a [`Secret`].
pub(crate) fn key_pem(key: &KeyPair) -> Secret {
    Secret::new(key.serialize_pem())
}

/// Names a certificate's public key like [`KeyType::name`] (`ecdsa-p256`, `rsa-2048`, ...).
pub(crate) fn describe_spki(spki: &SubjectPublicKeyInfo<'_>) -> String {
    let alg = &spki.algorithm.algorithm;
    if *alg == OID_SIG_ED25519 {
        return "ed25519".to_string();
    }
    if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        return match curve {
            Some(oid) if oid == OID_EC_P256 => "ecdsa-p256".to_string(),
            _ => match spki.parsed() {
                Ok(key) => format!("ecdsa-{}", key.key_size()),
                Err(_) => "ecdsa".to_string(),
            },
        };
    }
    if *alg == OID_PKCS1_RSAENCRYPTION {
        return match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => format!("rsa-{}", rsa.key_size()),
            _ => "rsa".to_string(),
        };
    }
    format!("unknown ({alg})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in KeyType::ALL {
            assert_eq!(t.name().parse::<KeyType>(), Ok(t));
        }
        assert!("rsa-2048".parse::<KeyType>().is_err());
    }

    #[test]
    fn generated_keys_load_back() {
        for t in [KeyType::EcdsaP256, KeyType::Ed25519] {
            let key = t.generate().expect("key generation");
            let loaded = load_key(&key_pem(&key)).expect("load back");
            assert_eq!(loaded.public_key_raw(), key.public_key_raw());
        }
    }

    #[test]
    fn ed25519_keys_are_pkcs8_v1() {
        let key = KeyType::Ed25519.generate().expect("key generation");
        let der = key.serialized_der();
        // SEQUENCE { INTEGER 0, ... }: version 0 is v1; v2 (version 1) trips OpenSSL 3.0.
        assert_eq!(&der[..5], &[0x30, 0x2e, 0x02, 0x01, 0x00], "{der:02x?}");
        assert!(
            key.serialize_pem()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
    }

    #[test]
    fn garbage_is_not_a_key() {
        let err = load_key(&Secret::new(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ))
        .expect_err("must fail");
        assert!(err.contains("PEM private key"), "{err}");
    }
}
