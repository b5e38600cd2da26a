//! The YAML document as a tree of nodes that remember where they came from.
//!
//! Parsing keeps every node's line and column so that every later problem can be reported as
//! `FILE:LINE:COL`. Beats-style dotted keys (`output.elasticsearch:`, `ssl.key:`) are expanded
//! into nested mappings here, so the rest of the loader only sees the nested form.

use super::diagnostic::Pos;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::collections::HashMap;

/// Expansions of aliases beyond this many nodes are refused (a "billion laughs" document).
const MAX_NODES: usize = 100_000;

/// A YAML node with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// What the node holds.
    pub kind: NodeKind,
    /// Where it starts.
    pub pos: Pos,
}

/// The shapes a node can take.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A mapping, in file order.
    Map(Vec<Entry>),
    /// A sequence.
    Seq(Vec<Node>),
    /// A scalar as written; `quoted` scalars are always text.
    Scalar {
        /// The scalar's text.
        text: String,
        /// Whether it was quoted (or a block scalar) in the source.
        quoted: bool,
    },
    /// An empty value, `~` or `null`.
    Null,
}

/// One key of a mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// Where the key is written.
    pub key_pos: Pos,
    /// Its value.
    pub value: Node,
}

/// A syntax problem: where and what.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    /// Where.
    pub pos: Pos,
    /// Dotted path of the key concerned, when known.
    pub path: String,
    /// What.
    pub message: String,
}

impl Node {
    /// Looks up a dotted path such as `timebeat.clock_sync.primary_clocks[0].domain`.
    pub fn lookup(&self, path: &str) -> Option<&Node> {
        let mut node = self;
        for segment in split_path(path) {
            node = match (segment, &node.kind) {
                (PathSegment::Key(key), NodeKind::Map(entries)) => {
                    &entries.iter().find(|e| e.key == key)?.value
                }
                (PathSegment::Index(i), NodeKind::Seq(items)) => items.get(i)?,
                _ => return None,
            };
        }
        Some(node)
    }

    /// The position of the node at `path`, or of its closest existing ancestor.
    pub fn pos_of(&self, path: &str) -> Pos {
        let mut path = path.to_string();
        loop {
            if let Some(node) = self.lookup(&path) {
                return node.pos;
            }
            match path.rfind(['.', '[']) {
                Some(cut) => path.truncate(cut),
                None => return self.pos,
            }
        }
    }

    /// The position of the key at the end of `path` (its value's for list items), falling
    /// back to the closest existing ancestor.
    pub fn key_pos_of(&self, path: &str) -> Pos {
        if let Some(cut) = path.rfind('.')
            && let Some(Node {
                kind: NodeKind::Map(entries),
                ..
            }) = self.lookup(&path[..cut])
            && let Some(entry) = entries.iter().find(|e| e.key == path[cut + 1..])
        {
            return entry.key_pos;
        }
        self.pos_of(path)
    }

    /// The node as JSON, resolving plain scalars as YAML 1.2 does (bool, integer, float, text).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Scalar { text, quoted: true } => Value::String(text.clone()),
            NodeKind::Scalar {
                text,
                quoted: false,
            } => plain_scalar_to_json(text),
            NodeKind::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Map(entries) => Value::Object(
                entries
                    .iter()
                    .map(|e| (e.key.clone(), e.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// A short name of the node's shape for messages ("a mapping", "a list", ...).
    pub fn shape(&self) -> &'static str {
        match self.kind {
            NodeKind::Map(_) => "a mapping",
            NodeKind::Seq(_) => "a list",
            NodeKind::Scalar { .. } => "a single value",
            NodeKind::Null => "nothing (an empty value)",
        }
    }
}

fn plain_scalar_to_json(text: &str) -> serde_json::Value {
    use serde_json::Value;
    match text {
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Ok(i) = text.parse::<i64>() {
        return Value::from(i);
    }
    if let Ok(u) = text.parse::<u64>() {
        return Value::from(u);
    }
    if text.contains(['.', 'e', 'E'])
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Value::Number(n);
    }
    Value::String(text.to_string())
}

/// One step of a dotted path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment<'a> {
    /// A mapping key.
    Key(&'a str),
    /// A list index.
    Index(usize),
}

/// Splits `a.b[2].c` into `Key(a), Key(b), Index(2), Key(c)`.
pub fn split_path(path: &str) -> Vec<PathSegment<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(PathSegment::Key(key));
        }
        while let Some(close) = rest.find(']') {
            if let Ok(i) = rest[1..close].parse() {
                out.push(PathSegment::Index(i));
            }
            rest = &rest[close + 1..];
        }
    }
    out
}

