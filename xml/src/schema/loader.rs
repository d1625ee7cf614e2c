//! Loading XSD documents: parsing, following `xs:include`/`xs:import`, and the symbol table of
//! global components that compilation resolves references against.
//!
//! Schema documents are parsed with the crate's own DOM, so every construct keeps its line and
//! column for load errors. Includes and imports with a local `schemaLocation` are loaded
//! relative to the including file (or, for the built-in schemas, from the embedded set); a
//! `schemaLocation` that is a URL is never fetched — the imported components must then come
//! from another loaded file, or references to them fail with a message saying so. An included
//! schema without a target namespace takes the includer's ("chameleon" include).

use super::model::{DERIVE_EXTENSION, DERIVE_RESTRICTION, DERIVE_SUBSTITUTION};
use crate::document::{Child, Document, Element, NodeId};
use crate::error::{Error, ErrorKind, Result};
use crate::XSD_NS;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a schema document came from, which decides how its `schemaLocation`s resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    File(PathBuf),
    Builtin(&'static str),
    Text,
}

/// One loaded schema document.
#[derive(Debug, Clone)]
pub(crate) struct SchemaDoc {
    pub(crate) name: Arc<str>,
    pub(crate) location: Location,
    pub(crate) doc: Document,
    pub(crate) tns: Box<str>,
    pub(crate) chameleon: bool,
    pub(crate) qualified_elements: bool,
    pub(crate) qualified_attributes: bool,
    pub(crate) block_default: u8,
}

/// Loads a schema document and, recursively, what it includes and imports, appending to
/// `out` (documents already in `existing` or `out` are not loaded twice).
pub(crate) fn load_tree(
    existing: &[SchemaDoc],
    out: &mut Vec<SchemaDoc>,
    name: &str,
    text: &str,
    location: Location,
    include_tns: Option<&str>,
) -> Result<()> {
    let doc = Document::parse(text).map_err(|e| e.in_file(name))?;
    let root = doc.root();
    if !root.is(XSD_NS, "schema") {
        return Err(Error::new(
            ErrorKind::Schema,
            format!(
                "not an XML Schema: the root element is <{}> in namespace '{}', expected <xs:schema>",
                root.local_name(),
                root.namespace()
            ),
        )
        .in_file(name)
        .at(root.line(), root.column()));
    }
    let x = Xsd {
        name: &Arc::from(name),
        el: root,
    };
    x.check_attrs(&[
        "targetNamespace",
        "elementFormDefault",
        "attributeFormDefault",
        "blockDefault",
        "finalDefault",
        "version",
        "id",
    ])?;
    let declared = x.attr("targetNamespace");
    let (tns, chameleon) = match (declared, include_tns) {
        (Some(d), Some(inc)) if d != inc => {
            return Err(x.error(format!(
                "included schema has targetNamespace '{d}', but the including schema's is '{inc}'"
            )))
        }
        (Some(d), _) => (d.to_string(), false),
        (None, Some(inc)) => (inc.to_string(), !inc.is_empty()),
        (None, None) => (String::new(), false),
    };
    let already =
        |d: &SchemaDoc| d.location == location && *d.tns == *tns && location != Location::Text;
    if existing.iter().chain(out.iter()).any(already) {
        return Ok(());
    }
    let form = |attr: &str| -> Result<bool> {
        match x.attr(attr) {
            None | Some("unqualified") => Ok(false),
            Some("qualified") => Ok(true),
            Some(other) => Err(x.error(format!(
                "{attr}=\"{other}\" must be 'qualified' or 'unqualified'"
            ))),
        }
    };
    let qualified_elements = form("elementFormDefault")?;
    let qualified_attributes = form("attributeFormDefault")?;
    let block_default = x.derivation_set("blockDefault")?;
    // Collect include/import requests before moving the document into the list.
    let mut requests = Vec::new();
    for child in x.children()? {
        match child.el.local_name() {
            "include" => {
                child.check_attrs(&["schemaLocation", "id"])?;
                let loc = child.required_attr("schemaLocation")?;
                requests.push((loc.to_string(), Some(tns.clone()), None, child.position()));
            }
            "import" => {
                child.check_attrs(&["namespace", "schemaLocation", "id"])?;
                let ns = child.attr("namespace").unwrap_or("").to_string();
                if ns == tns {
                    return Err(child.error(
                        "<xs:import> of the schema's own target namespace (use <xs:include>)"
                            .into(),
                    ));
                }
                if ns == crate::XML_NS {
                    continue; // xml:lang and friends are built in.
                }
                if let Some(loc) = child.attr("schemaLocation") {
                    requests.push((loc.to_string(), None, Some(ns), child.position()));
                }
            }
            "redefine" | "override" => {
                return Err(child.unsupported());
            }
            _ => {}
        }
    }
    out.push(SchemaDoc {
        name: Arc::from(name),
        location: location.clone(),
        tns: tns.into(),
        chameleon,
        qualified_elements,
        qualified_attributes,
        block_default,
        doc,
    });
    for (loc, include_tns, import_ns, (line, column)) in requests {
        let at = |e: Error| e.in_file(name).at(line, column);
        let Some((child_name, child_text, child_location)) =
            resolve_location(&location, &loc).map_err(at)?
        else {
            continue; // A URL: not fetched (see the module documentation).
        };
        let before = out.len();
        load_tree(
            existing,
            out,
            &child_name,
            &child_text,
            child_location,
            include_tns.as_deref(),
        )?;
        if let (Some(ns), Some(loaded)) = (import_ns, out.get(before)) {
            if *loaded.tns != *ns {
                return Err(at(Error::new(
                    ErrorKind::Schema,
                    format!(
                        "imported schema {child_name} has targetNamespace '{}', not the imported '{ns}'",
                        loaded.tns
                    ),
                )));
            }
        }
    }
    Ok(())
}

