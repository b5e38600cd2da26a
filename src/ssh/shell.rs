//! One session channel: an exec command (run, print, pass the exit status back) or the
//! interactive shell (banner, prompt, [`LineEditor`], commands, and a line of its own when the
//! daemon goes away or comes back).
//!
//! On a terminal (the client asked for a pty) input is echoed and output lines end in `\r\n`.
//! Without one (`echo status | ssh host`) nothing is echoed, there is no prompt, each input line
//! runs as a command, and the session's exit status is the last command's.

use super::commands::{self, EXIT_OK};
use super::editor::{EditorEvent, LineEditor};
use super::server::Shared;
use crate::observe::LinkState;
use russh::server::Msg;
use russh::{Channel, ChannelMsg, ChannelReadHalf, ChannelWriteHalf};
use std::sync::Arc;

/// The interactive prompt.
pub const PROMPT: &str = "shiwa> ";

/// Serves one session channel until its command ends or the client leaves.
pub(super) async fn run_channel(mut channel: Channel<Msg>, shared: Arc<Shared>) {
    let mut pty = false;
    loop {
        match channel.wait().await {
            Some(ChannelMsg::RequestPty { .. }) => pty = true,
            Some(ChannelMsg::Exec { command, .. }) => {
                let line = String::from_utf8_lossy(&command).into_owned();
                let output = commands::run(&line, &shared.source).await;
                let (_, channel) = channel.split();
                let terminal = Terminal { channel, pty };
                terminal.write(&output.text).await;
                terminal.finish(output.status).await;
                return;
            }
            Some(ChannelMsg::RequestShell { .. }) => {
                let (input, channel) = channel.split();
                let terminal = Terminal { channel, pty };
                interactive(input, terminal, &shared).await;
                return;
            }
            Some(ChannelMsg::Eof | ChannelMsg::Close) | None => return,
            Some(_) => {}
        }
    }
}

struct Terminal {
    channel: ChannelWriteHalf<Msg>,
    pty: bool,
}

impl Terminal {
    /// Sends text, turning `\n` into `\r\n` on a terminal. False when the client is gone.
    async fn write(&self, text: &str) -> bool {
        if text.is_empty() {
            return true;
        }
        let bytes = if self.pty {
            text.replace("\r\n", "\n")
                .replace('\n', "\r\n")
                .into_bytes()
        } else {
            text.as_bytes().to_vec()
        };
        self.write_raw(bytes).await
    }

    async fn write_raw(&self, bytes: Vec<u8>) -> bool {
        bytes.is_empty() || self.channel.data_bytes(bytes).await.is_ok()
    }

    async fn prompt(&self, line: &str) -> bool {
        if !self.pty {
            return true;
        }
        self.write_raw(format!("{PROMPT}{line}").into_bytes()).await
    }

    /// A notice on a line of its own, then the prompt and what was typed, redrawn.
    async fn notice(&self, text: &str, typed: &str) -> bool {
        if self.pty {
            self.write_raw(format!("\r\x1b[K*** {text}\r\n").into_bytes())
                .await
                && self.prompt(typed).await
        } else {
            self.write(&format!("*** {text}\n")).await
        }
    }

    async fn finish(&self, status: u32) {
        let _ = self.channel.exit_status(status).await;
        let _ = self.channel.eof().await;
        let _ = self.channel.close().await;
    }
}

/// The daemon as the shell last reported it: `Some(true)` up, `Some(false)` down.
fn reachable(link: &LinkState) -> Option<bool> {
    match link {
        LinkState::Up(_) => Some(true),
        LinkState::Down { .. } => Some(false),
        LinkState::Connecting => None,
    }
}

fn down_notice(link: &LinkState) -> Option<String> {
    match link {
        LinkState::Down { reason, since } => Some(format!(
            "shiwa sync is not reachable since {since}: {reason}; the shell keeps trying"
        )),
        _ => None,
    }
}

async fn banner(terminal: &Terminal, shared: &Shared) -> Option<bool> {
    let link = shared.source.link();
    let host = match &link {
        LinkState::Up(snapshot) => snapshot.host.clone(),
        _ => nix::unistd::gethostname()
            .map(|h| h.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "localhost".into()),
    };
    if terminal.pty {
        let text = format!(
            "shiwa {} management shell on {host}; type help for the commands\n",
            crate::version::VERSION
        );
        terminal.write(&text).await;
    }
    if let Some(text) = down_notice(&link) {
        terminal.write(&format!("*** {text}\n")).await;
    }
    reachable(&link)
}

async fn interactive(mut input: ChannelReadHalf, terminal: Terminal, shared: &Shared) {
    let mut editor = LineEditor::new();
    let mut watcher = shared.source.clone();
    let mut shown = banner(&terminal, shared).await;
    let mut last_status = EXIT_OK;
    if !terminal.prompt("").await {
        return;
    }
    loop {
        tokio::select! {
            message = input.wait() => match message {
                Some(ChannelMsg::Data { data }) => {
                    let output = editor.feed(&data);
                    if terminal.pty && !terminal.write_raw(output.echo).await {
                        return;
                    }
                    for event in output.events {
                        match run_event(&terminal, shared, event).await {
                            Step::Continue(status) => last_status = status.unwrap_or(last_status),
                            Step::End(status) => return terminal.finish(status).await,
                            Step::Gone => return,
                        }
                    }
                }
                Some(ChannelMsg::Eof | ChannelMsg::Close) | None => {
                    return terminal.finish(last_status).await;
                }
                Some(_) => {}
            },
            () = watcher.changed() => {
                let link = watcher.link();
                let now = reachable(&link);
                let text = match (shown, now) {
                    (Some(false), Some(true)) => Some("shiwa sync is reachable again".to_string()),
                    (previous, Some(false)) if previous != Some(false) => down_notice(&link),
                    _ => None,
                };
                if now.is_some() {
                    shown = now;
                }
                if let Some(text) = text
                    && !terminal.notice(&text, editor.line()).await
                {
                    return;
                }
            }
        }
    }
}

enum Step {
    /// Keep reading; the command's exit status when one ran.
    Continue(Option<u32>),
    /// The session ends with this status.
    End(u32),
    /// The client is gone.
    Gone,
}

async fn run_event(terminal: &Terminal, shared: &Shared, event: EditorEvent) -> Step {
    match event {
        EditorEvent::Line(line) => {
            let output = commands::run(&line, &shared.source).await;
            if output.end_session {
                return Step::End(EXIT_OK);
            }
            if !terminal.write(&output.text).await || !terminal.prompt("").await {
                return Step::Gone;
            }
            Step::Continue(Some(output.status))
        }
        EditorEvent::Interrupt => match terminal.prompt("").await {
            true => Step::Continue(None),
            false => Step::Gone,
        },
        EditorEvent::EndOfInput => {
            let _ = terminal.write("\n").await;
            Step::End(EXIT_OK)
        }
    }
}
