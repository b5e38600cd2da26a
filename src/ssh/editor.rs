//! The shell's line editor: a pure state machine. Bytes typed in the client's terminal go in;
//! the bytes to echo back and the completed lines (or Ctrl-C / Ctrl-D) come out.
//!
//! What it understands, as a terminal user expects: printable text (UTF-8, also when a
//! character arrives split across packets), Enter as CR, LF or CRLF (one line), Backspace and
//! DEL (erase the last character), Ctrl-U (erase the line), Ctrl-C (drop the line), Ctrl-D (end
//! of input on an empty line), and the up/down arrows (`ESC [ A` / `ESC [ B`, also the `ESC O`
//! forms) to walk the session's history. Other escape sequences and control bytes are
//! swallowed, never echoed. The cursor stays at the end of the line.

/// Longest line accepted, in characters; further input rings the bell.
pub const MAX_LINE_CHARS: usize = 4096;

/// History entries kept per session.
pub const MAX_HISTORY: usize = 100;

const BELL: &[u8] = b"\x07";
const ERASE_ONE: &[u8] = b"\x08 \x08";

/// What a keystroke completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorEvent {
    /// Enter: the line typed (without the line ending).
    Line(String),
    /// Ctrl-C: the line was dropped.
    Interrupt,
    /// Ctrl-D on an empty line.
    EndOfInput,
}

/// The result of feeding bytes: what to echo (in order, before any event's output) and what
/// was completed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EditorOutput {
    /// Bytes to send back to the terminal.
    pub echo: Vec<u8>,
    /// Completed lines and key events, in the order typed.
    pub events: Vec<EditorEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Escape {
    None,
    /// After ESC.
    Started,
    /// Inside `ESC [` or `ESC O`, before the final byte.
    Sequence,
}

/// The line being typed, the session's history, and the decoder state.
#[derive(Debug, Clone)]
pub struct LineEditor {
    line: String,
    history: Vec<String>,
    /// The history entry shown while walking it, and the line typed before walking began.
    browsing: Option<(usize, String)>,
    escape: Escape,
    utf8: Vec<u8>,
    after_cr: bool,
}

impl Default for LineEditor {
    fn default() -> Self {
        Self::new()
    }
}

impl LineEditor {
    /// An empty editor with no history.
    pub fn new() -> Self {
        LineEditor {
            line: String::new(),
            history: Vec::new(),
            browsing: None,
            escape: Escape::None,
            utf8: Vec::new(),
            after_cr: false,
        }
    }

    /// The line typed so far (to redraw it after a message).
    pub fn line(&self) -> &str {
        &self.line
    }

    /// The session's history, oldest first.
    pub fn history(&self) -> &[String] {
        &self.history
    }

    /// Feeds bytes from the terminal.
    pub fn feed(&mut self, bytes: &[u8]) -> EditorOutput {
        let mut out = EditorOutput::default();
        for &byte in bytes {
            let after_cr = std::mem::take(&mut self.after_cr);
            match self.escape {
                Escape::Started => self.escape_started(byte),
                Escape::Sequence => self.escape_sequence(byte, &mut out),
                Escape::None if byte == b'\n' && after_cr => {}
                Escape::None => self.plain(byte, &mut out),
            }
        }
        out
    }

    fn escape_started(&mut self, byte: u8) {
        self.escape = if byte == b'[' || byte == b'O' {
            Escape::Sequence
        } else {
            Escape::None
        };
    }

    fn escape_sequence(&mut self, byte: u8, out: &mut EditorOutput) {
        match byte {
            // Parameter and intermediate bytes: keep reading.
            0x20..=0x3f => {}
            b'A' => {
                self.escape = Escape::None;
                self.history_up(out);
            }
            b'B' => {
                self.escape = Escape::None;
                self.history_down(out);
            }
            // Any other final byte (or a stray control byte) ends the sequence, ignored.
            _ => self.escape = Escape::None,
        }
    }

