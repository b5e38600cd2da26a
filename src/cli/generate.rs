//! `shiwa generate completions|man --out DIR`: writes shell completions or man pages.
//!
//! Hidden from `--help`: it is for packagers and for refreshing the committed `completions/`
//! and `man/` directories (`SHIWA_BLESS=1 cargo test generated` does the latter).

use crate::exit::ExitStatus;
use crate::fsutil;
use anyhow::Context;
use std::path::PathBuf;

/// Arguments of `shiwa generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    what: GenerateCommand,
}

#[derive(Debug, clap::Subcommand)]
enum GenerateCommand {
    /// Write completion scripts for bash, zsh, fish, elvish and PowerShell
    Completions(OutArgs),
    /// Write man pages: shiwa.1 and one page per subcommand
    Man(OutArgs),
}

#[derive(Debug, clap::Args)]
struct OutArgs {
    /// Directory to write into (created when missing); existing files of the same name are replaced
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// Renders the requested files and writes each one atomically (mode 0644) into `--out`.
pub fn run(args: GenerateArgs) -> anyhow::Result<ExitStatus> {
    let (files, out) = match args.what {
        GenerateCommand::Completions(OutArgs { out }) => (crate::generate::completions(), out),
        GenerateCommand::Man(OutArgs { out }) => (crate::generate::man_pages()?, out),
    };
    fsutil::create_dir_all(&out, 0o755)
        .with_context(|| format!("creating output directory {}", out.display()))?;
    for (name, contents) in &files {
        let path = out.join(name);
        fsutil::write_atomic(&path, contents, 0o644)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitStatus::Success)
}
