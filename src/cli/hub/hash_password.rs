//! `shiwa hub hash-password`: the argon2 PHC string of a password, for `dashboard.password_hash`
//! in hub.yaml.

use crate::exit::ExitStatus;
use crate::hub::dashboard;
use crate::secret::Secret;
use anyhow::{Context, bail};
use clap::Args;
use std::io::{BufRead, IsTerminal};

/// Hash a dashboard password.
#[derive(Debug, Args)]
#[command(
    long_about = "Read a password and print its argon2id PHC string ($argon2id$v=19$...) for \
        dashboard.password_hash in hub.yaml. On a terminal the password is asked twice without \
        echo; otherwise the first line of standard input is used (`printf '%s\\n' \"$PW\" | \
        shiwa hub hash-password`). Exit status: 0, 1 when the two entries differ, 2 for an \
        empty password."
)]
pub struct HashPasswordArgs {}

/// Reads, hashes, prints.
pub fn run(_args: HashPasswordArgs) -> anyhow::Result<ExitStatus> {
    let password = if std::io::stdin().is_terminal() {
        let first =
            rpassword::prompt_password("dashboard password: ").context("reading the password")?;
        let again = rpassword::prompt_password("again: ").context("reading the password again")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from stdin")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    };
    let hash = dashboard::hash_password(&Secret::new(password))?;
    super::super::output::print_stdout(&format!("{hash}\n"))?;
    Ok(ExitStatus::Success)
}
