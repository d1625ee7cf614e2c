//! A small, read-only DOM: the parsed form every other part of the crate works on.
//!
//! A [`Document`] is parsed once from text (see [`parse`]) and then validated, filtered and
//! decoded without reparsing. Nodes live in one arena in document order (elements and text
//! alike), so a node's index is also its position in document order, which the XPath engine
//! uses for sorting and de-duplication. Every element keeps the line and column of its start
//! tag for error messages, its namespace declarations (needed to resolve QName values such as
//! `xsi:type` or `type="e:Foo"` in schemas) and its attributes in document order.

pub(crate) mod chars;
pub mod limits;
pub mod parse;
pub mod write;

use std::borrow::Cow;

/// Index of a node (element or text) in its document; also its document-order position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// A parsed XML document. Build one with [`Document::parse`].
#[derive(Debug, Clone)]
pub struct Document {
    pub(crate) nodes: Vec<Node>,
    /// Interned namespace URIs; index 0 is the empty string, meaning "no namespace".
    pub(crate) namespaces: Vec<Box<str>>,
    pub(crate) root: NodeId,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) parent: Option<NodeId>,
    pub(crate) data: NodeData,
}

#[derive(Debug, Clone)]
pub(crate) enum NodeData {
    Element(Box<ElementData>),
    Text(Box<str>),
}

#[derive(Debug, Clone)]
pub(crate) struct ElementData {
    pub(crate) ns: u32,
    pub(crate) local: Box<str>,
    pub(crate) prefix: Option<Box<str>>,
    pub(crate) attrs: Vec<AttributeData>,
    pub(crate) children: Vec<NodeId>,
    /// `xmlns` / `xmlns:p` declarations made on this element: (prefix, URI); prefix `None` is
    /// the default namespace and an empty URI undeclares it.
    pub(crate) ns_decls: Vec<(Option<Box<str>>, Box<str>)>,
    pub(crate) line: u32,
    pub(crate) column: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct AttributeData {
    pub(crate) ns: u32,
    pub(crate) local: Box<str>,
    pub(crate) prefix: Option<Box<str>>,
    pub(crate) value: Box<str>,
}

/// A borrowed view of one element.
#[derive(Debug, Clone, Copy)]
pub struct Element<'a> {
    doc: &'a Document,
    id: NodeId,
    data: &'a ElementData,
}

/// A borrowed view of one attribute.
#[derive(Debug, Clone, Copy)]
pub struct Attribute<'a> {
    doc: &'a Document,
    data: &'a AttributeData,
}

/// A child of an element: an element or a run of character data.
#[derive(Debug, Clone, Copy)]
pub enum Child<'a> {
    /// A child element.
    Element(Element<'a>),
    /// Character data (entities resolved, CDATA merged in).
    Text(&'a str),
}

impl Document {
    /// Parses XML text into a document; see [`parse`] for what is checked.
    pub fn parse(text: &str) -> crate::Result<Document> {
        parse::parse(text)
    }

    /// Parses XML text under `limits` (see [`limits`]); the first limit exceeded is an
    /// [`ErrorKind::Limit`](crate::ErrorKind::Limit) error naming it.
    pub fn parse_with(text: &str, limits: &limits::Limits) -> crate::Result<Document> {
        parse::parse_with(text, limits)
    }

    /// The document (root) element.
    pub fn root(&self) -> Element<'_> {
        // Invariant kept by the parser (the only constructor): the root id names an element.
        match &self.nodes[self.root.index()].data {
            NodeData::Element(data) => Element {
                doc: self,
                id: self.root,
                data,
            },
            NodeData::Text(_) => unreachable!("a document's root is always an element"),
        }
    }

    /// The element with this id, or `None` if the id names a text node or nothing.
    pub fn element(&self, id: NodeId) -> Option<Element<'_>> {
        match &self.nodes.get(id.index())?.data {
            NodeData::Element(data) => Some(Element {
                doc: self,
                id,
                data,
            }),
            NodeData::Text(_) => None,
        }
    }

    /// Number of nodes (elements and text runs).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub(crate) fn ns_uri(&self, index: u32) -> &str {
        self.namespaces
            .get(index as usize)
            .map(|s| &**s)
            .unwrap_or("")
    }

    pub(crate) fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id.index())
    }

    /// Serialises the document back to XML text (see [`mod@write`]).
    pub fn to_xml(&self) -> String {
        write::document_to_string(self)
    }
}