/// Finds the text of a `schemaLocation`; `Ok(None)` for URLs, which are not fetched.
fn resolve_location(from: &Location, loc: &str) -> Result<Option<(String, String, Location)>> {
    if loc.contains("://") || loc.starts_with("urn:") {
        return Ok(None);
    }
    match from {
        Location::File(path) => {
            let base = path.parent().unwrap_or_else(|| Path::new("."));
            let target = base.join(loc);
            let text = std::fs::read_to_string(&target).map_err(|e| {
                Error::new(
                    ErrorKind::Io,
                    format!("cannot read schemaLocation '{}': {e}", target.display()),
                )
            })?;
            let name = target.display().to_string();
            Ok(Some((name, text, Location::File(target))))
        }
        Location::Builtin(_) => {
            let file = loc.rsplit('/').next().unwrap_or(loc);
            match super::builtin::SCHEMAS.iter().find(|(n, _)| *n == file) {
                Some((n, text)) => Ok(Some((format!("builtin:{n}"), text.to_string(), Location::Builtin(n)))),
                None => Err(Error::new(
                    ErrorKind::Schema,
                    format!("schemaLocation '{loc}' is not one of the built-in schemas"),
                )),
            }
        }
        Location::Text => Err(Error::new(
            ErrorKind::Schema,
            format!("cannot resolve schemaLocation '{loc}' of a schema given as text (load it from a file)"),
        )),
    }
}

/// Kinds of global components (XSD's symbol spaces).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Element,
    Type,
    Group,
    AttributeGroup,
    Attribute,
}

/// Global components of all loaded documents: (kind, namespace, name) → (document, node).
/// (kind, namespace, local name): the key of a global component.
type GlobalKey = (Kind, Box<str>, Box<str>);

#[derive(Debug, Default)]
pub(crate) struct Globals {
    pub(crate) map: HashMap<GlobalKey, (usize, NodeId)>,
}

