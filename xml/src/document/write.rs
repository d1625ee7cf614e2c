//! Writing XML: a small streaming [`XmlWriter`] (used by the typed events) and the
//! serialisation of a parsed [`Document`] back to text.
//!
//! The writer escapes everything it is given, so callers cannot produce malformed output by
//! accident: text escapes `&`, `<`, `>` and carriage returns (which a parser would otherwise
//! turn into line feeds); attribute values also escape quotes, tabs and line breaks (which
//! attribute-value normalisation would otherwise turn into spaces). Empty elements are written
//! as `<name/>`.

use super::{Child, Document, Element};

/// A streaming XML writer producing a `String`.
#[derive(Debug, Default, Clone)]
pub struct XmlWriter {
    out: String,
    stack: Vec<String>,
    tag_open: bool,
}

impl XmlWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Opens an element `<name`; attributes may follow until content is written.
    pub fn start(&mut self, name: &str) -> &mut Self {
        self.close_start_tag();
        self.out.push('<');
        self.out.push_str(name);
        self.stack.push(name.to_owned());
        self.tag_open = true;
        self
    }

    /// Adds an attribute to the element just opened (ignored once content was written).
    pub fn attribute(&mut self, name: &str, value: &str) -> &mut Self {
        if self.tag_open {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape_attribute(value, &mut self.out);
            self.out.push('"');
        }
        self
    }

    /// Writes escaped character data.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.close_start_tag();
        escape_text(text, &mut self.out);
        self
    }

    /// Closes the innermost open element.
    pub fn end(&mut self) -> &mut Self {
        if let Some(name) = self.stack.pop() {
            if self.tag_open {
                self.out.push_str("/>");
                self.tag_open = false;
            } else {
                self.out.push_str("</");
                self.out.push_str(&name);
                self.out.push('>');
            }
        }
        self
    }

    /// Writes `<name>text</name>`.
    pub fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.start(name);
        if !text.is_empty() {
            self.text(text);
        }
        self.end()
    }

    /// Closes every open element and returns the text.
    pub fn finish(mut self) -> String {
        while !self.stack.is_empty() {
            self.end();
        }
        self.out
    }

    fn close_start_tag(&mut self) {
        if self.tag_open {
            self.out.push('>');
            self.tag_open = false;
        }
    }
}

/// Appends `text` escaped for element content.
pub fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// Appends `value` escaped for a double-quoted attribute value.
pub fn escape_attribute(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

pub(super) fn document_to_string(doc: &Document) -> String {
    let mut out = String::new();
    write_element(doc.root(), &mut out);
    out
}

/// Writes an element (and its subtree) with the prefixes and declarations it was parsed with.
pub fn write_element(element: Element<'_>, out: &mut String) {
    let name = element.qualified_name();
    out.push('<');
    out.push_str(&name);
    for (prefix, uri) in element.namespace_declarations() {
        match prefix {
            Some(p) => {
                out.push_str(" xmlns:");
                out.push_str(p);
            }
            None => out.push_str(" xmlns"),
        }
        out.push_str("=\"");
        escape_attribute(uri, out);
        out.push('"');
    }
    for attr in element.attributes() {
        out.push(' ');
        out.push_str(&attr.qualified_name());
        out.push_str("=\"");
        escape_attribute(attr.value(), out);
        out.push('"');
    }
    let mut children = element.children().peekable();
    if children.peek().is_none() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for child in children {
        match child {
            Child::Text(t) => escape_text(t, out),
            Child::Element(e) => write_element(e, out),
        }
    }
    out.push_str("</");
    out.push_str(&name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_escapes_text_and_attributes() {
        let mut w = XmlWriter::new();
        w.start("a")
            .attribute("v", "\"x\"\n&")
            .text("1 < 2 & 3 > 2\r");
        w.start("b").end();
        let xml = w.finish();
        assert_eq!(
            xml,
            "<a v=\"&quot;x&quot;&#10;&amp;\">1 &lt; 2 &amp; 3 &gt; 2&#13;<b/></a>"
        );
        let doc = Document::parse(&xml).unwrap();
        assert_eq!(doc.root().attribute("", "v"), Some("\"x\"\n&"));
        assert_eq!(doc.root().text(), "1 < 2 & 3 > 2\r");
    }

    #[test]
    fn document_round_trips_with_prefixes() {
        let src = r#"<p:a xmlns:p="urn:p" xmlns="urn:d" p:x="1"><b>t&amp;</b><c/></p:a>"#;
        let doc = Document::parse(src).unwrap();
        assert_eq!(doc.to_xml(), src);
    }
}
