//! Validating a document subtree against the compiled model.
//!
//! A recursive walk: each element is checked against its declaration (abstract, `xsi:type`,
//! `xsi:nil`), its attributes against the type's attribute uses and wildcard, its children
//! by stepping the content automaton (or the `all` bitset), and its text against the simple
//! type. The first violation ends the walk with an error naming the element, its line and
//! column, and what the schema expected there. ID uniqueness and IDREF targets are checked
//! per document. Nesting depth is bounded by the parser, so recursion is bounded too.

use super::builtin_types::Builtin;
use super::content::{ContentModel, Dfa, Matched};
use super::model::*;
use super::simple;
use super::values::same_value;
use crate::document::{Child, Element};
use crate::error::{Error, ErrorKind, NameList, Result};
use crate::XSI_NS;
use std::collections::HashSet;

/// Validates `element` against declaration `decl` (and the document's ID/IDREF rules).
pub(crate) fn validate(model: &Model, element: Element<'_>, decl: ElemId) -> Result<()> {
    let mut v = Validator {
        model,
        ids: HashSet::new(),
        idrefs: Vec::new(),
    };
    v.element(element, decl)?;
    for (idref, line, column, name) in v.idrefs {
        if !v.ids.contains(&idref) {
            return Err(Error::new(
                ErrorKind::Invalid,
                format!("element <{name}>: IDREF '{idref}' does not match any ID in the document"),
            )
            .at(line, column)
            .on_element(name));
        }
    }
    Ok(())
}

fn invalid(el: Element<'_>, message: String) -> Error {
    Error::new(
        ErrorKind::Invalid,
        format!("element <{}>: {message}", el.local_name()),
    )
    .at(el.line(), el.column())
    .on_element(el.local_name())
}

fn is_xml_space(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

struct Validator<'m> {
    model: &'m Model,
    ids: HashSet<String>,
    idrefs: Vec<(String, u32, u32, String)>,
}

impl<'m> Validator<'m> {
    fn element(&mut self, el: Element<'_>, decl_id: ElemId) -> Result<()> {
        let model = self.model;
        let decl = model.element(decl_id);
        if decl.is_abstract {
            return Err(invalid(
                el,
                "the declaration is abstract; it cannot appear in a document".into(),
            ));
        }
        let type_id = match el.attribute(XSI_NS, "type") {
            Some(name) => self.xsi_type(el, decl, name)?,
            None => decl.type_id,
        };
        let ty = model.ty(type_id);
        if ty.is_abstract {
            return Err(invalid(
                el,
                format!(
                    "type {} is abstract; name a concrete type with xsi:type",
                    ty.display_name()
                ),
            ));
        }
        if let Some(nil) = el.attribute(XSI_NS, "nil") {
            let nil = match nil.trim() {
                "true" | "1" => true,
                "false" | "0" => false,
                other => return Err(invalid(el, format!("xsi:nil=\"{other}\" is not a boolean"))),
            };
            if !decl.nillable {
                return Err(invalid(
                    el,
                    "xsi:nil is used but the element is not nillable".into(),
                ));
            }
            if nil {
                if decl.fixed.is_some() {
                    return Err(invalid(
                        el,
                        "a nil element cannot have a fixed value".into(),
                    ));
                }
                if el.children().next().is_some() {
                    return Err(invalid(
                        el,
                        "is nil (xsi:nil=\"true\") but has content".into(),
                    ));
                }
                if let TypeKind::Complex(ct) = &ty.kind {
                    self.attributes(el, ct)?;
                }
                return Ok(());
            }
        }
        match &ty.kind {
            TypeKind::Simple(_) => {
                if let Some(a) = el.attributes().find(|a| a.namespace() != XSI_NS) {
                    return Err(invalid(
                        el,
                        format!(
                            "attribute '{}' is not allowed (the element has a simple type)",
                            a.qualified_name()
                        ),
                    ));
                }
                self.no_child_elements(el, "a simple type")?;
                self.simple_content(el, decl, type_id)
            }
            TypeKind::Complex(ct) => {
                self.attributes(el, ct)?;
                match &ct.content {
                    Content::Empty => {
                        self.no_child_elements(el, "empty content")?;
                        if !is_xml_space(&el.text()) {
                            return Err(invalid(el, "must be empty, but has text".into()));
                        }
                        Ok(())
                    }
                    Content::Simple(st) => {
                        self.no_child_elements(el, "simple content")?;
                        self.simple_content(el, decl, *st)
                    }
                    Content::Elements(cm) => {
                        self.children(el, ct, cm)?;
                        if let Some(fixed) = &decl.fixed {
                            if !el.has_child_elements()
                                && !el.text().is_empty()
                                && *el.text() != **fixed
                            {
                                return Err(invalid(
                                    el,
                                    format!("must have the fixed value '{fixed}'"),
                                ));
                            }
                        }
                        Ok(())
                    }
                }
            }
            TypeKind::Pending => Err(invalid(el, "internal error: type not compiled".into())),
        }
    }

