//! The shell's commands: one line in, text and an exit status out. The same code answers an
//! interactive line and an exec request (`ssh admin@host status`).
//!
//! Data commands take `--json` and print what the observation socket returns; text output is
//! `crate::render`'s, the same as `shiwa status` prints.
//!
//! Exit statuses (passed back to `ssh` in exec mode): [`EXIT_OK`] 0, [`EXIT_FAILURE`] 1 (shiwa
//! sync unreachable, or it refused a control command), [`EXIT_USAGE`] 2 (bad arguments),
//! [`EXIT_NOT_SYNCHRONISED`] 3 (`status` of a clock that is not synchronised), and
//! [`EXIT_UNKNOWN_COMMAND`] 127.

use crate::observe::{ControlCommand, SnapshotSource, SourceSelector, SurfaceError};
use serde::Serialize;

/// Success.
pub const EXIT_OK: u32 = 0;
/// shiwa sync is unreachable, or refused a control command.
pub const EXIT_FAILURE: u32 = 1;
/// Bad arguments.
pub const EXIT_USAGE: u32 = 2;
/// `status`: the clock is not synchronised (as `shiwa status`).
pub const EXIT_NOT_SYNCHRONISED: u32 = 3;
/// No such command (as a POSIX shell).
pub const EXIT_UNKNOWN_COMMAND: u32 = 127;

/// How many log records `logs` shows without a count.
pub const DEFAULT_LOG_LINES: usize = 20;

/// Most log records one `logs` command shows.
pub const MAX_LOG_LINES: usize = 1000;

/// The shell's help text.
pub const HELP: &str = "\
Commands (data commands take --json):
  status            the clock and its sources (exit 3 when not synchronised)
  sources           the sources (alias: protocols)
  clock             the clock
  logs [N]          the newest N log records (default 20)
  config            the running configuration, secrets redacted
  enable <source>   use a source again (name, address or id)
  disable <source>  stop using a source
  reload            re-read the configuration file
  version           shiwa's version
  help              this text
  exit, quit        leave (Ctrl-D too)
";

/// What a command printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// The text, lines ending in `\n` (the shell turns them into `\r\n` on a terminal).
    pub text: String,
    /// The exit status.
    pub status: u32,
    /// `exit`/`quit`: the session should end.
    pub end_session: bool,
}

impl CommandOutput {
    fn ok(text: impl Into<String>) -> Self {
        Self::with_status(text, EXIT_OK)
    }

    fn with_status(text: impl Into<String>, status: u32) -> Self {
        CommandOutput {
            text: text.into(),
            status,
            end_session: false,
        }
    }

    fn usage(text: impl Into<String>) -> Self {
        Self::with_status(format!("{}\n", text.into()), EXIT_USAGE)
    }
}

/// A command line after parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Command {
    Empty,
    Help,
    Status,
    Sources,
    Clock,
    Logs(usize),
    Config,
    Control(ControlCommand),
    Version,
    Exit,
}

/// Runs one command line against the daemon.
pub async fn run(line: &str, source: &SnapshotSource) -> CommandOutput {
    let (command, json) = match parse(line) {
        Ok(parsed) => parsed,
        Err(output) => return output,
    };
    let result = match command {
        Command::Empty => Ok(CommandOutput::ok("")),
        Command::Help => Ok(CommandOutput::ok(HELP)),
        Command::Version => Ok(CommandOutput::ok(version(source))),
        Command::Exit => Ok(CommandOutput {
            end_session: true,
            ..CommandOutput::ok("")
        }),
        Command::Status => status(source, json),
        Command::Sources => source.snapshot().and_then(|snapshot| {
            let now = snapshot.generated_at;
            render_or_json(json, &snapshot.sources, || {
                format!("{}\n", crate::render::sources_table(&snapshot.sources, now))
            })
        }),
        Command::Clock => source.snapshot().and_then(|snapshot| {
            render_or_json(json, &snapshot.clock, || {
                format!("{}\n", crate::render::clock_table(&snapshot))
            })
        }),
        Command::Logs(n) => source
            .logs(n)
            .await
            .and_then(|records| render_or_json(json, &records, || crate::render::logs(&records))),
        Command::Config => source.config().await.and_then(|document| {
            render_or_json(json, &document, || crate::render::config(&document))
        }),
        Command::Control(command) => source
            .control(command)
            .await
            .map(|answer| CommandOutput::ok(format!("{answer}\n"))),
    };
    result.unwrap_or_else(|err| failure(&err))
}

