//! placeholder
use crate::exit::ExitStatus;

/// placeholder
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {}

pub fn run(_args: GenerateArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("placeholder")
}
