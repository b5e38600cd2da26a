//! A serde `Deserializer` over the positioned tree, so typed config structs are filled straight
//! from the YAML while every error keeps its key path and position.
//!
//! Differences from a plain YAML deserializer, chosen for operators:
//! - unknown keys do not stop the load: each is recorded (with a "did you mean") and skipped,
//!   and keys Timebeat defines that shiwa does not implement yet become warnings;
//! - booleans accept Timebeat's (YAML 1.1) spellings `yes/no/on/off` besides `true/false`;
//! - numbers given as quoted strings are accepted (`"8088"`), since Beats configs often quote;
//! - subtrees listed in `poisoned` are skipped: the loader poisons a subtree that failed and
//!   tries again, so one load reports every problem instead of only the first.

use super::diagnostic::{Diagnostic, Pos, Severity};
use super::known;
use super::tree::{Entry, Node, NodeKind, join_key};
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// An error from one deserialization pass.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    /// The key path of the node the error belongs to (`None` until located).
    pub path: Option<String>,
    /// Its position.
    pub pos: Option<Pos>,
    /// What went wrong.
    pub message: String,
    /// Set for "missing field" errors: the field's name.
    pub missing_field: Option<&'static str>,
}

impl DeError {
    fn at(path: &str, pos: Pos, message: String) -> Self {
        DeError {
            path: Some(path.to_string()),
            pos: Some(pos),
            message,
            missing_field: None,
        }
    }

    /// Attaches a location unless the error already has a more precise one.
    pub fn locate(mut self, path: &str, pos: Pos) -> Self {
        if self.path.is_none() {
            self.path = Some(path.to_string());
            self.pos = Some(pos);
        }
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError {
            path: None,
            pos: None,
            message: msg.to_string(),
            missing_field: None,
        }
    }

    fn missing_field(field: &'static str) -> Self {
        DeError {
            missing_field: Some(field),
            ..Self::custom(format_args!("missing required key `{field}`"))
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::custom(format_args!(
            "unknown value `{variant}`{}",
            suggestion(variant, expected)
        ))
    }
}

/// State shared by one deserialization pass.
pub struct Pass<'a> {
    /// Subtrees to skip (failed in an earlier pass).
    pub poisoned: &'a BTreeSet<String>,
    /// The file name used in diagnostics.
    pub file: &'a str,
    /// Unknown keys (errors) and unimplemented Timebeat keys (warnings) met in this pass.
    pub diagnostics: RefCell<Vec<Diagnostic>>,
    /// Values of unimplemented Timebeat keys, by dotted path, kept for lossless exports.
    pub unimplemented: RefCell<BTreeMap<String, serde_json::Value>>,
}

impl<'a> Pass<'a> {
    /// A fresh pass.
    pub fn new(poisoned: &'a BTreeSet<String>, file: &'a str) -> Self {
        Pass {
            poisoned,
            file,
            diagnostics: RefCell::new(Vec::new()),
            unimplemented: RefCell::new(BTreeMap::new()),
        }
    }

    fn record(&self, severity: Severity, pos: Pos, path: &str, message: String) {
        self.diagnostics.borrow_mut().push(Diagnostic {
            severity,
            file: self.file.to_string(),
            pos: Some(pos),
            path: path.to_string(),
            message,
        });
    }
}

/// Deserializes one node at a key path.
pub struct NodeDe<'a> {
    node: &'a Node,
    path: String,
    pass: &'a Pass<'a>,
}

impl<'a> NodeDe<'a> {
    /// The deserializer for a document's root.
    pub fn root(node: &'a Node, pass: &'a Pass<'a>) -> Self {
        NodeDe {
            node,
            path: String::new(),
            pass,
        }
    }

    fn err(&self, message: String) -> DeError {
        DeError::at(&self.path, self.node.pos, message)
    }

    fn scalar(&self, expected: &str) -> Result<&'a str, DeError> {
        match &self.node.kind {
            NodeKind::Scalar { text, .. } => Ok(text),
            _ => Err(self.err(format!("expected {expected}, found {}", self.node.shape()))),
        }
    }

    fn integer(&self, min: i128, max: i128) -> Result<i128, DeError> {
        let text = self.scalar("an integer")?;
        let value: i128 = text
            .trim()
            .trim_start_matches('+')
            .parse()
            .map_err(|_| self.err(format!("expected an integer, found `{text}`")))?;
        if value < min || value > max {
            return Err(self.err(format!(
                "{value} is out of range: expected an integer from {min} to {max}"
            )));
        }
        Ok(value)
    }

    fn check_unknown_keys(&self, entries: &[Entry], fields: &'static [&'static str]) {
        for entry in entries {
            if fields.contains(&entry.key.as_str()) {
                continue;
            }
            let path = join_key(&self.path, &entry.key);
            if self.pass.poisoned.contains(&path) {
                continue;
            }
            if known::is_unimplemented_timebeat_key(&path) {
                self.pass.record(
                    Severity::Warning,
                    entry.key_pos,
                    &path,
                    "Timebeat setting not implemented by shiwa yet: ignored (kept in exports)"
                        .to_string(),
                );
                self.pass
                    .unimplemented
                    .borrow_mut()
                    .insert(path, entry.value.to_json());
            } else {
                self.pass.record(
                    Severity::Error,
                    entry.key_pos,
                    &path,
                    format!(
                        "unknown key `{}`{}",
                        entry.key,
                        suggestion(&entry.key, fields)
                    ),
                );
            }
        }
    }

    fn map_access(
        &self,
        entries: &'a [Entry],
        fields: Option<&'static [&'static str]>,
    ) -> MapDe<'a> {
        MapDe {
            entries: entries.iter(),
            fields,
            path: self.path.clone(),
            pass: self.pass,
            value: None,
        }
    }
}

