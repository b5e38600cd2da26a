//! Certificate authority and certificate generation (placeholder until setup-pki lands).

/// Errors from PKI work.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// Placeholder.
    #[error("pki: {0}")]
    Other(String),
}

impl crate::exit::HasExitStatus for PkiError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Failure
    }
}
