//! Compiling complex types and attributes: `complexType`, `simpleContent`, `complexContent`
//! (extension and restriction), attribute declarations, attribute groups and `anyAttribute`.
//!
//! Extension appends the derived particle to the base's (as XSD defines it: a sequence of
//! the two) and adds attributes; restriction replaces the content model by the one written and
//! overrides or prohibits base attributes. Whether a restriction is a valid restriction of
//! its base is a schema-correctness question we do not re-derive; instances are checked
//! against exactly what the restricted type declares.

use super::{wildcard, Compiler};
use crate::error::Result;
use crate::schema::builtin_types::Builtin;
use crate::schema::content::{Particle, Term};
use crate::schema::loader::{Kind, Xsd};
use crate::schema::model::*;
use crate::XSD_NS;

impl<'a> Compiler<'a> {
    /// Compiles `<xs:complexType>` into the reserved type `id`.
    pub(super) fn complex_type(
        &mut self,
        x: &Xsd<'_>,
        doc: usize,
        id: TypeId,
        named: bool,
    ) -> Result<()> {
        if named {
            x.check_attrs(&["name", "mixed", "abstract", "block", "final", "id"])?;
        } else {
            x.check_attrs(&["mixed", "id"])?;
        }
        let sd = self.doc(doc);
        let block = match x.attr("block") {
            Some(_) => x.derivation_set("block")?,
            None => sd.block_default,
        };
        let is_abstract = x.bool_attr("abstract", false)?;
        let mut mixed = x.bool_attr("mixed", false)?;
        let children = x.children()?;
        let (base, method, complex) = match children.first().map(|c| c.el.local_name()) {
            Some("simpleContent") => {
                let [content] = children.as_slice() else {
                    return Err(x.error("<xs:simpleContent> must be the only child".into()));
                };
                self.simple_content(content, doc)?
            }
            Some("complexContent") => {
                let [content] = children.as_slice() else {
                    return Err(x.error("<xs:complexContent> must be the only child".into()));
                };
                content.check_attrs(&["mixed", "id"])?;
                if content.attr("mixed").is_some() {
                    mixed = content.bool_attr("mixed", false)?;
                }
                self.complex_content(content, doc, mixed)?
            }
            _ => {
                let (particle, attributes, attribute_wildcard) =
                    self.particle_and_attributes(&children, doc, x)?;
                let content = self.make_content(particle.as_ref(), mixed, x)?;
                let complex = ComplexType {
                    attributes,
                    attribute_wildcard,
                    content,
                    mixed,
                    particle,
                };
                (self.model.any_type, DERIVE_RESTRICTION, complex)
            }
        };
        if let Some(t) = self.model.types.get_mut(id as usize) {
            t.base = Some(base);
            t.method = method;
            t.block = block;
            t.is_abstract = is_abstract;
            t.kind = TypeKind::Complex(complex);
        }
        Ok(())
    }

