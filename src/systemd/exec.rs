//! The executor: observes the host, checks preconditions, carries out a plan's actions.
//!
//! This is the only part of the module that touches the system. Actions run in order and the
//! first failure stops the run (the error names the file or command); everything before it is
//! idempotent, so fixing the cause and re-running is safe.

use super::SystemdError;
use super::plan::{Action, FileChange, HostState, InstallRequest, Operation, Plan, Target};
use super::report::{ActionOutcome, ActionStatus, shell_line};
use crate::fsutil;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory that exists only when systemd is the running init system.
pub const SYSTEMD_MARKER: &str = "/run/systemd/system";

/// Reads what the plan depends on: current contents of the files it may write or remove, and
/// on a live system whether the user and group exist and `systemd-sysusers` is available.
pub fn probe_host(request: &InstallRequest) -> Result<HostState, SystemdError> {
    let mut host = HostState::default();
    for path in request.files() {
        match fs::read(&path) {
            Ok(contents) => {
                host.existing.insert(path, contents);
            }
            Err(err) if err.kind() == ErrorKind::NotFound => {}
            Err(source) => {
                return Err(SystemdError::Io {
                    action: "reading",
                    path,
                    source,
                });
            }
        }
    }
    if request.target == Target::Live {
        host.user_exists = lookup_user(&request.settings.user).is_some();
        host.group_exists = matches!(
            nix::unistd::Group::from_name(&request.settings.user),
            Ok(Some(_))
        );
        host.has_sysusers = on_path("systemd-sysusers");
    }
    Ok(host)
}

/// Checks that the request can proceed: it is valid ([`InstallRequest::validate`]) and, on a
/// live system, we are root, systemd is running, and for an install the binary and the
/// firewall tool are present. Returns notes for the operator (e.g. an unreadable config).
/// With `dry_run`, failed live checks become notes instead of errors.
pub fn preflight(request: &InstallRequest, dry_run: bool) -> Result<Vec<String>, SystemdError> {
    request.validate()?;
    if request.target != Target::Live {
        return Ok(Vec::new());
    }
    let mut notes = Vec::new();
    let mut checks = vec![check_root(), check_systemd()];
    if matches!(request.operation, Operation::Install { .. }) {
        checks.push(check_binary(&request.settings.binary));
        if let Some(tool) = request.settings.firewall.tool() {
            checks.push(check_firewall_tool(tool, request.settings.firewall.name()));
        }
        notes.extend(config_note(
            &request.settings.config,
            &request.settings.user,
        ));
    }
    for check in checks {
        match check {
            Ok(()) => {}
            Err(err) if dry_run => notes.push(format!("a real run would fail here: {err}")),
            Err(err) => return Err(err),
        }
    }
    Ok(notes)
}

fn check_root() -> Result<(), SystemdError> {
    let uid = nix::unistd::geteuid();
    if uid.is_root() {
        Ok(())
    } else {
        Err(SystemdError::NotRoot { uid: uid.as_raw() })
    }
}

fn check_systemd() -> Result<(), SystemdError> {
    let marker = PathBuf::from(SYSTEMD_MARKER);
    if marker.is_dir() {
        Ok(())
    } else {
        Err(SystemdError::SystemdNotRunning { marker })
    }
}

