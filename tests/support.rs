//! Shared helpers for the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The `shiwa` binary under test.
pub fn shiwa() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_shiwa"));
    cmd.env_remove("SHIWA_CONFIG").env_remove("SHIWA_LOG");
    cmd
}

/// Path of the built binary.
pub fn shiwa_path() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_shiwa"))
}

/// The repository root.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// True when running under CI (`CI=true`), where a missing prerequisite is a failure.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Checks a prerequisite (a tool on PATH, root, ...). When it is missing: under `CI=true` the
/// test panics (it must not pass silently); otherwise it prints a loud notice and returns
/// false so the caller returns early.
#[must_use]
pub fn require(available: bool, what: &str) -> bool {
    if available {
        return true;
    }
    if in_ci() {
        panic!("prerequisite missing under CI=true: {what}");
    }
    eprintln!("\n*** SKIPPED (not under CI): prerequisite missing: {what} ***\n");
    false
}

/// True when `tool` is found on PATH.
pub fn have_tool(tool: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(tool).is_file()))
        .unwrap_or(false)
}

/// True when running as root.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// `shiwa export config [FLAGS] --config CONFIG`, asserted to succeed; returns its stdout.
pub fn export_config(config: &Path, flags: &[&str]) -> Vec<u8> {
    shiwa()
        .args(["export", "config"])
        .args(flags)
        .arg("--config")
        .arg(config)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone()
}

/// `shiwa import config [FLAGS] --config TARGET` with `input` on stdin; the caller asserts.
pub fn import_config(
    target: &Path,
    flags: &[&str],
    input: impl Into<Vec<u8>>,
) -> assert_cmd::assert::Assert {
    shiwa()
        .args(["import", "config"])
        .args(flags)
        .arg("--config")
        .arg(target)
        .write_stdin(input.into())
        .assert()
}
