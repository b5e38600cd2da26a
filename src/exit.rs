//! Process exit statuses (DESIGN.md §6), shared by every subcommand.

use std::process::ExitCode;

/// What a command tells its caller through its exit status. Scripts rely on these numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: everything worked.
    Success,
    /// 1: a runtime failure (or a check that found a problem).
    Failure,
    /// 2: the command line was wrong.
    Usage,
    /// 3: a probed peer is unreachable or not synchronised.
    Unreachable,
    /// 77: permission denied (EX_NOPERM).
    Permission,
    /// 78: the configuration is invalid (EX_CONFIG).
    Config,
}

impl ExitStatus {
    /// The numeric status passed to the operating system.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Usage => 2,
            ExitStatus::Unreachable => 3,
            ExitStatus::Permission => 77,
            ExitStatus::Config => 78,
        }
    }

    /// The status for an I/O error: 77 for permission problems, 1 otherwise.
    pub fn for_io(err: &std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::PermissionDenied {
            ExitStatus::Permission
        } else {
            ExitStatus::Failure
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

/// Library errors that know which exit status they deserve.
pub trait HasExitStatus {
    /// The exit status a command ending with this error returns.
    fn exit_status(&self) -> ExitStatus;
}
