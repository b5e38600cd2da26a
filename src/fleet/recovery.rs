//! Fetching a node's backup from the hub for `shiwa recover`:
//! `GET {hub}/api/v1/recovery/{node}[?version=N]` with the node's retrieval password in
//! `X-Retrieval-Password`, then [`crate::fleet::backup::decrypt`] and
//! [`crate::fleet::restore`] do the rest. Nothing here writes to disk.

use super::ids::NodeId;
use super::wire::Backup;
use crate::secret::Secret;
use std::path::PathBuf;

/// Largest recovery bundle accepted (a config and a few certificates are a few kB).
pub const MAX_BUNDLE_BYTES: usize = 8 * 1024 * 1024;

/// Where to fetch from and as whom.
#[derive(Debug, Clone)]
pub struct RecoveryRequest {
    /// The hub's base URL (`https://hub.example.net:8080`).
    pub hub: url::Url,
    /// The node to recover.
    pub node: NodeId,
    /// Its retrieval password.
    pub password: Secret,
    /// A backup version; the latest when `None`.
    pub version: Option<u64>,
    /// A CA certificate (PEM) to trust for the hub instead of the system's roots.
    pub ca: Option<PathBuf>,
}

/// Why a bundle could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// The hub refused the retrieval password.
    #[error("the hub at {hub} refused the retrieval password for node {node} (HTTP {status})")]
    Refused {
        /// The hub.
        hub: String,
        /// The node.
        node: String,
        /// 401 or 403.
        status: u16,
    },
    /// The hub knows no such node or backup.
    #[error("the hub at {hub} has no backup for node {node}{version}: {reason}")]
    NotFound {
        /// The hub.
        hub: String,
        /// The node.
        node: String,
        /// ` version N` or empty.
        version: String,
        /// The hub's message.
        reason: String,
    },
    /// Any other answer, or no answer.
    #[error("fetching the backup from {hub}: {reason}")]
    Hub {
        /// The hub.
        hub: String,
        /// What went wrong.
        reason: String,
    },
    /// The CA file could not be read or used.
    #[error("--ca {file}: {reason}")]
    Ca {
        /// The file.
        file: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl crate::exit::HasExitStatus for RecoveryError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        match self {
            RecoveryError::Refused { .. } => crate::exit::ExitStatus::Permission,
            _ => crate::exit::ExitStatus::Failure,
        }
    }
}

/// Fetches the bundle and reads it as a [`Backup`] (not yet verified or decrypted).
pub async fn fetch_backup(request: &RecoveryRequest) -> Result<Backup, RecoveryError> {
    let hub = request.hub.to_string();
    let failed = |reason: String| RecoveryError::Hub {
        hub: hub.clone(),
        reason,
    };
    let mut url = request
        .hub
        .join(&format!("api/v1/recovery/{}", request.node))
        .map_err(|err| failed(err.to_string()))?;
    if let Some(version) = request.version {
        url.query_pairs_mut()
            .append_pair("version", &version.to_string());
    }
    let response = client(request)?
        .get(url)
        .header("X-Retrieval-Password", request.password.expose())
        .send()
        .await
        .map_err(|err| failed(crate::errors::with_causes(&err)))?;
    let status = response.status().as_u16();
    let body = read_limited(response).await.map_err(failed)?;
    match status {
        200 => serde_json::from_slice(&body)
            .map_err(|err| failed(format!("the answer is not a backup: {err}"))),
        401 | 403 => Err(RecoveryError::Refused {
            hub,
            node: request.node.to_string(),
            status,
        }),
        404 => Err(RecoveryError::NotFound {
            hub,
            node: request.node.to_string(),
            version: request
                .version
                .map_or(String::new(), |v| format!(" version {v}")),
            reason: error_message(&body),
        }),
        _ => Err(failed(format!("HTTP {status}: {}", error_message(&body)))),
    }
}

fn client(request: &RecoveryRequest) -> Result<reqwest::Client, RecoveryError> {
    let mut builder = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none());
    if let Some(file) = &request.ca {
        let ca_error = |reason: String| RecoveryError::Ca {
            file: file.clone(),
            reason,
        };
        let pem = std::fs::read(file).map_err(|err| ca_error(err.to_string()))?;
        let roots =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|err| ca_error(err.to_string()))?;
        builder = builder.tls_certs_only(roots);
    }
    builder.build().map_err(|err| RecoveryError::Hub {
        hub: request.hub.to_string(),
        reason: crate::errors::with_causes(&err),
    })
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|err| crate::errors::with_causes(&err))?
    {
        if body.len() + chunk.len() > MAX_BUNDLE_BYTES {
            return Err(format!(
                "the answer is larger than {MAX_BUNDLE_BYTES} bytes"
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The hub's `{"error": "..."}` message, or the start of the body.
fn error_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|json| json["error"].as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned())
}
