//! The command line as users and scripts meet it: help, version, usage errors, multi-call
//! links, and the shape of the whole clap tree.

use crate::support;
use clap::CommandFactory;
use shiwa::cli::Cli;
use std::path::Path;
use std::process::Command as Process;

/// Names of the visible top-level subcommands, from the clap tree the binary parses.
fn visible_subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set())
        .map(|sub| sub.get_name().to_string())
        .collect()
}

/// Every visible command path below the root: `["config"]`, `["config", "check"]`, ...
fn visible_paths(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for sub in cmd.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_string());
        out.push(path.clone());
        visible_paths(sub, &path, out);
    }
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn help_lists_every_visible_subcommand() {
    let run = support::shiwa().arg("--help").assert().success();
    let stdout = stdout_of(run.get_output());
    let subcommands = visible_subcommands();
    for required in ["config", "export", "import", "setup-pki", "systemd-install"] {
        assert!(
            subcommands.iter().any(|s| s == required),
            "{required} missing"
        );
    }
    for sub in &subcommands {
        let listed = stdout
            .lines()
            .any(|line| line.trim_start().starts_with(sub.as_str()));
        assert!(listed, "`shiwa --help` does not list {sub}:\n{stdout}");
    }
    assert!(
        stdout.contains("Exit status:"),
        "long help documents exit statuses"
    );
    support::shiwa().arg("-h").assert().success();
}

/// The commit `shiwa --version` must name: `git rev-parse --short=12 HEAD`, or `unknown`.
fn expected_commit() -> String {
    Process::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(support::repo_root())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| stdout_of(&out).trim().to_string())
        .filter(|hash| !hash.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

#[test]
fn version_names_the_package_version_and_commit() {
    let run = support::shiwa().arg("--version").assert().success();
    let line = stdout_of(run.get_output());
    let commit = expected_commit();
    let version = env!("CARGO_PKG_VERSION");
    let clean = format!("shiwa {version} (commit {commit})\n");
    let dirty = format!("shiwa {version} (commit {commit}-dirty)\n");
    assert!(
        line == clean || (commit != "unknown" && line == dirty),
        "`shiwa --version` printed {line:?}, expected {clean:?} (or with -dirty); \
         a stale commit means build.rs did not rerun after HEAD moved"
    );
    // `-V` is clap's short form: the version alone.
    let short = support::shiwa().arg("-V").assert().success();
    assert_eq!(stdout_of(short.get_output()), format!("shiwa {version}\n"));
}

#[test]
fn usage_errors_exit_2() {
    support::shiwa().assert().code(2);
    support::shiwa()
        .arg("no-such-subcommand")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no-such-subcommand"));
    support::shiwa()
        .arg("--no-such-flag")
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--no-such-flag"));
    for sub in visible_subcommands() {
        support::shiwa()
            .args([sub.as_str(), "--no-such-flag"])
            .assert()
            .code(2);
    }
}

#[test]
fn help_for_every_subcommand_exits_0() {
    let mut paths = Vec::new();
    visible_paths(&Cli::command(), &[], &mut paths);
    assert!(!paths.is_empty());
    for path in &paths {
        let via_help = support::shiwa().arg("help").args(path).assert().success();
        let stdout = stdout_of(via_help.get_output());
        assert!(stdout.contains("Usage:"), "`shiwa help {path:?}`: {stdout}");
        let via_flag = support::shiwa().args(path).arg("--help").assert().success();
        assert!(stdout_of(via_flag.get_output()).contains("Usage:"));
    }
}

/// Runs `program ARGS` and returns (exit code, stdout, stderr).
fn run(program: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Process::new(program)
        .args(args)
        .env_remove("SHIWA_CONFIG")
        .env_remove("SHIWA_LOG")
        .output()
        .expect("running shiwa through a link");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), stdout_of(&out), stderr)
}

type LinkFn = fn(&Path, &Path) -> std::io::Result<()>;

/// `shiwa-<sub> --help` prints exactly what `shiwa <sub> --help` prints, for every subcommand.
fn assert_links_behave_like_subcommands(dir: &Path, link: LinkFn) {
    let subcommands = visible_subcommands();
    assert!(!subcommands.is_empty());
    for sub in subcommands {
        let path = dir.join(format!("shiwa-{sub}"));
        link(&support::shiwa_path(), &path).expect("linking the binary");
        let (code, via_link, stderr) = run(&path, &["--help"]);
        let (_, direct, _) = run(&support::shiwa_path(), &[sub.as_str(), "--help"]);
        assert_eq!(code, Some(0), "{} --help: {stderr}", path.display());
        assert_eq!(via_link, direct, "{} --help differs", path.display());
    }
}

#[test]
fn multicall_symlinks_run_the_subcommand() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert_links_behave_like_subcommands(dir.path(), |target, link| {
        std::os::unix::fs::symlink(target, link)
    });
}

#[test]
fn multicall_hard_links_run_the_subcommand() {
    // In the target directory, so the links stay on the binary's filesystem.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
    let probe = dir.path().join("probe");
    let linkable = std::fs::hard_link(support::shiwa_path(), &probe).is_ok();
    if !support::require(linkable, "hard links next to the built binary") {
        return;
    }
    std::fs::remove_file(&probe).expect("removing the probe link");
    assert_links_behave_like_subcommands(dir.path(), |target, link| {
        std::fs::hard_link(target, link)
    });
}

#[test]
fn unknown_multicall_name_behaves_like_plain_shiwa() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("shiwa-nonsense");
    std::os::unix::fs::symlink(support::shiwa_path(), &path).expect("creating a symlink");
    let (code, _, stderr) = run(&path, &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("Usage:"), "{stderr}");
    let (code, _, _) = run(&path, &["no-such-subcommand"]);
    assert_eq!(code, Some(2));
    let (code, stdout, _) = run(&path, &["config", "--help"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("Usage:"));
}

fn is_kebab_case(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Every command in the tree has help text, kebab-case names, and documented arguments.
fn check_command(cmd: &clap::Command, path: &str, problems: &mut Vec<String>) {
    if cmd.get_about().is_none() && cmd.get_long_about().is_none() {
        problems.push(format!("`{path}` has no about text"));
    }
    if !is_kebab_case(cmd.get_name()) {
        problems.push(format!("`{path}` is not kebab-case"));
    }
    for arg in cmd.get_arguments() {
        let id = arg.get_id().as_str();
        if arg.is_hide_set() || id == "help" || id == "version" {
            continue;
        }
        if arg.get_help().is_none() && arg.get_long_help().is_none() {
            problems.push(format!("`{path}`: argument `{id}` has no help text"));
        }
        if let Some(long) = arg.get_long().filter(|long| !is_kebab_case(long)) {
            problems.push(format!("`{path}`: --{long} is not kebab-case"));
        }
    }
    for sub in cmd.get_subcommands() {
        check_command(sub, &format!("{path} {}", sub.get_name()), problems);
    }
}

#[test]
fn clap_tree_is_documented_and_consistent() {
    let mut cmd = Cli::command();
    cmd.build();
    Cli::command().debug_assert();
    let mut problems = Vec::new();
    check_command(&cmd, "shiwa", &mut problems);
    assert!(
        problems.is_empty(),
        "clap tree problems:\n  {}",
        problems.join("\n  ")
    );
    assert!(is_kebab_case("setup-pki") && !is_kebab_case("setup_pki") && !is_kebab_case("Pki"));
}