fn check_binary(binary: &Path) -> Result<(), SystemdError> {
    let executable = fs::metadata(binary)
        .map(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        .unwrap_or(false);
    if executable {
        return Ok(());
    }
    Err(SystemdError::ToolMissing {
        tool: binary.display().to_string(),
        why: "the units would run it; install shiwa there or pass --binary PATH".into(),
    })
}

fn check_firewall_tool(tool: &Path, firewall: &str) -> Result<(), SystemdError> {
    if tool.is_file() {
        return Ok(());
    }
    Err(SystemdError::ToolMissing {
        tool: tool.display().to_string(),
        why: format!(
            "--firewall {firewall} calls it to open the units' ports; install it or choose \
             another --firewall"
        ),
    })
}

/// A warning when the service user will not be able to read the config file.
fn config_note(config: &Path, user: &str) -> Option<String> {
    let Ok(meta) = fs::metadata(config) else {
        return Some(format!(
            "{} does not exist yet: the services will fail to start until it does",
            config.display()
        ));
    };
    let account = lookup_user(user);
    let mode = meta.mode();
    let readable = mode & 0o004 != 0
        || account.as_ref().is_some_and(|u| {
            (meta.uid() == u.uid.as_raw() && mode & 0o400 != 0)
                || (meta.gid() == u.gid.as_raw() && mode & 0o040 != 0)
        });
    (!readable).then(|| {
        format!(
            "{path} (mode {mode:04o}) is not readable by user {user}: the services run as \
             {user}; make it readable, e.g. `chgrp {user} {path} && chmod 0640 {path}`",
            path = config.display(),
            mode = mode & 0o7777,
        )
    })
}

fn lookup_user(name: &str) -> Option<nix::unistd::User> {
    nix::unistd::User::from_name(name).ok().flatten()
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// Carries out `plan`'s actions in order; stops at the first failure.
pub fn execute(plan: &Plan) -> Result<Vec<ActionOutcome>, SystemdError> {
    let mut outcomes = Vec::with_capacity(plan.actions.len());
    for action in &plan.actions {
        let status = apply(action)?;
        outcomes.push(ActionOutcome {
            action: action.clone(),
            status,
        });
    }
    Ok(outcomes)
}

fn apply(action: &Action) -> Result<ActionStatus, SystemdError> {
    match action {
        Action::WriteFile {
            change: FileChange::Unchanged,
            ..
        } => Ok(ActionStatus::Unchanged),
        Action::WriteFile {
            path,
            mode,
            contents,
            ..
        } => {
            if let Some(parent) = path.parent() {
                fsutil::create_dir_all(parent, 0o755)?;
            }
            fsutil::write_atomic(path, contents.as_bytes(), *mode)?;
            tracing::debug!(path = %path.display(), "wrote");
            Ok(ActionStatus::Done)
        }
        Action::RemoveFile { path } => match fs::remove_file(path) {
            Ok(()) => {
                tracing::debug!(path = %path.display(), "removed");
                Ok(ActionStatus::Done)
            }
            Err(err) if err.kind() == ErrorKind::NotFound => Ok(ActionStatus::Unchanged),
            Err(source) => Err(SystemdError::Io {
                action: "removing",
                path: path.clone(),
                source,
            }),
        },
        Action::CreateUser { command, .. } | Action::Run { command } => {
            run(command)?;
            Ok(ActionStatus::Done)
        }
        Action::CreateStateDir { path, mode, owner } => {
            create_state_dir(path, *mode, owner)?;
            Ok(ActionStatus::Done)
        }
    }
}

fn create_state_dir(path: &Path, mode: u32, owner: &str) -> Result<(), SystemdError> {
    fsutil::create_dir_all(path, mode)?;
    let io = |action, source| SystemdError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let account = lookup_user(owner).ok_or_else(|| SystemdError::Invalid {
        what: format!("--user {owner:?}"),
        reason: "the user does not exist after creating it; check the system's account tools"
            .into(),
    })?;
    let (uid, gid) = (account.uid.as_raw(), account.gid.as_raw());
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).map_err(|e| io("changing owner of", e))?;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| io("changing mode of", e))?;
    tracing::debug!(path = %path.display(), owner, "state directory ready");
    Ok(())
}

fn run(command: &[String]) -> Result<(), SystemdError> {
    let shown = shell_line(command);
    let Some((program, args)) = command.split_first() else {
        return Ok(());
    };
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|source| SystemdError::Spawn {
            command: shown.clone(),
            source,
        })?;
    if !output.status.success() {
        return Err(SystemdError::Command {
            command: shown,
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    tracing::debug!(command = %shown, "ran");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::systemd::plan::build_plan;
    use crate::systemd::unit::UnitKind;
    use crate::systemd::unit::UnitSettings;

    fn root_request(root: &Path, operation: Operation) -> InstallRequest {
        InstallRequest {
            kinds: vec![UnitKind::Sync, UnitKind::ServeApi],
            settings: UnitSettings::for_tests(),
            target: Target::Root(root.to_path_buf()),
            operation,
        }
    }

    #[test]
    fn staged_install_then_uninstall_round_trip() {
        let dir = tempfile::tempdir().expect("temp dir");
        let install = root_request(dir.path(), Operation::Install { start: true });
        let plan = build_plan(&install, &probe_host(&install).expect("probe")).expect("plan");
        let outcomes = execute(&plan).expect("install");
        assert!(outcomes.iter().all(|o| o.status == ActionStatus::Done));
        let unit = dir.path().join("etc/systemd/system/shiwa-sync.service");
        let mode = fs::metadata(&unit)
            .expect("unit written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);

        let again = build_plan(&install, &probe_host(&install).expect("probe")).expect("plan");
        let outcomes = execute(&again).expect("re-install");
        assert!(outcomes.iter().all(|o| o.status == ActionStatus::Unchanged));

        let remove = root_request(dir.path(), Operation::Uninstall);
        let plan = build_plan(&remove, &probe_host(&remove).expect("probe")).expect("plan");
        execute(&plan).expect("uninstall");
        assert!(!unit.exists());
        assert!(dir.path().join("etc/sysusers.d/shiwa.conf").exists());
    }

    #[test]
    fn failing_command_is_reported_with_its_stderr() {
        let err = run(&["sh".into(), "-c".into(), "echo boom >&2; exit 3".into()])
            .expect_err("must fail");
        let text = err.to_string();
        assert!(text.contains("boom") && text.contains("sh -c"), "{text}");
    }
}
