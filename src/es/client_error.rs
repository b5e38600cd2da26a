//! The Elasticsearch client's errors, and send failures told apart for people: a TLS problem
//! says which (unknown CA, a name mismatch, a client certificate the server wanted), a
//! timeout or a refused connection says so.

use crate::http_client::SslSetupError;

/// What kind of failure a request met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// No answer: connection refused or reset, timeout, DNS.
    Unavailable,
    /// The TLS handshake failed (certificates, CA, client certificate).
    Tls,
    /// 401/403.
    Credentials,
    /// Another 4xx answer.
    Refused,
}

/// Why the client could not be built, or a template not installed.
#[derive(Debug, thiserror::Error)]
pub enum EsClientError {
    /// `hosts` is empty.
    #[error("output.elasticsearch.hosts: no host configured")]
    NoHosts,
    /// A host URL cannot be used.
    #[error("output.elasticsearch.hosts: {host}: {reason}")]
    Host {
        /// The host (`scheme://host:port`).
        host: String,
        /// Why.
        reason: String,
    },
    /// `api_key` is not `id:key` (its value is never printed).
    #[error(
        "output.elasticsearch.api_key: must be `id:key` (the id and the key of an Elasticsearch API key)"
    )]
    ApiKey,
    /// `output.elasticsearch.ssl` cannot be applied.
    #[error(transparent)]
    Ssl(#[from] SslSetupError),
    /// The HTTP client could not be built.
    #[error("output.elasticsearch: building the HTTP client: {0}")]
    Build(String),
    /// The index template was not installed.
    #[error("{host}: installing index template `{name}`: {reason}")]
    Template {
        /// The host that failed (`scheme://host:port`).
        host: String,
        /// The template's name.
        name: String,
        /// What kind of failure.
        kind: FailureKind,
        /// The HTTP status, when there was an answer.
        status: Option<u16>,
        /// Why.
        reason: String,
    },
}

impl EsClientError {
    /// Whether another host might do better (no answer, 429, 5xx).
    pub fn tries_next_host(&self) -> bool {
        matches!(
            self,
            EsClientError::Template {
                kind: FailureKind::Unavailable | FailureKind::Tls,
                ..
            }
        )
    }
}

impl crate::exit::HasExitStatus for EsClientError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        use crate::exit::ExitStatus;
        match self {
            EsClientError::NoHosts
            | EsClientError::Host { .. }
            | EsClientError::ApiKey
            | EsClientError::Build(_) => ExitStatus::Config,
            EsClientError::Ssl(err) => err.exit_status(),
            EsClientError::Template { kind, .. } => match kind {
                FailureKind::Tls => ExitStatus::Config,
                FailureKind::Credentials => ExitStatus::Permission,
                FailureKind::Unavailable | FailureKind::Refused => ExitStatus::Failure,
            },
        }
    }
}

/// Sends `request`. A request the connection pool hands back unsent — its fresh connection
/// closed before it was ready, which is what a TLS 1.3 server refusing the client's
/// certificate does right after the handshake — is sent again, up to four times: it was never
/// written, and the next attempt usually reads the server's alert, so the failure reported
/// says why instead of "connection was not ready".
pub(crate) async fn send_unless_refused_unsent(
    mut request: reqwest::RequestBuilder,
) -> Result<reqwest::Response, reqwest::Error> {
    let mut attempts_left = 4;
    loop {
        let again = (attempts_left > 0).then(|| request.try_clone()).flatten();
        match (request.send().await, again) {
            (Err(err), Some(again)) if never_sent(&err) => {
                tracing::debug!(error = %crate::errors::with_causes(&err), "request not sent; sending it again");
                request = again;
                attempts_left -= 1;
            }
            (result, _) => return result,
        }
    }
}

/// Whether the request behind `err` was given back without being written (hyper's
/// "canceled": the connection closed before it could take the request) and without the
/// reason (a TLS alert, which is then reported as it is).
fn never_sent(err: &reqwest::Error) -> bool {
    if rustls_error(err).is_some()
        || tls_problem_from_text(&crate::errors::with_causes(err)).is_some()
    {
        return false;
    }
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = current {
        if error
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_canceled)
        {
            return true;
        }
        current = error.source();
    }
    false
}

/// A send failure as (kind, one line for people).
pub(crate) fn describe_send_error(err: &reqwest::Error) -> (FailureKind, String) {
    let chain = crate::errors::with_causes(err);
    let problem = rustls_error(err)
        .map(tls_problem)
        .or_else(|| tls_problem_from_text(&chain));
    if let Some(problem) = problem {
        return (FailureKind::Tls, format!("{}: {chain}", explain(problem)));
    }
    if err.is_timeout() {
        return (FailureKind::Unavailable, format!("timed out: {chain}"));
    }
    if err.is_connect() {
        return (FailureKind::Unavailable, format!("cannot connect: {chain}"));
    }
    (FailureKind::Unavailable, chain)
}

/// What went wrong in a TLS handshake, as far as people need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TlsProblem {
    UnknownCa,
    WrongName,
    Expired,
    ClientCertificateRefused,
    Other,
}

