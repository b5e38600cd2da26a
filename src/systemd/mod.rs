//! systemd unit rendering (placeholder).

/// Errors from PKI work.
#[derive(Debug, thiserror::Error)]
pub enum SystemdError {
    /// Placeholder.
    #[error("systemd: {0}")]
    Other(String),
}

impl crate::exit::HasExitStatus for SystemdError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Failure
    }
}
