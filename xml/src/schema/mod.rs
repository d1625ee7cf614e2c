//! XSD validation: [`SchemaSet`] loads schema files (or the built-in event schemas), compiles
//! them into one model, and validates documents and events against it.
//!
//! Layout: `loader` reads XSD documents and follows includes/imports; `compile` turns them
//! into the `model` (types, declarations, `content` automata, `pattern` regexes, facet
//! `values`); `validate` walks an instance against the model, using `simple` for values and
//! `builtin_types`/`primitive`/`temporal` for the XSD built-in types; `wildcard` for
//! `xs:any`/`xs:anyAttribute`; `builtin` embeds our own schemas.
//!
//! Supported: global and local elements and element references; named and anonymous simple
//! and complex types; `sequence`/`choice`/`all` with `minOccurs`/`maxOccurs` on elements and
//! groups; named model groups and attribute groups; mixed content; attributes (required,
//! optional, prohibited, default, fixed, typed, qualified or not); `anyAttribute` and `any`
//! (strict/lax/skip, namespace lists); `simpleContent` and `complexContent` extension and
//! restriction; `xsi:type` (with `block`), `xsi:nil` (with `nillable`), abstract elements and
//! types; simple-type restriction with `enumeration`, `pattern`, `length`/`minLength`/
//! `maxLength`, `min/maxInclusive`/`Exclusive`, `totalDigits`/`fractionDigits`, `whiteSpace`;
//! `xs:list` and `xs:union`; the XSD 1.0 built-in types (plus `dateTimeStamp` and the two
//! duration subtypes of 1.1) with checked lexical forms; ID/IDREF; `include` (including
//! chameleon includes) and `import`; `targetNamespace`, `elementFormDefault`,
//! `attributeFormDefault`.
//!
//! Refused at load (an error naming file, line and construct): substitution groups, identity
//! constraints (`unique`/`key`/`keyref`), `redefine`/`override`, notations, and the XSD 1.1
//! additions (`assert`, `alternative`, `openContent`, `explicitTimezone`). URL
//! `schemaLocation`s are not fetched.

pub(crate) mod builtin;
mod builtin_types;
mod compile;
mod content;
mod loader;
mod model;
mod pattern;
mod primitive;
mod simple;
mod temporal;
mod validate;
mod values;
mod wildcard;

use crate::document::{Document, Element, NodeId};
use crate::envelope;
use crate::error::{Error, ErrorKind, Result};
use crate::EVENTS_NS;
pub(crate) use builtin_types::{is_ncname, parse_float};

/// Whether `v` is a valid `xs:dateTime`.
#[cfg(test)]
pub(crate) fn is_date_time(v: &str) -> bool {
    temporal::parse(builtin_types::Primitive::DateTime, v).is_some()
}
use loader::{Location, SchemaDoc};
use model::Model;
use std::path::Path;
use std::sync::Arc;

/// A set of compiled schemas. Cheap to clone (the compiled model is shared), `Send + Sync`.
#[derive(Debug, Clone)]
pub struct SchemaSet {
    docs: Arc<Vec<SchemaDoc>>,
    model: Arc<Model>,
}

/// What [`SchemaSet::validate_event`] found: the event's type and where it sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInfo {
    /// The event type: the event element's local name (also its routing key).
    pub name: String,
    /// The event element (the envelope's child, or the root of a bare event).
    pub element: NodeId,
}

impl Default for SchemaSet {
    fn default() -> Self {
        Self::new()
    }
}

impl SchemaSet {
    /// An empty set (only the XSD built-in types).
    pub fn new() -> SchemaSet {
        SchemaSet {
            docs: Arc::new(Vec::new()),
            model: Arc::new(compile::compile(&[]).unwrap_or_default()),
        }
    }

    /// The event schemas shipped inside this crate (see `xml/schemas/`).
    pub fn builtin() -> Result<SchemaSet> {
        let mut set = SchemaSet::new();
        let mut docs = Vec::new();
        for (name, text) in builtin::SCHEMAS {
            loader::load_tree(
                &[],
                &mut docs,
                &format!("builtin:{name}"),
                text,
                Location::Builtin(name),
                None,
            )?;
        }
        set.commit(docs)?;
        Ok(set)
    }

    /// A set holding every `*.xsd` file of a folder.
    pub fn from_dir(path: &Path) -> Result<SchemaSet> {
        let mut set = SchemaSet::new();
        set.load_dir(path)?;
        Ok(set)
    }

