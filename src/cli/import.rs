//! placeholder
use crate::exit::ExitStatus;

/// placeholder
#[derive(Debug, clap::Args)]
pub struct ImportArgs {}

pub fn run(_args: ImportArgs, _global: &super::GlobalArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("placeholder")
}
