//! placeholder
use crate::exit::ExitStatus;

/// placeholder
#[derive(Debug, clap::Args)]
pub struct SystemdInstallArgs {}

pub fn run(_args: SystemdInstallArgs, _global: &super::GlobalArgs) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("placeholder")
}
