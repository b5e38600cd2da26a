//! Man pages (clap_mangen) with shiwa's EXIT STATUS, ENVIRONMENT, FILES and SEE ALSO sections.

use super::GeneratedFile;
use clap::Command;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};
use std::path::PathBuf;

/// The files every man page lists in its FILES section: (path, what it is).
pub const FILES: [(&str, &str); 5] = [
    (
        "/etc/shiwa/shiwa.yml",
        "The configuration file (Timebeat-compatible YAML). --config and SHIWA_CONFIG override it.",
    ),
    (
        "/etc/timebeat/timebeat.yml",
        "Read when /etc/shiwa/shiwa.yml does not exist, so an existing Timebeat installation works as is.",
    ),
    (
        "/etc/shiwa/pki/",
        "CA, certificates and private keys written by shiwa setup-pki (keys mode 0600).",
    ),
    ("/var/lib/shiwa", "Persistent state."),
    (
        "/run/shiwa/shiwa.sock",
        "Observation and control socket of the running daemon (mode 0660, group shiwa).",
    ),
];

/// The environment variables every man page lists in its ENVIRONMENT section.
pub const ENVIRONMENT: [(&str, &str); 2] = [
    (
        "SHIWA_CONFIG",
        "Configuration file to use, as --config (the option wins when both are given).",
    ),
    (
        "SHIWA_LOG",
        "Log level (error, warn, info, debug, trace) or a tracing filter directive, as --log-level.",
    ),
];

/// A page that could not be rendered.
#[derive(Debug, thiserror::Error)]
#[error("rendering man page {page}: {source}")]
pub struct GenerateError {
    /// The page being rendered, e.g. `shiwa-setup-pki.1`.
    pub page: String,
    /// What went wrong.
    #[source]
    pub source: std::io::Error,
}

impl crate::exit::HasExitStatus for GenerateError {
    fn exit_status(&self) -> crate::exit::ExitStatus {
        crate::exit::ExitStatus::Failure
    }
}

/// Man pages for `cmd` and each of its visible subcommands, recursively, named like
/// `shiwa-config-check.1`. Hidden subcommands get no page. `version` goes in the page header.
pub fn man_pages_for(cmd: &Command, version: &str) -> Result<Vec<GeneratedFile>, GenerateError> {
    let mut root = cmd.clone().disable_help_subcommand(true);
    root.build();
    let header_source = format!("{} {version}", root.get_name());
    let page = PageContext {
        header_source: &header_source,
        version,
        preamble: Roff::new().render(),
    };
    let mut pages = Vec::new();
    page.collect(&root, None, &mut pages)?;
    Ok(pages)
}

/// What every page shares.
struct PageContext<'a> {
    /// The `.TH` source field, e.g. `shiwa 0.1.0`.
    header_source: &'a str,
    version: &'a str,
    /// The apostrophe-handling preamble roff puts at the top of every rendered fragment.
    preamble: String,
}

impl PageContext<'_> {
    fn collect(
        &self,
        cmd: &Command,
        parent: Option<&str>,
        pages: &mut Vec<GeneratedFile>,
    ) -> Result<(), GenerateError> {
        pages.push(self.render(cmd, parent)?);
        let name = page_name(cmd);
        for sub in visible_subcommands(cmd) {
            self.collect(sub, Some(&name), pages)?;
        }
        Ok(())
    }

    fn render(&self, cmd: &Command, parent: Option<&str>) -> Result<GeneratedFile, GenerateError> {
        let name = page_name(cmd);
        let file_name = format!("{name}.1");
        let wrap = |source| GenerateError {
            page: file_name.clone(),
            source,
        };
        let man = Man::new(cmd.clone())
            .title(name.to_uppercase())
            .section("1")
            // No date, so the pages only change with the command tree. roff drops an empty
            // argument, which would shift the source and manual into the date's slot.
            .date("\"\"")
            .source(self.header_source)
            .manual("shiwa manual");
        // The title fragment keeps roff's preamble; the later fragments each repeat it.
        let mut page = Vec::new();
        man.render_title(&mut page).map_err(wrap)?;
        let mut body = Vec::new();
        man.render_name_section(&mut body).map_err(wrap)?;
        man.render_synopsis_section(&mut body).map_err(wrap)?;
        man.render_description_section(&mut body).map_err(wrap)?;
        if cmd.get_arguments().any(|arg| !arg.is_hide_set()) {
            man.render_options_section(&mut body).map_err(wrap)?;
        }
        if visible_subcommands(cmd).next().is_some() {
            man.render_subcommands_section(&mut body).map_err(wrap)?;
        }
        body.extend_from_slice(
            extra_sections(cmd, parent, self.version)
                .render()
                .as_bytes(),
        );
        let body = String::from_utf8_lossy(&body).replace(&self.preamble, "");
        page.extend_from_slice(body.as_bytes());
        Ok((PathBuf::from(file_name), page))
    }
}

/// The page's name without section: `shiwa`, `shiwa-setup-pki`, `shiwa-config-check`.
fn page_name(cmd: &Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string()
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands().filter(|sub| !sub.is_hide_set())
}