    fn xsi_type(&self, el: Element<'_>, decl: &ElementDecl, name: &str) -> Result<TypeId> {
        let model = self.model;
        let name = name.trim();
        let Some((prefix, local)) = super::builtin_types::split_qname(name) else {
            return Err(invalid(el, format!("xsi:type=\"{name}\" is not a QName")));
        };
        let Some(ns) = el.lookup_namespace(prefix) else {
            return Err(invalid(
                el,
                format!("xsi:type=\"{name}\" uses an undeclared prefix"),
            ));
        };
        let Some(&type_id) = model.global_types.get(ns, local) else {
            return Err(invalid(
                el,
                format!("xsi:type names unknown type '{local}' in namespace '{ns}'"),
            ));
        };
        let Some(methods) = model.derivation_path(type_id, decl.type_id) else {
            return Err(invalid(
                el,
                format!(
                    "xsi:type {} is not derived from the declared type {}",
                    model.ty(type_id).display_name(),
                    model.ty(decl.type_id).display_name()
                ),
            ));
        };
        if methods & (decl.block | model.ty(decl.type_id).block) != 0 {
            return Err(invalid(
                el,
                format!("xsi:type {name} is blocked by the declaration"),
            ));
        }
        Ok(type_id)
    }

    fn no_child_elements(&self, el: Element<'_>, what: &str) -> Result<()> {
        match el.child_elements().next() {
            Some(child) => Err(invalid(
                child,
                format!(
                    "is not allowed: <{}> has {what}, no child elements",
                    el.local_name()
                ),
            )),
            None => Ok(()),
        }
    }

    /// Text of an element with a simple type or simple content, with default/fixed applied.
    fn simple_content(
        &mut self,
        el: Element<'_>,
        decl: &ElementDecl,
        type_id: TypeId,
    ) -> Result<()> {
        let text = el.text();
        let value: &str = if text.is_empty() {
            match decl.default.as_deref().or(decl.fixed.as_deref()) {
                Some(d) => d,
                None => &text,
            }
        } else {
            &text
        };
        simple::check(self.model, type_id, value, Some(el)).map_err(|why| invalid(el, why))?;
        if let Some(fixed) = &decl.fixed {
            self.check_fixed(el, type_id, value, fixed, "")?;
        }
        self.track_ids(el, type_id, value)
    }

    fn check_fixed(
        &self,
        el: Element<'_>,
        type_id: TypeId,
        value: &str,
        fixed: &str,
        what: &str,
    ) -> Result<()> {
        if let TypeKind::Simple(st) = &self.model.ty(type_id).kind {
            let v = st.ws.apply(value);
            let f = st.ws.apply(fixed);
            if !same_value(st.primitive(), &v, &f) {
                return Err(invalid(
                    el,
                    format!("{what}'{v}' differs from the fixed value '{f}'"),
                ));
            }
        }
        Ok(())
    }

    fn track_ids(&mut self, el: Element<'_>, type_id: TypeId, value: &str) -> Result<()> {
        let TypeKind::Simple(st) = &self.model.ty(type_id).kind else {
            return Ok(());
        };
        let item_builtin = match st.variety {
            Variety::List(item) => match &self.model.ty(item).kind {
                TypeKind::Simple(i) => Some(i.builtin),
                _ => None,
            },
            _ => None,
        };
        if st.builtin.derives_from(Builtin::Id) {
            let id = value.trim().to_string();
            if !self.ids.insert(id.clone()) {
                return Err(invalid(
                    el,
                    format!("ID '{id}' is used twice in the document"),
                ));
            }
        } else if st.builtin.derives_from(Builtin::IdRef)
            || item_builtin.is_some_and(|b| b.derives_from(Builtin::IdRef))
        {
            for r in value.split_whitespace() {
                self.idrefs.push((
                    r.to_string(),
                    el.line(),
                    el.column(),
                    el.local_name().to_string(),
                ));
            }
        }
        Ok(())
    }