/// Splits a line into the command and its `--json` flag; a bad line becomes its output.
fn parse(line: &str) -> Result<(Command, bool), CommandOutput> {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    let json = words.contains(&"--json");
    words.retain(|w| *w != "--json");
    let Some((&name, args)) = words.split_first() else {
        return Ok((Command::Empty, json));
    };
    let no_args = |command: Command| {
        if args.is_empty() {
            Ok(command)
        } else {
            Err(CommandOutput::usage(format!(
                "{name} takes no arguments (got {:?}); see help",
                args.join(" ")
            )))
        }
    };
    let command = match name {
        "help" | "?" => no_args(Command::Help),
        "status" => no_args(Command::Status),
        "sources" | "protocols" => no_args(Command::Sources),
        "clock" => no_args(Command::Clock),
        "config" => no_args(Command::Config),
        "reload" => no_args(Command::Control(ControlCommand::Reload)),
        "version" => no_args(Command::Version),
        "exit" | "quit" | "logout" => no_args(Command::Exit),
        "logs" => parse_logs(args),
        "enable" | "disable" => match args {
            [] => Err(CommandOutput::usage(format!(
                "usage: {name} <source> (a name, address or id from `sources`)"
            ))),
            words => {
                let selector = SourceSelector::parse(&words.join(" "));
                Ok(Command::Control(if name == "enable" {
                    ControlCommand::Enable(selector)
                } else {
                    ControlCommand::Disable(selector)
                }))
            }
        },
        unknown => Err(CommandOutput::with_status(
            format!("unknown command: {}; try help\n", printable(unknown)),
            EXIT_UNKNOWN_COMMAND,
        )),
    }?;
    Ok((command, json))
}

fn parse_logs(args: &[&str]) -> Result<Command, CommandOutput> {
    match args {
        [] => Ok(Command::Logs(DEFAULT_LOG_LINES)),
        [count] => match count.parse::<usize>() {
            Ok(n) if (1..=MAX_LOG_LINES).contains(&n) => Ok(Command::Logs(n)),
            _ => Err(CommandOutput::usage(format!(
                "logs takes a count from 1 to {MAX_LOG_LINES} (got {})",
                printable(count)
            ))),
        },
        _ => Err(CommandOutput::usage("usage: logs [N]")),
    }
}

/// A word as it is safe to echo to a terminal (control characters escaped, length capped).
fn printable(word: &str) -> String {
    let escaped: String = word.chars().flat_map(char::escape_default).collect();
    match escaped.char_indices().nth(64) {
        Some((cut, _)) => format!("{}...", &escaped[..cut]),
        None => escaped,
    }
}

fn status(source: &SnapshotSource, json: bool) -> Result<CommandOutput, SurfaceError> {
    let snapshot = source.snapshot()?;
    let mut output = render_or_json(json, &*snapshot, || crate::render::status(&snapshot))?;
    if !snapshot.clock.synchronized {
        output.status = EXIT_NOT_SYNCHRONISED;
    }
    Ok(output)
}

fn version(source: &SnapshotSource) -> String {
    let mut text = format!("shiwa {}\n", crate::version::LONG_VERSION);
    if let Ok(snapshot) = source.snapshot() {
        text.push_str(&format!(
            "shiwa sync {} on {}\n",
            snapshot.shiwa_version, snapshot.host
        ));
    }
    text
}

fn render_or_json<T: Serialize + ?Sized>(
    json: bool,
    value: &T,
    text: impl FnOnce() -> String,
) -> Result<CommandOutput, SurfaceError> {
    if !json {
        return Ok(CommandOutput::ok(text()));
    }
    serde_json::to_string_pretty(value)
        .map(|json| CommandOutput::ok(format!("{json}\n")))
        .map_err(|err| SurfaceError::Refused(format!("cannot encode the answer as JSON: {err}")))
}

fn failure(err: &SurfaceError) -> CommandOutput {
    let text = match err {
        SurfaceError::Unavailable { reason } => {
            format!("shiwa sync is not reachable: {reason}\n")
        }
        SurfaceError::Refused(reason) => format!("refused: {reason}\n"),
    };
    CommandOutput::with_status(text, EXIT_FAILURE)
}

#[cfg(test)]
#[path = "commands_tests.rs"]
mod tests;