    /// Adds every `*.xsd` file of a folder (not recursive), compiled together so files may
    /// refer to each other in any order. Returns how many files were read. On error nothing
    /// is added.
    pub fn load_dir(&mut self, path: &Path) -> Result<usize> {
        let entries = std::fs::read_dir(path).map_err(|e| {
            Error::new(ErrorKind::Io, format!("cannot read schema folder: {e}"))
                .in_file(path.display().to_string())
        })?;
        let mut files = Vec::new();
        for entry in entries {
            let p = entry.map_err(Error::from)?.path();
            if p.extension().is_some_and(|e| e == "xsd") && p.is_file() {
                files.push(p);
            }
        }
        files.sort();
        let mut docs = Vec::new();
        for f in &files {
            self.read_into(f, &mut docs)?;
        }
        self.commit(docs)?;
        Ok(files.len())
    }

    /// Adds one schema file (and what it includes or imports). On error nothing is added.
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        let mut docs = Vec::new();
        self.read_into(path, &mut docs)?;
        self.commit(docs)
    }

    /// Adds a schema given as text; `name` is used in messages. Relative includes cannot be
    /// resolved from text.
    pub fn add_str(&mut self, name: &str, text: &str) -> Result<()> {
        let mut docs = Vec::new();
        loader::load_tree(&self.docs, &mut docs, name, text, Location::Text, None)?;
        self.commit(docs)
    }

    fn read_into(&self, path: &Path, docs: &mut Vec<SchemaDoc>) -> Result<()> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(ErrorKind::Io, format!("cannot read schema: {e}")).in_file(&name)
        })?;
        let location =
            Location::File(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()));
        loader::load_tree(&self.docs, docs, &name, &text, location, None)
    }

    /// Compiles the existing documents plus `new` together; keeps the old state on error.
    fn commit(&mut self, new: Vec<SchemaDoc>) -> Result<()> {
        if new.is_empty() {
            return Ok(());
        }
        let mut all: Vec<SchemaDoc> = Vec::with_capacity(self.docs.len() + new.len());
        all.extend(self.docs.iter().cloned());
        all.extend(new);
        let model = compile::compile(&all)?;
        self.docs = Arc::new(all);
        self.model = Arc::new(model);
        Ok(())
    }

    /// Names of the schema files in the set, in load order.
    pub fn files(&self) -> Vec<&str> {
        self.docs.iter().map(|d| &*d.name).collect()
    }

    /// Event types known to the set: global elements in the events namespace, sorted.
    pub fn event_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .model
            .global_elements
            .iter()
            .filter(|(ns, _, _)| *ns == EVENTS_NS)
            .map(|(_, local, _)| local)
            .collect();
        names.sort_unstable();
        names
    }

    /// Whether an event type is declared.
    pub fn has_event(&self, name: &str) -> bool {
        self.model.global_elements.get(EVENTS_NS, name).is_some()
    }

    /// Validates an event document: the envelope rule, then the event element against the
    /// global declaration of its name in the events namespace.
    pub fn validate_event(&self, doc: &Document) -> Result<EventInfo> {
        let event = envelope::event_element(doc)?;
        if event.namespace() != EVENTS_NS {
            let found = if event.namespace().is_empty() {
                "no namespace".to_string()
            } else {
                format!("namespace '{}'", event.namespace())
            };
            return Err(Error::new(
                ErrorKind::Envelope,
                format!(
                    "element <{}>: an event must be in namespace '{EVENTS_NS}', found {found}",
                    event.local_name()
                ),
            )
            .at(event.line(), event.column())
            .on_element(event.local_name()));
        }
        let Some(&decl) = self
            .model
            .global_elements
            .get(EVENTS_NS, event.local_name())
        else {
            return Err(Error::new(
                ErrorKind::UnknownEvent,
                format!(
                    "element <{}>: no loaded schema declares this event type",
                    event.local_name()
                ),
            )
            .at(event.line(), event.column())
            .on_element(event.local_name()));
        };
        validate::validate(&self.model, event, decl)?;
        Ok(EventInfo {
            name: event.local_name().to_string(),
            element: event.id(),
        })
    }

    /// Validates any document: its root against the global declaration of its name.
    pub fn validate(&self, doc: &Document) -> Result<()> {
        self.validate_element(doc.root())
    }

    /// Validates one element (and its subtree) against the global declaration of its name.
    pub fn validate_element(&self, element: Element<'_>) -> Result<()> {
        let Some(&decl) = self
            .model
            .global_elements
            .get(element.namespace(), element.local_name())
        else {
            return Err(Error::new(
                ErrorKind::UnknownEvent,
                format!(
                    "element <{}>: no global declaration in namespace '{}'",
                    element.local_name(),
                    element.namespace()
                ),
            )
            .at(element.line(), element.column())
            .on_element(element.local_name()));
        };
        validate::validate(&self.model, element, decl)
    }
}

#[cfg(test)]
mod tests;
