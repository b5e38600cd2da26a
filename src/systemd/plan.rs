//! The pure plan: what an install or uninstall will do, as a list of [`Action`]s.
//!
//! The plan depends only on the request and on a [`HostState`] observed beforehand (which
//! files exist and with what contents, whether the user exists), so it can be printed by
//! `--dry-run`, tested without a host, and carried out by [`super::exec::execute`].

use super::SystemdError;
use super::unit::{UnitKind, UnitSettings, UnitSpec, render_unit};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Where unit files go: `/etc/systemd/system`.
pub const UNIT_DIR: &str = "/etc/systemd/system";
/// Where the system-user declaration goes (the administrator's sysusers.d).
pub const SYSUSERS_DIR: &str = "/etc/sysusers.d";
/// The state directory the services share; also the service user's home.
pub const STATE_DIR: &str = "/var/lib/shiwa";
/// The GECOS text of the service user.
const USER_COMMENT: &str = "shiwa time synchronisation";

/// Where the files land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// This machine: files under `/`, then `systemctl`.
    Live,
    /// Staged under a directory (an image root); nothing else is touched.
    Root(PathBuf),
}

/// Install or remove.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    /// Write the units; on a live system also enable them, and start them when `start`.
    Install {
        /// False with `--no-start`: enable without `--now`.
        start: bool,
    },
    /// Stop, disable and remove the units (state, user and sysusers file are kept).
    Uninstall,
}

/// What the operator asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallRequest {
    /// The units, without duplicates, in the order given.
    pub kinds: Vec<UnitKind>,
    /// Binary, config, user, timers and firewall, shared by every unit.
    pub settings: UnitSettings,
    /// Where the files go.
    pub target: Target,
    /// Install or uninstall.
    pub operation: Operation,
}

/// What was observed on the host before planning.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostState {
    /// Current contents of the files the plan may write or remove (by destination path);
    /// absent paths do not exist.
    pub existing: BTreeMap<PathBuf, Vec<u8>>,
    /// The service user exists (live installs only).
    pub user_exists: bool,
    /// A group named like the user exists (live installs only).
    pub group_exists: bool,
    /// `systemd-sysusers` is on PATH (live installs only).
    pub has_sysusers: bool,
}

/// How a write changes the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileChange {
    /// The file does not exist yet.
    Create,
    /// The file exists with other contents.
    Replace,
    /// The file already has these contents; nothing to do.
    Unchanged,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Write a file atomically with `mode`.
    WriteFile {
        /// Destination (under `--root` when staging).
        path: PathBuf,
        /// Permission bits.
        #[serde(serialize_with = "octal")]
        mode: u32,
        /// What it changes.
        change: FileChange,
        /// The contents (in the plan's `units` for unit files).
        #[serde(skip)]
        contents: String,
    },
    /// Remove a file.
    RemoveFile {
        /// The file.
        path: PathBuf,
    },
    /// Create the system user and group.
    CreateUser {
        /// The user (and group) name.
        user: String,
        /// The command that creates it.
        command: Vec<String>,
    },
    /// Create the state directory if missing, then set its owner and mode.
    CreateStateDir {
        /// The directory.
        path: PathBuf,
        /// Permission bits.
        #[serde(serialize_with = "octal")]
        mode: u32,
        /// Owner and group.
        owner: String,
    },
    /// Run a command (`systemctl ...`).
    Run {
        /// argv.
        command: Vec<String>,
    },
}

/// A rendered unit, for `--dry-run` and `--json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderedUnit {
    /// `shiwa-<kind>.service`.
    pub name: String,
    /// Where it is (or would be) written.
    pub path: PathBuf,
    /// The unit text (empty when uninstalling).
    pub text: String,
}

/// The plan: actions in order, the rendered units, and notes for the operator.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The steps, in execution order.
    pub actions: Vec<Action>,
    /// The units concerned.
    pub units: Vec<RenderedUnit>,
    /// Things the operator should know (warnings, skipped units).
    pub notes: Vec<String>,
}

fn octal<S: Serializer>(mode: &u32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("{mode:04o}"))
}

impl InstallRequest {
    /// One unit spec per requested kind.
    pub fn specs(&self) -> Vec<UnitSpec> {
        self.kinds
            .iter()
            .map(|&kind| UnitSpec {
                kind,
                settings: self.settings.clone(),
            })
            .collect()
    }

    /// The path `absolute` has on the target (prefixed with the root when staging).
    pub fn destination(&self, absolute: &Path) -> PathBuf {
        match &self.target {
            Target::Live => absolute.to_path_buf(),
            Target::Root(root) => {
                let relative: PathBuf = absolute
                    .components()
                    .filter(|c| matches!(c, Component::Normal(_)))
                    .collect();
                root.join(relative)
            }
        }
    }

    /// Destination of `kind`'s unit file.
    pub fn unit_path(&self, kind: UnitKind) -> PathBuf {
        self.destination(&Path::new(UNIT_DIR).join(kind.unit_name()))
    }

    /// Destination of the sysusers.d file (`shiwa.conf`, or `shiwa-<user>.conf` for others).
    pub fn sysusers_path(&self) -> PathBuf {
        let name = if self.settings.user == "shiwa" {
            "shiwa.conf".to_string()
        } else {
            format!("shiwa-{}.conf", self.settings.user)
        };
        self.destination(&Path::new(SYSUSERS_DIR).join(name))
    }