/// NOTES (a subcommand's own after-help), EXIT STATUS, ENVIRONMENT, FILES, SEE ALSO, VERSION.
fn extra_sections(cmd: &Command, parent: Option<&str>, version: &str) -> Roff {
    let mut roff = Roff::new();
    if let Some(after) = cmd.get_after_long_help().or_else(|| cmd.get_after_help()) {
        let after = after.to_string();
        if after != crate::cli::EXIT_CODES_HELP {
            roff.control("SH", ["NOTES"]);
            for line in after.lines() {
                roff.text([roman(line)]);
            }
        }
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in exit_statuses(crate::cli::EXIT_CODES_HELP) {
        definition(&mut roff, &code, &meaning);
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (var, meaning) in ENVIRONMENT {
        definition(&mut roff, var, meaning);
    }
    roff.control("SH", ["FILES"]);
    for (path, meaning) in FILES {
        roff.control("TP", []);
        roff.text([italic(path)]);
        roff.text([roman(meaning)]);
    }
    see_also(&mut roff, cmd, parent);
    roff.control("SH", ["VERSION"]);
    roff.text([roman(format!("v{version}"))]);
    roff
}

fn definition(roff: &mut Roff, term: &str, meaning: &str) {
    roff.control("TP", []);
    roff.text([bold(term)]);
    roff.text([roman(meaning)]);
}

fn see_also(roff: &mut Roff, cmd: &Command, parent: Option<&str>) {
    let name = page_name(cmd);
    let related: Vec<String> = parent
        .map(str::to_string)
        .into_iter()
        .chain(visible_subcommands(cmd).map(|sub| format!("{name}-{}", sub.get_name())))
        .collect();
    if related.is_empty() {
        return;
    }
    roff.control("SH", ["SEE ALSO"]);
    let mut line = Vec::new();
    for (i, page) in related.iter().enumerate() {
        if i > 0 {
            line.push(roman(", "));
        }
        line.push(bold(page.as_str()));
        line.push(roman("(1)"));
    }
    roff.text(line);
}

/// Parses the `--help` exit status table (`  0   success` lines after a heading) into
/// `(code, meaning)` pairs, so the man pages and `--help` share one source.
pub fn exit_statuses(help: &str) -> Vec<(String, String)> {
    help.lines()
        .filter_map(|line| {
            let line = line.trim();
            let (code, meaning) = line.split_once(char::is_whitespace)?;
            code.parse::<u8>()
                .ok()
                .map(|_| (code.to_string(), meaning.trim().to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Command {
        Command::new("tool")
            .version("9.9.9")
            .about("A tool")
            .after_long_help(crate::cli::EXIT_CODES_HELP)
            .subcommand(
                Command::new("group")
                    .about("A group")
                    .after_help("Example: tool group leaf")
                    .subcommand(Command::new("leaf").about("A leaf")),
            )
            .subcommand(Command::new("secret").about("Hidden").hide(true))
    }

    fn text_of(pages: &[GeneratedFile], name: &str) -> String {
        let (_, bytes) = pages
            .iter()
            .find(|(path, _)| path.as_os_str() == name)
            .unwrap_or_else(|| panic!("no page {name}"));
        String::from_utf8(bytes.clone()).expect("pages are UTF-8")
    }

    fn headings(text: &str) -> Vec<String> {
        text.lines()
            .filter_map(|line| line.strip_prefix(".SH "))
            .map(|heading| heading.trim_matches('"').to_string())
            .collect()
    }

    fn names(files: &[GeneratedFile]) -> Vec<String> {
        files
            .iter()
            .map(|(path, _)| path.display().to_string())
            .collect()
    }

    #[test]
    fn one_page_per_visible_command_nested_named_by_path() {
        let pages = man_pages_for(&tiny(), "9.9.9").expect("render");
        assert_eq!(
            names(&pages),
            ["tool.1", "tool-group.1", "tool-group-leaf.1"]
        );
    }

    #[test]
    fn pages_carry_plain_version_and_standard_sections() {
        let pages = man_pages_for(&tiny(), "9.9.9").expect("render");
        for (name, _) in &pages {
            let name = name.display().to_string();
            let text = text_of(&pages, &name);
            let header = text
                .lines()
                .find(|l| l.starts_with(".TH "))
                .expect("a .TH line");
            assert!(
                header.ends_with(" 1 \"\" \"tool 9.9.9\" \"shiwa manual\""),
                "{name}: {header}"
            );
            let headings = headings(&text);
            for section in [
                "NAME",
                "SYNOPSIS",
                "EXIT STATUS",
                "ENVIRONMENT",
                "FILES",
                "VERSION",
            ] {
                assert!(
                    headings.iter().any(|h| h == section),
                    "{name}: no {section}"
                );
            }
            assert_eq!(
                text.matches(".ie \\n(.g").count(),
                1,
                "{name}: preamble repeated"
            );
        }
    }

    #[test]
    fn after_help_becomes_notes_unless_it_is_the_exit_table() {
        let pages = man_pages_for(&tiny(), "9.9.9").expect("render");
        let root = headings(&text_of(&pages, "tool.1"));
        assert!(
            !root.iter().any(|h| h == "NOTES" || h == "EXTRA"),
            "{root:?}"
        );
        let group = text_of(&pages, "tool-group.1");
        assert!(headings(&group).iter().any(|h| h == "NOTES"));
        assert!(group.contains("Example: tool group leaf"));
        assert!(
            group.contains("\\fBtool\\fR(1), \\fBtool\\-group\\-leaf\\fR(1)"),
            "SEE ALSO"
        );
    }

    #[test]
    fn exit_status_table_parses_every_code() {
        let parsed = exit_statuses(crate::cli::EXIT_CODES_HELP);
        let codes: Vec<&str> = parsed.iter().map(|(code, _)| code.as_str()).collect();
        assert_eq!(codes, ["0", "1", "2", "3", "77", "78"]);
        assert!(parsed.iter().all(|(_, meaning)| !meaning.is_empty()));
    }
}
