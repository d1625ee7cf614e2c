//! [`SchemaSet`]: event schemas that compose, one compiled unit per schema file.
//!
//! As in the original project, a schema file registers events by its name: the file's stem
//! names its event (the global element of that name in the events namespace). Each file is
//! compiled on its own with what it includes and imports, so its other global declarations
//! (helper types, groups, non-event elements) resolve within that file alone, and two files
//! may both declare a `PhoneNumber` type, identical or not. A file whose stem names no event
//! element (a test's `Door.xsd` declaring `DoorOpened`) registers every global element it
//! declares in the events namespace itself.
//!
//! The same event from two files: the first registration wins (built-in schemas, then the
//! folders in the order given, files sorted by name) and the later file is recorded in
//! [`SchemaSet::warnings`] naming both — silently when the two files are identical. A
//! configured file replaces a built-in one only when its stem is listed in `override_builtin`
//! ([`SchemaSet::load_dir_overriding`]).

use super::loader::{self, Location, SchemaDoc};
use super::model::Model;
use super::{builtin, compile, validate, EventInfo};
use crate::document::{Document, Element};
use crate::envelope;
use crate::error::{Error, ErrorKind, Result};
use crate::{EVENTS_NS, XSD_NS};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::Arc;

/// A set of compiled schemas. Cheap to clone (the compiled units are shared), `Send + Sync`.
#[derive(Debug, Clone, Default)]
pub struct SchemaSet {
    units: Arc<Vec<Arc<Unit>>>,
    /// Event type → index into `units`.
    events: Arc<BTreeMap<String, usize>>,
    warnings: Arc<Vec<String>>,
}

/// One top-level schema file with everything it includes or imports, compiled together.
#[derive(Debug)]
struct Unit {
    /// The file's name as messages show it (`builtin:NAME.xsd` or the path given).
    name: Arc<str>,
    /// The file's text, so a second registration by an identical copy stays silent.
    text: Arc<str>,
    builtin: bool,
    location: Location,
    docs: Vec<SchemaDoc>,
    model: Model,
}

impl Unit {
    fn load(name: &str, text: &str, location: Location, builtin: bool) -> Result<Unit> {
        let mut docs = Vec::new();
        loader::load_tree(&[], &mut docs, name, text, location.clone(), None)?;
        let model = compile::compile(&docs)?;
        Ok(Unit {
            name: Arc::from(name),
            text: Arc::from(text),
            builtin,
            location,
            docs,
            model,
        })
    }

    /// The file's stem: `PhoneCall` for `builtin:PhoneCall.xsd` or `/x/PhoneCall.xsd`.
    fn stem(&self) -> &str {
        let base = self
            .name
            .rsplit(['/', '\\', ':'])
            .next()
            .unwrap_or(&self.name);
        base.strip_suffix(".xsd").unwrap_or(base)
    }

    /// The events this file registers (see the module documentation).
    fn events(&self) -> Vec<String> {
        let stem = self.stem();
        if self.model.global_elements.get(EVENTS_NS, stem).is_some() {
            return vec![stem.to_owned()];
        }
        let Some(top) = self.docs.first() else {
            return Vec::new();
        };
        if *top.tns != *EVENTS_NS {
            return Vec::new();
        }
        top.doc
            .root()
            .child_elements()
            .filter(|e| e.is(XSD_NS, "element"))
            .filter_map(|e| e.attribute("", "name").map(str::to_owned))
            .collect()
    }
}

impl SchemaSet {
    /// An empty set (only the XSD built-in types).
    pub fn new() -> SchemaSet {
        SchemaSet::default()
    }

    /// The event schemas shipped inside this crate (see `xml/schemas/`).
    pub fn builtin() -> Result<SchemaSet> {
        let mut units = Vec::new();
        for (name, text) in builtin::SCHEMAS {
            let label = format!("builtin:{name}");
            units.push(Unit::load(&label, text, Location::Builtin(name), true)?);
        }
        let mut set = SchemaSet::new();
        set.commit(units, &[]);
        Ok(set)
    }

    /// A set holding every `*.xsd` file of a folder.
    pub fn from_dir(path: &Path) -> Result<SchemaSet> {
        let mut set = SchemaSet::new();
        set.load_dir(path)?;
        Ok(set)
    }

    /// Adds every `*.xsd` file of a folder (not recursive), each file compiled with what it
    /// includes or imports. Returns how many files were read. On error nothing is added.
    pub fn load_dir(&mut self, path: &Path) -> Result<usize> {
        self.load_dir_overriding(path, &[])
    }

    /// [`load_dir`](Self::load_dir), where a file whose stem is in `override_builtin` replaces
    /// the built-in schema of that event instead of being ignored beside it.
    pub fn load_dir_overriding(
        &mut self,
        path: &Path,
        override_builtin: &[String],
    ) -> Result<usize> {
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
        let mut units = Vec::new();
        for f in &files {
            if let Some(unit) = self.read_file(f)? {
                units.push(unit);
            }
        }
        self.commit(units, override_builtin);
        Ok(files.len())
    }

