//! systemd integration: hardened units for shiwa's long-running subcommands, and their install.
//!
//! The work is split in three layers so each can be tested on its own:
//!
//! * [`unit`]: pure rendering. A [`UnitSpec`] (which subcommand, binary, config, user, timers,
//!   firewall) becomes unit-file text through [`render_unit`]. [`UnitKind`] knows each
//!   subcommand's ports, capabilities and sandbox needs.
//! * [`plan`]: pure planning. An [`InstallRequest`] plus what was observed on the host
//!   ([`HostState`]) becomes a list of [`Action`]s: files to write or remove, the system user,
//!   the state directory, `systemctl` invocations. `--dry-run` prints this list.
//! * [`exec`]: the small executor that probes the host, checks preconditions (root, systemd
//!   running, tools present) and carries the actions out.
//!
//! Files written: `/etc/systemd/system/shiwa-<unit>.service` (0644) and
//! `/etc/sysusers.d/shiwa.conf` (0644), both under `--root` when staging an image. The state
//! directory `/var/lib/shiwa` and the runtime directory `/run/shiwa` are declared in the units
//! (`StateDirectory=`, `RuntimeDirectory=`), so systemd creates them with the right owner at every
//! start; no `tmpfiles.d` entry is needed.

pub mod exec;
pub mod firewall;
pub mod notify;
pub mod plan;
pub mod report;
pub mod unit;
mod validate;

pub use exec::{execute, preflight, probe_host};
pub use firewall::{Firewall, NftChain};
pub use plan::{
    Action, FileChange, HostState, InstallRequest, Operation, Plan, RenderedUnit, Target,
    build_plan,
};
pub use report::{ActionOutcome, ActionStatus, InstallReport, InstallRun, install, planned};
pub use unit::{Port, Protocol, UnitKind, UnitSettings, UnitSpec, render_unit};

use crate::exit::ExitStatus;
use std::path::PathBuf;

/// Errors from rendering, planning or installing units.
#[derive(Debug, thiserror::Error)]
pub enum SystemdError {
    /// A value given on the command line cannot go into a unit.
    #[error("{what}: {reason}")]
    Invalid {
        /// The option or value at fault (e.g. `--user "Shiwa"`).
        what: String,
        /// Why it is refused.
        reason: String,
    },
    /// A live install was attempted without root privileges.
    #[error(
        "installing units needs root (running as uid {uid}); re-run with sudo, or use --root DIR \
         to stage the files or --dry-run to see the plan"
    )]
    NotRoot {
        /// The effective uid we run as.
        uid: u32,
    },
    /// systemd is not the init system here.
    #[error(
        "systemd is not running on this machine ({marker} does not exist), so units cannot be \
         enabled or started; use --root DIR to stage the files for an image, or --dry-run"
    )]
    SystemdNotRunning {
        /// The directory whose absence tells (`/run/systemd/system`).
        marker: PathBuf,
    },
    /// A program the install needs is missing.
    #[error("{tool} not found: {why}")]
    ToolMissing {
        /// The program (path or name).
        tool: String,
        /// What it is needed for and what to do.
        why: String,
    },
    /// A command run by the installer failed.
    #[error("`{command}` failed ({status}){}", stderr_suffix(.stderr))]
    Command {
        /// The command line, for the operator to re-run.
        command: String,
        /// How it ended.
        status: String,
        /// What it printed on stderr (trimmed).
        stderr: String,
    },
    /// A command could not be started at all.
    #[error("running `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// Why it could not run.
        #[source]
        source: std::io::Error,
    },
    /// Reading, removing or changing ownership of a file failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done (`reading`, `removing`, ...).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// An atomic write failed.
    #[error(transparent)]
    Write(#[from] crate::fsutil::WriteError),
    /// The path of the running executable could not be found (for the default `--binary`).
    #[error("finding the path of the running shiwa binary (pass --binary PATH): {0}")]
    CurrentExe(#[source] std::io::Error),
}

fn stderr_suffix(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

impl crate::exit::HasExitStatus for SystemdError {
    fn exit_status(&self) -> ExitStatus {
        match self {
            SystemdError::Invalid { .. } => ExitStatus::Usage,
            SystemdError::NotRoot { .. } => ExitStatus::Permission,
            SystemdError::Io { source, .. } | SystemdError::Spawn { source, .. } => {
                ExitStatus::for_io(source)
            }
            SystemdError::Write(err) => err.exit_status(),
            SystemdError::SystemdNotRunning { .. }
            | SystemdError::ToolMissing { .. }
            | SystemdError::Command { .. }
            | SystemdError::CurrentExe(_) => ExitStatus::Failure,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::HasExitStatus;

    #[test]
    fn exit_statuses_follow_the_design() {
        assert_eq!(
            SystemdError::NotRoot { uid: 1000 }.exit_status(),
            ExitStatus::Permission
        );
        let invalid = SystemdError::Invalid {
            what: "--user".into(),
            reason: "x".into(),
        };
        assert_eq!(invalid.exit_status(), ExitStatus::Usage);
        let not_running = SystemdError::SystemdNotRunning {
            marker: "/run/systemd/system".into(),
        };
        assert_eq!(not_running.exit_status(), ExitStatus::Failure);
        assert!(not_running.to_string().contains("/run/systemd/system"));
    }
}
