//! Completion scripts (clap_complete) for bash, zsh, fish, elvish and PowerShell.

use super::GeneratedFile;
use clap::Command;
use clap_complete::{Generator, Shell};
use std::path::PathBuf;

/// The shells completions are generated for, in output order.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

/// Completion scripts for `cmd`, one per shell in [`SHELLS`], named by each shell's convention
/// (`tool.bash`, `_tool`, `tool.fish`, `tool.elv`, `_tool.ps1`). Hidden subcommands are left
/// out: clap_complete would offer them otherwise (clap-rs/clap#1335).
pub fn completions_for(cmd: &Command) -> Vec<GeneratedFile> {
    let name = cmd.get_name().to_string();
    let mut built = cmd.clone().bin_name(name.clone());
    built.build();
    let visible = without_hidden_subcommands(&built);
    SHELLS
        .iter()
        .map(|shell| {
            let mut cmd = visible.clone();
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut cmd, name.clone(), &mut buf);
            (PathBuf::from(shell.file_name(&name)), buf)
        })
        .collect()
}

/// A copy of the built command `cmd` without its hidden subcommands, at every level.
///
/// clap has no way to remove a subcommand, so the tree is re-assembled from what completion
/// generators read: names, descriptions, arguments, groups, aliases and the settings that shape
/// the grammar. The built tree already holds the automatic `--help`/`--version` flags and the
/// propagated global options, so those are copied rather than generated again; the automatic
/// `help` subcommand is generated again so that it only lists the visible subcommands.
/// `tests::reassembly_is_lossless` proves the copy renders identically when nothing is hidden.
fn without_hidden_subcommands(cmd: &Command) -> Command {
    let visible_aliases: Vec<String> = cmd.get_visible_aliases().map(str::to_string).collect();
    let hidden_aliases: Vec<String> = cmd
        .get_all_aliases()
        .filter(|alias| !visible_aliases.iter().any(|visible| visible == alias))
        .map(str::to_string)
        .collect();
    let mut out = Command::new(cmd.get_name().to_string())
        .disable_help_flag(true)
        .disable_version_flag(true)
        .disable_help_subcommand(cmd.is_disable_help_subcommand_set())
        .args(cmd.get_arguments().cloned())
        .groups(cmd.get_groups().cloned())
        .visible_aliases(visible_aliases)
        .aliases(hidden_aliases)
        .subcommand_required(cmd.is_subcommand_required_set())
        .arg_required_else_help(cmd.is_arg_required_else_help_set())
        .allow_external_subcommands(cmd.is_allow_external_subcommands_set())
        .args_conflicts_with_subcommands(cmd.is_args_conflicts_with_subcommands_set())
        .subcommand_precedence_over_arg(cmd.is_subcommand_precedence_over_arg_set())
        .subcommand_negates_reqs(cmd.is_subcommand_negates_reqs_set())
        .hide(cmd.is_hide_set())
        .subcommands(
            cmd.get_subcommands()
                .filter(|sub| !sub.is_hide_set() && !is_generated_help(cmd, sub))
                .map(without_hidden_subcommands),
        );
    if let Some(bin_name) = cmd.get_bin_name() {
        out = out.bin_name(bin_name.to_string());
    }
    if let Some(display_name) = cmd.get_display_name() {
        out = out.display_name(display_name.to_string());
    }
    if let Some(about) = cmd.get_about() {
        out = out.about(about.clone());
    }
    if let Some(long_about) = cmd.get_long_about() {
        out = out.long_about(long_about.clone());
    }
    if let Some(version) = cmd.get_version() {
        out = out.version(version.to_string());
    }
    if let Some(long_version) = cmd.get_long_version() {
        out = out.long_version(long_version.to_string());
    }
    if let Some(value_name) = cmd.get_subcommand_value_name() {
        out = out.subcommand_value_name(value_name.to_string());
    }
    out
}

