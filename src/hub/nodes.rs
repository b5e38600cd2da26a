//! Node management (`shiwa hub node ...`, and the API's key checks): API keys, retrieval
//! passwords, and the store operations behind the subcommands.
//!
//! An API key is 256 random bits shown once as 64 hex digits; the hub keeps its SHA-256. A
//! fast hash is right here: the key is high-entropy, so no dictionary can be run against the
//! digest, and ingest must check one per request at 5 000 requests/s. Digests are compared in
//! constant time. The retrieval password (7 words from a 427-word list, about 61 bits) is
//! typed by people during a recovery, so it is stored argon2id-hashed and checked slowly.

use super::store::{HubStore, NewNode, StoreError};
use crate::exit::{ExitStatus, HasExitStatus};
use crate::fleet::{CheckKind, DeclaredPort, NodeId};
use crate::secret::Secret;
use crate::time::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Words in a retrieval password.
pub const PASSWORD_WORDS: usize = 7;

/// The report interval recorded for a new node until its first report says otherwise.
pub const DEFAULT_REPORT_INTERVAL_S: u64 = 900;

include!("nodes_words.rs");

/// Why a node operation failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// No such node.
    #[error("no node {0}: see `shiwa hub node list`")]
    Unknown(NodeId),
    /// The system's random generator failed.
    #[error("the system random number generator failed")]
    Random,
    /// Hashing the retrieval password failed.
    #[error("hashing the retrieval password: {0}")]
    Hash(String),
    /// A `--port` value is malformed.
    #[error("--port `{value}`: {reason} (NAME:PORT for TCP, NAME:PORT:/path for HTTP)")]
    PortSpec {
        /// The value given.
        value: String,
        /// What is wrong.
        reason: String,
    },
}

impl HasExitStatus for NodeError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            NodeError::Store(err) => err.exit_status(),
            NodeError::PortSpec { .. } => ExitStatus::Usage,
            _ => ExitStatus::Failure,
        }
    }
}

/// What `node add` and `node rotate-key` hand out, once.
#[derive(Debug, Clone, Serialize)]
pub struct Provisioned {
    /// The node.
    pub node_id: NodeId,
    /// Its API key (Bearer token for pushes).
    #[serde(serialize_with = "expose", skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// Its retrieval password (for `shiwa recover` and the backup encryption key).
    #[serde(serialize_with = "expose", skip_serializing_if = "Option::is_none")]
    pub retrieval_password: Option<Secret>,
}

fn expose<S: serde::Serializer>(secret: &Option<Secret>, s: S) -> Result<S::Ok, S::Error> {
    match secret {
        Some(secret) => s.serialize_str(secret.expose()),
        None => s.serialize_none(),
    }
}

fn random_bytes<const N: usize>() -> Result<[u8; N], NodeError> {
    let mut bytes = [0u8; N];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| NodeError::Random)?;
    Ok(bytes)
}

/// A fresh API key: 256 random bits as 64 lowercase hex digits.
pub fn generate_api_key() -> Result<Secret, NodeError> {
    let bytes: [u8; 32] = random_bytes()?;
    Ok(Secret::new(
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
    ))
}

/// SHA-256 of a key as stored.
pub fn key_digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Whether `presented` is the key whose digest is `stored`, in constant time.
pub fn key_matches(stored: &[u8; 32], presented: &str) -> bool {
    bool::from(key_digest(presented).ct_eq(stored))
}

/// A fresh retrieval password: [`PASSWORD_WORDS`] words joined by `-`, drawn uniformly.
pub fn generate_retrieval_password() -> Result<Secret, NodeError> {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let count = u16::try_from(words.len()).unwrap_or(u16::MAX);
    let limit = u16::MAX - u16::MAX % count;
    let mut chosen = Vec::with_capacity(PASSWORD_WORDS);
    while chosen.len() < PASSWORD_WORDS {
        let draw = u16::from_be_bytes(random_bytes()?);
        if draw < limit {
            chosen.push(words[usize::from(draw % count)]);
        }
    }
    Ok(Secret::new(chosen.join("-")))
}

/// argon2id PHC string of `password` (run it off the async threads).
pub fn hash_password(password: &Secret) -> Result<String, NodeError> {
    use argon2::PasswordHasher;
    let hash = argon2::Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|err| NodeError::Hash(err.to_string()));
    crate::heap::release_free_memory();
    hash
}

/// Parses `--port NAME:PORT` (TCP) or `NAME:PORT:/path` (HTTP GET of the path).
pub fn parse_port_spec(value: &str) -> Result<DeclaredPort, NodeError> {
    let bad = |reason: &str| NodeError::PortSpec {
        value: value.to_string(),
        reason: reason.to_string(),
    };
    let mut parts = value.splitn(3, ':');
    let name = parts.next().unwrap_or_default();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(bad("the name must be letters, digits, - or _"));
    }
    let port: u16 = parts
        .next()
        .and_then(|p| p.parse().ok())
        .filter(|p| *p != 0)
        .ok_or_else(|| bad("the port must be 1 to 65535"))?;
    let path = parts.next().map(str::to_string);
    if path.as_deref().is_some_and(|p| !p.starts_with('/')) {
        return Err(bad("the HTTP path must start with /"));
    }
    Ok(DeclaredPort {
        name: name.to_string(),
        port,
        kind: if path.is_some() {
            CheckKind::Http
        } else {
            CheckKind::Tcp
        },
        path,
    })
}

