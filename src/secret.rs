//! `Secret`: a string (password, API key, private key) that never prints.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use subtle::ConstantTimeEq;

/// What redacted secrets are replaced with in `config show` and `export config --redact`.
pub const REDACTED: &str = "<redacted>";

/// A secret value. `Debug` and `Display` print `***`; only [`Secret::expose`] gives the value.
/// Serialization writes the real value (exports need it); call sites that show configuration
/// to people redact first.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself. Use only where the value is needed (authentication, export).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The placeholder that replaces a secret in redacted output.
    pub fn redacted() -> Self {
        Secret(REDACTED.to_string())
    }

    /// True when this value is the redaction placeholder (an import of a redacted export).
    pub fn is_redacted(&self) -> bool {
        self.0 == REDACTED
    }

    /// Compares with `candidate` in time independent of where they differ.
    pub fn matches(&self, candidate: &str) -> bool {
        bool::from(self.0.as_bytes().ct_eq(candidate.as_bytes()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

/// Checks that `hash` is an argon2 PHC string (`$argon2id$v=19$m=...,t=...,p=...$SALT$HASH`).
pub fn check_password_hash(hash: &str) -> Result<(), String> {
    let parsed = argon2::PasswordHash::new(hash)
        .map_err(|err| format!("not a PHC password hash ({err}): expected `$argon2id$v=19$...`"))?;
    let algorithm = parsed.algorithm.as_str();
    if !algorithm.starts_with("argon2") {
        return Err(format!(
            "`{algorithm}` hashes are not accepted: use argon2id (`$argon2id$v=19$...`)"
        ));
    }
    if parsed.hash.is_none() {
        return Err("the PHC string has no hash part".to_string());
    }
    Ok(())
}

/// Whether `password` matches the argon2 PHC string `phc` (the hash's own parameters; the
/// comparison is constant-time inside argon2). A malformed hash matches nothing. The memory
/// the check borrowed is returned to the kernel afterwards.
pub fn verify_password_hash(phc: &Secret, password: &str) -> bool {
    use argon2::PasswordVerifier;
    let matches = match argon2::PasswordHash::new(phc.expose()) {
        Ok(hash) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    };
    // The hash's memory cost was just freed: hand it back so the daemon's RSS does not stay
    // at the peak of one login (see `crate::heap`).
    crate::heap::release_free_memory();
    matches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let secret = Secret::new("hunter2");
        assert_eq!(format!("{secret:?}"), "***");
        assert_eq!(format!("{secret}"), "***");
        assert!(!format!("{:?}", Some(&secret)).contains("hunter2"));
    }

    #[test]
    fn compares_by_value() {
        let secret = Secret::new("hunter2");
        assert!(secret.matches("hunter2"));
        assert!(!secret.matches("hunter3"));
        assert!(!secret.matches("hunter22"));
    }
}
