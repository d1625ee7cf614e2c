//! The generator behind `build.rs`: XSD (our own, deliberately plain style) → Rust.
//!
//! It understands what our event schemas use and refuses the rest, so a schema change that
//! the generator cannot express fails the build instead of producing a wrong struct:
//! named complex types whose content is one `sequence` or `all` of local elements (a
//! single-element sequence may repeat as a whole), element types that are XSD built-ins,
//! named simple types restricting a built-in (mapped to the built-in's Rust type), and named
//! enumerations (mapped to Rust enums whose variant names come from `xs:appinfo`, falling back
//! to the value in CamelCase). Cardinality maps to `T`, `Option<T>` (minOccurs 0, or a
//! nillable element, where `None` is written as `xsi:nil`) and `Vec<T>` (maxOccurs above 1).
//! Each schema file becomes a module; each global element becomes an event type with
//! `to_xml`/`from_document`, and all of them form the `Event` enum.

use crate::document::{Document, Element};
use crate::naming::{camel, doc_attr, ident, snake, var};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

const XSD: &str = "http://www.w3.org/2001/XMLSchema";
const EVENTS: &str = "http://www.gonicus.de/Events";

type Res<T> = std::result::Result<T, String>;

#[derive(Debug, Clone)]
enum FieldType {
    Prim(&'static str),
    Named(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Card {
    One,
    Optional,
    Nillable,
    Many,
}

#[derive(Debug)]
struct Field {
    xml: String,
    ident: String,
    doc: String,
    ty: FieldType,
    card: Card,
}

#[derive(Debug)]
enum TypeDef {
    Struct {
        module: String,
        doc: String,
        fields: Vec<Field>,
    },
    Enum {
        module: String,
        doc: String,
        variants: Vec<(String, String, String)>,
    },
    Alias {
        base: FieldType,
    },
}

#[derive(Default)]
struct Gen {
    types: BTreeMap<String, TypeDef>,
    /// (element name, type name, module)
    events: Vec<(String, String, String)>,
}

/// Reads every `*.xsd` in `dir` and returns the generated Rust source.
pub fn generate(dir: &Path) -> Res<String> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xsd"))
        .collect();
    files.sort();
    let mut docs = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        let doc = Document::parse(&text).map_err(|e| format!("{}:{e}", f.display()))?;
        let stem = f
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        docs.push((snake(&stem), f.display().to_string(), doc));
    }
    let mut g = Gen::default();
    for (module, file, doc) in &docs {
        g.read_schema(module, doc.root())
            .map_err(|e| format!("{file}: {e}"))?;
    }
    g.emit()
}

/// The `(file name, include_str!(…))` entries of every `*.xsd` in `dir` (relative to the
/// crate), for embedding. The paths are `concat!(env!("CARGO_MANIFEST_DIR"), …)`, resolved
/// when the crate compiles, not absolute paths written now: checkouts sharing one target
/// folder (`.ci/run` with `CARGO_TARGET_DIR`) share this output too, and an absolute path
/// pointed at whichever checkout ran the script last (a deleted one failed the build).
pub fn embed_list(dir: &Path) -> Res<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "xsd"))
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect();
    names.sort();
    let mut out = String::from("&[\n");
    for n in names {
        let relative = format!("/{}/{n}", dir.display());
        let _ = writeln!(
            out,
            "    ({n:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), {relative:?}))),"
        );
    }
    out.push(']');
    Ok(out)
}

