//! Reading XML text into a [`Document`] with quick-xml's namespace-aware reader.
//!
//! quick-xml is a streaming tokenizer and leaves several well-formedness rules to its caller;
//! this module adds the ones that matter for trusting a DOM: exactly one root element, no text
//! outside it, every element closed, prefixes declared, only the five predefined entities (a
//! document with a DOCTYPE is refused outright, so no entity expansion can blow up), legal XML
//! characters, attribute-value normalisation (tabs and line breaks become spaces, as XML 1.0
//! §3.3.3 requires) and the [`Limits`] (depth, attributes per element, name length, text size)
//! so hostile input costs bounded time and memory. Namespace interning and the
//! duplicate-attribute check use hash sets, so a document with tens of thousands of distinct
//! `xmlns` values or attributes stays linear. Line and column of each start tag are computed
//! incrementally from byte offsets as the reader advances, so positions cost one pass overall.

use super::chars::{is_qname, is_xml_char};
use super::limits::{Limit, Limits};
use super::{AttributeData, Document, ElementData, Node, NodeData, NodeId};
use crate::error::{Error, ErrorKind, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use std::collections::{HashMap, HashSet};

/// Parses `text` into a [`Document`] under the default [`Limits`]; errors are
/// [`ErrorKind::Malformed`] (or [`ErrorKind::Limit`]) with a position.
pub fn parse(text: &str) -> Result<Document> {
    parse_with(text, &Limits::default())
}

/// Parses `text` under `limits`; the first limit exceeded stops the parse with an
/// [`ErrorKind::Limit`] error naming it.
pub fn parse_with(text: &str, limits: &Limits) -> Result<Document> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().enable_all_checks(true);
    let mut builder = Builder::new(text, *limits);
    loop {
        let start = reader.buffer_position() as usize;
        let (resolved, event) = match reader.read_resolved_event() {
            Ok(pair) => pair,
            Err(e) => {
                let at = reader.error_position() as usize;
                return Err(builder.error_at(at, format!("malformed XML: {e}")));
            }
        };
        match event {
            Event::Start(tag) => {
                let ns = builder.resolve_element(resolved, &tag, start)?;
                builder.open(&reader, ns, &tag, start)?;
            }
            Event::Empty(tag) => {
                let ns = builder.resolve_element(resolved, &tag, start)?;
                builder.open(&reader, ns, &tag, start)?;
                builder.close();
            }
            Event::End(_) => builder.close(),
            Event::Text(t) => {
                let content = t
                    .xml10_content()
                    .map_err(|e| builder.error_at(start, format!("malformed XML: {e}")))?;
                builder.text(&content, start)?;
            }
            Event::CData(c) => {
                let content = c
                    .xml10_content()
                    .map_err(|e| builder.error_at(start, format!("malformed XML: {e}")))?;
                // A CDATA section holds characters like any text: the same legality check
                // applies (found by fuzzing: a NUL in CDATA was accepted, then written back
                // as text that no parser reads).
                builder.text(&content, start)?;
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(ch)) if is_xml_char(ch) => ch,
                    Ok(Some(ch)) => {
                        return Err(builder.error_at(
                            start,
                            format!(
                                "character reference to U+{:04X}, not allowed in XML",
                                ch as u32
                            ),
                        ))
                    }
                    Ok(None) => {
                        let name = String::from_utf8_lossy(&r);
                        match predefined_entity(&name) {
                            Some(ch) => ch,
                            None => {
                                return Err(builder.error_at(
                                    start,
                                    format!("undefined entity &{name}; (only the five predefined entities are supported)"),
                                ))
                            }
                        }
                    }
                    Err(e) => return Err(builder.error_at(start, format!("malformed XML: {e}"))),
                };
                let mut buf = [0u8; 4];
                builder.cdata(resolved.encode_utf8(&mut buf), start)?;
            }
            Event::DocType(_) => {
                // Entities and external subsets are how billion-laughs and XXE work; events
                // and schemas never need them, so refuse rather than half-support a DTD.
                return Err(builder.error_at(
                    start,
                    "a DOCTYPE is not allowed: documents with a DTD are refused (no entities, no external subsets)".into(),
                ));
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    builder.finish(text.len())
}

fn predefined_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => return None,
    })
}