    /// Every file the plan may write or remove: what to probe before planning.
    pub fn files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = self.kinds.iter().map(|&k| self.unit_path(k)).collect();
        files.push(self.sysusers_path());
        files
    }
}

/// Builds the plan for `request` given the observed `host`. Validates the request first.
pub fn build_plan(request: &InstallRequest, host: &HostState) -> Result<Plan, SystemdError> {
    request.validate()?;
    let mut plan = Plan::default();
    match request.operation {
        Operation::Install { start } => plan_install(request, host, start, &mut plan),
        Operation::Uninstall => plan_uninstall(request, host, &mut plan),
    }
    Ok(plan)
}

fn write_action(host: &HostState, path: PathBuf, contents: String) -> Action {
    let change = match host.existing.get(&path) {
        None => FileChange::Create,
        Some(old) if old == contents.as_bytes() => FileChange::Unchanged,
        Some(_) => FileChange::Replace,
    };
    Action::WriteFile {
        path,
        mode: 0o644,
        change,
        contents,
    }
}

fn plan_install(request: &InstallRequest, host: &HostState, start: bool, plan: &mut Plan) {
    let live = request.target == Target::Live;
    let sysusers = sysusers_conf(&request.settings.user);
    plan.actions
        .push(write_action(host, request.sysusers_path(), sysusers));
    if live {
        if !host.user_exists {
            plan.actions.push(Action::CreateUser {
                user: request.settings.user.clone(),
                command: create_user_command(request, host),
            });
        }
        plan.actions.push(Action::CreateStateDir {
            path: PathBuf::from(STATE_DIR),
            mode: 0o750,
            owner: request.settings.user.clone(),
        });
    }
    let mut replaced = Vec::new();
    for spec in request.specs() {
        let path = request.unit_path(spec.kind);
        let text = render_unit(&spec);
        let action = write_action(host, path.clone(), text.clone());
        if let Action::WriteFile {
            change: FileChange::Replace,
            ..
        } = action
        {
            replaced.push(spec.kind.unit_name());
        }
        plan.actions.push(action);
        plan.units.push(RenderedUnit {
            name: spec.kind.unit_name(),
            path,
            text,
        });
    }
    if !live {
        return;
    }
    let names: Vec<String> = request.kinds.iter().map(|k| k.unit_name()).collect();
    plan.actions.push(systemctl(&["daemon-reload"], &[]));
    let enable: &[&str] = if start {
        &["enable", "--now"]
    } else {
        &["enable"]
    };
    plan.actions.push(systemctl(enable, &names));
    if start && !replaced.is_empty() {
        plan.actions.push(systemctl(&["try-restart"], &replaced));
    }
}

fn plan_uninstall(request: &InstallRequest, host: &HostState, plan: &mut Plan) {
    let live = request.target == Target::Live;
    let mut present = Vec::new();
    for &kind in &request.kinds {
        let path = request.unit_path(kind);
        if host.existing.contains_key(&path) {
            present.push((kind.unit_name(), path));
        } else {
            let where_ = path.display();
            plan.notes.push(format!(
                "{} is not installed ({where_} does not exist)",
                kind.unit_name()
            ));
        }
    }
    let names: Vec<String> = present.iter().map(|(name, _)| name.clone()).collect();
    if live && !names.is_empty() {
        plan.actions.push(systemctl(&["disable", "--now"], &names));
    }
    for (name, path) in present {
        plan.actions.push(Action::RemoveFile { path: path.clone() });
        let text = String::new();
        plan.units.push(RenderedUnit { name, path, text });
    }
    if live && !names.is_empty() {
        plan.actions.push(systemctl(&["daemon-reload"], &[]));
    }
}

fn systemctl(args: &[&str], units: &[String]) -> Action {
    let mut command = vec!["systemctl".to_string()];
    command.extend(args.iter().map(|a| a.to_string()));
    command.extend(units.iter().cloned());
    Action::Run { command }
}

/// The sysusers.d declaration of the service user (and its group).
pub fn sysusers_conf(user: &str) -> String {
    format!(
        "# Generated by shiwa systemd-install: the account shiwa's services run as.\n\
         u {user} - \"{USER_COMMENT}\" {STATE_DIR}\n"
    )
}

fn create_user_command(request: &InstallRequest, host: &HostState) -> Vec<String> {
    if host.has_sysusers {
        let conf = request.sysusers_path().display().to_string();
        return vec!["systemd-sysusers".into(), conf];
    }
    let user = request.settings.user.as_str();
    let group: &[&str] = if host.group_exists {
        &["--gid", user]
    } else {
        &["--user-group"]
    };
    let mut command: Vec<String> = vec!["useradd".into(), "--system".into()];
    command.extend(group.iter().map(|s| s.to_string()));
    for arg in [
        "--no-create-home",
        "--home-dir",
        STATE_DIR,
        "--shell",
        "/usr/sbin/nologin",
        "--comment",
        USER_COMMENT,
        user,
    ] {
        command.push(arg.to_string());
    }
    command
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