    fn plain(&mut self, byte: u8, out: &mut EditorOutput) {
        if byte < 0x80 && !self.utf8.is_empty() {
            // An ASCII byte in the middle of a multi-byte character: drop the partial one.
            self.utf8.clear();
        }
        match byte {
            0x1b => self.escape = Escape::Started,
            b'\r' | b'\n' => {
                self.after_cr = byte == b'\r';
                self.finish_line(out);
            }
            0x03 => {
                out.echo.extend_from_slice(b"^C\r\n");
                self.line.clear();
                self.browsing = None;
                out.events.push(EditorEvent::Interrupt);
            }
            0x04 if self.line.is_empty() => out.events.push(EditorEvent::EndOfInput),
            0x08 | 0x7f if self.line.pop().is_some() => out.echo.extend_from_slice(ERASE_ONE),
            0x15 => {
                for _ in 0..self.line.chars().count() {
                    out.echo.extend_from_slice(ERASE_ONE);
                }
                self.line.clear();
            }
            0x20..=0x7e => self.insert(char::from(byte), out),
            0x80..=0xff => self.utf8_byte(byte, out),
            // Tab and the other control bytes do nothing.
            _ => {}
        }
    }

    fn utf8_byte(&mut self, byte: u8, out: &mut EditorOutput) {
        let is_continuation = (0x80..=0xbf).contains(&byte);
        if self.utf8.is_empty() == is_continuation {
            // A continuation without a lead byte, or a lead byte inside a character.
            self.utf8.clear();
            if is_continuation {
                return;
            }
        }
        self.utf8.push(byte);
        let expected = match self.utf8[0] {
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => {
                self.utf8.clear();
                return;
            }
        };
        if self.utf8.len() < expected {
            return;
        }
        let bytes = std::mem::take(&mut self.utf8);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            for c in text.chars().filter(|c| !c.is_control()) {
                self.insert(c, out);
            }
        }
    }

    fn insert(&mut self, c: char, out: &mut EditorOutput) {
        if self.line.chars().count() >= MAX_LINE_CHARS {
            out.echo.extend_from_slice(BELL);
            return;
        }
        self.line.push(c);
        let mut buffer = [0; 4];
        out.echo
            .extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
    }

    fn finish_line(&mut self, out: &mut EditorOutput) {
        out.echo.extend_from_slice(b"\r\n");
        let line = std::mem::take(&mut self.line);
        self.browsing = None;
        let worth_keeping = !line.trim().is_empty() && self.history.last() != Some(&line);
        if worth_keeping {
            if self.history.len() == MAX_HISTORY {
                self.history.remove(0);
            }
            self.history.push(line.clone());
        }
        out.events.push(EditorEvent::Line(line));
    }

    fn history_up(&mut self, out: &mut EditorOutput) {
        let index = match &self.browsing {
            None if !self.history.is_empty() => self.history.len() - 1,
            Some((index, _)) if *index > 0 => index - 1,
            _ => {
                out.echo.extend_from_slice(BELL);
                return;
            }
        };
        let draft = match self.browsing.take() {
            Some((_, draft)) => draft,
            None => self.line.clone(),
        };
        self.browsing = Some((index, draft));
        let entry = self.history[index].clone();
        self.replace_line(entry, out);
    }

    fn history_down(&mut self, out: &mut EditorOutput) {
        let Some((index, draft)) = self.browsing.take() else {
            out.echo.extend_from_slice(BELL);
            return;
        };
        if index + 1 < self.history.len() {
            self.browsing = Some((index + 1, draft));
            let entry = self.history[index + 1].clone();
            self.replace_line(entry, out);
        } else {
            self.replace_line(draft, out);
        }
    }

    /// Erases the shown line and shows `text` instead.
    fn replace_line(&mut self, text: String, out: &mut EditorOutput) {
        let shown = self.line.chars().count();
        if shown > 0 {
            out.echo
                .extend_from_slice(format!("\x1b[{shown}D\x1b[K").as_bytes());
        }
        out.echo.extend_from_slice(text.as_bytes());
        self.line = text;
    }
}

#[cfg(test)]
#[path = "editor_tests.rs"]
mod tests;
