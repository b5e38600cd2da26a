use super::*;

fn request(kinds: &[UnitKind], target: Target, operation: Operation) -> InstallRequest {
    InstallRequest {
        kinds: kinds.to_vec(),
        settings: UnitSettings::for_tests(),
        target,
        operation,
    }
}

const INSTALL: Operation = Operation::Install { start: true };

fn commands(plan: &Plan) -> Vec<String> {
    plan.actions
        .iter()
        .filter_map(|a| match a {
            Action::Run { command } | Action::CreateUser { command, .. } => Some(command.join(" ")),
            _ => None,
        })
        .collect()
}

fn written(plan: &Plan) -> Vec<(PathBuf, FileChange)> {
    plan.actions
        .iter()
        .filter_map(|a| match a {
            Action::WriteFile { path, change, .. } => Some((path.clone(), *change)),
            _ => None,
        })
        .collect()
}

#[test]
fn live_install_creates_user_dir_units_and_starts() {
    let req = request(&[UnitKind::Sync, UnitKind::Hub], Target::Live, INSTALL);
    let host = HostState {
        has_sysusers: true,
        ..HostState::default()
    };
    let plan = build_plan(&req, &host).expect("plan");
    assert_eq!(
        commands(&plan),
        [
            "systemd-sysusers /etc/sysusers.d/shiwa.conf",
            "systemctl daemon-reload",
            "systemctl enable --now shiwa-sync.service shiwa-hub.service",
        ]
    );
    let files: Vec<_> = written(&plan).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        files,
        [
            PathBuf::from("/etc/sysusers.d/shiwa.conf"),
            PathBuf::from("/etc/systemd/system/shiwa-sync.service"),
            PathBuf::from("/etc/systemd/system/shiwa-hub.service"),
        ]
    );
    assert!(plan.actions.contains(&Action::CreateStateDir {
        path: PathBuf::from("/var/lib/shiwa"),
        mode: 0o750,
        owner: "shiwa".into(),
    }));
}

#[test]
fn useradd_is_the_fallback_and_respects_an_existing_group() {
    let req = request(&[UnitKind::Sync], Target::Live, INSTALL);
    let host = HostState {
        group_exists: true,
        ..HostState::default()
    };
    let plan = build_plan(&req, &host).expect("plan");
    assert_eq!(
        commands(&plan)[0],
        "useradd --system --gid shiwa --no-create-home --home-dir /var/lib/shiwa \
         --shell /usr/sbin/nologin --comment shiwa time synchronisation shiwa"
    );
}

#[test]
fn existing_user_is_not_recreated_and_no_start_omits_now() {
    let req = request(
        &[UnitKind::ServeApi],
        Target::Live,
        Operation::Install { start: false },
    );
    let host = HostState {
        user_exists: true,
        ..HostState::default()
    };
    let plan = build_plan(&req, &host).expect("plan");
    assert_eq!(
        commands(&plan),
        [
            "systemctl daemon-reload",
            "systemctl enable shiwa-serve-api.service"
        ]
    );
}

#[test]
fn replaced_units_are_restarted_unchanged_ones_are_not_rewritten() {
    let req = request(&[UnitKind::Sync, UnitKind::Hub], Target::Live, INSTALL);
    let mut host = HostState {
        user_exists: true,
        ..HostState::default()
    };
    let sync_text = render_unit(&req.specs()[0]);
    host.existing
        .insert(req.unit_path(UnitKind::Sync), sync_text.into_bytes());
    host.existing
        .insert(req.unit_path(UnitKind::Hub), b"old".to_vec());
    let plan = build_plan(&req, &host).expect("plan");
    let changes: Vec<_> = written(&plan).into_iter().map(|(_, c)| c).collect();
    let want = [
        FileChange::Create,
        FileChange::Unchanged,
        FileChange::Replace,
    ];
    assert_eq!(changes, want);
    let last = commands(&plan).pop().expect("commands");
    assert_eq!(last, "systemctl try-restart shiwa-hub.service");
}