impl Globals {
    pub(crate) fn collect(docs: &[SchemaDoc]) -> Result<Globals> {
        let mut globals = Globals::default();
        for (i, sd) in docs.iter().enumerate() {
            let x = Xsd {
                name: &sd.name,
                el: sd.doc.root(),
            };
            for child in x.children()? {
                let kind = match child.el.local_name() {
                    "element" => Kind::Element,
                    "complexType" | "simpleType" => Kind::Type,
                    "group" => Kind::Group,
                    "attributeGroup" => Kind::AttributeGroup,
                    "attribute" => Kind::Attribute,
                    _ => continue,
                };
                let name = child.required_attr("name")?;
                let key = (kind, sd.tns.clone(), Box::from(name));
                if let Some(&(other, node)) = globals.map.get(&key) {
                    let prev = docs[other].doc.element(node);
                    return Err(child.error(format!(
                        "global {} '{name}' is already declared in {}:{}",
                        child.el.local_name(),
                        docs[other].name,
                        prev.map_or(0, |p| p.line())
                    )));
                }
                globals.map.insert(key, (i, child.el.id()));
            }
        }
        Ok(globals)
    }

    pub(crate) fn get(&self, kind: Kind, ns: &str, local: &str) -> Option<(usize, NodeId)> {
        self.map
            .get(&(kind, Box::from(ns), Box::from(local)))
            .copied()
    }
}

/// An XSD element in its schema document, with the helpers compilation needs.
#[derive(Clone, Copy)]
pub(crate) struct Xsd<'a> {
    pub(crate) name: &'a Arc<str>,
    pub(crate) el: Element<'a>,
}

impl<'a> Xsd<'a> {
    pub(crate) fn position(&self) -> (u32, u32) {
        (self.el.line(), self.el.column())
    }

    /// A load error located at this construct.
    pub(crate) fn error(&self, message: String) -> Error {
        Error::new(
            ErrorKind::Schema,
            format!("<xs:{}>: {message}", self.el.local_name()),
        )
        .in_file(&**self.name)
        .at(self.el.line(), self.el.column())
    }

    /// The load error for a construct outside the supported set.
    pub(crate) fn unsupported(&self) -> Error {
        Error::new(
            ErrorKind::Unsupported,
            format!(
                "unsupported XSD construct <xs:{}> (this validator does not implement it; the schema is refused rather than half-checked)",
                self.el.local_name()
            ),
        )
        .in_file(&**self.name)
        .at(self.el.line(), self.el.column())
    }

