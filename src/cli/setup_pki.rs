//! placeholder
use crate::exit::ExitStatus;

/// placeholder
#[derive(Debug, clap::Args)]
pub struct SetupPkiArgs {}

pub fn run(_args: SetupPkiArgs, _global: &super::GlobalArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("placeholder")
}
