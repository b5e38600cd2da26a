//! The result of a run, for people (a table row per action) and for `--json`.

use super::firewall::Firewall;
use super::plan::{Action, FileChange, InstallRequest, Operation, Plan, RenderedUnit, Target};
use serde::Serialize;
use std::path::PathBuf;

/// What happened to one action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Not carried out (`--dry-run`).
    Planned,
    /// Carried out.
    Done,
    /// Nothing to do: the file already had these contents or was already gone.
    Unchanged,
}

/// An action and its result, for the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionOutcome {
    /// The action.
    #[serde(flatten)]
    pub action: Action,
    /// What happened.
    pub status: ActionStatus,
}

/// The outcomes of a plan that is only shown, not carried out.
pub fn planned(plan: &Plan) -> Vec<ActionOutcome> {
    plan.actions
        .iter()
        .map(|action| ActionOutcome {
            action: action.clone(),
            status: match action {
                Action::WriteFile {
                    change: FileChange::Unchanged,
                    ..
                } => ActionStatus::Unchanged,
                _ => ActionStatus::Planned,
            },
        })
        .collect()
}

/// The `--json` document: what was asked, the units, every action with its status, and notes.
///
/// Fields: `operation` (`install`/`uninstall`), `start`, `dry_run`, `root` (`/` on a live
/// system), `user`, `firewall` (`{"kind": ...}`), `units` (`name`, `path`, `text`), `actions`
/// (`action`, its fields, `status`: `planned`/`done`/`unchanged`), `notes`.
#[derive(Debug, Serialize)]
pub struct InstallReport<'a> {
    operation: &'static str,
    start: bool,
    dry_run: bool,
    root: PathBuf,
    user: &'a str,
    firewall: &'a Firewall,
    units: &'a [RenderedUnit],
    actions: &'a [ActionOutcome],
    notes: &'a [String],
}

impl<'a> InstallReport<'a> {
    /// Gathers the report of a run.
    pub fn new(
        request: &'a InstallRequest,
        plan: &'a Plan,
        actions: &'a [ActionOutcome],
        notes: &'a [String],
        dry_run: bool,
    ) -> Self {
        let (operation, start) = match request.operation {
            Operation::Install { start } => ("install", start),
            Operation::Uninstall => ("uninstall", false),
        };
        InstallReport {
            operation,
            start,
            dry_run,
            root: match &request.target {
                Target::Live => PathBuf::from("/"),
                Target::Root(dir) => dir.clone(),
            },
            user: &request.settings.user,
            firewall: &request.settings.firewall,
            units: &plan.units,
            actions,
            notes,
        }
    }
}

impl ActionStatus {
    /// The word shown in tables and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Planned => "planned",
            ActionStatus::Done => "done",
            ActionStatus::Unchanged => "unchanged",
        }
    }
}

impl Action {
    /// A short verb and the details, for a table row.
    pub fn describe(&self) -> (&'static str, String) {
        match self {
            Action::WriteFile {
                path, mode, change, ..
            } => {
                let change = match change {
                    FileChange::Create => "new",
                    FileChange::Replace => "replaced",
                    FileChange::Unchanged => "unchanged",
                };
                let detail = format!("{} (mode {mode:04o}, {change})", path.display());
                ("write file", detail)
            }
            Action::RemoveFile { path } => ("remove file", path.display().to_string()),
            Action::CreateUser { command, .. } => ("create user", shell_line(command)),
            Action::CreateStateDir { path, mode, owner } => (
                "create directory",
                format!(
                    "{} (mode {mode:04o}, owner {owner}:{owner})",
                    path.display()
                ),
            ),
            Action::Run { command } => ("run", shell_line(command)),
        }
    }
}

/// A command line as the operator would type it (arguments with blanks single-quoted).
pub fn shell_line(command: &[String]) -> String {
    command
        .iter()
        .map(|arg| {
            if arg.is_empty()
                || arg
                    .chars()
                    .any(|c| c.is_whitespace() || "'\"$\\".contains(c))
            {
                format!("'{}'", arg.replace('\'', "'\\''"))
            } else {
                arg.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_line_quotes_blanks() {
        let line = shell_line(&["useradd".into(), "--comment".into(), "a b".into()]);
        assert_eq!(line, "useradd --comment 'a b'");
    }

    #[test]
    fn outcomes_serialise_flat() {
        let outcome = ActionOutcome {
            action: Action::RemoveFile {
                path: PathBuf::from("/x"),
            },
            status: ActionStatus::Planned,
        };
        let json = serde_json::to_value(&outcome).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"action": "remove_file", "path": "/x", "status": "planned"})
        );
    }
}

/// What [`install`] did (or, in a dry run, would do).
#[derive(Debug, Clone)]
pub struct InstallRun {
    /// The plan that was carried out.
    pub plan: crate::systemd::Plan,
    /// One outcome per action.
    pub outcomes: Vec<ActionOutcome>,
    /// Preflight and plan notes for the operator.
    pub notes: Vec<String>,
}

/// The whole install (`shiwa systemd-install`, and `shiwa recover` after a restore): checks
/// the preconditions, probes the host, plans, and carries the plan out unless `dry_run`.
pub fn install(
    request: &crate::systemd::InstallRequest,
    dry_run: bool,
) -> Result<InstallRun, crate::systemd::SystemdError> {
    let mut notes = crate::systemd::preflight(request, dry_run)?;
    let plan = crate::systemd::build_plan(request, &crate::systemd::probe_host(request)?)?;
    notes.extend(plan.notes.iter().cloned());
    let outcomes = if dry_run {
        planned(&plan)
    } else {
        crate::systemd::execute(&plan)?
    };
    Ok(InstallRun {
        plan,
        outcomes,
        notes,
    })
}