    /// Splits `(group|all|choice|sequence)? (attribute|attributeGroup)* anyAttribute?`.
    fn particle_and_attributes(
        &mut self,
        children: &[Xsd<'_>],
        doc: usize,
        site: &Xsd<'_>,
    ) -> Result<(Option<Particle>, Vec<AttributeUse>, Option<Wildcard>)> {
        let mut particle = None;
        let mut attributes = Vec::new();
        let mut any_attribute = None;
        let mut prohibited = Vec::new();
        for (i, child) in children.iter().enumerate() {
            match child.el.local_name() {
                "group" | "all" | "choice" | "sequence" if i == 0 => {
                    particle = Some(self.particle(child, doc)?)
                }
                "attribute" | "attributeGroup" | "anyAttribute" => self.attribute_item(
                    child,
                    doc,
                    &mut attributes,
                    &mut any_attribute,
                    &mut prohibited,
                )?,
                "openContent" | "assert" => return Err(child.unsupported()),
                other => {
                    return Err(child.error(format!(
                        "<xs:{other}> is not allowed here in <xs:{}>",
                        site.el.local_name()
                    )))
                }
            }
        }
        Ok((particle, attributes, any_attribute))
    }

    fn make_content(
        &self,
        particle: Option<&Particle>,
        mixed: bool,
        site: &Xsd<'_>,
    ) -> Result<Content> {
        match particle {
            None if !mixed => Ok(Content::Empty),
            None => {
                let empty = Particle {
                    min: 1,
                    max: Some(1),
                    term: Term::Sequence(Vec::new()),
                };
                Ok(Content::Elements(self.content_model(&empty, site)?))
            }
            Some(p) => Ok(Content::Elements(self.content_model(p, site)?)),
        }
    }

    fn base_of(&mut self, x: &Xsd<'_>, doc: usize) -> Result<TypeId> {
        match self.type_ref(x, doc, "base")? {
            Some(b) => Ok(b),
            None => Err(x.error("missing required attribute 'base'".into())),
        }
    }

    fn derivation<'x>(&self, content: &Xsd<'x>) -> Result<Xsd<'x>> {
        let children = content.children()?;
        match children.as_slice() {
            [d] if matches!(d.el.local_name(), "extension" | "restriction") => Ok(*d),
            _ => {
                Err(content
                    .error("must hold exactly one <xs:extension> or <xs:restriction>".into()))
            }
        }
    }

    fn simple_content(
        &mut self,
        content: &Xsd<'_>,
        doc: usize,
    ) -> Result<(TypeId, u8, ComplexType)> {
        content.check_attrs(&["id"])?;
        let d = self.derivation(content)?;
        d.check_attrs(&["base", "id"])?;
        let base = self.base_of(&d, doc)?;
        let extension = d.el.local_name() == "extension";
        let (base_simple, mut attributes, mut any_attribute) = match &self.model.ty(base).kind {
            TypeKind::Simple(_) if extension => (base, Vec::new(), None),
            TypeKind::Complex(ComplexType {
                content: Content::Simple(s),
                attributes,
                attribute_wildcard,
                ..
            }) => (*s, attributes.clone(), attribute_wildcard.clone()),
            TypeKind::Pending => return Err(d.error("circular type derivation".into())),
            _ => {
                return Err(d.error(format!(
                    "base type {} has no simple content",
                    self.model.ty(base).display_name()
                )))
            }
        };
        let mut facet_children = Vec::new();
        let mut attr_children = Vec::new();
        let mut inner_simple = None;
        for child in d.children()? {
            match child.el.local_name() {
                "attribute" | "attributeGroup" | "anyAttribute" => attr_children.push(child),
                "simpleType"
                    if !extension && inner_simple.is_none() && facet_children.is_empty() =>
                {
                    inner_simple = Some(child)
                }
                _ if !extension && attr_children.is_empty() => facet_children.push(child),
                other => {
                    return Err(child.error(format!(
                        "<xs:{other}> is not allowed in <xs:{}> of <xs:simpleContent>",
                        d.el.local_name()
                    )))
                }
            }
        }
        let simple = if extension {
            base_simple
        } else {
            let restricted_base = match inner_simple {
                Some(st) => {
                    let t = self.push_type(pending());
                    self.simple_type(&st, doc, t, false)?;
                    t
                }
                None => base_simple,
            };
            if facet_children.is_empty() {
                restricted_base
            } else {
                self.restricted_simple(restricted_base, &facet_children, &d)?
            }
        };
        let mut prohibited = Vec::new();
        let mut own = Vec::new();
        for child in &attr_children {
            self.attribute_item(child, doc, &mut own, &mut any_attribute, &mut prohibited)?;
        }
        merge_attributes(&mut attributes, own, &prohibited, extension, &d)?;
        let method = if extension {
            DERIVE_EXTENSION
        } else {
            DERIVE_RESTRICTION
        };
        Ok((
            base,
            method,
            ComplexType {
                attributes,
                attribute_wildcard: any_attribute,
                content: Content::Simple(simple),
                mixed: false,
                particle: None,
            },
        ))
    }

    fn complex_content(
        &mut self,
        content: &Xsd<'_>,
        doc: usize,
        mixed: bool,
    ) -> Result<(TypeId, u8, ComplexType)> {
        let d = self.derivation(content)?;
        d.check_attrs(&["base", "id"])?;
        let base = self.base_of(&d, doc)?;
        let extension = d.el.local_name() == "extension";
        let (base_particle, mut attributes, base_wildcard) = match &self.model.ty(base).kind {
            TypeKind::Complex(ct) => {
                if extension && matches!(ct.content, Content::Simple(_)) {
                    return Err(d.error(format!(
                        "cannot extend {} (simple content) with <xs:complexContent>",
                        self.model.ty(base).display_name()
                    )));
                }
                (
                    ct.particle.clone(),
                    ct.attributes.clone(),
                    ct.attribute_wildcard.clone(),
                )
            }
            TypeKind::Pending => return Err(d.error("circular type derivation".into())),
            TypeKind::Simple(_) => {
                return Err(d.error(format!(
                    "base type {} is a simple type (use <xs:simpleContent>)",
                    self.model.ty(base).display_name()
                )))
            }
        };
        let children = d.children()?;
        let (own_particle, own_attributes, own_wildcard) = {
            let mut prohibited = Vec::new();
            let mut particle = None;
            let mut own = Vec::new();
            let mut wildcard = None;
            for (i, child) in children.iter().enumerate() {
                match child.el.local_name() {
                    "group" | "all" | "choice" | "sequence" if i == 0 => {
                        particle = Some(self.particle(child, doc)?)
                    }
                    "attribute" | "attributeGroup" | "anyAttribute" => {
                        self.attribute_item(child, doc, &mut own, &mut wildcard, &mut prohibited)?
                    }
                    "openContent" | "assert" => return Err(child.unsupported()),
                    other => {
                        return Err(child.error(format!(
                            "<xs:{other}> is not allowed in <xs:{}>",
                            d.el.local_name()
                        )))
                    }
                }
            }
            merge_attributes(&mut attributes, own, &prohibited, extension, &d)?;
            (particle, attributes, wildcard)
        };
        let particle = if extension {
            let base_is_any = base == self.model.any_type;
            match (base_particle, own_particle) {
                (Some(b), Some(o)) if !base_is_any => {
                    if matches!(b.term, Term::All(_)) || matches!(o.term, Term::All(_)) {
                        return Err(d.error("extending a type whose content is <xs:all> (or adding one) is not supported".into()));
                    }
                    Some(Particle {
                        min: 1,
                        max: Some(1),
                        term: Term::Sequence(vec![b, o]),
                    })
                }
                (Some(b), None) => Some(b),
                (_, o) => o,
            }
        } else {
            own_particle
        };
        let attribute_wildcard = if extension {
            own_wildcard.or(base_wildcard)
        } else {
            own_wildcard
        };
        let content = self.make_content(particle.as_ref(), mixed, &d)?;
        Ok((
            base,
            if extension {
                DERIVE_EXTENSION
            } else {
                DERIVE_RESTRICTION
            },
            ComplexType {
                attributes: own_attributes,
                attribute_wildcard,
                content,
                mixed,
                particle,
            },
        ))
    }

    /// One of `attribute`, `attributeGroup` (reference) or `anyAttribute`.
    fn attribute_item(
        &mut self,
        x: &Xsd<'_>,
        doc: usize,
        out: &mut Vec<AttributeUse>,
        wildcard_out: &mut Option<Wildcard>,
        prohibited: &mut Vec<(Box<str>, Box<str>)>,
    ) -> Result<()> {
        let sd = self.doc(doc);
        match x.el.local_name() {
            "anyAttribute" => {
                x.check_attrs(&["namespace", "processContents", "id"])?;
                *wildcard_out = Some(wildcard(x, sd)?);
            }
            "attributeGroup" => {
                x.check_attrs(&["ref", "id"])?;
                let (ns, local) = x.resolve_qname(x.required_attr("ref")?.trim(), sd)?;
                let key = (Kind::AttributeGroup, ns.clone(), local.clone());
                if self.group_stack.contains(&key) {
                    return Err(x.error(format!("attribute group '{local}' contains itself")));
                }
                let Some((gdoc, node)) = self.globals.get(Kind::AttributeGroup, &ns, &local) else {
                    return Err(x.error(format!(
                        "unknown attribute group '{local}' in namespace '{ns}'"
                    )));
                };
                let Some(def) = self.xsd(gdoc, node) else {
                    return Err(x.error(format!("unknown attribute group '{local}'")));
                };
                def.check_attrs(&["name", "id"])?;
                self.group_stack.push(key);
                for child in def.children()? {
                    if let Err(e) = self.attribute_item(&child, gdoc, out, wildcard_out, prohibited)
                    {
                        self.group_stack.pop();
                        return Err(e);
                    }
                }
                self.group_stack.pop();
            }
            "attribute" => {
                x.check_attrs(&[
                    "name", "ref", "type", "use", "default", "fixed", "form", "id",
                ])?;
                let required = match x.attr("use").map(str::trim) {
                    None | Some("optional") => false,
                    Some("required") => true,
                    Some("prohibited") => {
                        let (ns, local) = match x.attr("ref") {
                            Some(r) => x.resolve_qname(r.trim(), sd)?,
                            None => (String::new(), x.required_attr("name")?.to_string()),
                        };
                        prohibited.push((ns.into(), local.into()));
                        return Ok(());
                    }
                    Some(other) => return Err(x.error(format!("use=\"{other}\" is not allowed"))),
                };
                let default: Option<Box<str>> = x.attr("default").map(Box::from);
                let fixed: Option<Box<str>> = x.attr("fixed").map(Box::from);
                if default.is_some() && fixed.is_some() {
                    return Err(x.error("has both 'default' and 'fixed'".into()));
                }
                if required && default.is_some() {
                    return Err(x.error("a required attribute cannot have a default".into()));
                }
                let (ns, local, type_id, default, fixed) = if let Some(r) = x.attr("ref") {
                    if x.attr("name").is_some() || x.attr("type").is_some() {
                        return Err(x.error(
                            "an attribute reference cannot also have 'name' or 'type'".into(),
                        ));
                    }
                    let (ns, local) = x.resolve_qname(r.trim(), sd)?;
                    let decl = self.global_attribute(&ns, &local, x)?;
                    (
                        ns,
                        local,
                        decl.type_id,
                        default.or(decl.default),
                        fixed.or(decl.fixed),
                    )
                } else {
                    let local = x.required_attr("name")?.to_string();
                    let qualified = match x.attr("form") {
                        Some("qualified") => true,
                        Some("unqualified") => false,
                        Some(other) => {
                            return Err(x.error(format!("form=\"{other}\" is not allowed")))
                        }
                        None => sd.qualified_attributes,
                    };
                    let ns = if qualified {
                        sd.tns.to_string()
                    } else {
                        String::new()
                    };
                    let type_id = self.attribute_type(x, doc)?;
                    (ns, local, type_id, default, fixed)
                };
                if out.iter().any(|a| *a.local == *local && *a.ns == *ns) {
                    return Err(x.error(format!("attribute '{local}' is declared twice")));
                }
                for v in default.iter().chain(fixed.iter()) {
                    self.deferred
                        .push((type_id, v.to_string(), x.error(String::new())));
                }
                out.push(AttributeUse {
                    ns: ns.into(),
                    local: local.into(),
                    type_id,
                    required,
                    fixed,
                });
            }
            other => return Err(x.error(format!("<xs:{other}> is not an attribute declaration"))),
        }
        Ok(())
    }

    /// The type of an attribute: `type=`, an anonymous simple type, or anySimpleType.
    fn attribute_type(&mut self, x: &Xsd<'_>, doc: usize) -> Result<TypeId> {
        let mut inner = None;
        for child in x.children()? {
            match child.el.local_name() {
                "simpleType" if inner.is_none() => inner = Some(child),
                other => {
                    return Err(
                        child.error(format!("<xs:{other}> is not allowed in <xs:attribute>"))
                    )
                }
            }
        }
        let type_id = match (self.type_ref(x, doc, "type")?, inner) {
            (Some(_), Some(_)) => {
                return Err(x.error("has both a 'type' attribute and an anonymous type".into()))
            }
            (Some(t), None) => t,
            (None, Some(st)) => {
                let t = self.push_type(pending());
                self.simple_type(&st, doc, t, false)?;
                t
            }
            (None, None) => self
                .model
                .global_types
                .get(XSD_NS, Builtin::AnySimpleType.name())
                .copied()
                .unwrap_or(self.model.any_type),
        };
        if !matches!(
            self.model.ty(type_id).kind,
            TypeKind::Simple(_) | TypeKind::Pending
        ) {
            return Err(x.error(format!(
                "attribute type {} is not a simple type",
                self.model.ty(type_id).display_name()
            )));
        }
        Ok(type_id)
    }

    /// Resolves (compiling on first use) a global attribute declaration.
    pub(super) fn global_attribute(
        &mut self,
        ns: &str,
        local: &str,
        site: &Xsd<'_>,
    ) -> Result<AttributeDecl> {
        if ns == crate::XML_NS {
            // xml:lang, xml:space, xml:base, xml:id: the XML namespace schema, built in.
            let builtin = match local {
                "lang" => Builtin::Language,
                "space" => Builtin::NCName,
                "base" => Builtin::AnyUri,
                "id" => Builtin::Id,
                _ => return Err(site.error(format!("unknown attribute xml:{local}"))),
            };
            let type_id = self
                .model
                .global_types
                .get(XSD_NS, builtin.name())
                .copied()
                .unwrap_or(self.model.any_type);
            return Ok(AttributeDecl {
                type_id,
                default: None,
                fixed: None,
            });
        }
        if let Some(decl) = self.model.global_attributes.get(ns, local) {
            return Ok(decl.clone());
        }
        let Some((doc, node)) = self.globals.get(Kind::Attribute, ns, local) else {
            return Err(site.error(format!("unknown attribute '{local}' in namespace '{ns}'")));
        };
        let Some(x) = self.xsd(doc, node) else {
            return Err(site.error(format!("unknown attribute '{local}'")));
        };
        x.check_attrs(&["name", "type", "default", "fixed", "id"])?;
        let type_id = self.attribute_type(&x, doc)?;
        let decl = AttributeDecl {
            type_id,
            default: x.attr("default").map(Box::from),
            fixed: x.attr("fixed").map(Box::from),
        };
        for v in decl.default.iter().chain(decl.fixed.iter()) {
            self.deferred
                .push((type_id, v.to_string(), x.error(String::new())));
        }
        self.model.global_attributes.insert(ns, local, decl.clone());
        Ok(decl)
    }
}

pub(super) fn pending() -> TypeDef {
    TypeDef {
        name: None,
        base: None,
        method: 0,
        block: 0,
        is_abstract: false,
        kind: TypeKind::Pending,
    }
}

/// Applies derived attribute uses to the inherited ones: extension adds (a clash is an
/// error), restriction overrides by name and removes prohibited ones.
fn merge_attributes(
    inherited: &mut Vec<AttributeUse>,
    own: Vec<AttributeUse>,
    prohibited: &[(Box<str>, Box<str>)],
    extension: bool,
    site: &Xsd<'_>,
) -> Result<()> {
    if !extension {
        inherited.retain(|a| {
            !prohibited
                .iter()
                .any(|(ns, l)| *ns == a.ns && *l == a.local)
        });
    }
    for a in own {
        match inherited
            .iter_mut()
            .find(|b| b.ns == a.ns && b.local == a.local)
        {
            Some(_) if extension => {
                return Err(site.error(format!(
                    "attribute '{}' is already declared by the base type",
                    a.local
                )))
            }
            Some(existing) => *existing = a,
            None => inherited.push(a),
        }
    }
    Ok(())
}