fn xsd_children(el: Element<'_>) -> impl Iterator<Item = Element<'_>> {
    el.child_elements()
        .filter(|c| c.namespace() == XSD && c.local_name() != "annotation")
}

/// `xs:documentation` text of an element's annotation, whitespace collapsed.
fn documentation(el: Element<'_>) -> String {
    el.first_child(XSD, "annotation")
        .and_then(|a| a.first_child(XSD, "documentation"))
        .map(|d| {
            d.string_value()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn appinfo(el: Element<'_>) -> Option<String> {
    el.first_child(XSD, "annotation")
        .and_then(|a| a.first_child(XSD, "appinfo"))
        .map(|d| d.string_value().trim().to_string())
}

/// Resolves a QName attribute to (namespace, local).
fn qname(el: Element<'_>, attr: &str) -> Res<Option<(String, String)>> {
    let Some(v) = el.attribute("", attr) else {
        return Ok(None);
    };
    let (prefix, local) = match v.split_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, v),
    };
    let ns = el
        .lookup_namespace(prefix)
        .ok_or_else(|| format!("line {}: undeclared prefix in '{v}'", el.line()))?;
    Ok(Some((ns.to_string(), local.to_string())))
}

fn builtin(local: &str) -> Option<&'static str> {
    Some(match local {
        "string" | "normalizedString" | "token" | "anyURI" | "dateTime" | "date" | "time"
        | "duration" | "NCName" | "Name" | "language" | "ID" | "IDREF" | "NMTOKEN" | "QName"
        | "hexBinary" | "base64Binary" => "String",
        "boolean" => "bool",
        "float" | "double" | "decimal" => "f64",
        "int" => "i32",
        "long" | "integer" => "i64",
        "short" => "i16",
        "byte" => "i8",
        "unsignedInt" => "u32",
        "unsignedLong" | "nonNegativeInteger" | "positiveInteger" => "u64",
        "unsignedShort" => "u16",
        "unsignedByte" => "u8",
        _ => return None,
    })
}

impl Gen {
    fn read_schema(&mut self, module: &str, root: Element<'_>) -> Res<()> {
        for item in xsd_children(root) {
            let name = item.attribute("", "name").unwrap_or("").to_string();
            match item.local_name() {
                "element" => {
                    let Some((ns, ty)) = qname(item, "type")? else {
                        return Err(format!(
                            "line {}: event <{name}> needs a named type",
                            item.line()
                        ));
                    };
                    if ns != EVENTS || ty != name {
                        return Err(format!(
                            "line {}: event <{name}> must have the type e:{name}",
                            item.line()
                        ));
                    }
                    self.events.push((name, ty, module.to_string()));
                }
                "complexType" => {
                    let def = self.read_complex(module, item)?;
                    self.types.insert(name, def);
                }
                "simpleType" => {
                    let def = self.read_simple(module, item)?;
                    self.types.insert(name, def);
                }
                "include" | "import" => {}
                other => {
                    return Err(format!(
                        "line {}: <xs:{other}> is not supported by the generator",
                        item.line()
                    ))
                }
            }
        }
        Ok(())
    }

    fn read_complex(&self, module: &str, ct: Element<'_>) -> Res<TypeDef> {
        let children: Vec<_> = xsd_children(ct).collect();
        let [group] = children.as_slice() else {
            return Err(format!(
                "line {}: a complex type needs exactly one <xs:sequence> or <xs:all>",
                ct.line()
            ));
        };
        if !matches!(group.local_name(), "sequence" | "all") {
            return Err(format!(
                "line {}: <xs:{}> is not supported by the generator",
                group.line(),
                group.local_name()
            ));
        }
        let elements: Vec<_> = xsd_children(*group).collect();
        let group_repeats = group.attribute("", "maxOccurs").is_some_and(|m| m != "1");
        let group_optional = group.attribute("", "minOccurs") == Some("0");
        if group_repeats && elements.len() != 1 {
            return Err(format!(
                "line {}: a repeated group must hold exactly one element",
                group.line()
            ));
        }
        let mut fields = Vec::new();
        for e in elements {
            if e.local_name() != "element" {
                return Err(format!(
                    "line {}: only elements are supported inside groups",
                    e.line()
                ));
            }
            let xml = e
                .attribute("", "name")
                .ok_or_else(|| format!("line {}: element without a name", e.line()))?;
            let Some((ns, local)) = qname(e, "type")? else {
                return Err(format!(
                    "line {}: element <{xml}> needs a type attribute",
                    e.line()
                ));
            };
            let ty =
                if ns == XSD {
                    FieldType::Prim(builtin(&local).ok_or_else(|| {
                        format!("line {}: xs:{local} has no Rust mapping", e.line())
                    })?)
                } else {
                    FieldType::Named(local)
                };
            let min = e.attribute("", "minOccurs").unwrap_or("1");
            let max = e.attribute("", "maxOccurs").unwrap_or("1");
            let nillable = e.attribute("", "nillable") == Some("true");
            let card = if max != "1" || group_repeats {
                Card::Many
            } else if min == "0" || group_optional {
                Card::Optional
            } else if nillable {
                Card::Nillable
            } else {
                Card::One
            };
            fields.push(Field {
                xml: xml.to_string(),
                ident: ident(&snake(xml)),
                doc: documentation(e),
                ty,
                card,
            });
        }
        Ok(TypeDef::Struct {
            module: module.to_string(),
            doc: documentation(ct),
            fields,
        })
    }

    fn read_simple(&self, module: &str, st: Element<'_>) -> Res<TypeDef> {
        let restriction = st.first_child(XSD, "restriction").ok_or_else(|| {
            format!(
                "line {}: only restrictions are supported by the generator",
                st.line()
            )
        })?;
        let Some((ns, base)) = qname(restriction, "base")? else {
            return Err(format!(
                "line {}: restriction needs a base",
                restriction.line()
            ));
        };
        let variants: Vec<_> = restriction
            .child_elements()
            .filter(|f| f.is(XSD, "enumeration"))
            .map(|f| {
                let value = f.attribute("", "value").unwrap_or("").to_string();
                let name = appinfo(f).unwrap_or_else(|| camel(&value));
                (value, name, documentation(f))
            })
            .collect();
        if !variants.is_empty() {
            return Ok(TypeDef::Enum {
                module: module.to_string(),
                doc: documentation(st),
                variants,
            });
        }
        let base = if ns == XSD {
            FieldType::Prim(builtin(&base).ok_or_else(|| format!("xs:{base} has no Rust mapping"))?)
        } else {
            FieldType::Named(base)
        };
        Ok(TypeDef::Alias { base })
    }

    /// The Rust type of a field type, following aliases; `None` if unknown.
    fn rust_type(&self, t: &FieldType) -> Res<String> {
        match t {
            FieldType::Prim(p) => Ok((*p).to_string()),
            FieldType::Named(n) => match self.types.get(n) {
                Some(TypeDef::Alias { base }) => self.rust_type(base),
                Some(TypeDef::Struct { module, .. } | TypeDef::Enum { module, .. }) => {
                    Ok(format!("crate::events::{module}::{n}"))
                }
                None => Err(format!("unknown type e:{n}")),
            },
        }
    }

    fn is_struct(&self, t: &FieldType) -> bool {
        matches!(t, FieldType::Named(n) if matches!(self.types.get(n), Some(TypeDef::Struct { .. })))
    }

    fn emit(&self) -> Res<String> {
        let mut modules: BTreeMap<&str, String> = BTreeMap::new();
        for (name, def) in &self.types {
            match def {
                TypeDef::Struct {
                    module,
                    doc,
                    fields,
                } => {
                    let code = self.emit_struct(name, doc, fields)?;
                    modules.entry(module).or_default().push_str(&code);
                }
                TypeDef::Enum {
                    module,
                    doc,
                    variants,
                } => {
                    modules
                        .entry(module)
                        .or_default()
                        .push_str(&emit_enum(name, doc, variants));
                }
                TypeDef::Alias { .. } => {}
            }
        }
        let mut out =
            String::from("// Generated by build.rs from xml/schemas/*.xsd; do not edit.\n\n");
        for (module, code) in &modules {
            let file = self
                .events
                .iter()
                .find(|e| e.2 == *module)
                .map_or(module.to_string(), |e| e.0.clone());
            let _ = writeln!(
                out,
                "/// Types of the `{file}` schema.\npub mod {module} {{\n{code}}}\n"
            );
        }
        for (event, ty, module) in &self.events {
            let _ = writeln!(out, "pub use {module}::{ty};");
            let _ = writeln!(
                out,
                "impl {module}::{ty} {{\n    /// The event type name (element name and routing key).\n    pub const EVENT: &'static str = {event:?};\n\n    /// The event as an `<Event>` envelope document.\n    pub fn to_xml(&self) -> String {{\n        crate::events::convert::envelope(|w| self.write_to(w, {event:?}))\n    }}\n\n    /// Reads the event from a document (wrapped or bare).\n    pub fn from_document(doc: &crate::document::Document) -> crate::error::Result<Self> {{\n        Self::from_element(crate::events::convert::event_named(doc, {event:?})?)\n    }}\n}}\n"
            );
        }
        out.push_str("/// Any of the typed events.\n#[derive(Debug, Clone, PartialEq)]\n#[allow(clippy::large_enum_variant)]\npub enum Event {\n");
        for (event, ty, module) in &self.events {
            let _ = writeln!(
                out,
                "    /// A `{event}` event.\n    {event}({module}::{ty}),"
            );
        }
        out.push_str("}\n\nimpl Event {\n    /// The event type name.\n    pub fn name(&self) -> &'static str {\n        match self {\n");
        for (event, ty, module) in &self.events {
            let _ = writeln!(
                out,
                "            Event::{event}(_) => {module}::{ty}::EVENT,"
            );
        }
        out.push_str("        }\n    }\n\n    /// The event as an `<Event>` envelope document.\n    pub fn to_xml(&self) -> String {\n        match self {\n");
        for (event, ..) in &self.events {
            let _ = writeln!(out, "            Event::{event}(e) => e.to_xml(),");
        }
        out.push_str("        }\n    }\n\n    /// Reads whichever typed event a document holds.\n    pub fn from_document(doc: &crate::document::Document) -> crate::error::Result<Self> {\n        let el = crate::envelope::event_element(doc)?;\n        if el.namespace() != crate::EVENTS_NS {\n            return Err(crate::events::convert::unknown_event(el));\n        }\n        match el.local_name() {\n");
        for (event, ty, module) in &self.events {
            let _ = writeln!(
                out,
                "            {event:?} => {module}::{ty}::from_element(el).map(Event::{event}),"
            );
        }
        out.push_str("            _ => Err(crate::events::convert::unknown_event(el)),\n        }\n    }\n}\n");
        Ok(out)
    }

    fn emit_struct(&self, name: &str, doc: &str, fields: &[Field]) -> Res<String> {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}#[derive(Debug, Clone, PartialEq)]\npub struct {name} {{",
            doc_attr(doc, &format!("The `{name}` type."), 0)
        );
        for f in fields {
            let inner = self.rust_type(&f.ty)?;
            let ty = match f.card {
                Card::One => inner,
                Card::Optional | Card::Nillable => format!("Option<{inner}>"),
                Card::Many => format!("Vec<{inner}>"),
            };
            let fallback = match f.card {
                Card::Nillable => format!("`{}` (`None` is written as `xsi:nil`).", f.xml),
                _ => format!("`{}`.", f.xml),
            };
            let _ = writeln!(
                s,
                "{}    pub {}: {ty},",
                doc_attr(&f.doc, &fallback, 4),
                f.ident
            );
        }
        s.push_str("}\n\n");
        let _ = writeln!(s, "impl {name} {{");
        s.push_str("    /// Reads the type from an element (children in the events namespace, any order).\n");
        s.push_str("    pub fn from_element(el: crate::document::Element<'_>) -> crate::error::Result<Self> {\n");
        for f in fields {
            let inner = self.rust_type(&f.ty)?;
            if f.card == Card::Many {
                let _ = writeln!(
                    s,
                    "        let mut {}: Vec<{inner}> = Vec::new();",
                    var(&f.ident)
                );
            } else {
                let _ = writeln!(
                    s,
                    "        let mut {}: Option<Option<{inner}>> = None;",
                    var(&f.ident)
                );
            }
        }
        s.push_str("        for child in el.child_elements() {\n            if child.namespace() != crate::EVENTS_NS {\n                return Err(crate::events::convert::unexpected(child, el));\n            }\n            match child.local_name() {\n");
        for f in fields {
            let read = if self.is_struct(&f.ty) {
                format!("{}::from_element(child)?", self.rust_type(&f.ty)?)
            } else {
                "crate::events::convert::value(child)?".to_string()
            };
            let v = var(&f.ident);
            let arm = match f.card {
                Card::Many => format!("{v}.push({read})"),
                Card::Nillable => format!(
                    "crate::events::convert::once(&mut {v}, child, if crate::events::convert::is_nil(child) {{ None }} else {{ Some({read}) }})?"
                ),
                _ => format!("crate::events::convert::once(&mut {v}, child, Some({read}))?"),
            };
            let _ = writeln!(s, "                {:?} => {arm},", f.xml);
        }
        s.push_str("                _ => return Err(crate::events::convert::unexpected(child, el)),\n            }\n        }\n        Ok(Self {\n");
        for f in fields {
            let v = var(&f.ident);
            let value = match f.card {
                Card::Many => v,
                Card::One => format!(
                    "crate::events::convert::required_value({v}, el, {:?})?",
                    f.xml
                ),
                Card::Nillable => {
                    format!("crate::events::convert::required({v}, el, {:?})?", f.xml)
                }
                Card::Optional => format!("{v}.flatten()"),
            };
            let _ = writeln!(s, "            {}: {value},", f.ident);
        }
        s.push_str("        })\n    }\n\n");
        s.push_str("    /// Writes the type as element `name` (children in schema order).\n");
        s.push_str("    pub fn write_to(&self, w: &mut crate::document::write::XmlWriter, name: &str) {\n        w.start(name);\n");
        for f in fields {
            let write_one = |expr: &str| -> String {
                if self.is_struct(&f.ty) {
                    format!("{}.write_to(w, {:?})", expr.trim_start_matches('&'), f.xml)
                } else {
                    format!(
                        "crate::events::convert::write_value(w, {:?}, {expr})",
                        f.xml
                    )
                }
            };
            let line = match f.card {
                Card::One => format!("{};", write_one(&format!("&self.{}", f.ident))),
                Card::Optional => format!("if let Some(v) = &self.{} {{\n            {};\n        }}", f.ident, write_one("v")),
                Card::Nillable => format!(
                    "match &self.{} {{\n            Some(v) => {},\n            None => crate::events::convert::write_nil(w, {:?}),\n        }}",
                    f.ident,
                    write_one("v"),
                    f.xml
                ),
                Card::Many => format!("for v in &self.{} {{\n            {};\n        }}", f.ident, write_one("v")),
            };
            let _ = writeln!(s, "        {line}");
        }
        s.push_str("        w.end();\n    }\n}\n\n");
        Ok(s)
    }
}

