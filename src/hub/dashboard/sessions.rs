//! Server-side sessions and CSRF tokens, pure: tokens and times are arguments.
//!
//! A session is a random 256-bit id in the `shiwa_session` cookie; the table is keyed by the
//! id's SHA-256, so a lookup's timing says nothing about stored ids. Each session carries its
//! own CSRF token, which every POST form sends back and which is compared in constant time.
//! The login form gets the same protection before anyone is logged in: `GET /login` opens a
//! short-lived login form entry (cookie `shiwa_login`) with its own token. Both tables are
//! bounded; when one is full the entry closest to expiry goes.

use crate::secret::Secret;
use crate::time::{Duration, Timestamp};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The session cookie.
pub const SESSION_COOKIE: &str = "shiwa_session";
/// The login form's cookie.
pub const LOGIN_COOKIE: &str = "shiwa_login";
/// How long a login form stays valid.
pub const LOGIN_FORM_TTL: Duration = Duration::from_secs(600);
/// Sessions kept at once.
pub const MAX_SESSIONS: usize = 256;
/// Login forms kept at once.
pub const MAX_LOGIN_FORMS: usize = 4096;

/// A random 256-bit token as 64 lowercase hex digits.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(Secret);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// The system's random generator failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct RandomError;

impl Token {
    /// A fresh token from the system's generator.
    pub fn random() -> Result<Token, RandomError> {
        let mut bytes = [0u8; 32];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| RandomError)?;
        Ok(Token::from_bytes(bytes))
    }

    /// The token of these bytes (tests; [`Token::random`] otherwise).
    pub fn from_bytes(bytes: [u8; 32]) -> Token {
        Token(Secret::new(
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        ))
    }

    /// The hex digits, for a cookie or a form field.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// Whether `presented` is this token, in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        self.0.matches(presented)
    }
}

/// What a valid session or login form holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its CSRF token.
    pub csrf: Token,
    /// When it ends.
    pub expires_at: Timestamp,
}

#[derive(Debug)]
struct Table {
    entries: HashMap<[u8; 32], Entry>,
    capacity: usize,
}

impl Table {
    fn new(capacity: usize) -> Table {
        Table {
            entries: HashMap::new(),
            capacity,
        }
    }

    fn insert(&mut self, id: &Token, entry: Entry, now: Timestamp) {
        if self.entries.len() >= self.capacity {
            self.entries.retain(|_, e| e.expires_at > now);
        }
        while self.entries.len() >= self.capacity {
            let first = self
                .entries
                .iter()
                .min_by_key(|(_, e)| e.expires_at)
                .map(|(key, _)| *key);
            match first {
                Some(key) => self.entries.remove(&key),
                None => break,
            };
        }
        self.entries.insert(digest(id.expose()), entry);
    }

    fn get(&mut self, cookie: &str, now: Timestamp) -> Option<Entry> {
        let key = digest(cookie);
        match self.entries.get(&key) {
            Some(entry) if entry.expires_at > now => Some(entry.clone()),
            Some(_) => {
                self.entries.remove(&key);
                None
            }
            None => None,
        }
    }

    fn remove(&mut self, cookie: &str) -> bool {
        self.entries.remove(&digest(cookie)).is_some()
    }
}

fn digest(cookie: &str) -> [u8; 32] {
    Sha256::digest(cookie.as_bytes()).into()
}

/// The sessions and login forms of one hub.
#[derive(Debug)]
pub struct Sessions {
    ttl: Duration,
    sessions: Table,
    login_forms: Table,
}

impl Sessions {
    /// Empty tables; sessions last `ttl`.
    pub fn new(ttl: Duration) -> Sessions {
        Sessions {
            ttl,
            sessions: Table::new(MAX_SESSIONS),
            login_forms: Table::new(MAX_LOGIN_FORMS),
        }
    }

    /// How long a session lasts.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Opens a session with cookie value `id` and token `csrf` at `now`.
    pub fn open(&mut self, id: &Token, csrf: Token, now: Timestamp) {
        let entry = Entry {
            csrf,
            expires_at: now + self.ttl,
        };
        self.sessions.insert(id, entry, now);
    }

    /// The session of cookie value `cookie`, if it is open and not expired at `now`.
    pub fn session(&mut self, cookie: &str, now: Timestamp) -> Option<Entry> {
        self.sessions.get(cookie, now)
    }

    /// Ends a session (logout); false when there was none.
    pub fn close(&mut self, cookie: &str) -> bool {
        self.sessions.remove(cookie)
    }

    /// Opens a login form with cookie value `id` and token `csrf`.
    pub fn open_login_form(&mut self, id: &Token, csrf: Token, now: Timestamp) {
        let entry = Entry {
            csrf,
            expires_at: now + LOGIN_FORM_TTL,
        };
        self.login_forms.insert(id, entry, now);
    }

    /// The login form of cookie value `cookie`, if it is valid at `now`.
    pub fn login_form(&mut self, cookie: &str, now: Timestamp) -> Option<Entry> {
        self.login_forms.get(cookie, now)
    }

    /// Forgets a login form (after a successful login).
    pub fn close_login_form(&mut self, cookie: &str) {
        self.login_forms.remove(cookie);
    }

    /// Open sessions (including expired ones not yet looked at).
    pub fn session_count(&self) -> usize {
        self.sessions.entries.len()
    }
}

/// The value of cookie `name` in a `Cookie:` header value (`a=1; b=2`).
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then_some(value.trim())
    })
}

/// A `Set-Cookie` value: `HttpOnly; SameSite=Strict; Path=/`, `Secure` when `secure`,
/// `Max-Age` (0 deletes the cookie).
pub fn set_cookie(name: &str, value: &str, max_age: Duration, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{secure}",
        max_age.as_secs().max(0)
    )
}

#[cfg(test)]
#[path = "sessions_tests.rs"]
mod tests;