    fn attributes(&mut self, el: Element<'_>, ct: &ComplexType) -> Result<()> {
        let mut seen = vec![false; ct.attributes.len()];
        for a in el.attributes() {
            let (ns, local) = (a.namespace(), a.local_name());
            if ns == XSI_NS {
                if matches!(
                    local,
                    "type" | "nil" | "schemaLocation" | "noNamespaceSchemaLocation"
                ) {
                    continue;
                }
                return Err(invalid(el, format!("unknown attribute xsi:{local}")));
            }
            if let Some(i) = ct
                .attributes
                .iter()
                .position(|u| *u.local == *local && *u.ns == *ns)
            {
                seen[i] = true;
                let u = &ct.attributes[i];
                simple::check(self.model, u.type_id, a.value(), Some(el)).map_err(|why| {
                    invalid(el, format!("attribute '{}': {why}", a.qualified_name()))
                })?;
                if let Some(fixed) = &u.fixed {
                    self.check_fixed(
                        el,
                        u.type_id,
                        a.value(),
                        fixed,
                        &format!("attribute '{local}': "),
                    )?;
                }
                self.track_ids(el, u.type_id, a.value())?;
                continue;
            }
            match &ct.attribute_wildcard {
                Some(w) if w.allows(ns) => {
                    if w.process == Process::Skip {
                        continue;
                    }
                    match self.model.global_attributes.get(ns, local) {
                        Some(decl) => {
                            simple::check(self.model, decl.type_id, a.value(), Some(el))
                                .map_err(|why| invalid(el, format!("attribute '{}': {why}", a.qualified_name())))?;
                        }
                        None if w.process == Process::Strict && ns != crate::XML_NS => {
                            return Err(invalid(
                                el,
                                format!("attribute '{}' has no global declaration (required by a strict wildcard)", a.qualified_name()),
                            ))
                        }
                        None => {}
                    }
                }
                _ => {
                    let allowed: Vec<&str> = ct.attributes.iter().map(|u| &*u.local).collect();
                    let hint = if allowed.is_empty() {
                        "no attributes are declared".to_string()
                    } else {
                        format!("allowed: {}", allowed.join(", "))
                    };
                    return Err(invalid(
                        el,
                        format!("attribute '{}' is not allowed ({hint})", a.qualified_name()),
                    ));
                }
            }
        }
        if let Some(i) = ct
            .attributes
            .iter()
            .enumerate()
            .position(|(i, u)| u.required && !seen[i])
        {
            return Err(invalid(
                el,
                format!("missing required attribute '{}'", ct.attributes[i].local),
            ));
        }
        Ok(())
    }