/// ", did you mean `x`?" for a near miss, else the list of valid names when it is short.
pub fn suggestion(given: &str, valid: &[&str]) -> String {
    let best = valid
        .iter()
        .map(|candidate| (strsim::jaro_winkler(given, candidate), candidate))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, candidate)) => format!("; did you mean `{candidate}`?"),
        None if !valid.is_empty() && valid.len() <= 16 => {
            format!("; expected one of: {}", valid.join(", "))
        }
        None => String::new(),
    }
}

macro_rules! deserialize_integer {
    ($($method:ident => $visit:ident : $ty:ty),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
                let value = self.integer(<$ty>::MIN as i128, <$ty>::MAX as i128)?;
                let value = <$ty>::try_from(value).map_err(|_| self.err("integer out of range".into()))?;
                visitor.$visit(value)
            }
        )*
    };
}

impl<'de, 'a> de::Deserializer<'de> for NodeDe<'a> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match &self.node.kind {
            NodeKind::Null => visitor.visit_unit(),
            NodeKind::Scalar { text, quoted: true } => visitor.visit_str(text),
            NodeKind::Scalar { .. } => match self.node.to_json() {
                serde_json::Value::Bool(b) => visitor.visit_bool(b),
                serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                    (Some(i), _, _) => visitor.visit_i64(i),
                    (_, Some(u), _) => visitor.visit_u64(u),
                    (_, _, Some(f)) => visitor.visit_f64(f),
                    _ => Err(self.err("unrepresentable number".into())),
                },
                _ => visitor.visit_str(self.scalar("a value")?),
            },
            NodeKind::Seq(_) => self.deserialize_seq(visitor),
            NodeKind::Map(_) => self.deserialize_map(visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let text = self.scalar("true or false")?;
        match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" => visitor.visit_bool(true),
            "false" | "no" | "off" => visitor.visit_bool(false),
            _ => Err(self.err(format!("expected true or false, found `{text}`"))),
        }
    }

    deserialize_integer! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let text = self.scalar("a number")?;
        let value: f64 = text
            .trim()
            .parse()
            .map_err(|_| self.err(format!("expected a number, found `{text}`")))?;
        visitor.visit_f64(value)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_str(self.scalar("text")?)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.kind {
            NodeKind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.node.kind {
            NodeKind::Null => visitor.visit_unit(),
            _ => Err(self.err(format!("expected nothing, found {}", self.node.shape()))),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let items: &[Node] = match &self.node.kind {
            NodeKind::Seq(items) => items,
            NodeKind::Null => &[],
            _ => return Err(self.err(format!("expected a list, found {}", self.node.shape()))),
        };
        visitor.visit_seq(SeqDe {
            items: items.iter().enumerate(),
            path: self.path.clone(),
            pass: self.pass,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        let entries: &[Entry] = match &self.node.kind {
            NodeKind::Map(entries) => entries,
            NodeKind::Null => &[],
            _ => return Err(self.err(format!("expected a mapping, found {}", self.node.shape()))),
        };
        visitor.visit_map(self.map_access(entries, None))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let entries: &[Entry] = match &self.node.kind {
            NodeKind::Map(entries) => entries,
            NodeKind::Null => &[],
            _ => {
                return Err(self.err(format!(
                    "expected a mapping (keys and values), found {}",
                    self.node.shape()
                )));
            }
        };
        self.check_unknown_keys(entries, fields);
        visitor
            .visit_map(self.map_access(entries, Some(fields)))
            .map_err(|e| e.locate(&self.path, self.node.pos))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        let text = self.scalar("one of the listed values")?;
        visitor
            .visit_enum(IntoDeserializer::<DeError>::into_deserializer(text))
            .map_err(|e| e.locate(&self.path, self.node.pos))
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

struct SeqDe<'a> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
    path: String,
    pass: &'a Pass<'a>,
}

impl<'de, 'a> SeqAccess<'de> for SeqDe<'a> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        for (index, node) in self.items.by_ref() {
            let path = format!("{}[{index}]", self.path);
            if self.pass.poisoned.contains(&path) {
                continue;
            }
            let de = NodeDe {
                node,
                path: path.clone(),
                pass: self.pass,
            };
            return seed
                .deserialize(de)
                .map(Some)
                .map_err(|e| e.locate(&path, node.pos));
        }
        Ok(None)
    }
}

struct MapDe<'a> {
    entries: std::slice::Iter<'a, Entry>,
    fields: Option<&'static [&'static str]>,
    path: String,
    pass: &'a Pass<'a>,
    value: Option<&'a Entry>,
}

impl<'de, 'a> MapAccess<'de> for MapDe<'a> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        for entry in self.entries.by_ref() {
            let known = self.fields.is_none_or(|f| f.contains(&entry.key.as_str()));
            let path = join_key(&self.path, &entry.key);
            if !known || self.pass.poisoned.contains(&path) {
                continue;
            }
            self.value = Some(entry);
            let key = IntoDeserializer::<DeError>::into_deserializer(entry.key.as_str());
            return seed
                .deserialize(key)
                .map(Some)
                .map_err(|e| e.locate(&path, entry.key_pos));
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let entry = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("value requested before its key"))?;
        let path = join_key(&self.path, &entry.key);
        let de = NodeDe {
            node: &entry.value,
            path: path.clone(),
            pass: self.pass,
        };
        seed.deserialize(de)
            .map_err(|e| e.locate(&path, entry.value.pos))
    }
}