fn emit_enum(name: &str, doc: &str, variants: &[(String, String, String)]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum {name} {{",
        doc_attr(doc, &format!("The `{name}` values."), 0)
    );
    for (value, variant, vdoc) in variants {
        let _ = writeln!(
            s,
            "{}    {variant},",
            doc_attr(vdoc, &format!("`{value}`."), 4)
        );
    }
    s.push_str("}\n\n");
    let _ = writeln!(s, "impl {name} {{\n    /// The value as written in XML.\n    pub fn as_xml(self) -> &'static str {{\n        match self {{");
    for (value, variant, _) in variants {
        let _ = writeln!(s, "            {name}::{variant} => {value:?},");
    }
    s.push_str("        }\n    }\n\n    /// Parses the XML value (surrounding whitespace ignored).\n    pub fn from_xml(text: &str) -> Option<Self> {\n        match text.trim() {\n");
    for (value, variant, _) in variants {
        let _ = writeln!(s, "            {value:?} => Some({name}::{variant}),");
    }
    s.push_str("            _ => None,\n        }\n    }\n}\n\n");
    let _ = writeln!(
        s,
        "impl crate::events::convert::XsdValue for {name} {{\n    const XSD_TYPE: &'static str = {name:?};\n\n    fn parse_xsd(text: &str) -> Option<Self> {{\n        Self::from_xml(text)\n    }}\n\n    fn write_xsd(&self, out: &mut String) {{\n        out.push_str(self.as_xml());\n    }}\n}}\n"
    );
    s
}
