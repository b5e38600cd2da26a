//! Who may log in: `timebeat.cli.username` with `password_hash` (argon2, preferred) or
//! `password` (Timebeat's plaintext form), and the keys in `authorised_keys`.
//!
//! Checks are pure and compare in constant time; argon2 verification is slow on purpose, so
//! the server runs it off the async threads.

use super::SshError;
use crate::config::CliConfig;
use crate::secret::Secret;
use argon2::password_hash::PasswordHasher;
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
            Some(PasswordCheck::Hash(phc)) => crate::secret::verify_password_hash(phc, password),
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

/// A password check waiting for the [`PasswordChecker`] thread.
struct CheckJob {
    user: String,
    password: Secret,
    reply: tokio::sync::oneshot::Sender<bool>,
}

/// Checks passwords on one dedicated thread, one at a time. Argon2 needs its memory cost
/// (19 MiB with the default parameters) per check; on the async runtime's blocking pool every
/// thread would keep its own copy after the first login (about 300 MiB seen after 20 logins),
/// and concurrent guesses would multiply it. One thread bounds both the memory and the CPU a
/// flood of password attempts can take.
#[derive(Debug, Clone)]
pub struct PasswordChecker {
    jobs: std::sync::mpsc::Sender<CheckJob>,
}

impl PasswordChecker {
    /// Starts the checking thread for `credentials`; it ends when the last clone is dropped.
    pub fn start(credentials: Credentials) -> Result<Self, SshError> {
        let (jobs, queue) = std::sync::mpsc::channel::<CheckJob>();
        std::thread::Builder::new()
            .name("shiwa-ssh-auth".into())
            .spawn(move || {
                let prepared = match &credentials.password {
                    Some(PasswordCheck::Hash(phc)) => PreparedHash::new(phc.expose()),
                    _ => None,
                };
                for job in queue {
                    let password = job.password.expose();
                    let accepted = match prepared.as_ref() {
                        Some(hash) => credentials.user_matches(&job.user) & hash.matches(password),
                        None => credentials.check_password(&job.user, password),
                    };
                    let _ = job.reply.send(accepted);
                }
            })
            .map_err(|err| SshError::HashPassword {
                reason: format!("starting the password checking thread: {err}"),
            })?;
        Ok(PasswordChecker { jobs })
    }

    /// Whether `user` logging in with `password` is let in (false when the thread is gone).
    pub async fn check(&self, user: &str, password: &str) -> bool {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job = CheckJob {
            user: user.to_string(),
            password: Secret::new(password),
            reply,
        };
        if self.jobs.send(job).is_err() {
            return false;
        }
        answer.await.unwrap_or(false)
    }
}

/// An argon2 PHC string taken apart once. The working memory a check needs is allocated per
/// check and handed back to the kernel afterwards ([`crate::heap::release_free_memory`]): kept,
/// it would sit in the RSS of the process that serves the shell (possibly `shiwa sync`), and
/// freed without the trim glibc kept copies around (123 MiB after 20 logins was measured).
struct PreparedHash {
    argon2: Argon2<'static>,
    salt: Vec<u8>,
    expected: Vec<u8>,
    blocks: usize,
}

impl PreparedHash {
    /// `None` when `phc` is not a complete argon2 PHC string (the config check refuses those).
    fn new(phc: &str) -> Option<Self> {
        let hash = PasswordHash::new(phc).ok()?;
        let algorithm = argon2::Algorithm::try_from(hash.algorithm.as_str()).ok()?;
        let version = match hash.version {
            Some(version) => argon2::Version::try_from(version).ok()?,
            None => argon2::Version::default(),
        };
        let params = argon2::Params::try_from(&hash).ok()?;
        Some(PreparedHash {
            blocks: params.block_count(),
            argon2: Argon2::new(algorithm, version, params),
            salt: hash.salt?.as_ref().to_vec(),
            expected: hash.hash?.as_bytes().to_vec(),
        })
    }

    /// Whether `password` hashes to the expected output (compared in constant time).
    fn matches(&self, password: &str) -> bool {
        let mut memory = vec![argon2::Block::new(); self.blocks];
        let mut computed = vec![0u8; self.expected.len()];
        let hashed = self.argon2.hash_password_into_with_memory(
            password.as_bytes(),
            &self.salt,
            &mut computed,
            &mut memory,
        );
        drop(memory);
        crate::heap::release_free_memory();
        hashed.is_ok() && bool::from(computed.ct_eq(&self.expected))
    }
}

/// Memory cost of the hashes [`hash_password`] makes, in KiB: OWASP's argon2id option with the
/// least memory (7 MiB, 5 passes; as strong as its 19 MiB/2 passes one), because a check borrows
/// that much memory for a moment in the process that serves the shell (possibly `shiwa sync` itself).
pub const HASH_MEMORY_KIB: u32 = 7 * 1024;

/// Passes over the memory of the hashes [`hash_password`] makes.
pub const HASH_PASSES: u32 = 5;

/// Hashes `password` into an argon2id PHC string for `timebeat.cli.password_hash`
/// (`$argon2id$v=19$m=7168,t=5,p=1$...`).
pub fn hash_password(password: &str) -> Result<String, SshError> {
    if password.is_empty() {
        return Err(SshError::HashPassword {
            reason: "the password is empty".into(),
        });
    }
    let params = argon2::Params::new(HASH_MEMORY_KIB, HASH_PASSES, 1, None).map_err(|err| {
        SshError::HashPassword {
            reason: err.to_string(),
        }
    })?;
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
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
