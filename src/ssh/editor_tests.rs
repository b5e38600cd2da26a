use super::*;

fn lines(events: &[EditorEvent]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            EditorEvent::Line(line) => Some(line.as_str()),
            _ => None,
        })
        .collect()
}

#[test]
fn cr_lf_and_crlf_each_end_one_line() {
    let mut editor = LineEditor::new();
    let out = editor.feed(b"status\rsources\nlogs 5\r\nclock\r");
    assert_eq!(lines(&out.events), ["status", "sources", "logs 5", "clock"]);
    assert_eq!(out.echo, b"status\r\nsources\r\nlogs 5\r\nclock\r\n");
    // A LF arriving in the next packet after a CR is still part of the same Enter.
    let out = editor.feed(b"\nversion\r");
    assert_eq!(lines(&out.events), ["version"]);
    // Two CRs are two (empty) lines.
    let out = editor.feed(b"\r\r");
    assert_eq!(lines(&out.events), ["", ""]);
}

#[test]
fn backspace_and_del_erase_the_last_character() {
    let mut editor = LineEditor::new();
    let out = editor.feed(b"statux\x7f\x08us\x08s");
    assert_eq!(editor.line(), "status");
    assert_eq!(out.echo, b"statux\x08 \x08\x08 \x08us\x08 \x08s");
    // Backspace on an empty line echoes nothing.
    let mut empty = LineEditor::new();
    assert_eq!(empty.feed(b"\x7f\x7f").echo, b"");
    // Ctrl-U erases everything.
    let out = editor.feed(b"\x15");
    assert_eq!(editor.line(), "");
    assert_eq!(out.echo, ERASE_ONE.repeat(6));
}

#[test]
fn ctrl_c_drops_the_line_and_ctrl_d_ends_only_an_empty_one() {
    let mut editor = LineEditor::new();
    let out = editor.feed(b"disable ntp\x03");
    assert_eq!(out.events, [EditorEvent::Interrupt]);
    assert!(out.echo.ends_with(b"^C\r\n"));
    assert_eq!(editor.line(), "");
    let out = editor.feed(b"x\x04");
    assert!(out.events.is_empty(), "Ctrl-D with text is ignored");
    let out = editor.feed(b"\x7f\x04");
    assert_eq!(out.events, [EditorEvent::EndOfInput]);
}

#[test]
fn arrows_walk_the_history_and_come_back_to_the_draft() {
    let mut editor = LineEditor::new();
    editor.feed(b"status\rlogs 5\rlogs 5\r  \r");
    assert_eq!(
        editor.history(),
        ["status", "logs 5"],
        "no repeats, no blanks"
    );
    editor.feed(b"ver");
    let up = editor.feed(b"\x1b[A");
    assert_eq!(editor.line(), "logs 5");
    assert_eq!(up.echo, b"\x1b[3D\x1b[Klogs 5");
    editor.feed(b"\x1bOA"); // application cursor mode
    assert_eq!(editor.line(), "status");
    let top = editor.feed(b"\x1b[A");
    assert_eq!(top.echo, BELL, "nothing above the oldest entry");
    assert_eq!(editor.line(), "status");
    editor.feed(b"\x1b[B");
    assert_eq!(editor.line(), "logs 5");
    editor.feed(b"\x1b[B");
    assert_eq!(
        editor.line(),
        "ver",
        "down past the newest gives the draft back"
    );
    assert_eq!(editor.feed(b"\x1b[B").echo, BELL);
    // An entry taken from history can be edited and entered.
    editor.feed(b"\x15\x1b[A\x7f3\r");
    assert_eq!(editor.history().last().map(String::as_str), Some("logs 3"));
}

#[test]
fn other_escape_sequences_are_swallowed() {
    let mut editor = LineEditor::new();
    // Right arrow, Home with parameters, F5, a lone ESC followed by a letter.
    let out = editor.feed(b"ab\x1b[C\x1b[1;5H\x1b[15~\x1bxc\r");
    assert_eq!(lines(&out.events), ["abc"]);
    assert_eq!(out.echo, b"abc\r\n");
    // A sequence split across packets.
    editor.feed(b"\x1b");
    editor.feed(b"[");
    let out = editor.feed(b"Dz");
    assert_eq!(out.echo, b"z");
}

#[test]
fn utf8_is_assembled_across_packets_and_invalid_bytes_are_dropped() {
    let mut editor = LineEditor::new();
    let text = "µs 時刻 🕐".as_bytes();
    let mut echo = Vec::new();
    for byte in text {
        echo.extend(editor.feed(&[*byte]).echo);
    }
    assert_eq!(editor.line(), "µs 時刻 🕐");
    assert_eq!(echo, text);
    editor.feed(b"\x15");
    let out = editor.feed(b"a\xff\xc3b\x80\xe6\x99c\r");
    assert_eq!(lines(&out.events), ["abc"]);
}

#[test]
fn tabs_and_other_control_bytes_do_nothing_and_long_lines_ring() {
    let mut editor = LineEditor::new();
    let out = editor.feed(b"\t\x01\x02\x00s");
    assert_eq!(out.echo, b"s");
    let long = vec![b'x'; MAX_LINE_CHARS + 3];
    let out = editor.feed(&long);
    assert_eq!(editor.line().len(), MAX_LINE_CHARS);
    assert!(
        out.echo.ends_with(b"\x07\x07\x07\x07"),
        "one bell per refused char"
    );
}

#[test]
fn the_history_is_bounded() {
    let mut editor = LineEditor::new();
    for n in 0..MAX_HISTORY + 10 {
        editor.feed(format!("logs {n}\r").as_bytes());
    }
    assert_eq!(editor.history().len(), MAX_HISTORY);
    assert_eq!(editor.history()[0], "logs 10");
}