    fn children(&mut self, el: Element<'_>, ct: &ComplexType, cm: &ContentModel) -> Result<()> {
        match cm {
            ContentModel::Dfa(dfa) => {
                let mut state = Dfa::START;
                for child in el.children() {
                    match child {
                        Child::Text(t) => self.text_allowed(el, ct, t)?,
                        Child::Element(c) => match dfa.step(state, c.namespace(), c.local_name()) {
                            Some((next, Matched::Element(decl))) => {
                                state = next;
                                self.element(c, decl)?;
                            }
                            Some((next, Matched::Wildcard(w))) => {
                                state = next;
                                self.wildcard_element(c, w.process)?;
                            }
                            None => {
                                let (names, wilds) = dfa.expected(state);
                                let what = expected(
                                    &names,
                                    &wilds,
                                    dfa.accepting(state),
                                    el,
                                    Some(c.namespace()),
                                );
                                return Err(invalid(
                                    c,
                                    format!("not allowed here in <{}>; {what}", el.local_name()),
                                ));
                            }
                        },
                    }
                }
                if !dfa.accepting(state) {
                    let (names, wilds) = dfa.expected(state);
                    let what = expected(&names, &wilds, false, el, None);
                    return Err(invalid(el, format!("content is incomplete; {what}")));
                }
                Ok(())
            }
            ContentModel::All(all) => {
                let mut seen = 0u64;
                let mut any_child = false;
                for child in el.children() {
                    match child {
                        Child::Text(t) => self.text_allowed(el, ct, t)?,
                        Child::Element(c) => {
                            any_child = true;
                            let Some((i, item)) = all.find(c.namespace(), c.local_name()) else {
                                let remaining: Vec<(&str, &str)> = all
                                    .items
                                    .iter()
                                    .enumerate()
                                    .filter(|(i, _)| seen & (1 << i) == 0)
                                    .map(|(_, it)| (&*it.ns, &*it.local))
                                    .collect();
                                let what = expected(&remaining, &[], true, el, Some(c.namespace()));
                                return Err(invalid(
                                    c,
                                    format!("not allowed here in <{}>; {what}", el.local_name()),
                                ));
                            };
                            if seen & (1 << i) != 0 {
                                return Err(invalid(
                                    c,
                                    format!(
                                        "appears twice in <{}> (at most once allowed)",
                                        el.local_name()
                                    ),
                                ));
                            }
                            seen |= 1 << i;
                            self.element(c, item.elem)?;
                        }
                    }
                }
                if !any_child && all.optional {
                    return Ok(());
                }
                let missing: Vec<&str> = all
                    .items
                    .iter()
                    .enumerate()
                    .filter(|(i, it)| it.required && seen & (1 << i) == 0)
                    .map(|(_, it)| &*it.local)
                    .collect();
                if !missing.is_empty() {
                    return Err(invalid(
                        el,
                        format!(
                            "missing required child element {}",
                            NameList(missing.iter().copied())
                                .to_string()
                                .replace(" or ", " and ")
                        ),
                    ));
                }
                Ok(())
            }
        }
    }

    fn text_allowed(&self, el: Element<'_>, ct: &ComplexType, text: &str) -> Result<()> {
        if ct.mixed || is_xml_space(text) {
            return Ok(());
        }
        let shown: String = text.trim().chars().take(30).collect();
        Err(invalid(
            el,
            format!("text '{shown}' is not allowed (element-only content)"),
        ))
    }

    /// A child matched by `xs:any`.
    fn wildcard_element(&mut self, el: Element<'_>, process: Process) -> Result<()> {
        if process == Process::Skip {
            return Ok(());
        }
        match self.model.global_elements.get(el.namespace(), el.local_name()) {
            Some(&decl) => self.element(el, decl),
            None if process == Process::Strict => Err(invalid(
                el,
                format!(
                    "no global declaration for <{}> in namespace '{}' (required by a strict wildcard)",
                    el.local_name(),
                    el.namespace()
                ),
            )),
            None => {
                for c in el.child_elements() {
                    self.wildcard_element(c, Process::Lax)?;
                }
                Ok(())
            }
        }
    }
}

/// "expected one of <A>, <B> or the end of <P>", naming namespaces when they explain the error.
fn expected(
    names: &[(&str, &str)],
    wilds: &[&Wildcard],
    accepting: bool,
    parent: Element<'_>,
    actual_ns: Option<&str>,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    let same_ns = actual_ns.is_none_or(|a| names.iter().all(|(ns, _)| *ns == a));
    if same_ns {
        parts.extend(names.iter().map(|(_, l)| format!("<{l}>")));
    } else {
        parts.extend(names.iter().map(|(ns, l)| {
            if ns.is_empty() {
                format!("<{l}> (no namespace)")
            } else {
                format!("<{l}> (namespace '{ns}')")
            }
        }));
    }
    for w in wilds {
        parts.push(match &w.namespaces {
            NsConstraint::Any => "any element".into(),
            NsConstraint::Not(_) => "an element from another namespace".into(),
            NsConstraint::Only(list) => format!(
                "an element from {}",
                list.iter()
                    .map(|n| format!("'{n}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    if accepting {
        parts.push(format!("the end of <{}>", parent.local_name()));
    }
    let mut out = String::from(if parts.len() > 1 {
        "expected one of "
    } else {
        "expected "
    });
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(if i + 1 == parts.len() { " or " } else { ", " });
        }
        out.push_str(p);
    }
    if parts.is_empty() {
        out.push_str("nothing more");
    }
    if let (Some(actual), false) = (actual_ns, same_ns) {
        let shown = if actual.is_empty() {
            "no namespace".to_string()
        } else {
            format!("namespace '{actual}'")
        };
        out.push_str(&format!(", but the element is in {shown}"));
    }
    out
}