/// Joins a parent path and a key.
pub fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Parses YAML (or JSON, which is YAML) into a tree; `Ok(None)` for a document with no content.
pub fn parse(text: &str) -> Result<Option<Node>, SyntaxError> {
    let mut builder = Builder::default();
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|err| SyntaxError {
            pos: Pos {
                line: err.marker().line(),
                col: err.marker().col() + 1,
            },
            path: String::new(),
            message: format!("YAML syntax error: {}", err.info()),
        })?;
        builder.event(event, span)?;
    }
    match builder.root {
        Some(root) => expand_dotted_keys(root, "").map(Some),
        None => Ok(None),
    }
}

fn pos_of(span: &Span) -> Pos {
    Pos {
        line: span.start.line(),
        col: span.start.col() + 1,
    }
}

enum Frame {
    Map {
        entries: Vec<Entry>,
        pending_key: Option<(String, Pos)>,
        pos: Pos,
        anchor: usize,
    },
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, Node>,
    nodes: usize,
    documents: usize,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), SyntaxError> {
        let pos = pos_of(&span);
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(syntax(
                        pos,
                        "only one YAML document is allowed in a config file",
                    ));
                }
            }
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map {
                entries: Vec::new(),
                pending_key: None,
                pos,
                anchor,
            }),
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq {
                items: Vec::new(),
                pos,
                anchor,
            }),
            Event::MappingEnd | Event::SequenceEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Map {
                        entries,
                        pos,
                        anchor,
                        ..
                    }) => (
                        Node {
                            kind: NodeKind::Map(entries),
                            pos,
                        },
                        anchor,
                    ),
                    Some(Frame::Seq { items, pos, anchor }) => (
                        Node {
                            kind: NodeKind::Seq(items),
                            pos,
                        },
                        anchor,
                    ),
                    None => return Err(syntax(pos, "unbalanced end of a collection")),
                };
                self.complete(node, anchor)?;
            }
            Event::Scalar(text, style, anchor, _) => {
                self.complete(scalar_node(&text, style, pos), anchor)?;
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| syntax(pos, "alias to an unknown anchor"))?;
                self.complete(node, 0)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), SyntaxError> {
        self.nodes += count_nodes(&node);
        if self.nodes > MAX_NODES {
            return Err(syntax(node.pos, "document too large (alias expansion?)"));
        }
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                Some((key, key_pos)) => entries.push(Entry {
                    key,
                    key_pos,
                    value: node,
                }),
                None => match node.kind {
                    NodeKind::Scalar { text, .. } => *pending_key = Some((text, node.pos)),
                    NodeKind::Null => *pending_key = Some((String::new(), node.pos)),
                    _ => return Err(syntax(node.pos, "a mapping key must be plain text")),
                },
            },
        }
        Ok(())
    }
}

