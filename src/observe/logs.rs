//! The last N log records, kept in memory for the socket's `logs` request.
//!
//! [`LogLayer`] is a `tracing_subscriber` layer that copies every event it sees into a
//! [`LogBuffer`], a bounded ring shared by cheap clones. The daemon stacks it next to its stderr
//! formatter; whatever filter is in front of it decides which levels are kept.

use super::rfc3339;
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// How many records a [`LogBuffer`] keeps unless told otherwise.
pub const DEFAULT_CAPACITY: usize = 1000;

/// Longest message or field value kept, in bytes; longer ones are cut and end in `…`.
pub const MAX_VALUE_LEN: usize = 4096;

/// One log event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogRecord {
    /// When it was logged (RFC 3339 in JSON).
    #[serde(with = "rfc3339")]
    pub time: Timestamp,
    /// Its level.
    pub level: LogLevel,
    /// The module that logged it (`shiwa::ntp::driver`).
    pub target: String,
    /// The message.
    pub message: String,
    /// The structured fields (`offset_ns`, `peer`, ...), numbers and booleans kept as such.
    #[serde(default)]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

/// A log level, lowercase in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// An operator must act.
    Error,
    /// Degraded.
    Warn,
    /// A state change.
    Info,
    /// Per exchange.
    Debug,
    /// Per packet.
    Trace,
}

impl From<&Level> for LogLevel {
    fn from(level: &Level) -> Self {
        match *level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            _ => LogLevel::Trace,
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        })
    }
}

/// A bounded ring of [`LogRecord`]s. Clones share the same ring.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    ring: Arc<Mutex<VecDeque<LogRecord>>>,
    capacity: usize,
}

impl Default for LogBuffer {
    fn default() -> Self {
        LogBuffer::new(DEFAULT_CAPACITY)
    }
}

impl LogBuffer {
    /// An empty buffer keeping the newest `capacity` records (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        LogBuffer {
            ring: Arc::new(Mutex::new(VecDeque::with_capacity(capacity))),
            capacity,
        }
    }

    /// How many records it keeps at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Adds a record, dropping the oldest when full.
    pub fn push(&self, record: LogRecord) {
        // A panic while holding the lock cannot leave the ring inconsistent (push/pop only),
        // so a poisoned lock is still usable.
        let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        if ring.len() == self.capacity {
            ring.pop_front();
        }
        ring.push_back(record);
    }

    /// The newest `n` records (fewer if it holds fewer), oldest first.
    pub fn recent(&self, n: usize) -> Vec<LogRecord> {
        let ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        let skip = ring.len().saturating_sub(n);
        ring.iter().skip(skip).cloned().collect()
    }

    /// A layer that records into this buffer, timestamping with the system clock.
    pub fn layer(&self) -> LogLayer {
        LogLayer {
            buffer: self.clone(),
            clock: system_now,
        }
    }
}

/// The `tracing_subscriber` layer feeding a [`LogBuffer`]; made by [`LogBuffer::layer`].
#[derive(Debug, Clone)]
pub struct LogLayer {
    buffer: LogBuffer,
    clock: fn() -> Timestamp,
}

impl LogLayer {
    /// The same layer reading time from `clock` instead of the system clock (for tests).
    pub fn with_clock(mut self, clock: fn() -> Timestamp) -> Self {
        self.clock = clock;
        self
    }
}

impl<S: Subscriber> Layer<S> for LogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let mut visitor = FieldVisitor::default();
        event.record(&mut visitor);
        self.buffer.push(LogRecord {
            time: (self.clock)(),
            level: LogLevel::from(metadata.level()),
            target: metadata.target().to_string(),
            message: visitor.message,
            fields: visitor.fields,
        });
    }
}

#[expect(
    clippy::disallowed_methods,
    reason = "log records are stamped with wall-clock time as they happen (driver side)"
)]
pub(crate) fn system_now() -> Timestamp {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(since) => Timestamp::from_nanos(i64::try_from(since.as_nanos()).unwrap_or(i64::MAX)),
        Err(before) => Timestamp::from_nanos(
            i64::try_from(before.duration().as_nanos()).map_or(i64::MIN, |nanos| -nanos),
        ),
    }
}

/// Collects an event's `message` and its other fields as JSON values.
#[derive(Default)]
struct FieldVisitor {
    message: String,
    fields: serde_json::Map<String, serde_json::Value>,
}

