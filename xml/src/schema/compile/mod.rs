//! Compiling loaded XSD documents into the [`Model`]: resolving references, building types,
//! element declarations and content models.
//!
//! Global components are compiled on first reference and memoised; a component is reserved
//! (given its id) before its body is compiled, so recursive structures — an element whose type
//! contains that element again — resolve to the reserved id instead of looping, while a cycle
//! that cannot be meaningful (a type deriving from itself, a group containing itself) is
//! reported. Every XSD construct is checked against an allow-list of attributes and children;
//! anything outside it is a load error naming file, line and construct. Default and fixed
//! values are checked against their types once all types exist.
//!
//! This file holds the driver, element declarations and particles; `complex.rs` and
//! `simple.rs` hold the type constructs.

mod complex;
mod simple;

use super::builtin_types::Builtin;
use super::content::{self, ContentModel, Particle, Term};
use super::loader::{Globals, Kind, SchemaDoc, Xsd};
use super::model::*;
use crate::error::{Error, ErrorKind, Result};
use crate::XSD_NS;

/// Compiles all documents (which must form a closed set) into a model.
pub(crate) fn compile(docs: &[SchemaDoc]) -> Result<Model> {
    let globals = Globals::collect(docs)?;
    let mut c = Compiler {
        docs,
        globals,
        model: Model::default(),
        group_stack: Vec::new(),
        deferred: Vec::new(),
    };
    c.register_builtins();
    for sd in docs {
        let root = Xsd {
            name: &sd.name,
            el: sd.doc.root(),
        };
        for child in root.children()? {
            let name = child.attr("name").unwrap_or("");
            match child.el.local_name() {
                "element" => {
                    c.global_element(&sd.tns, name, &child)?;
                }
                "complexType" | "simpleType" => {
                    c.global_type(&sd.tns, name, &child)?;
                }
                "attribute" => {
                    c.global_attribute(&sd.tns, name, &child)?;
                }
                "group" | "attributeGroup" => c.check_group_definition(&child)?,
                "include" | "import" => {}
                "notation" | "redefine" | "override" | "defaultOpenContent" => {
                    return Err(child.unsupported())
                }
                other => {
                    return Err(child.error(format!("<xs:{other}> is not allowed at the top level")))
                }
            }
        }
    }
    c.check_deferred_values()?;
    Ok(c.model)
}

pub(super) struct Compiler<'a> {
    pub(super) docs: &'a [SchemaDoc],
    pub(super) globals: Globals,
    pub(super) model: Model,
    /// Named groups being expanded, to refuse a group that contains itself.
    pub(super) group_stack: Vec<(Kind, String, String)>,
    /// Default/fixed values to check once every type is compiled: (type, value, where).
    pub(super) deferred: Vec<(TypeId, String, Error)>,
}

impl<'a> Compiler<'a> {
    fn register_builtins(&mut self) {
        // anyType: any attributes, any (lax) children, mixed.
        let any = Wildcard {
            namespaces: NsConstraint::Any,
            process: Process::Lax,
        };
        let particle = Particle {
            min: 0,
            max: None,
            term: Term::Any(any.clone()),
        };
        let content = match content::compile(&particle, &|_, _| true) {
            Ok(m) => Content::Elements(m),
            Err(_) => Content::Empty,
        };
        self.model.any_type = self.push_type(TypeDef {
            name: Some((XSD_NS.into(), "anyType".into())),
            base: None,
            method: DERIVE_RESTRICTION,
            block: 0,
            is_abstract: false,
            kind: TypeKind::Complex(ComplexType {
                attributes: Vec::new(),
                attribute_wildcard: Some(any),
                content,
                mixed: true,
                particle: Some(particle),
            }),
        });
        self.model
            .global_types
            .insert(XSD_NS, "anyType", self.model.any_type);
        for &b in Builtin::ALL {
            let base = match b.base() {
                Some(base) => self.model.global_types.get(XSD_NS, base.name()).copied(),
                None => Some(self.model.any_type),
            };
            let variety = match b.list_item() {
                Some(item) => match self.model.global_types.get(XSD_NS, item.name()) {
                    Some(&id) => Variety::List(id),
                    None => Variety::Atomic,
                },
                None => Variety::Atomic,
            };
            let builtin = if b.list_item().is_some() {
                Builtin::AnySimpleType
            } else {
                b
            };
            let id = self.push_type(TypeDef {
                name: Some((XSD_NS.into(), b.name().into())),
                base,
                method: DERIVE_RESTRICTION,
                block: 0,
                is_abstract: false,
                kind: TypeKind::Simple(SimpleType {
                    variety,
                    builtin,
                    facets: Facets::default(),
                    ws: b.whitespace(),
                }),
            });
            self.model.global_types.insert(XSD_NS, b.name(), id);
        }
    }

