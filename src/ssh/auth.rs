//! Who may log in: `timebeat.cli.username` with `password_hash` (argon2, preferred) or
//! `password` (Timebeat's plaintext form), and the keys in `authorised_keys`.
//!
//! Checks are pure and compare in constant time; argon2 verification is slow on purpose, so
//! the server runs it off the async threads.

use super::SshError;
use crate::config::CliConfig;
use crate::secret::Secret;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use russh::keys::PublicKey;
use russh::keys::ssh_key::AuthorizedKeys;
use std::path::{Path, PathBuf};
use subtle::ConstantTimeEq;

/// What `timebeat.cli` needs before the shell starts, for the error message.
pub const CREDENTIALS_HINT: &str = "set timebeat.cli.username and timebeat.cli.password_hash \
     (make one with `shiwa cli-ssh --hash-password`), timebeat.cli.password, or \
     timebeat.cli.authorised_keys";

#[derive(Debug, Clone)]
enum PasswordCheck {
    /// An argon2 PHC string.
    Hash(Secret),
    /// Timebeat's plaintext password.
    Plain(Secret),
}

/// The accepted user name, password and public keys.
#[derive(Debug, Clone)]
pub struct Credentials {
    username: String,
    password: Option<PasswordCheck>,
    keys: Vec<PublicKey>,
}

impl Credentials {
    /// Reads `timebeat.cli` (and its `authorised_keys` file). Fails, with exit status 78,
    /// when nothing to log in with is configured.
    pub fn from_config(cli: &CliConfig) -> Result<Self, SshError> {
        let password = match (&cli.password_hash, &cli.password) {
            (Some(hash), _) => Some(PasswordCheck::Hash(hash.clone())),
            (None, Some(plain)) => Some(PasswordCheck::Plain(plain.clone())),
            (None, None) => None,
        };
        let keys = match &cli.authorised_keys {
            Some(path) => read_authorised_keys(path)?,
            None => Vec::new(),
        };
        let username = cli.username.clone().filter(|name| !name.is_empty());
        let Some(username) = username else {
            return Err(SshError::NoCredentials {
                reason: "timebeat.cli.username is not set".into(),
            });
        };
        if password.is_none() && keys.is_empty() {
            return Err(SshError::NoCredentials {
                reason: "no password and no authorised keys".into(),
            });
        }
        Ok(Credentials {
            username,
            password,
            keys,
        })
    }

    /// True when the password is kept in plaintext (the server warns about it).
    pub fn uses_plaintext_password(&self) -> bool {
        matches!(self.password, Some(PasswordCheck::Plain(_)))
    }

    /// Whether password logins are possible.
    pub fn has_password(&self) -> bool {
        self.password.is_some()
    }

    /// How many public keys are accepted.
    pub fn key_count(&self) -> usize {
        self.keys.len()
    }

    /// Whether `user` logging in with `password` is let in. Slow for a hashed password
    /// (argon2): call it off the async threads.
    pub fn check_password(&self, user: &str, password: &str) -> bool {
        let name_ok = self.user_matches(user);
        let password_ok = match &self.password {
            None => false,
            Some(PasswordCheck::Plain(expected)) => expected.matches(password),
            Some(PasswordCheck::Hash(phc)) => verify_hash(phc, password),
        };
        name_ok && password_ok
    }

    /// Whether `user` may log in with `key` (its signature already checked by russh).
    pub fn accepts_key(&self, user: &str, key: &PublicKey) -> bool {
        let known = self
            .keys
            .iter()
            .any(|accepted| accepted.key_data() == key.key_data());
        self.user_matches(user) && known
    }

    fn user_matches(&self, user: &str) -> bool {
        bool::from(self.username.as_bytes().ct_eq(user.as_bytes()))
    }
}

fn verify_hash(phc: &Secret, password: &str) -> bool {
    match PasswordHash::new(phc.expose()) {
        Ok(hash) => Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok(),
        Err(_) => false,
    }
}

/// Hashes `password` into an argon2id PHC string for `timebeat.cli.password_hash`.
pub fn hash_password(password: &str) -> Result<String, SshError> {
    if password.is_empty() {
        return Err(SshError::HashPassword {
            reason: "the password is empty".into(),
        });
    }
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| SshError::HashPassword {
            reason: err.to_string(),
        })
}

/// Reads an OpenSSH `authorized_keys` file. Key options (`from=`, `command=`, ...) are not
/// enforced, so a line with options is refused rather than silently widened.
pub fn read_authorised_keys(path: &Path) -> Result<Vec<PublicKey>, SshError> {
    let text = std::fs::read_to_string(path).map_err(|error| SshError::ReadFile {
        what: "authorised keys file",
        path: path.to_path_buf(),
        error,
    })?;
    let mut keys = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |reason: String| SshError::AuthorisedKeys {
            path: PathBuf::from(path),
            line: index + 1,
            reason,
        };
        let entry = AuthorizedKeys::new(line)
            .next()
            .ok_or_else(|| bad("no key".into()))?
            .map_err(|err| bad(format!("not an OpenSSH public key ({err})")))?;
        if !entry.config_opts().is_empty() {
            return Err(bad(format!(
                "key options ({}) are not supported; remove them",
                entry.config_opts().as_str()
            )));
        }
        keys.push(entry.public_key().clone());
    }
    Ok(keys)
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
