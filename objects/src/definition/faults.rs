//! A file's faults as the reader finds them, each located, and looking names up: a name
//! this crate deliberately does not support says "unsupported", any other unknown name says
//! "unknown".

use super::elements::trimmed;
use super::unsupported::{self, Feature};
use super::Backend;
use crate::error::{Error, ErrorKind};
use crate::types::AttrType;
use clacks_xml::document::Element;

/// The faults found in one file so far.
pub(super) struct Faults {
    /// The file, for messages.
    pub(super) file: String,
    /// The faults, in document order.
    pub(super) errors: Vec<Error>,
}

impl Faults {
    /// No faults yet in `file`.
    pub(super) fn new(file: &str) -> Self {
        Faults {
            file: file.to_string(),
            errors: Vec::new(),
        }
    }

    /// Records a fault at `line`.
    pub(super) fn fail(&mut self, kind: ErrorKind, line: u32, message: impl Into<String>) {
        self.errors
            .push(Error::new(kind, message).at(line).in_file(&self.file));
    }

    /// Looks up `name` of `feature` with `find`; reports it unsupported or unknown.
    pub(super) fn lookup<T>(
        &mut self,
        feature: Feature,
        name: &str,
        line: u32,
        find: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        if let Some(t) = find(name) {
            return Some(t);
        }
        match unsupported::message(feature, name) {
            Some(m) => self.fail(ErrorKind::Unsupported, line, m),
            None => self.fail(
                ErrorKind::Unknown,
                line,
                format!("unknown {} '{name}'", feature.word()),
            ),
        }
        None
    }

    /// The type named by `el`'s text (`AnyType` after recording an unknown one).
    pub(super) fn attr_type(&mut self, el: Element<'_>) -> AttrType {
        let name = trimmed(el);
        self.lookup(Feature::Type, &name, el.line(), AttrType::from_name)
            .unwrap_or(AttrType::AnyType)
    }

    /// The backend `name` (`NULL` after recording an unknown one).
    pub(super) fn backend(&mut self, name: &str, line: u32) -> Backend {
        match Backend::from_name(name) {
            Some(b) => b,
            None => {
                self.fail(
                    ErrorKind::Unknown,
                    line,
                    format!("unknown backend '{name}'"),
                );
                Backend::Null
            }
        }
    }
}
