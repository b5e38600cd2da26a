//! Configuration (placeholder while the loader is written).

/// Errors loading configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Placeholder.
    #[error("config: {0}")]
    Other(String),
}

impl crate::exit::HasExitStatus for ConfigError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Config
    }
}