/// Adds a node with a fresh key and retrieval password, returned once.
pub async fn add<S: HubStore>(
    store: &S,
    node_id: NodeId,
    report_interval_s: u64,
    ports: Vec<DeclaredPort>,
    now: Timestamp,
) -> Result<Provisioned, NodeError> {
    let api_key = generate_api_key()?;
    let password = generate_retrieval_password()?;
    let hashed = password.clone();
    let retrieval_hash = tokio::task::spawn_blocking(move || hash_password(&hashed))
        .await
        .map_err(|err| NodeError::Hash(err.to_string()))??;
    let node = NewNode {
        node_id: node_id.clone(),
        api_key_sha256: key_digest(api_key.expose()),
        retrieval_hash,
        report_interval_s,
        ports,
        created_at: now,
    };
    store.add_node(&node).await?;
    Ok(Provisioned {
        node_id,
        api_key: Some(api_key),
        retrieval_password: Some(password),
    })
}

/// Replaces a node's API key; the old one stops working at once.
pub async fn rotate_key<S: HubStore>(store: &S, node_id: NodeId) -> Result<Provisioned, NodeError> {
    let api_key = generate_api_key()?;
    if !store
        .set_api_key(&node_id, key_digest(api_key.expose()))
        .await?
    {
        return Err(NodeError::Unknown(node_id));
    }
    Ok(Provisioned {
        node_id,
        api_key: Some(api_key),
        retrieval_password: None,
    })
}

/// A change to an existing node's standing (`shiwa hub node remove|block|...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeChange {
    /// Remove the node and everything stored for it.
    Remove,
    /// Refuse its pushes and skip it in the sweep (`true`), or accept them again.
    Blocked(bool),
    /// Put it in maintenance (`true`) or take it out.
    Maintenance(bool),
}

/// Applies `change` to `node_id`; returns what was done, for people (`blocked`).
pub async fn change<S: HubStore>(
    store: &S,
    node_id: &NodeId,
    change: NodeChange,
) -> Result<&'static str, NodeError> {
    let (known, done) = match change {
        NodeChange::Remove => (store.remove_node(node_id).await?, "removed"),
        NodeChange::Blocked(on) => (
            store.set_blocked(node_id, on).await?,
            if on { "blocked" } else { "unblocked" },
        ),
        NodeChange::Maintenance(on) => (
            store.set_maintenance(node_id, on).await?,
            if on {
                "in maintenance"
            } else {
                "out of maintenance"
            },
        ),
    };
    found(node_id, known)?;
    Ok(done)
}

/// Turns `true` from the store into `Ok`, `false` into [`NodeError::Unknown`].
pub fn found(node_id: &NodeId, found: bool) -> Result<(), NodeError> {
    if found {
        Ok(())
    } else {
        Err(NodeError::Unknown(node_id.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_hex_and_compared_by_digest() {
        let a = generate_api_key().expect("key");
        let b = generate_api_key().expect("key");
        assert_ne!(a, b);
        assert_eq!(a.expose().len(), 64);
        let stored = key_digest(a.expose());
        assert!(key_matches(&stored, a.expose()));
        assert!(!key_matches(&stored, b.expose()));
        assert!(!key_matches(&stored, ""));
    }

    #[test]
    fn retrieval_passwords_are_seven_known_words_and_verify() {
        let password = generate_retrieval_password().expect("password");
        let words: Vec<&str> = password.expose().split('-').collect();
        assert_eq!(words.len(), PASSWORD_WORDS);
        assert!(
            words
                .iter()
                .all(|w| WORDS.split_whitespace().any(|k| k == *w))
        );
        assert_ne!(password, generate_retrieval_password().expect("password"));
        let hash = hash_password(&password).expect("hash");
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let hash = Secret::new(hash);
        assert!(crate::secret::verify_password_hash(
            &hash,
            password.expose()
        ));
        assert!(!crate::secret::verify_password_hash(&hash, "wrong"));
    }

    #[test]
    fn port_specs_parse_or_name_the_problem() {
        let tcp = parse_port_spec("ssh:65129").expect("tcp");
        assert_eq!(
            (tcp.kind, tcp.port, tcp.path),
            (CheckKind::Tcp, 65129, None)
        );
        let http = parse_port_spec("api:8088:/api/v1/health").expect("http");
        assert_eq!(
            (http.kind, http.path.as_deref()),
            (CheckKind::Http, Some("/api/v1/health"))
        );
        for bad in ["", "api", "api:0", "api:99999", "a b:1", "api:80:health"] {
            let err = parse_port_spec(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("`{bad}`")), "{err}");
            assert_eq!(err.exit_status(), ExitStatus::Usage);
        }
    }
}
