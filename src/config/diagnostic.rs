//! Problems found while loading a configuration, each with its file, line, column and key path.

use crate::exit::{ExitStatus, HasExitStatus};
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// A position in the source text: 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The configuration is rejected.
    Error,
    /// The configuration loads, but something deserves attention.
    Warning,
}

/// One problem, printed as `FILE:LINE:COL: key.path: message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file (or `<stdin>`).
    pub file: String,
    /// Where in the file; `None` when the problem concerns the whole file.
    #[serde(flatten)]
    pub pos: Option<Pos>,
    /// Dotted key path, e.g. `timebeat.clock_sync.primary_clocks[0].domain`; empty for the file.
    pub path: String,
    /// What is wrong, and how to fix it where that is known.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(pos) = self.pos {
            write!(f, ":{}:{}", pos.line, pos.col)?;
        }
        if self.severity == Severity::Warning {
            write!(f, ": warning")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read (missing, unreadable, a directory...).
    #[error("{}: {}", path.display(), describe_io(cause))]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause (described in the message).
        cause: std::io::Error,
    },
    /// No file was given and none of the default locations exists.
    #[error(
        "no configuration file: none of {} exists (give one with --config or SHIWA_CONFIG)",
        tried.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    NotFound {
        /// The default locations that were tried.
        tried: Vec<PathBuf>,
    },
    /// The text is not a valid configuration; every problem found is listed.
    #[error("{}", render_invalid(file, diagnostics))]
    Invalid {
        /// The file (or `<stdin>`).
        file: String,
        /// Every error (and warning) found, in file order.
        diagnostics: Vec<Diagnostic>,
    },
}

impl ConfigError {
    /// Shorthand for a configuration rejected with a single problem.
    pub fn single(diagnostic: Diagnostic) -> Self {
        ConfigError::Invalid {
            file: diagnostic.file.clone(),
            diagnostics: vec![diagnostic],
        }
    }

    /// The individual problems (empty for I/O errors).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            ConfigError::Invalid { diagnostics, .. } => diagnostics,
            _ => &[],
        }
    }
}

impl HasExitStatus for ConfigError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            ConfigError::Read { cause, .. }
                if cause.kind() == std::io::ErrorKind::PermissionDenied =>
            {
                ExitStatus::Permission
            }
            _ => ExitStatus::Config,
        }
    }
}

fn describe_io(err: &std::io::Error) -> String {
    match err.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => {
            "permission denied (run as a user that can read it, or fix its mode)".to_string()
        }
        _ => err.to_string(),
    }
}

fn render_invalid(file: &str, diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let mut out = match errors {
        1 => format!("{file}: invalid configuration (1 error)"),
        n => format!("{file}: invalid configuration ({n} errors)"),
    };
    for diagnostic in diagnostics {
        out.push_str("\n  ");
        out.push_str(&diagnostic.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_file_line_col_path_message() {
        let d = Diagnostic {
            severity: Severity::Error,
            file: "/etc/shiwa/shiwa.yml".into(),
            pos: Some(Pos { line: 4, col: 5 }),
            path: "timebeat.http.bind_port".into(),
            message: "expected an integer".into(),
        };
        assert_eq!(
            d.to_string(),
            "/etc/shiwa/shiwa.yml:4:5: timebeat.http.bind_port: expected an integer"
        );
    }
}