    pub(super) fn push_type(&mut self, t: TypeDef) -> TypeId {
        self.model.types.push(t);
        (self.model.types.len() - 1) as TypeId
    }

    pub(super) fn doc(&self, index: usize) -> &'a SchemaDoc {
        &self.docs[index]
    }

    /// The document an XSD node belongs to.
    pub(super) fn xsd(&self, doc: usize, node: crate::document::NodeId) -> Option<Xsd<'a>> {
        let sd = &self.docs[doc];
        sd.doc.element(node).map(|el| Xsd { name: &sd.name, el })
    }

    /// The global declaration of `kind` named `{ns}local` (its document and node), or an
    /// error at `site` naming the unknown `what`.
    fn declaration(
        &self,
        kind: Kind,
        what: &str,
        ns: &str,
        local: &str,
        site: &Xsd<'_>,
    ) -> Result<(usize, Xsd<'a>)> {
        self.globals
            .get(kind, ns, local)
            .and_then(|(doc, node)| Some((doc, self.xsd(doc, node)?)))
            .ok_or_else(|| site.error(unknown(what, ns, local)))
    }

    /// Resolves a global type by name, compiling it on first use.
    pub(super) fn global_type(&mut self, ns: &str, local: &str, site: &Xsd<'_>) -> Result<TypeId> {
        if let Some(&id) = self.model.global_types.get(ns, local) {
            return Ok(id);
        }
        let (doc, x) = self.declaration(Kind::Type, "type", ns, local, site)?;
        let id = self.push_type(TypeDef {
            name: Some((ns.into(), local.into())),
            base: None,
            method: 0,
            block: 0,
            is_abstract: false,
            kind: TypeKind::Pending,
        });
        self.model.global_types.insert(ns, local, id);
        match x.el.local_name() {
            "complexType" => self.complex_type(&x, doc, id, true)?,
            _ => self.simple_type(&x, doc, id, true)?,
        }
        Ok(id)
    }

    /// Resolves the QName in attribute `attr` of `x` to a type id.
    pub(super) fn type_ref(
        &mut self,
        x: &Xsd<'_>,
        doc: usize,
        attr: &str,
    ) -> Result<Option<TypeId>> {
        let Some((ns, local)) = x.qname_attr(attr, self.doc(doc))? else {
            return Ok(None);
        };
        if ns == XSD_NS && local == "NOTATION" {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "<xs:simpleType>: unsupported XSD construct: type xs:NOTATION",
            )
            .in_file(&**x.name)
            .at(x.el.line(), x.el.column()));
        }
        self.global_type(&ns, &local, x).map(Some)
    }

    /// Resolves a global element by name, compiling it on first use.
    fn global_element(&mut self, ns: &str, local: &str, site: &Xsd<'_>) -> Result<ElemId> {
        if let Some(&id) = self.model.global_elements.get(ns, local) {
            return Ok(id);
        }
        let (doc, x) = self.declaration(Kind::Element, "element", ns, local, site)?;
        let id = self.reserve_element();
        self.model.global_elements.insert(ns, local, id);
        self.element_body(&x, doc, id, true)?;
        Ok(id)
    }

    fn reserve_element(&mut self) -> ElemId {
        self.model.elements.push(ElementDecl {
            type_id: self.model.any_type,
            nillable: false,
            default: None,
            fixed: None,
            is_abstract: false,
            block: 0,
        });
        (self.model.elements.len() - 1) as ElemId
    }

    /// Compiles an element declaration's type and properties into the reserved `id`.
    fn element_body(&mut self, x: &Xsd<'_>, doc: usize, id: ElemId, global: bool) -> Result<()> {
        let sd = self.doc(doc);
        if global {
            x.check_attrs(&[
                "name", "type", "id", "nillable", "default", "fixed", "abstract", "block", "final",
            ])?;
        } else {
            x.check_attrs(&[
                "name",
                "type",
                "minOccurs",
                "maxOccurs",
                "id",
                "nillable",
                "default",
                "fixed",
                "form",
                "block",
            ])?;
        }
        let mut anonymous = None;
        for child in x.children()? {
            match child.el.local_name() {
                "complexType" | "simpleType" if anonymous.is_none() => anonymous = Some(child),
                "unique" | "key" | "keyref" | "alternative" => return Err(child.unsupported()),
                other => {
                    return Err(child.error(format!("<xs:{other}> is not allowed in <xs:element>")))
                }
            }
        }
        let type_id = match (self.type_ref(x, doc, "type")?, anonymous) {
            (Some(_), Some(_)) => {
                return Err(x.error("has both a 'type' attribute and an anonymous type".into()))
            }
            (Some(t), None) => t,
            (None, Some(child)) => {
                let t = self.push_type(complex::pending());
                if child.el.local_name() == "complexType" {
                    self.complex_type(&child, doc, t, false)?;
                } else {
                    self.simple_type(&child, doc, t, false)?;
                }
                t
            }
            (None, None) => self.model.any_type,
        };
        let default: Option<Box<str>> = x.attr("default").map(Box::from);
        let fixed: Option<Box<str>> = x.attr("fixed").map(Box::from);
        if default.is_some() && fixed.is_some() {
            return Err(x.error("has both 'default' and 'fixed'".into()));
        }
        for v in default.iter().chain(fixed.iter()) {
            self.deferred
                .push((type_id, v.to_string(), x.error(String::new())));
        }
        let block = match x.attr("block") {
            Some(_) => x.derivation_set("block")?,
            None => sd.block_default,
        };
        let decl = &mut self.model.elements[id as usize];
        decl.type_id = type_id;
        decl.nillable = x.bool_attr("nillable", false)?;
        decl.is_abstract = x.bool_attr("abstract", false)?;
        decl.block = block;
        decl.default = default;
        decl.fixed = fixed;
        Ok(())
    }

    /// A particle (element, group reference, compositor or wildcard) inside a content model.
    pub(super) fn particle(&mut self, x: &Xsd<'_>, doc: usize) -> Result<Particle> {
        let sd = self.doc(doc);
        match x.el.local_name() {
            "element" => {
                let (min, max) = x.occurs()?;
                if let Some(r) = x.attr("ref") {
                    x.check_attrs(&["ref", "minOccurs", "maxOccurs", "id"])?;
                    let (ns, local) = x.resolve_qname(r.trim(), sd)?;
                    let id = self.global_element(&ns, &local, x)?;
                    return Ok(Particle {
                        min,
                        max,
                        term: Term::Element {
                            id,
                            ns: ns.into(),
                            local: local.into(),
                        },
                    });
                }
                let local = x.required_attr("name")?;
                let qualified = match x.attr("form") {
                    Some("qualified") => true,
                    Some("unqualified") => false,
                    Some(other) => return Err(x.error(format!("form=\"{other}\" is not allowed"))),
                    None => sd.qualified_elements,
                };
                let ns = if qualified { &*sd.tns } else { "" };
                let id = self.reserve_element();
                self.element_body(x, doc, id, false)?;
                Ok(Particle {
                    min,
                    max,
                    term: Term::Element {
                        id,
                        ns: ns.into(),
                        local: local.into(),
                    },
                })
            }
            "sequence" | "choice" | "all" => {
                x.check_attrs(&["minOccurs", "maxOccurs", "id"])?;
                let (min, max) = x.occurs()?;
                let mut items = Vec::new();
                for child in x.children()? {
                    match child.el.local_name() {
                        "element" | "group" | "choice" | "sequence" | "any" | "all" => {
                            items.push(self.particle(&child, doc)?)
                        }
                        other => {
                            return Err(child.error(format!(
                                "<xs:{other}> is not allowed in <xs:{}>",
                                x.el.local_name()
                            )))
                        }
                    }
                }
                let term = match x.el.local_name() {
                    "sequence" => Term::Sequence(items),
                    "choice" => Term::Choice(items),
                    _ => Term::All(items),
                };
                Ok(Particle { min, max, term })
            }
            "group" => {
                x.check_attrs(&["ref", "minOccurs", "maxOccurs", "id"])?;
                let (min, max) = x.occurs()?;
                let r = x.required_attr("ref")?;
                let (ns, local) = x.resolve_qname(r.trim(), sd)?;
                let term = self.group_term(&ns, &local, x)?;
                Ok(Particle { min, max, term })
            }
            "any" => {
                x.check_attrs(&[
                    "namespace",
                    "processContents",
                    "minOccurs",
                    "maxOccurs",
                    "id",
                ])?;
                let (min, max) = x.occurs()?;
                Ok(Particle {
                    min,
                    max,
                    term: Term::Any(wildcard(x, sd)?),
                })
            }
            "openContent" => Err(x.unsupported()),
            other => Err(x.error(format!("<xs:{other}> is not a particle"))),
        }
    }

    /// Expands a named model group (`<xs:group name=…>`) into its compositor term.
    fn group_term(&mut self, ns: &str, local: &str, site: &Xsd<'_>) -> Result<Term> {
        let key = (Kind::Group, ns.to_string(), local.to_string());
        if self.group_stack.contains(&key) {
            return Err(site.error(format!("model group '{local}' contains itself")));
        }
        let Some((doc, node)) = self.globals.get(Kind::Group, ns, local) else {
            return Err(site.error(unknown("group", ns, local)));
        };
        let Some(def) = self.xsd(doc, node) else {
            return Err(site.error(unknown("group", ns, local)));
        };
        let children = def.children()?;
        let [body] = children.as_slice() else {
            return Err(def.error(
                "a model group must hold exactly one <xs:sequence>, <xs:choice> or <xs:all>".into(),
            ));
        };
        if !matches!(body.el.local_name(), "sequence" | "choice" | "all") {
            return Err(body.error("is not allowed in a model group definition".into()));
        }
        if body.attr("minOccurs").is_some() || body.attr("maxOccurs").is_some() {
            return Err(body.error(
                "occurrence attributes belong on the group reference, not in the definition".into(),
            ));
        }
        self.group_stack.push(key);
        let result = self.particle(body, doc);
        self.group_stack.pop();
        Ok(result?.term)
    }

    fn check_group_definition(&self, x: &Xsd<'_>) -> Result<()> {
        x.check_attrs(&["name", "id"])
    }

    /// Compiles a particle into a content model, mapping errors onto the type's position.
    pub(super) fn content_model(
        &self,
        particle: &Particle,
        site: &Xsd<'_>,
    ) -> Result<ContentModel> {
        let model = &self.model;
        let same = |a: ElemId, b: ElemId| model.element(a).type_id == model.element(b).type_id;
        content::compile(particle, &same).map_err(|e| site.error(e))
    }

    fn check_deferred_values(&mut self) -> Result<()> {
        for (type_id, value, site) in std::mem::take(&mut self.deferred) {
            let check = match &self.model.ty(type_id).kind {
                TypeKind::Simple(_) => super::simple::check(&self.model, type_id, &value, None),
                TypeKind::Complex(ComplexType {
                    content: Content::Simple(s),
                    ..
                }) => super::simple::check(&self.model, *s, &value, None),
                TypeKind::Complex(ComplexType { mixed: true, .. }) => Ok(()),
                _ => Err("a default or fixed value needs a simple type or mixed content".into()),
            };
            if let Err(why) = check {
                return Err(Error::new(
                    ErrorKind::Schema,
                    format!(
                        "{}default/fixed value '{value}' is invalid: {why}",
                        site.message()
                    ),
                )
                .in_file(site.file().unwrap_or(""))
                .at(site.line(), site.column()));
            }
        }
        Ok(())
    }
}