    /// An unqualified attribute's value.
    pub(crate) fn attr(&self, name: &str) -> Option<&'a str> {
        self.el.attribute("", name)
    }

    pub(crate) fn required_attr(&self, name: &str) -> Result<&'a str> {
        self.attr(name)
            .ok_or_else(|| self.error(format!("missing required attribute '{name}'")))
    }

    /// Refuses unqualified attributes outside `allowed` (and any in the XSD namespace):
    /// an unknown attribute may change meaning we would otherwise silently ignore.
    pub(crate) fn check_attrs(&self, allowed: &[&str]) -> Result<()> {
        for a in self.el.attributes() {
            let ns = a.namespace();
            if ns.is_empty() && !allowed.contains(&a.local_name()) {
                let msg = if ["substitutionGroup", "notation"].contains(&a.local_name()) {
                    format!("unsupported XSD construct: attribute '{}' (substitution groups and notations are not implemented)", a.local_name())
                } else {
                    format!("attribute '{}' is not allowed here", a.local_name())
                };
                let kind = if msg.starts_with("unsupported") {
                    ErrorKind::Unsupported
                } else {
                    ErrorKind::Schema
                };
                return Err(
                    Error::new(kind, format!("<xs:{}>: {msg}", self.el.local_name()))
                        .in_file(&**self.name)
                        .at(self.el.line(), self.el.column()),
                );
            }
            if ns == XSD_NS {
                return Err(self.error(format!(
                    "attribute 'xs:{}' is not allowed here",
                    a.local_name()
                )));
            }
        }
        Ok(())
    }

    /// XSD child elements, skipping `xs:annotation`; anything else is an error.
    pub(crate) fn children(&self) -> Result<Vec<Xsd<'a>>> {
        let mut out = Vec::new();
        for c in self.el.children() {
            match c {
                Child::Text(t) if t.trim().is_empty() => {}
                Child::Text(_) => return Err(self.error("text is not allowed here".into())),
                Child::Element(e) if e.namespace() != XSD_NS => {
                    return Err(self.error(format!(
                        "element <{}> from namespace '{}' is not allowed here (only inside <xs:appinfo>)",
                        e.local_name(),
                        e.namespace()
                    )))
                }
                Child::Element(e) if e.local_name() == "annotation" => {}
                Child::Element(e) => out.push(Xsd {
                    name: self.name,
                    el: e,
                }),
            }
        }
        Ok(out)
    }

    /// Resolves a QName-valued attribute against the namespaces in scope (and the chameleon
    /// rule: an unqualified reference in a chameleon include means the includer's namespace).
    pub(crate) fn qname_attr(
        &self,
        name: &str,
        sd: &SchemaDoc,
    ) -> Result<Option<(String, String)>> {
        let Some(value) = self.attr(name) else {
            return Ok(None);
        };
        self.resolve_qname(value.trim(), sd).map(Some)
    }

    pub(crate) fn resolve_qname(&self, value: &str, sd: &SchemaDoc) -> Result<(String, String)> {
        let Some((prefix, local)) = super::builtin_types::split_qname(value) else {
            return Err(self.error(format!("'{value}' is not a valid QName")));
        };
        let Some(ns) = self.el.lookup_namespace(prefix) else {
            return Err(self.error(format!(
                "prefix '{}' in '{value}' is not declared",
                prefix.unwrap_or("")
            )));
        };
        let ns = if ns.is_empty() && sd.chameleon {
            &*sd.tns
        } else {
            ns
        };
        Ok((ns.to_string(), local.to_string()))
    }

    /// Parses a `block`/`final`-style set (`#all` or a list of method names).
    pub(crate) fn derivation_set(&self, name: &str) -> Result<u8> {
        let Some(v) = self.attr(name) else {
            return Ok(0);
        };
        let mut set = 0;
        for word in v.split_whitespace() {
            set |= match word {
                "#all" => DERIVE_EXTENSION | DERIVE_RESTRICTION | DERIVE_SUBSTITUTION,
                "extension" => DERIVE_EXTENSION,
                "restriction" => DERIVE_RESTRICTION,
                "substitution" => DERIVE_SUBSTITUTION,
                "list" | "union" => 0,
                other => return Err(self.error(format!("'{other}' is not allowed in {name}"))),
            };
        }
        Ok(set)
    }

    /// Parses a boolean attribute with a default.
    pub(crate) fn bool_attr(&self, name: &str, default: bool) -> Result<bool> {
        match self.attr(name).map(str::trim) {
            None => Ok(default),
            Some("true" | "1") => Ok(true),
            Some("false" | "0") => Ok(false),
            Some(other) => Err(self.error(format!("{name}=\"{other}\" is not a boolean"))),
        }
    }

    /// `minOccurs` / `maxOccurs` (`None` max = unbounded).
    pub(crate) fn occurs(&self) -> Result<(u32, Option<u32>)> {
        let parse = |name: &str, v: &str| -> Result<u32> {
            v.trim()
                .parse::<u32>()
                .map_err(|_| self.error(format!("{name}=\"{v}\" is not a non-negative integer")))
        };
        let min = match self.attr("minOccurs") {
            Some(v) => parse("minOccurs", v)?,
            None => 1,
        };
        let max = match self.attr("maxOccurs").map(str::trim) {
            Some("unbounded") => None,
            Some(v) => Some(parse("maxOccurs", v)?),
            None => Some(1),
        };
        if max.is_some_and(|m| m < min) {
            return Err(self.error(format!(
                "maxOccurs ({}) is less than minOccurs ({min})",
                max.unwrap_or(0)
            )));
        }
        Ok((min, max))
    }
}
