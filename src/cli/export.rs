//! placeholder
use crate::exit::ExitStatus;

/// placeholder
#[derive(Debug, clap::Args)]
pub struct ExportArgs {}

pub fn run(_args: ExportArgs, _global: &super::GlobalArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("placeholder")
}
