//! The crate's one error type.
//!
//! Every failure — malformed XML, a schema that cannot be loaded, a document that does not
//! validate, a filter that does not compile, a typed event that cannot be decoded — is an
//! [`Error`] carrying its [`ErrorKind`], a message, and where known the file, line, column and
//! element it concerns. `Display` prints one line, `file:line:column: message` (the file part
//! only when the error knows it), so a command-line tool can print it as it stands.

use std::fmt;

/// What went wrong, broadly; the message says precisely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is not well-formed XML.
    Malformed,
    /// A file or folder could not be read.
    Io,
    /// A schema is wrong: a bad attribute value, a reference to nothing, a duplicate name.
    Schema,
    /// A schema uses an XSD construct this validator does not implement.
    Unsupported,
    /// A document does not satisfy its schema.
    Invalid,
    /// A document is not an event envelope (`<Event>` with exactly one child).
    Envelope,
    /// No loaded schema declares the event (or element) a document holds.
    UnknownEvent,
    /// An XPath filter does not compile.
    XPath,
    /// A typed event cannot be built from a document (missing field, bad value).
    Decode,
    /// The input exceeds a configured limit ([`Error::limit`] says which): too deep, too many
    /// attributes, a name or text too long, an XPath filter over its evaluation budget.
    Limit,
}

/// Which limit an error is about; its name is the one the node's settings use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Limit {
    /// `Limits::max_depth` (see `document::limits`).
    Depth,
    /// `Limits::max_attributes`.
    Attributes,
    /// `Limits::max_name_length`.
    NameLength,
    /// `Limits::max_text`.
    Text,
    /// The XPath evaluation budget (steps per event) of a filter.
    XPathBudget,
}

impl Limit {
    /// The limit's name as the node's settings spell it (`[events] max_depth`, …).
    pub fn setting(self) -> &'static str {
        match self {
            Limit::Depth => "max_depth",
            Limit::Attributes => "max_attributes",
            Limit::NameLength => "max_name_length",
            Limit::Text => "max_text",
            Limit::XPathBudget => "xpath_budget",
        }
    }
}

/// An error with its context; see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct Error {
    kind: ErrorKind,
    message: String,
    file: Option<String>,
    line: u32,
    column: u32,
    element: Option<String>,
    limit: Option<Limit>,
}

impl Error {
    /// A new error without a position.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            file: None,
            line: 0,
            column: 0,
            element: None,
            limit: None,
        }
    }

    /// An [`ErrorKind::Limit`] error about `limit`.
    pub fn over_limit(limit: Limit, message: impl Into<String>) -> Self {
        let mut error = Error::new(ErrorKind::Limit, message);
        error.limit = Some(limit);
        error
    }

    /// Which limit was exceeded, for [`ErrorKind::Limit`] errors.
    pub fn limit(&self) -> Option<Limit> {
        self.limit
    }

    /// The same error, located at `line:column` (both 1-based).
    pub fn at(mut self, line: u32, column: u32) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    /// The same error, naming the file it concerns.
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// The same error, naming the element it concerns (its local name).
    pub fn on_element(mut self, element: impl Into<String>) -> Self {
        self.element = Some(element.into());
        self
    }

    /// The broad class of the error.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message alone, without the position prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The file the error concerns, where known (schema loading names it).
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The 1-based line, or 0 when unknown.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The 1-based column (in characters), or 0 when unknown.
    pub fn column(&self) -> u32 {
        self.column
    }

    /// The element the error concerns, where there is one.
    pub fn element(&self) -> Option<&str> {
        self.element.as_deref()
    }

    fn render(&self) -> String {
        let mut out = String::new();
        if let Some(file) = &self.file {
            out.push_str(file);
            out.push(':');
        }
        if self.line > 0 {
            out.push_str(&format!("{}:{}: ", self.line, self.column));
        } else if self.file.is_some() {
            out.push(' ');
        }
        out.push_str(&self.message);
        out
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(ErrorKind::Io, e.to_string())
    }
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Formats a list of names as `<A>, <B> or <C>` for "expected …" messages.
pub(crate) struct NameList<'a, I: Clone + Iterator<Item = &'a str>>(pub I);

impl<'a, I: Clone + Iterator<Item = &'a str>> fmt::Display for NameList<'a, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.0.clone().collect();
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                f.write_str(if i + 1 == names.len() { " or " } else { ", " })?;
            }
            write!(f, "<{name}>")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_one_line_with_position_first() {
        let e = Error::new(ErrorKind::Invalid, "element <Foo>: unexpected").at(4, 3);
        assert_eq!(e.to_string(), "4:3: element <Foo>: unexpected");
        let e = e.in_file("a.xsd");
        assert_eq!(e.to_string(), "a.xsd:4:3: element <Foo>: unexpected");
    }

    #[test]
    fn display_without_position_is_the_message() {
        let e = Error::new(ErrorKind::XPath, "empty filter");
        assert_eq!(e.to_string(), "empty filter");
        assert_eq!(e.line(), 0);
    }

    #[test]
    fn name_list_reads_like_prose() {
        let names = ["A", "B", "C"];
        assert_eq!(
            NameList(names.iter().copied()).to_string(),
            "<A>, <B> or <C>"
        );
        assert_eq!(NameList(names[..1].iter().copied()).to_string(), "<A>");
    }
}
