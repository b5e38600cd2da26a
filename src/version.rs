//! Version strings shown by `shiwa --version` and embedded in exports and reports.

/// The package version, e.g. `0.1.0`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit the binary was built from (`unknown` outside a git checkout).
pub const GIT_COMMIT: &str = env!("SHIWA_GIT_COMMIT");

/// `0.1.0 (commit 1a2b3c4d5e6f)`: what `shiwa --version` prints after the program name.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SHIWA_GIT_COMMIT"),
    ")"
);