/// Parses `namespace` / `processContents` of `xs:any` and `xs:anyAttribute`.
pub(super) fn wildcard(x: &Xsd<'_>, sd: &SchemaDoc) -> Result<Wildcard> {
    let namespaces = match x.attr("namespace").map(str::trim) {
        None | Some("##any") => NsConstraint::Any,
        Some("##other") => NsConstraint::Not(vec![sd.tns.clone(), "".into()]),
        Some(list) => NsConstraint::Only(
            list.split_whitespace()
                .map(|n| match n {
                    "##targetNamespace" => sd.tns.clone(),
                    "##local" => "".into(),
                    other => other.into(),
                })
                .collect(),
        ),
    };
    let process = match x.attr("processContents").map(str::trim) {
        None | Some("strict") => Process::Strict,
        Some("lax") => Process::Lax,
        Some("skip") => Process::Skip,
        Some(other) => return Err(x.error(format!("processContents=\"{other}\" is not allowed"))),
    };
    Ok(Wildcard {
        namespaces,
        process,
    })
}

fn unknown(what: &str, ns: &str, local: &str) -> String {
    let hint = if ns == XSD_NS {
        " (not an XSD built-in)".to_string()
    } else if ns.is_empty() {
        " (no namespace: is a prefix missing?)".to_string()
    } else {
        " (is the schema declaring it loaded? URL imports are not fetched)".to_string()
    };
    format!("unknown {what} '{local}' in namespace '{ns}'{hint}")
}