impl FieldVisitor {
    fn insert(&mut self, field: &Field, value: serde_json::Value) {
        self.fields.insert(field.name().to_string(), value);
    }

    fn insert_text(&mut self, field: &Field, text: String) {
        let text = truncate(text);
        if field.name() == "message" {
            self.message = text;
        } else {
            self.insert(field, serde_json::Value::String(text));
        }
    }
}

impl Visit for FieldVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        // NaN and infinities have no JSON number; they are kept as text.
        match serde_json::Number::from_f64(value) {
            Some(number) => self.insert(field, number.into()),
            None => self.insert_text(field, value.to_string()),
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert_text(field, value.to_string());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.insert_text(field, value.to_string());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.insert_text(field, format!("{value:?}"));
    }
}

/// Cuts `text` to at most [`MAX_VALUE_LEN`] bytes on a character boundary.
fn truncate(mut text: String) -> String {
    if text.len() > MAX_VALUE_LEN {
        let mut end = MAX_VALUE_LEN - '…'.len_utf8();
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tracing_subscriber::layer::SubscriberExt;

    fn fixed_clock() -> Timestamp {
        Timestamp::from_secs_nanos(1_000, 5)
    }

    /// Runs `log` with a subscriber whose only layer records into a buffer of `capacity`.
    fn capture(capacity: usize, log: impl FnOnce()) -> LogBuffer {
        let buffer = LogBuffer::new(capacity);
        let subscriber =
            tracing_subscriber::registry().with(buffer.layer().with_clock(fixed_clock));
        tracing::subscriber::with_default(subscriber, log);
        buffer
    }

    #[test]
    fn records_level_target_message_and_typed_fields() {
        let buffer = capture(10, || {
            tracing::warn!(
                offset_ns = -1_234_i64,
                freq_ppb = 12.5,
                peer = "10.99.1.1",
                locked = false,
                "servo unlocked"
            );
        });
        let records = buffer.recent(10);
        assert_eq!(records.len(), 1);
        let record = &records[0];
        assert_eq!(record.time, fixed_clock());
        assert_eq!(record.level, LogLevel::Warn);
        assert_eq!(record.target, module_path!());
        assert_eq!(record.message, "servo unlocked");
        assert_eq!(
            serde_json::Value::Object(record.fields.clone()),
            json!({"offset_ns": -1234, "freq_ppb": 12.5, "peer": "10.99.1.1", "locked": false})
        );
        let text = serde_json::to_value(record).expect("serialize");
        assert_eq!(text["level"], json!("warn"));
        assert_eq!(text["time"], json!("1970-01-01T00:16:40.000000005Z"));
        let back: LogRecord = serde_json::from_value(text).expect("deserialize");
        assert_eq!(&back, record);
    }

    #[test]
    fn keeps_only_the_newest_records_oldest_first() {
        let buffer = capture(3, || {
            for i in 0..5 {
                tracing::info!("line {i}");
            }
        });
        let messages: Vec<_> = buffer.recent(10).into_iter().map(|r| r.message).collect();
        assert_eq!(messages, ["line 2", "line 3", "line 4"]);
        let last: Vec<_> = buffer.recent(2).into_iter().map(|r| r.message).collect();
        assert_eq!(last, ["line 3", "line 4"]);
        assert!(buffer.recent(0).is_empty());
    }

    #[test]
    fn clones_share_the_ring() {
        let buffer = LogBuffer::new(4);
        let clone = buffer.clone();
        let subscriber = tracing_subscriber::registry().with(clone.layer());
        tracing::subscriber::with_default(subscriber, || tracing::error!("shared"));
        assert_eq!(buffer.recent(1)[0].message, "shared");
        assert_eq!(buffer.recent(1)[0].level, LogLevel::Error);
    }

    #[test]
    fn long_values_are_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_VALUE_LEN);
        let buffer = capture(1, || tracing::info!(detail = %long, "{long}"));
        let record = &buffer.recent(1)[0];
        assert!(record.message.len() <= MAX_VALUE_LEN);
        assert!(record.message.ends_with('…'));
        let detail = record.fields["detail"].as_str().expect("string");
        assert!(detail.len() <= MAX_VALUE_LEN && detail.ends_with('…'));
    }

    #[test]
    fn non_finite_floats_are_kept_as_text() {
        let buffer = capture(1, || tracing::info!(ratio = f64::NAN, "odd"));
        assert_eq!(buffer.recent(1)[0].fields["ratio"], json!("NaN"));
    }
}
