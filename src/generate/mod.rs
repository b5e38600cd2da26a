//! Shell completions and man pages, generated from the clap tree (`shiwa generate`).
//!
//! Everything is rendered in memory as `(relative file name, bytes)` pairs so the integration
//! test can compare the result with the committed `completions/` and `man/` directories without
//! writing anything; the CLI writes the same bytes with `fsutil::write_atomic`.
//!
//! The output is deterministic: no dates, and the plain package version (never the git commit),
//! so the committed files only change when the command tree does. Hidden subcommands (such as
//! `generate` itself) get no man page and are not offered by the completions.

mod completions;
mod man;

use std::path::PathBuf;

pub use completions::{SHELLS, completions_for};
pub use man::{ENVIRONMENT, FILES, GenerateError, exit_statuses, man_pages_for};

/// One generated file: its name relative to the output directory, and its contents.
pub type GeneratedFile = (PathBuf, Vec<u8>);

/// shiwa's own command tree, exactly as the binary parses it.
pub fn shiwa_command() -> clap::Command {
    <crate::cli::Cli as clap::CommandFactory>::command()
}

/// Completion scripts for shiwa: `shiwa.bash`, `_shiwa` (zsh), `shiwa.fish`, `shiwa.elv`,
/// `_shiwa.ps1`.
pub fn completions() -> Vec<GeneratedFile> {
    completions_for(&shiwa_command())
}

/// Man pages for shiwa: `shiwa.1` and one page per visible (nested) subcommand, such as
/// `shiwa-setup-pki.1` and `shiwa-config-check.1`.
pub fn man_pages() -> Result<Vec<GeneratedFile>, GenerateError> {
    man_pages_for(&shiwa_command(), crate::version::VERSION)
}
