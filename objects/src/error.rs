//! The crate's one error type.
//!
//! Loading a definition, running a filter or a condition, hashing a password and applying a
//! change set all fail with an [`Error`]: a [`ErrorKind`], a message, and where known the file
//! and line of the definition it concerns, and for a refused change the attribute and the
//! [`Rule`] that refused it. `Display` prints one line, `file:line: message`, so the command
//! line prints errors as they stand.

use std::fmt;

/// What went wrong, broadly; the message says precisely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file or folder could not be read.
    Io,
    /// A definition is not well-formed XML or does not satisfy the definition schema.
    Schema,
    /// A definition names a filter, condition, type, backend or object nobody defines.
    Unknown,
    /// A definition uses a feature this crate deliberately does not support.
    Unsupported,
    /// A definition contradicts itself or another one (duplicate name, dependency loop …).
    Definition,
    /// A filter could not process its values (bad date, empty ID pool …).
    Filter,
    /// A change set was refused by one of the model's rules.
    Refused,
}

/// The model rule that refused a change (see [`crate::model`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The attribute is not part of the object type with its active extensions.
    UnknownAttribute,
    /// A value does not have the attribute's type.
    WrongType,
    /// A mandatory attribute would be left without a value.
    Mandatory,
    /// The attribute is read-only.
    ReadOnly,
    /// Several values were given to a single-value attribute.
    MultiValue,
    /// The attribute is blocked by another attribute's value (`BlockedBy`).
    BlockedBy,
    /// A value is not one of the attribute's allowed values (`Values`).
    AllowedValues,
    /// A validator (condition chain) refused the value.
    Validator,
    /// An extension needs another extension that is not active (`RequiresExtension`).
    RequiresExtension,
    /// The extension does not exist, does not extend this base, or is (not) already active.
    Extension,
    /// An out-filter failed while computing the writes.
    Filter,
}

impl Rule {
    /// The rule's name as messages print it.
    pub fn name(self) -> &'static str {
        match self {
            Rule::UnknownAttribute => "unknown attribute",
            Rule::WrongType => "wrong type",
            Rule::Mandatory => "mandatory",
            Rule::ReadOnly => "read-only",
            Rule::MultiValue => "single value",
            Rule::BlockedBy => "blocked",
            Rule::AllowedValues => "allowed values",
            Rule::Validator => "validator",
            Rule::RequiresExtension => "requires extension",
            Rule::Extension => "extension",
            Rule::Filter => "filter",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
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
    attribute: Option<String>,
    rule: Option<Rule>,
}

impl Error {
    /// A new error without a position.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            file: None,
            line: 0,
            attribute: None,
            rule: None,
        }
    }

    /// A refused change: `attribute` (or extension) broke `rule`; `detail` says how.
    pub fn refused(attribute: impl Into<String>, rule: Rule, detail: impl fmt::Display) -> Self {
        let attribute = attribute.into();
        let mut e = Error::new(
            ErrorKind::Refused,
            format!("'{attribute}' refused ({rule}): {detail}"),
        );
        e.attribute = Some(attribute);
        e.rule = Some(rule);
        e
    }

    /// The same error, located at a 1-based line of its file.
    pub fn at(mut self, line: u32) -> Self {
        self.line = line;
        self
    }

    /// The same error, naming the file it concerns (kept if one is already set).
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        if self.file.is_none() {
            self.file = Some(file.into());
        }
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

    /// The file the error concerns, where known.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// The 1-based line, or 0 when unknown.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// For a refused change: the attribute (or extension) it concerns.
    pub fn attribute(&self) -> Option<&str> {
        self.attribute.as_deref()
    }

    /// For a refused change: the rule that refused it.
    pub fn rule(&self) -> Option<Rule> {
        self.rule
    }

    fn render(&self) -> String {
        match (&self.file, self.line) {
            (Some(file), 0) => format!("{file}: {}", self.message),
            (Some(file), line) => format!("{file}:{line}: {}", self.message),
            (None, 0) => self.message.clone(),
            (None, line) => format!("{line}: {}", self.message),
        }
    }
}

/// Shorthand used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn located_error_displays_file_line_message() {
        let e = Error::new(ErrorKind::Unknown, "unknown condition 'Bogus'")
            .at(12)
            .in_file("a.xml");
        assert_eq!(e.to_string(), "a.xml:12: unknown condition 'Bogus'");
    }

    #[test]
    fn refusal_names_attribute_and_rule() {
        let e = Error::refused("cn", Rule::ReadOnly, "the attribute is read-only");
        assert_eq!(e.attribute(), Some("cn"));
        assert_eq!(e.rule(), Some(Rule::ReadOnly));
        assert_eq!(
            e.to_string(),
            "'cn' refused (read-only): the attribute is read-only"
        );
    }

    #[test]
    fn first_file_wins() {
        let e = Error::new(ErrorKind::Io, "x").in_file("a").in_file("b");
        assert_eq!(e.file(), Some("a"));
    }
}