/// True for the `help` subcommand clap adds while building `parent`; the re-assembled parent
/// gets a fresh one (listing only the visible subcommands) when it is built again.
fn is_generated_help(parent: &Command, sub: &Command) -> bool {
    !parent.is_disable_help_subcommand_set() && sub.get_name() == "help"
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, ArgAction, ArgGroup};

    /// A command using the features the re-assembly must carry over.
    fn rich() -> Command {
        Command::new("tool")
            .version("1.2.3")
            .about("A tool")
            .arg(Arg::new("config").long("config").short('c').global(true))
            .subcommand(
                Command::new("fetch")
                    .about("Fetch things")
                    .visible_alias("get")
                    .alias("grab")
                    .arg(Arg::new("url").required(true))
                    .arg(Arg::new("json").long("json").action(ArgAction::SetTrue))
                    .arg(Arg::new("yaml").long("yaml").action(ArgAction::SetTrue))
                    .group(ArgGroup::new("format").args(["json", "yaml"]))
                    .arg(
                        Arg::new("kind")
                            .long("kind")
                            .value_parser(["ed25519", "rsa"])
                            .help("Key type"),
                    ),
            )
            .subcommand(
                Command::new("group")
                    .about("A group")
                    .subcommand_required(true)
                    .subcommand(Command::new("leaf").about("A leaf")),
            )
    }

    fn by_name(files: &[GeneratedFile]) -> Vec<(String, String)> {
        files
            .iter()
            .map(|(path, bytes)| {
                (
                    path.display().to_string(),
                    String::from_utf8_lossy(bytes).into_owned(),
                )
            })
            .collect()
    }

    fn plain(cmd: &Command) -> Vec<GeneratedFile> {
        let name = cmd.get_name().to_string();
        SHELLS
            .iter()
            .map(|shell| {
                let mut cmd = cmd.clone();
                let mut buf = Vec::new();
                clap_complete::generate(*shell, &mut cmd, name.clone(), &mut buf);
                (PathBuf::from(shell.file_name(&name)), buf)
            })
            .collect()
    }

    /// Panics naming the file and the first differing line, instead of dumping whole scripts.
    fn assert_same(actual: &[GeneratedFile], expected: &[GeneratedFile]) {
        let (actual, expected) = (by_name(actual), by_name(expected));
        assert_eq!(actual.len(), expected.len());
        for ((name, got), (_, want)) in actual.iter().zip(&expected) {
            let first = got.lines().zip(want.lines()).position(|(g, w)| g != w);
            if let Some(line) = first {
                panic!(
                    "{name} line {}: got {:?}, want {:?}",
                    line + 1,
                    got.lines().nth(line),
                    want.lines().nth(line)
                );
            }
            assert_eq!(got.len(), want.len(), "{name}: lengths differ");
        }
    }

    #[test]
    fn reassembly_is_lossless() {
        assert_same(&completions_for(&rich()), &plain(&rich()));
        let shiwa = super::super::shiwa_command().mut_subcommands(|sub| sub.hide(false));
        assert_same(&completions_for(&shiwa), &plain(&shiwa));
    }

    #[test]
    fn hidden_subcommands_are_not_offered() {
        let cmd = rich().subcommand(Command::new("internal-helper").hide(true));
        let files = completions_for(&cmd);
        assert_eq!(files.len(), SHELLS.len());
        for (name, text) in by_name(&files) {
            assert!(
                !text.contains("internal-helper"),
                "{name} offers a hidden subcommand"
            );
            assert!(text.contains("fetch"), "{name} lost a visible subcommand");
        }
    }

    #[test]
    fn files_follow_each_shells_naming_convention() {
        let names: Vec<String> = completions_for(&rich())
            .iter()
            .map(|(path, _)| path.display().to_string())
            .collect();
        assert_eq!(
            names,
            ["tool.bash", "_tool", "tool.fish", "tool.elv", "_tool.ps1"]
        );
    }
}