    /// Adds one schema file (and what it includes or imports). On error nothing is added.
    pub fn add_file(&mut self, path: &Path) -> Result<()> {
        let units = self.read_file(path)?.into_iter().collect();
        self.commit(units, &[]);
        Ok(())
    }

    /// Adds a schema given as text; `name` is used in messages and its stem names the event.
    /// Relative includes cannot be resolved from text.
    pub fn add_str(&mut self, name: &str, text: &str) -> Result<()> {
        let unit = Unit::load(name, text, Location::Text, false)?;
        self.commit(vec![unit], &[]);
        Ok(())
    }

    /// Loads a file as a unit; `None` when that very file is already one.
    fn read_file(&self, path: &Path) -> Result<Option<Unit>> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(ErrorKind::Io, format!("cannot read schema: {e}")).in_file(&name)
        })?;
        let location =
            Location::File(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()));
        if self.units.iter().any(|u| u.location == location) {
            return Ok(None);
        }
        Unit::load(&name, &text, location, false).map(Some)
    }

    /// Adds compiled units and registers their events (first registration wins).
    fn commit(&mut self, new: Vec<Unit>, override_builtin: &[String]) {
        if new.is_empty() {
            return;
        }
        let mut units: Vec<Arc<Unit>> = self.units.as_ref().clone();
        let mut events = self.events.as_ref().clone();
        let mut warnings = self.warnings.as_ref().clone();
        for unit in new {
            let index = units.len();
            for event in unit.events() {
                let Some(&first) = events.get(&event) else {
                    events.insert(event, index);
                    continue;
                };
                let earlier = &units[first];
                let replaces = earlier.builtin
                    && !unit.builtin
                    && event == unit.stem()
                    && override_builtin.contains(&event);
                if replaces {
                    events.insert(event, index);
                } else if earlier.text != unit.text {
                    warnings.push(format!(
                        "{}: event '{event}' is already declared by {}; the first registration wins and this one is ignored",
                        unit.name, earlier.name
                    ));
                }
            }
            units.push(Arc::new(unit));
        }
        self.units = Arc::new(units);
        self.events = Arc::new(events);
        self.warnings = Arc::new(warnings);
    }

    /// Names of the schema files in the set, in load order (each file and namespace once).
    pub fn files(&self) -> Vec<&str> {
        let mut seen = HashSet::new();
        self.units
            .iter()
            .flat_map(|u| u.docs.iter())
            .filter(|d| seen.insert((d.name.clone(), d.tns.clone())))
            .map(|d| &*d.name)
            .collect()
    }

    /// The file each event type was registered from, sorted by event type.
    pub fn event_sources(&self) -> BTreeMap<&str, &str> {
        self.events
            .iter()
            .map(|(event, &unit)| (event.as_str(), &*self.units[unit].name))
            .collect()
    }

    /// What loading reported without failing: events declared again by a later, different
    /// file (each message names both files).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Event types known to the set, sorted.
    pub fn event_names(&self) -> Vec<&str> {
        self.events.keys().map(String::as_str).collect()
    }

    /// Whether an event type is declared.
    pub fn has_event(&self, name: &str) -> bool {
        self.events.contains_key(name)
    }

    /// Validates an event document: the envelope rule, then the event element against the
    /// declaration of its name in the file that registered it.
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
        let found = self.events.get(event.local_name()).and_then(|&i| {
            let unit = &self.units[i];
            let decl = unit
                .model
                .global_elements
                .get(EVENTS_NS, event.local_name())?;
            Some((unit, *decl))
        });
        let Some((unit, decl)) = found else {
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
        validate::validate(&unit.model, event, decl)?;
        Ok(EventInfo {
            name: event.local_name().to_string(),
            element: event.id(),
        })
    }

    /// Validates any document: its root against the global declaration of its name.
    pub fn validate(&self, doc: &Document) -> Result<()> {
        self.validate_element(doc.root())
    }

    /// Validates one element (and its subtree) against the global declaration of its name:
    /// the registered event's file for an event, else the first file declaring it.
    pub fn validate_element(&self, element: Element<'_>) -> Result<()> {
        let (ns, local) = (element.namespace(), element.local_name());
        let registered = (ns == EVENTS_NS)
            .then(|| self.events.get(local))
            .flatten()
            .map(|&i| &self.units[i]);
        let found = registered
            .into_iter()
            .chain(self.units.iter())
            .find_map(|u| u.model.global_elements.get(ns, local).map(|d| (u, *d)));
        let Some((unit, decl)) = found else {
            return Err(Error::new(
                ErrorKind::UnknownEvent,
                format!("element <{local}>: no global declaration in namespace '{ns}'"),
            )
            .at(element.line(), element.column())
            .on_element(local));
        };
        validate::validate(&unit.model, element, decl)
    }
}