/// The rustls error somewhere in `err`'s chain (directly, or inside an `io::Error`).
fn rustls_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut current: Option<&'a (dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            return Some(inner);
        }
        current = error.source();
    }
    None
}

fn tls_problem(err: &rustls::Error) -> TlsProblem {
    use rustls::{AlertDescription, CertificateError};
    match err {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => TlsProblem::UnknownCa,
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => TlsProblem::WrongName,
        rustls::Error::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => TlsProblem::Expired,
        rustls::Error::AlertReceived(
            AlertDescription::CertificateRequired
            | AlertDescription::HandshakeFailure
            | AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::AccessDenied,
        ) => TlsProblem::ClientCertificateRefused,
        _ => TlsProblem::Other,
    }
}

/// The same from the error text, when the rustls error is boxed out of reach (reqwest's
/// connector errors).
fn tls_problem_from_text(chain: &str) -> Option<TlsProblem> {
    const SIGNS: [(&str, TlsProblem); 11] = [
        ("UnknownIssuer", TlsProblem::UnknownCa),
        ("NotValidForName", TlsProblem::WrongName),
        ("certificate not valid for name", TlsProblem::WrongName),
        ("Expired", TlsProblem::Expired),
        ("CertificateRequired", TlsProblem::ClientCertificateRefused),
        ("HandshakeFailure", TlsProblem::ClientCertificateRefused),
        ("BadCertificate", TlsProblem::ClientCertificateRefused),
        ("UnknownCA", TlsProblem::ClientCertificateRefused),
        ("CertificateUnknown", TlsProblem::ClientCertificateRefused),
        ("invalid peer certificate", TlsProblem::Other),
        ("received fatal alert", TlsProblem::Other),
    ];
    if let Some((_, problem)) = SIGNS.iter().find(|(sign, _)| chain.contains(sign)) {
        return Some(*problem);
    }
    let lower = chain.to_ascii_lowercase();
    ["certificate", "tls", "handshake"]
        .iter()
        .any(|word| lower.contains(word))
        .then_some(TlsProblem::Other)
}

fn explain(problem: TlsProblem) -> String {
    let ssl = "output.elasticsearch.ssl";
    match problem {
        TlsProblem::UnknownCa => format!(
            "TLS: the server's certificate is signed by a CA this client does not trust \
             (unknown CA); check {ssl}.certificate_authorities"
        ),
        TlsProblem::WrongName => format!(
            "TLS: the server's certificate does not name this host; use the name it was issued \
             for, or {ssl}.verification_mode: certificate"
        ),
        TlsProblem::Expired => "TLS: the server's certificate has expired".to_string(),
        TlsProblem::ClientCertificateRefused => format!(
            "TLS: the server refused the connection for want of an acceptable client \
             certificate (none sent, or not signed by a CA it trusts); check {ssl}.certificate \
             and {ssl}.key"
        ),
        TlsProblem::Other => "TLS error".to_string(),
    }
}

/// An error answer to a template request as a typed error.
pub(crate) fn answer_error(
    status: u16,
    body: &[u8],
    failed: &dyn Fn(FailureKind, Option<u16>, String) -> EsClientError,
) -> EsClientError {
    let reason = error_reason(body).unwrap_or_else(|| format!("HTTP {status}"));
    let kind = match status {
        401 | 403 => FailureKind::Credentials,
        429 | 500..=599 => FailureKind::Unavailable,
        _ => FailureKind::Refused,
    };
    let reason = match kind {
        FailureKind::Credentials => format!(
            "HTTP {status}: the credentials were refused (check output.elasticsearch.username/password or api_key): {reason}"
        ),
        _ => format!("HTTP {status}: {reason}"),
    };
    failed(kind, Some(status), reason)
}

/// The reason of a 401/403 to a bulk request.
pub(crate) fn credentials_refused(host: &str, status: u16, body: &[u8]) -> String {
    let detail = error_reason(body).unwrap_or_else(|| format!("HTTP {status}"));
    format!(
        "{host}: HTTP {status}: the credentials were refused (check output.elasticsearch.username/password or api_key): {detail}"
    )
}

/// `error.type: error.reason` (or `error` when it is text) of an Elasticsearch error body.
pub(crate) fn error_reason(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    match &json["error"] {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Object(error) => Some(format!(
            "{}: {}",
            error.get("type")?.as_str()?,
            error.get("reason").and_then(|r| r.as_str()).unwrap_or("")
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_failures_are_named_from_their_text() {
        let unknown = "error sending request: client error (Connect): invalid peer certificate: UnknownIssuer";
        assert_eq!(tls_problem_from_text(unknown), Some(TlsProblem::UnknownCa));
        let alert = "connection error: received fatal alert: CertificateRequired";
        assert_eq!(
            tls_problem_from_text(alert),
            Some(TlsProblem::ClientCertificateRefused)
        );
        assert_eq!(
            tls_problem_from_text("tcp connect error: Connection refused"),
            None
        );
        assert!(explain(TlsProblem::UnknownCa).contains("unknown CA"));
    }
}