/// Turns byte offsets into 1-based line and character column, scanning forward only once
/// (line and column are carried along, so a long single-line document stays linear).
struct Positions<'a> {
    text: &'a [u8],
    scanned: usize,
    line: u32,
    column: u32,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Self {
        Positions {
            text: text.as_bytes(),
            scanned: 0,
            line: 1,
            column: 1,
        }
    }

    fn locate(&mut self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        if offset < self.scanned {
            // Error positions may point back before the last element; rescan from the start.
            self.scanned = 0;
            self.line = 1;
            self.column = 1;
        }
        for &b in &self.text[self.scanned..offset] {
            if b == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if (b & 0xC0) != 0x80 {
                // Count characters, not bytes: UTF-8 continuation bytes look like 0b10xxxxxx.
                self.column += 1;
            }
        }
        self.scanned = offset;
        (self.line, self.column)
    }
}

struct Builder<'a> {
    positions: Positions<'a>,
    limits: Limits,
    nodes: Vec<Node>,
    namespaces: Vec<Box<str>>,
    /// URI → index into `namespaces`, so interning stays linear in distinct URIs.
    namespace_index: HashMap<Box<[u8]>, u32>,
    stack: Vec<NodeId>,
    root: Option<NodeId>,
    pending: String,
    pending_start: usize,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str, limits: Limits) -> Self {
        let mut namespace_index = HashMap::new();
        namespace_index.insert(Box::from(&b""[..]), 0);
        Builder {
            positions: Positions::new(text),
            limits,
            nodes: Vec::new(),
            namespaces: vec!["".into()],
            namespace_index,
            stack: Vec::new(),
            root: None,
            pending: String::new(),
            pending_start: 0,
        }
    }

    fn error_at(&mut self, offset: usize, message: String) -> Error {
        let (line, column) = self.positions.locate(offset);
        Error::new(ErrorKind::Malformed, message).at(line, column)
    }

    /// A limit error located at `offset`.
    fn over_limit(&mut self, offset: usize, limit: Limit, message: String) -> Error {
        let (line, column) = self.positions.locate(offset);
        Error::over_limit(limit, format!("{message} (limit {})", limit.setting())).at(line, column)
    }

    fn intern(&mut self, uri: &[u8]) -> u32 {
        if let Some(&i) = self.namespace_index.get(uri) {
            return i;
        }
        let index = self.namespaces.len() as u32;
        self.namespaces.push(String::from_utf8_lossy(uri).into());
        self.namespace_index.insert(Box::from(uri), index);
        index
    }

    fn resolve_element(
        &mut self,
        resolved: ResolveResult<'_>,
        tag: &BytesStart<'_>,
        start: usize,
    ) -> Result<u32> {
        match resolved {
            ResolveResult::Bound(ns) => Ok(self.intern(ns.into_inner())),
            ResolveResult::Unbound => Ok(0),
            ResolveResult::Unknown(prefix) => {
                let name = String::from_utf8_lossy(tag.name().into_inner()).into_owned();
                Err(self.error_at(
                    start,
                    format!(
                        "element <{name}> uses undeclared namespace prefix '{}'",
                        String::from_utf8_lossy(&prefix)
                    ),
                ))
            }
        }
    }

    fn check_chars(&mut self, text: &str, offset: usize) -> Result<()> {
        // Fast path: only control characters and U+FFFE/U+FFFF (UTF-8 lead byte 0xEF) can be
        // illegal, so most text needs one byte scan and no character decoding.
        let suspicious = |b: &u8| (*b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || *b == 0xEF;
        if !text.as_bytes().iter().any(suspicious) {
            return Ok(());
        }
        if let Some(bad) = text.chars().find(|&c| !is_xml_char(c)) {
            return Err(self.error_at(
                offset,
                format!("character U+{:04X} is not allowed in XML", bad as u32),
            ));
        }
        Ok(())
    }

    fn text(&mut self, content: &str, start: usize) -> Result<()> {
        self.check_chars(content, start)?;
        self.cdata(content, start)
    }

    fn cdata(&mut self, content: &str, start: usize) -> Result<()> {
        if self.stack.is_empty() {
            if content.chars().all(|c| c.is_ascii_whitespace()) {
                return Ok(());
            }
            let what = if self.root.is_some() {
                "after"
            } else {
                "before"
            };
            return Err(self.error_at(start, format!("text {what} the root element")));
        }
        if self.pending.is_empty() {
            self.pending_start = start;
        }
        if self.pending.len() + content.len() > self.limits.max_text {
            let max = self.limits.max_text;
            return Err(self.over_limit(
                start,
                Limit::Text,
                format!("a run of text longer than {max} bytes"),
            ));
        }
        self.pending.push_str(content);
        Ok(())
    }

    fn flush_text(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let Some(&parent) = self.stack.last() else {
            self.pending.clear();
            return;
        };
        let id = NodeId(self.nodes.len() as u32);
        // Copy out exactly and keep the buffer's capacity for the next run of text.
        let text: Box<str> = Box::from(self.pending.as_str());
        self.pending.clear();
        self.nodes.push(Node {
            parent: Some(parent),
            data: NodeData::Text(text),
        });
        if let NodeData::Element(e) = &mut self.nodes[parent.index()].data {
            e.children.push(id);
        }
    }

    fn open(
        &mut self,
        reader: &NsReader<&[u8]>,
        ns: u32,
        tag: &BytesStart<'_>,
        start: usize,
    ) -> Result<()> {
        self.flush_text();
        let qname = tag.name();
        if qname.as_ref().len() > self.limits.max_name_length {
            let max = self.limits.max_name_length;
            return Err(self.over_limit(
                start,
                Limit::NameLength,
                format!("an element name longer than {max} bytes"),
            ));
        }
        if !is_qname(qname.as_ref()) {
            let name = String::from_utf8_lossy(qname.as_ref()).into_owned();
            return Err(self.error_at(start, format!("'{name}' is not a valid element name")));
        }
        let local = String::from_utf8_lossy(qname.local_name().into_inner()).into_owned();
        let prefix = qname.prefix().map(|p| {
            String::from_utf8_lossy(p.into_inner())
                .into_owned()
                .into_boxed_str()
        });
        if self.stack.is_empty() && self.root.is_some() {
            return Err(self.error_at(
                start,
                format!("second root element <{local}>: a document has exactly one root"),
            ));
        }
        if self.stack.len() >= self.limits.max_depth {
            let max = self.limits.max_depth;
            return Err(self.over_limit(
                start,
                Limit::Depth,
                format!("element <{local}> nested deeper than {max} levels"),
            ));
        }
        let mut attrs = Vec::new();
        let mut ns_decls = Vec::new();
        // quick-xml's own duplicate check compares each attribute with every earlier one
        // (quadratic); the hash set below does the same job in linear time.
        let mut written = HashSet::new();
        let mut count = 0usize;
        for attr in tag.attributes().with_checks(false) {
            let attr = match attr {
                Ok(a) => a,
                Err(e) => return Err(self.error_at(start, format!("malformed XML: {e}"))),
            };
            count += 1;
            if count > self.limits.max_attributes {
                let max = self.limits.max_attributes;
                return Err(self.over_limit(
                    start,
                    Limit::Attributes,
                    format!("element <{local}> has more than {max} attributes"),
                ));
            }
            let key: &[u8] = attr.key.into_inner();
            if key.len() > self.limits.max_name_length {
                let max = self.limits.max_name_length;
                return Err(self.over_limit(
                    start,
                    Limit::NameLength,
                    format!("an attribute name on <{local}> longer than {max} bytes"),
                ));
            }
            if attr.value.len() > self.limits.max_text {
                let max = self.limits.max_text;
                return Err(self.over_limit(
                    start,
                    Limit::Text,
                    format!("an attribute value on <{local}> longer than {max} bytes"),
                ));
            }
            // `xmlns` and `xmlns:p` are QNames too, so one check covers declarations.
            if !is_qname(key) {
                let name = String::from_utf8_lossy(key).into_owned();
                return Err(self.error_at(
                    start,
                    format!("'{name}' is not a valid attribute name on <{local}>"),
                ));
            }
            if !written.insert(key) {
                let name = String::from_utf8_lossy(key).into_owned();
                return Err(self.error_at(
                    start,
                    format!("attribute '{name}' appears twice on <{local}>"),
                ));
            }
            let raw = String::from_utf8_lossy(&attr.value);
            let value = self.attribute_value(&raw, start)?;
            if let Some(binding) = attr.key.as_namespace_binding() {
                let prefix = match binding {
                    quick_xml::name::PrefixDeclaration::Default => None,
                    quick_xml::name::PrefixDeclaration::Named(p) => {
                        Some(String::from_utf8_lossy(p).into_owned().into_boxed_str())
                    }
                };
                ns_decls.push((prefix, value.into_boxed_str()));
                continue;
            }
            let (resolved, attr_local) = reader.resolve_attribute(attr.key);
            let attr_ns = match resolved {
                ResolveResult::Bound(n) => self.intern(n.into_inner()),
                ResolveResult::Unbound => 0,
                ResolveResult::Unknown(p) => {
                    return Err(self.error_at(
                        start,
                        format!(
                            "attribute {} of <{local}> uses undeclared namespace prefix '{}'",
                            String::from_utf8_lossy(attr.key.into_inner()),
                            String::from_utf8_lossy(&p)
                        ),
                    ))
                }
            };
            attrs.push(AttributeData {
                ns: attr_ns,
                local: String::from_utf8_lossy(attr_local.into_inner()).into(),
                prefix: attr
                    .key
                    .prefix()
                    .map(|p| String::from_utf8_lossy(p.into_inner()).into()),
                value: value.into_boxed_str(),
            });
        }
        // Names as written are unique (checked above); the namespace rule also forbids two
        // prefixes naming the same (namespace, local) pair.
        let mut expanded = HashSet::with_capacity(attrs.len());
        if let Some(a) = attrs.iter().find(|a| !expanded.insert((a.ns, &*a.local))) {
            let name = a.local.to_string();
            return Err(self.error_at(
                start,
                format!("attribute '{name}' appears twice on <{local}>"),
            ));
        }
        let (line, column) = self.positions.locate(start);
        let id = NodeId(self.nodes.len() as u32);
        let parent = self.stack.last().copied();
        self.nodes.push(Node {
            parent,
            data: NodeData::Element(Box::new(ElementData {
                ns,
                local: local.into_boxed_str(),
                prefix,
                attrs,
                children: Vec::new(),
                ns_decls,
                line,
                column,
            })),
        });
        match parent {
            Some(p) => {
                if let NodeData::Element(e) = &mut self.nodes[p.index()].data {
                    e.children.push(id);
                }
            }
            None => self.root = Some(id),
        }
        self.stack.push(id);
        Ok(())
    }

    /// Normalises and unescapes an attribute value (XML 1.0 §3.3.3 for CDATA attributes).
    fn attribute_value(&mut self, raw: &str, start: usize) -> Result<String> {
        if raw.contains('<') {
            return Err(self.error_at(start, "'<' is not allowed in an attribute value".into()));
        }
        let spaced: String = raw.replace("\r\n", " ").replace(['\t', '\n', '\r'], " ");
        match quick_xml::escape::unescape(&spaced) {
            Ok(v) => {
                let v = v.into_owned();
                self.check_chars(&v, start)?;
                Ok(v)
            }
            Err(e) => Err(self.error_at(start, format!("malformed attribute value: {e}"))),
        }
    }

    fn close(&mut self) {
        self.flush_text();
        self.stack.pop();
    }

    fn finish(mut self, end: usize) -> Result<Document> {
        if let Some(&open) = self.stack.last() {
            let name = match &self.nodes[open.index()].data {
                NodeData::Element(e) => e.local.to_string(),
                NodeData::Text(_) => String::new(),
            };
            return Err(self.error_at(
                end,
                format!("unexpected end of document: <{name}> is not closed"),
            ));
        }
        let Some(root) = self.root else {
            return Err(self.error_at(end, "no root element".into()));
        };
        Ok(Document {
            nodes: self.nodes,
            namespaces: self.namespaces,
            root,
        })
    }
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