fn count_nodes(node: &Node) -> usize {
    match &node.kind {
        NodeKind::Map(entries) => 1 + entries.iter().map(|e| count_nodes(&e.value)).sum::<usize>(),
        NodeKind::Seq(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

fn scalar_node(text: &str, style: ScalarStyle, pos: Pos) -> Node {
    let quoted = style != ScalarStyle::Plain;
    let is_null = !quoted && matches!(text, "" | "~" | "null" | "Null" | "NULL");
    let kind = if is_null {
        NodeKind::Null
    } else {
        NodeKind::Scalar {
            text: text.to_string(),
            quoted,
        }
    };
    Node { kind, pos }
}

fn syntax(pos: Pos, message: &str) -> SyntaxError {
    SyntaxError {
        pos,
        path: String::new(),
        message: message.to_string(),
    }
}

/// Rewrites `a.b: x` into `a: {b: x}` at every level, merging with keys written nested, and
/// rejects keys given twice.
fn expand_dotted_keys(node: Node, path: &str) -> Result<Node, SyntaxError> {
    match node.kind {
        NodeKind::Map(entries) => {
            let mut out: Vec<Entry> = Vec::new();
            for entry in entries {
                let segments: Vec<&str> = entry.key.split('.').collect();
                if segments.iter().any(|s| s.is_empty()) {
                    return Err(SyntaxError {
                        pos: entry.key_pos,
                        path: join_key(path, &entry.key),
                        message: format!("key `{}` has an empty part", entry.key),
                    });
                }
                let value = expand_dotted_keys(entry.value, &join_key(path, &entry.key))?;
                insert(&mut out, &segments, entry.key_pos, value, path)?;
            }
            Ok(Node {
                kind: NodeKind::Map(out),
                pos: node.pos,
            })
        }
        NodeKind::Seq(items) => {
            let items = items
                .into_iter()
                .enumerate()
                .map(|(i, item)| expand_dotted_keys(item, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?;
            Ok(Node {
                kind: NodeKind::Seq(items),
                pos: node.pos,
            })
        }
        kind => Ok(Node {
            kind,
            pos: node.pos,
        }),
    }
}

fn insert(
    entries: &mut Vec<Entry>,
    segments: &[&str],
    key_pos: Pos,
    value: Node,
    parent: &str,
) -> Result<(), SyntaxError> {
    let Some((first, rest)) = segments.split_first() else {
        return Ok(());
    };
    let path = join_key(parent, first);
    let existing = entries.iter_mut().find(|e| e.key == *first);
    match (existing, rest.is_empty()) {
        (None, true) => entries.push(Entry {
            key: first.to_string(),
            key_pos,
            value,
        }),
        (None, false) => {
            let mut children = Vec::new();
            insert(&mut children, rest, key_pos, value, &path)?;
            entries.push(Entry {
                key: first.to_string(),
                key_pos,
                value: Node {
                    kind: NodeKind::Map(children),
                    pos: key_pos,
                },
            });
        }
        (Some(existing), _) => {
            let NodeKind::Map(children) = &mut existing.value.kind else {
                return Err(duplicate(&path, key_pos, existing.key_pos));
            };
            if rest.is_empty() {
                let NodeKind::Map(new_children) = value.kind else {
                    return Err(duplicate(&path, key_pos, existing.key_pos));
                };
                for child in new_children {
                    let key = child.key.clone();
                    insert(children, &[key.as_str()], child.key_pos, child.value, &path)?;
                }
            } else {
                insert(children, rest, key_pos, value, &path)?;
            }
        }
    }
    Ok(())
}

fn duplicate(path: &str, pos: Pos, first: Pos) -> SyntaxError {
    SyntaxError {
        pos,
        path: path.to_string(),
        message: format!("key is set twice (first at line {})", first.line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(text: &str) -> Node {
        parse(text).expect("parses").expect("not empty")
    }

    #[test]
    fn dotted_and_nested_keys_are_the_same() {
        let dotted = tree("output.elasticsearch:\n  ssl.key: k\n  hosts: [a]\n");
        let nested = tree("output:\n  elasticsearch:\n    ssl:\n      key: k\n    hosts: [a]\n");
        assert_eq!(dotted.to_json(), nested.to_json());
    }

    #[test]
    fn dotted_keys_merge_with_nested_ones() {
        let t = tree("monitoring.enabled: true\nmonitoring:\n  elasticsearch:\n");
        assert_eq!(
            t.to_json(),
            serde_json::json!({"monitoring": {"enabled": true, "elasticsearch": null}})
        );
    }

    #[test]
    fn duplicate_keys_are_rejected_with_both_lines() {
        let err = parse("a:\n  b: 1\na.b: 2\n").expect_err("duplicate");
        assert_eq!(err.path, "a.b");
        assert_eq!(err.pos.line, 3);
        assert!(err.message.contains("first at line 2"), "{}", err.message);
    }

    #[test]
    fn positions_are_one_based() {
        let t = tree("timebeat:\n  http:\n    bind_port: 80\n");
        let port = t.lookup("timebeat.http.bind_port").expect("found");
        assert_eq!(port.pos, Pos { line: 3, col: 16 });
    }

    #[test]
    fn lookup_handles_indices_and_missing_paths() {
        let t = tree("a:\n  - x: 1\n  - x: 2\n");
        assert_eq!(
            t.lookup("a[1].x").map(Node::to_json),
            Some(serde_json::json!(2))
        );
        assert!(t.lookup("a[5].x").is_none());
        assert_eq!(t.pos_of("a[1].nope").line, 3);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n").expect_err("unclosed");
        assert!(err.pos.line >= 1);
        assert!(err.message.starts_with("YAML syntax error"));
    }

    #[test]
    fn empty_documents_are_none() {
        assert_eq!(parse("# only a comment\n").expect("parses"), None);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let p = i - 1;
            doc.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        assert!(parse(&doc).is_err());
    }

    #[test]
    fn json_is_accepted() {
        let t = tree(r#"{"timebeat": {"http": {"enable": true, "bind_port": 8088}}}"#);
        assert_eq!(
            t.to_json(),
            serde_json::json!({"timebeat": {"http": {"enable": true, "bind_port": 8088}}})
        );
    }
}
