//! The HTML around every page: escaping, the layout (head, stylesheet link, navigation,
//! auto-refresh), and how times, offsets and states are written. Every value that comes from
//! the store or a request goes through [`esc`].

use crate::time::{Duration, Timestamp};
use std::fmt::{self, Write};

/// The stylesheet, served from the binary at [`STYLESHEET_PATH`].
pub const STYLESHEET: &str = include_str!("dashboard.css");
/// Where the stylesheet is served.
pub const STYLESHEET_PATH: &str = "/dashboard.css";

/// A string escaped for HTML text and quoted attribute values when displayed.
#[derive(Debug, Clone, Copy)]
pub struct Escaped<'a>(&'a str);

/// `text`, escaped for HTML text and double- or single-quoted attributes.
pub fn esc(text: &str) -> Escaped<'_> {
    Escaped(text)
}

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(index) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..index])?;
            f.write_str(match rest.as_bytes()[index] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[index + 1..];
        }
        f.write_str(rest)
    }
}

/// What the layout needs besides the body.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// The page title (escaped here).
    pub title: &'a str,
    /// Seconds between reloads; `None` or 0: never.
    pub refresh_s: Option<u64>,
    /// The session's CSRF token when logged in (shows the navigation and logout button).
    pub csrf: Option<&'a str>,
}

/// A complete page: `body` (already HTML) inside the layout.
pub fn page(frame: Frame<'_>, body: &str) -> String {
    let mut out = String::with_capacity(body.len() + 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · shiwa hub</title>\
         <link rel=\"stylesheet\" href=\"{STYLESHEET_PATH}\">",
        esc(frame.title)
    );
    if let Some(seconds) = frame.refresh_s.filter(|s| *s > 0) {
        let _ = write!(out, "<meta http-equiv=\"refresh\" content=\"{seconds}\">");
    }
    out.push_str("</head><body><header><span class=\"brand\">shiwa hub</span>");
    if let Some(csrf) = frame.csrf {
        let _ = write!(
            out,
            "<nav><a href=\"/\">Fleet</a><a href=\"/alerts\">Alerts</a></nav>\
             <form method=\"post\" action=\"/logout\" class=\"logout\">{}\
             <button type=\"submit\">Log out</button></form>",
            csrf_field(csrf)
        );
    }
    let _ = writeln!(
        out,
        "</header><main><h1>{}</h1>{body}</main></body></html>",
        esc(frame.title)
    );
    out
}

/// The hidden CSRF input of a form.
pub fn csrf_field(csrf: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        esc(csrf)
    )
}

/// `2026-11-23 02:17:56Z`.
pub fn time(at: Timestamp) -> String {
    let (secs, _) = at.to_secs_nanos();
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| at.to_rfc3339())
}

/// `HH:MM` for spans up to two days, else `MM-DD HH:MM` (chart axes).
pub fn axis_time(at: Timestamp, span: Duration) -> String {
    let (secs, _) = at.to_secs_nanos();
    let short = time::macros::format_description!("[hour]:[minute]");
    let long = time::macros::format_description!("[month]-[day] [hour]:[minute]");
    let format = if span <= Duration::from_secs(2 * 86_400) {
        short
    } else {
        long
    };
    time::OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_default()
}

/// `42s ago`, `5m ago`, `3h ago`, `2d ago` (`in the future` for a clock ahead of the hub's).
pub fn ago(at: Timestamp, now: Timestamp) -> String {
    let seconds = now.since(at).as_secs();
    match seconds {
        ..0 => "in the future".into(),
        0..120 => format!("{seconds}s ago"),
        120..7_200 => format!("{}m ago", seconds / 60),
        7_200..172_800 => format!("{}h ago", seconds / 3600),
        _ => format!("{}d ago", seconds / 86_400),
    }
}

/// An offset for tables: `+1.234µs`, `-15ns`, `—` when there is none.
pub fn offset(offset_ns: Option<i64>) -> String {
    match offset_ns {
        Some(ns) if ns >= 0 => format!("+{}", Duration::from_nanos(ns)),
        Some(ns) => Duration::from_nanos(ns).to_string(),
        None => "—".into(),
    }
}

/// A table cell holding `text` (escaped) with the CSS class `class` (a constant).
pub fn cell(out: &mut String, class: &str, text: &str) {
    if class.is_empty() {
        let _ = write!(out, "<td>{}</td>", esc(text));
    } else {
        let _ = write!(out, "<td class=\"{class}\">{}</td>", esc(text));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_text_and_attributes() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\"").to_string(),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("plain ünïcode").to_string(), "plain ünïcode");
        assert_eq!(esc("").to_string(), "");
        let page = page(
            Frame {
                title: "<b>node</b>",
                refresh_s: Some(30),
                csrf: Some("tok\"en"),
            },
            "<p>body</p>",
        );
        assert!(page.contains("<title>&lt;b&gt;node&lt;/b&gt; · shiwa hub</title>"));
        assert!(page.contains("<meta http-equiv=\"refresh\" content=\"30\">"));
        assert!(page.contains("value=\"tok&quot;en\""), "{page}");
        assert!(!page.contains("<b>node</b>"));
    }

    #[test]
    fn times_and_offsets_are_written_for_people() {
        let at = Timestamp::from_secs_nanos(1_795_400_000, 5);
        assert_eq!(time(at), "2026-11-23 02:13:20Z");
        let now = at + Duration::from_secs(300);
        assert_eq!(ago(at, now), "5m ago");
        assert_eq!(ago(now, at), "in the future");
        assert_eq!(offset(Some(1234)), "+1.234µs");
        assert_eq!(offset(Some(-15)), "-15ns");
        assert_eq!(offset(None), "—");
        assert_eq!(axis_time(at, Duration::from_secs(3600)), "02:13");
        assert_eq!(
            axis_time(at, Duration::from_secs(7 * 86_400)),
            "11-23 02:13"
        );
    }
}