impl<'a> Element<'a> {
    /// This element's id in its document.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The document this element belongs to.
    pub fn document(&self) -> &'a Document {
        self.doc
    }

    /// The local name (without prefix).
    pub fn local_name(&self) -> &'a str {
        &self.data.local
    }

    /// The namespace URI, `""` for none.
    pub fn namespace(&self) -> &'a str {
        self.doc.ns_uri(self.data.ns)
    }

    /// The prefix written in the source, if any.
    pub fn prefix(&self) -> Option<&'a str> {
        self.data.prefix.as_deref()
    }

    /// `prefix:local` as written in the source.
    pub fn qualified_name(&self) -> Cow<'a, str> {
        match &self.data.prefix {
            Some(p) => Cow::Owned(format!("{p}:{}", self.data.local)),
            None => Cow::Borrowed(&self.data.local),
        }
    }

    /// Whether the element has this namespace and local name.
    pub fn is(&self, namespace: &str, local: &str) -> bool {
        self.local_name() == local && self.namespace() == namespace
    }

    /// 1-based line of the start tag.
    pub fn line(&self) -> u32 {
        self.data.line
    }

    /// 1-based column (in characters) of the start tag's `<`.
    pub fn column(&self) -> u32 {
        self.data.column
    }

    /// The parent element, `None` for the root.
    pub fn parent(&self) -> Option<Element<'a>> {
        self.doc.element(self.doc.node(self.id)?.parent?)
    }

    /// Attributes in document order (namespace declarations are not attributes).
    pub fn attributes(&self) -> impl Iterator<Item = Attribute<'a>> + 'a {
        let doc = self.doc;
        self.data
            .attrs
            .iter()
            .map(move |data| Attribute { doc, data })
    }

    pub(crate) fn attribute_count(&self) -> usize {
        self.data.attrs.len()
    }

    pub(crate) fn attribute_at(&self, index: usize) -> Option<Attribute<'a>> {
        self.data.attrs.get(index).map(|data| Attribute {
            doc: self.doc,
            data,
        })
    }

    /// The value of the attribute with this namespace (`""` for none) and local name.
    pub fn attribute(&self, namespace: &str, local: &str) -> Option<&'a str> {
        self.attributes()
            .find(|a| a.local_name() == local && a.namespace() == namespace)
            .map(|a| a.value())
    }

    /// Children in document order.
    pub fn children(&self) -> impl Iterator<Item = Child<'a>> + 'a {
        let doc = self.doc;
        self.data
            .children
            .iter()
            .filter_map(move |&id| match &doc.node(id)?.data {
                NodeData::Element(data) => Some(Child::Element(Element { doc, id, data })),
                NodeData::Text(t) => Some(Child::Text(t)),
            })
    }

    pub(crate) fn child_ids(&self) -> &'a [NodeId] {
        &self.data.children
    }

    /// Child elements in document order.
    pub fn child_elements(&self) -> impl Iterator<Item = Element<'a>> + 'a {
        self.children().filter_map(|c| match c {
            Child::Element(e) => Some(e),
            Child::Text(_) => None,
        })
    }

    /// The first child element with this namespace and local name.
    pub fn first_child(&self, namespace: &str, local: &str) -> Option<Element<'a>> {
        self.child_elements().find(|e| e.is(namespace, local))
    }

    /// The element's own character data (its text children joined; descendants excluded).
    pub fn text(&self) -> Cow<'a, str> {
        let mut texts = self.children().filter_map(|c| match c {
            Child::Text(t) => Some(t),
            Child::Element(_) => None,
        });
        let Some(first) = texts.next() else {
            return Cow::Borrowed("");
        };
        match texts.next() {
            None => Cow::Borrowed(first),
            Some(second) => {
                let mut all = String::from(first);
                all.push_str(second);
                texts.for_each(|t| all.push_str(t));
                Cow::Owned(all)
            }
        }
    }

    /// Whether the element has any child element.
    pub fn has_child_elements(&self) -> bool {
        self.child_elements().next().is_some()
    }

    /// The XPath string-value: all descendant character data in document order.
    pub fn string_value(&self) -> Cow<'a, str> {
        if !self.has_child_elements() {
            return self.text();
        }
        let mut out = String::new();
        self.collect_text(&mut out);
        Cow::Owned(out)
    }

    fn collect_text(&self, out: &mut String) {
        for child in self.children() {
            match child {
                Child::Text(t) => out.push_str(t),
                Child::Element(e) => e.collect_text(out),
            }
        }
    }

    /// Resolves a prefix (`None` for the default namespace) against the declarations in
    /// scope here; `Some("")` means "no namespace" (an undeclared default).
    pub fn lookup_namespace(&self, prefix: Option<&str>) -> Option<&'a str> {
        if prefix == Some("xml") {
            return Some(crate::XML_NS);
        }
        let mut current = Some(*self);
        while let Some(e) = current {
            for (p, uri) in &e.data.ns_decls {
                if p.as_deref() == prefix {
                    return Some(uri);
                }
            }
            current = e.parent();
        }
        match prefix {
            None => Some(""),
            Some(_) => None,
        }
    }

    /// Namespace declarations made on this element: (prefix, URI).
    pub fn namespace_declarations(&self) -> impl Iterator<Item = (Option<&'a str>, &'a str)> + 'a {
        self.data
            .ns_decls
            .iter()
            .map(|(p, uri)| (p.as_deref(), &**uri))
    }
}

