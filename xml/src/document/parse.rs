//! Reading XML text into a [`Document`] with quick-xml's namespace-aware reader.
//!
//! quick-xml is a streaming tokenizer and leaves several well-formedness rules to its caller;
//! this module adds the ones that matter for trusting a DOM: exactly one root element, no text
//! outside it, every element closed, prefixes declared, only the five predefined entities (no
//! DTD entities), legal XML characters, attribute-value normalisation (tabs and line breaks
//! become spaces, as XML 1.0 §3.3.3 requires) and a nesting limit so a hostile document cannot
//! exhaust the stack of the recursive validator. Line and column of each start tag are computed
//! incrementally from byte offsets as the reader advances, so positions cost one pass overall.

use super::{AttributeData, Document, ElementData, Node, NodeData, NodeId};
use crate::error::{Error, ErrorKind, Result};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Deepest element nesting accepted; events are shallow, and the limit bounds recursion.
pub const MAX_DEPTH: usize = 256;

/// Parses `text` into a [`Document`]; errors are [`ErrorKind::Malformed`] with a position.
pub fn parse(text: &str) -> Result<Document> {
    let mut reader = NsReader::from_str(text);
    reader.config_mut().enable_all_checks(true);
    let mut builder = Builder::new(text);
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
                builder.cdata(&content, start)?;
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
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
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

/// XML 1.0 `Char` production (Rust `char` already excludes surrogates).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
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
    nodes: Vec<Node>,
    namespaces: Vec<Box<str>>,
    stack: Vec<NodeId>,
    root: Option<NodeId>,
    pending: String,
    pending_start: usize,
}

impl<'a> Builder<'a> {
    fn new(text: &'a str) -> Self {
        Builder {
            positions: Positions::new(text),
            nodes: Vec::new(),
            namespaces: vec!["".into()],
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

    fn intern(&mut self, uri: &[u8]) -> u32 {
        if let Some(i) = self.namespaces.iter().position(|n| n.as_bytes() == uri) {
            return i as u32;
        }
        self.namespaces.push(String::from_utf8_lossy(uri).into());
        (self.namespaces.len() - 1) as u32
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
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error_at(
                start,
                format!("element <{local}> nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        let mut attrs = Vec::new();
        let mut ns_decls = Vec::new();
        for attr in tag.attributes() {
            let attr = match attr {
                Ok(a) => a,
                Err(e) => return Err(self.error_at(start, format!("malformed XML: {e}"))),
            };
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
        // quick-xml checks duplicate attribute names as written; the namespace rule also
        // forbids two prefixes naming the same (namespace, local) pair.
        for (i, a) in attrs.iter().enumerate() {
            if attrs[..i]
                .iter()
                .any(|b| b.ns == a.ns && b.local == a.local)
            {
                let name = a.local.to_string();
                return Err(self.error_at(
                    start,
                    format!("attribute '{name}' appears twice on <{local}>"),
                ));
            }
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
mod tests {
    use super::*;

    fn malformed(text: &str) -> Error {
        let err = parse(text).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");
        err
    }

    #[test]
    fn rejects_unclosed_element_naming_it() {
        let err = malformed("<a>\n  <b>text</b>\n");
        assert!(err.message().contains("<a>"), "{err}");
    }

    #[test]
    fn rejects_mismatched_end_tag_with_position() {
        let err = malformed("<a>\n<b></c></a>");
        assert_eq!(err.line(), 2, "{err}");
    }

    #[test]
    fn rejects_two_roots_and_stray_text() {
        assert!(malformed("<a/><b/>").message().contains("second root"));
        assert!(malformed("<a/>junk").message().contains("after the root"));
        assert!(malformed("").message().contains("no root"));
    }

    #[test]
    fn rejects_undeclared_prefix() {
        let err = malformed("<a>\n <x:b/></a>");
        assert!(
            err.message().contains("undeclared namespace prefix 'x'"),
            "{err}"
        );
        assert_eq!((err.line(), err.column()), (2, 2));
    }

    #[test]
    fn rejects_unknown_entity_and_illegal_characters() {
        assert!(malformed("<a>&nbsp;</a>").message().contains("&nbsp;"));
        assert!(malformed("<a>&#1;</a>").message().contains("U+0001"));
        assert!(malformed("<a>\u{1}</a>").message().contains("U+0001"));
    }

    #[test]
    fn rejects_duplicate_attributes_through_prefixes() {
        let err = malformed(r#"<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>"#);
        assert!(err.message().contains("twice"), "{err}");
    }

    #[test]
    fn rejects_excessive_nesting() {
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(malformed(&deep).message().contains("nested deeper"));
    }

    #[test]
    fn normalises_attribute_whitespace_but_keeps_character_references() {
        let doc = parse("<a v=\"x\ty\r\nz&#10;\"/>").unwrap();
        assert_eq!(doc.root().attribute("", "v"), Some("x y z\n"));
    }

    #[test]
    fn counts_columns_in_characters() {
        let doc = parse("<a>\n\u{e9}\u{e9}<b/></a>").unwrap();
        let b = doc.root().child_elements().next().unwrap();
        assert_eq!((b.line(), b.column()), (2, 3));
    }
}
