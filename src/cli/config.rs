//! placeholder
use crate::exit::ExitStatus;

/// placeholder
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {}

pub fn run(_args: ConfigArgs, _global: &super::GlobalArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("placeholder")
}