#[test]
fn root_target_only_writes_files_under_the_root() {
    let root = PathBuf::from("/tmp/image");
    let req = request(&UnitKind::ALL, Target::Root(root.clone()), INSTALL);
    let plan = build_plan(&req, &HostState::default()).expect("plan");
    assert!(commands(&plan).is_empty());
    for action in &plan.actions {
        let Action::WriteFile { path, mode, .. } = action else {
            panic!("--root must only write files, got {action:?}");
        };
        assert!(path.starts_with(&root), "{}", path.display());
        assert_eq!(*mode, 0o644);
    }
    assert_eq!(plan.actions.len(), 6);
    assert_eq!(
        req.unit_path(UnitKind::CliSsh),
        root.join("etc/systemd/system/shiwa-cli-ssh.service")
    );
}

#[test]
fn uninstall_disables_removes_and_notes_missing_units() {
    let req = request(
        &[UnitKind::Sync, UnitKind::ShipEs],
        Target::Live,
        Operation::Uninstall,
    );
    let mut host = HostState::default();
    host.existing
        .insert(req.unit_path(UnitKind::Sync), b"x".to_vec());
    let plan = build_plan(&req, &host).expect("plan");
    assert_eq!(
        commands(&plan),
        [
            "systemctl disable --now shiwa-sync.service",
            "systemctl daemon-reload"
        ]
    );
    assert!(plan.actions.contains(&Action::RemoveFile {
        path: PathBuf::from("/etc/systemd/system/shiwa-sync.service")
    }));
    assert_eq!(plan.notes.len(), 1);
    assert!(plan.notes[0].contains("shiwa-ship-es.service is not installed"));
}

#[test]
fn sysusers_file_declares_the_user() {
    assert_eq!(
        sysusers_conf("shiwa").lines().nth(1),
        Some("u shiwa - \"shiwa time synchronisation\" /var/lib/shiwa")
    );
    let mut req = request(&[UnitKind::Sync], Target::Live, INSTALL);
    req.settings.user = "timekeeper".into();
    assert_eq!(
        req.sysusers_path(),
        PathBuf::from("/etc/sysusers.d/shiwa-timekeeper.conf")
    );
}

#[test]
fn invalid_requests_name_the_option() {
    let base = request(&[UnitKind::Sync], Target::Live, INSTALL);
    let cases: Vec<(InstallRequest, &str)> = vec![
        (
            InstallRequest {
                settings: UnitSettings {
                    user: "root".into(),
                    ..base.settings.clone()
                },
                ..base.clone()
            },
            "--user \"root\"",
        ),
        (
            InstallRequest {
                settings: UnitSettings {
                    user: "Bad User".into(),
                    ..base.settings.clone()
                },
                ..base.clone()
            },
            "--user",
        ),
        (
            InstallRequest {
                settings: UnitSettings {
                    binary: "shiwa".into(),
                    ..base.settings.clone()
                },
                ..base.clone()
            },
            "absolute",
        ),
        (
            InstallRequest {
                settings: UnitSettings {
                    binary: "/root/.cargo/bin/shiwa".into(),
                    ..base.settings.clone()
                },
                ..base.clone()
            },
            "ProtectHome",
        ),
        (
            InstallRequest {
                settings: UnitSettings {
                    config: "/home/me/shiwa.yml".into(),
                    ..base.settings.clone()
                },
                ..base.clone()
            },
            "--config /home/me/shiwa.yml",
        ),
        (
            InstallRequest {
                settings: UnitSettings {
                    restart_sec: 0,
                    ..base.settings.clone()
                },
                ..base.clone()
            },
            "--restart-sec",
        ),
        (
            InstallRequest {
                kinds: vec![],
                ..base.clone()
            },
            "--unit",
        ),
    ];
    for (req, needle) in cases {
        let err = build_plan(&req, &HostState::default()).expect_err("invalid");
        assert!(err.to_string().contains(needle), "{err} lacks {needle}");
    }
}