impl<'a> Attribute<'a> {
    /// The local name.
    pub fn local_name(&self) -> &'a str {
        &self.data.local
    }

    /// The namespace URI, `""` for none (unprefixed attributes have none).
    pub fn namespace(&self) -> &'a str {
        self.doc.ns_uri(self.data.ns)
    }

    /// The prefix written in the source, if any.
    pub fn prefix(&self) -> Option<&'a str> {
        self.data.prefix.as_deref()
    }

    /// The normalised value (entities resolved, line breaks and tabs turned into spaces).
    pub fn value(&self) -> &'a str {
        &self.data.value
    }

    /// `prefix:local` as written in the source.
    pub fn qualified_name(&self) -> Cow<'a, str> {
        match &self.data.prefix {
            Some(p) => Cow::Owned(format!("{p}:{}", self.data.local)),
            None => Cow::Borrowed(&self.data.local),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"<?xml version="1.0"?>
<e:Event xmlns:e="urn:e" xmlns="urn:d">
  <Item a="1" e:b="2">one<![CDATA[<two>]]>&amp;three</Item>
  <e:Other/>
</e:Event>"#;

    #[test]
    fn resolves_element_and_attribute_namespaces() {
        let doc = Document::parse(DOC).unwrap();
        let root = doc.root();
        assert!(root.is("urn:e", "Event"));
        let item = root.child_elements().next().unwrap();
        assert!(item.is("urn:d", "Item"));
        assert_eq!(item.attribute("", "a"), Some("1"));
        assert_eq!(item.attribute("urn:e", "b"), Some("2"));
        let other = root.child_elements().nth(1).unwrap();
        assert!(other.is("urn:e", "Other"));
    }

    #[test]
    fn text_merges_cdata_and_entities() {
        let doc = Document::parse(DOC).unwrap();
        let item = doc.root().child_elements().next().unwrap();
        assert_eq!(item.text(), "one<two>&three");
    }

    #[test]
    fn keeps_line_and_column_of_every_element() {
        let doc = Document::parse(DOC).unwrap();
        let root = doc.root();
        assert_eq!((root.line(), root.column()), (2, 1));
        let item = root.child_elements().next().unwrap();
        assert_eq!((item.line(), item.column()), (3, 3));
        let other = root.child_elements().nth(1).unwrap();
        assert_eq!((other.line(), other.column()), (4, 3));
    }

    #[test]
    fn string_value_joins_descendant_text() {
        let doc = Document::parse("<a>x<b>y<c>z</c></b>w</a>").unwrap();
        assert_eq!(doc.root().string_value(), "xyzw");
        assert_eq!(doc.root().text(), "xw");
    }

    #[test]
    fn looks_up_prefixes_through_ancestors() {
        let doc = Document::parse(DOC).unwrap();
        let item = doc.root().child_elements().next().unwrap();
        assert_eq!(item.lookup_namespace(Some("e")), Some("urn:e"));
        assert_eq!(item.lookup_namespace(None), Some("urn:d"));
        assert_eq!(item.lookup_namespace(Some("nope")), None);
    }
}
