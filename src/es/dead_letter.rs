//! The dead-letter file: documents Elasticsearch refused for good (a 4xx other than 409 and
//! 429 — a mapping conflict, a document too large even alone) are appended here, one JSON
//! line each with the status and Elasticsearch's reason, before they leave the spool. An
//! operator can fix and re-send them; nothing refused is lost silently.
//!
//! The file is appended and fsynced; past [`MAX_DEAD_LETTER_BYTES`] it is renamed to
//! `<file>.1` (replacing an older one) and a new one is started, so it cannot fill the disk.

use crate::time::Timestamp;
use serde_json::{Value, json};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The size past which the file is rotated.
pub const MAX_DEAD_LETTER_BYTES: u64 = 64 << 20;

/// Why the dead-letter file could not be written.
#[derive(Debug, thiserror::Error)]
#[error("dead-letter file {file}: {source}")]
pub struct DeadLetterError {
    /// The file.
    pub file: PathBuf,
    /// What failed.
    pub source: std::io::Error,
}

/// One refused document.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter<'a> {
    /// When it was refused.
    pub time: Timestamp,
    /// Its index.
    pub index: &'a str,
    /// Its `_id`.
    pub id: &'a str,
    /// The HTTP status of the item (or of the request).
    pub status: u16,
    /// Elasticsearch's reason.
    pub reason: &'a str,
    /// The document's JSON source.
    pub source: &'a [u8],
}

impl DeadLetter<'_> {
    fn to_line(&self) -> Vec<u8> {
        let document: Value = serde_json::from_slice(self.source)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(self.source).into_owned()));
        let mut line = serde_json::to_vec(&json!({
            "@timestamp": self.time.to_rfc3339(),
            "status": self.status,
            "reason": self.reason,
            "index": self.index,
            "id": self.id,
            "document": document,
        }))
        .unwrap_or_default();
        line.push(b'\n');
        line
    }
}

/// Appends `letters` to `file` (created 0600 if missing) and fsyncs it, rotating first when
/// it has grown past `max_bytes`. Blocking: call it off the async threads.
pub fn append(
    file: &Path,
    letters: &[DeadLetter<'_>],
    max_bytes: u64,
) -> Result<(), DeadLetterError> {
    let error = |source| DeadLetterError {
        file: file.to_path_buf(),
        source,
    };
    if letters.is_empty() {
        return Ok(());
    }
    if std::fs::metadata(file).is_ok_and(|meta| meta.len() > max_bytes) {
        let mut rotated = file.as_os_str().to_owned();
        rotated.push(".1");
        std::fs::rename(file, PathBuf::from(rotated)).map_err(error)?;
    }
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(file)
        .map_err(error)?;
    let bytes: Vec<u8> = letters.iter().flat_map(DeadLetter::to_line).collect();
    out.write_all(&bytes).map_err(error)?;
    out.sync_all().map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn letter<'a>(id: &'a str, source: &'a [u8]) -> DeadLetter<'a> {
        DeadLetter {
            time: Timestamp::from_secs_nanos(1_763_827_867, 0),
            index: "timebeat-2025.11.22",
            id,
            status: 400,
            reason: "mapper_parsing_exception: failed to parse field [clock.offset]",
            source,
        }
    }

    #[test]
    fn refused_documents_are_appended_with_their_reason_and_rotated() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("dead.ndjson");
        append(
            &file,
            &[letter("a", br#"{"x":1}"#), letter("b", b"not json")],
            1 << 20,
        )
        .expect("append");
        let text = std::fs::read_to_string(&file).expect("read");
        let lines: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).expect("a JSON line"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["document"]["x"], 1);
        assert_eq!(lines[0]["status"], 400);
        assert!(
            lines[0]["reason"]
                .as_str()
                .is_some_and(|r| r.contains("mapper"))
        );
        assert_eq!(lines[1]["document"], "not json", "kept even when not JSON");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&file).expect("meta").permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        // Past the bound the file is rotated before the next append.
        append(&file, &[letter("c", b"{}")], 10).expect("append");
        let rotated = dir.path().join("dead.ndjson.1");
        assert_eq!(std::fs::read_to_string(rotated).expect("rotated"), text);
        assert_eq!(
            std::fs::read_to_string(&file).expect("new").lines().count(),
            1
        );
    }

    #[test]
    fn an_unwritable_file_is_named() {
        let err = append(
            Path::new("/proc/nope/dead.ndjson"),
            &[letter("a", b"{}")],
            1 << 20,
        )
        .expect_err("cannot write there");
        assert!(err.to_string().contains("/proc/nope/dead.ndjson"), "{err}");
    }
}
