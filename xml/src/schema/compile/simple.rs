//! Compiling simple types: restriction with constraining facets, `xs:list` and `xs:union`.
//!
//! Facets are merged along the derivation so a value is checked against one flat set: the
//! most derived enumeration and bounds replace the inherited ones (XSD requires them to be
//! narrower anyway), while patterns accumulate one compiled regex per derivation step, because
//! XSD says patterns of different steps must all match. Facet values are checked when the
//! schema loads — an enumeration value invalid for its base type, a length facet on a number,
//! a bound that is not a number — so such mistakes surface at load, not at validation.

use super::complex::pending;
use super::Compiler;
use crate::error::Result;
use crate::schema::builtin_types::{Primitive, Ws};
use crate::schema::loader::Xsd;
use crate::schema::model::*;
use crate::schema::pattern;
use crate::schema::values::OrdValue;
use std::sync::Arc;

impl<'a> Compiler<'a> {
    /// Compiles `<xs:simpleType>` into the reserved type `id`.
    pub(super) fn simple_type(
        &mut self,
        x: &Xsd<'_>,
        doc: usize,
        id: TypeId,
        named: bool,
    ) -> Result<()> {
        if named {
            x.check_attrs(&["name", "final", "id"])?;
        } else {
            x.check_attrs(&["id"])?;
        }
        let children = x.children()?;
        let [body] = children.as_slice() else {
            return Err(
                x.error("must hold exactly one <xs:restriction>, <xs:list> or <xs:union>".into())
            );
        };
        let (base, method, st) = match body.el.local_name() {
            "restriction" => {
                body.check_attrs(&["base", "id"])?;
                let mut facets = body.children()?;
                let base = match self.type_ref(body, doc, "base")? {
                    Some(b) => b,
                    None => {
                        if facets
                            .first()
                            .is_none_or(|f| f.el.local_name() != "simpleType")
                        {
                            return Err(body.error(
                                "needs a 'base' attribute or an anonymous <xs:simpleType>".into(),
                            ));
                        }
                        let inner = facets.remove(0);
                        let t = self.push_type(pending());
                        self.simple_type(&inner, doc, t, false)?;
                        t
                    }
                };
                let st = self.restriction_of(base, &facets, body)?;
                (base, DERIVE_RESTRICTION, st)
            }
            "list" => {
                body.check_attrs(&["itemType", "id"])?;
                let item = self.one_member(body, doc, "itemType")?;
                match &self.model.ty(item).kind {
                    TypeKind::Simple(SimpleType {
                        variety: Variety::List(_),
                        ..
                    }) => {
                        return Err(
                            body.error("the item type of a list cannot itself be a list".into())
                        )
                    }
                    TypeKind::Simple(_) => {}
                    _ => {
                        return Err(
                            body.error("the item type of a list must be a simple type".into())
                        )
                    }
                }
                let st = SimpleType {
                    variety: Variety::List(item),
                    builtin: crate::schema::builtin_types::Builtin::AnySimpleType,
                    facets: Facets::default(),
                    ws: Ws::Collapse,
                };
                (self.any_simple(), DERIVE_RESTRICTION, st)
            }
            "union" => {
                body.check_attrs(&["memberTypes", "id"])?;
                let mut members = Vec::new();
                let sd = self.doc(doc);
                if let Some(list) = body.attr("memberTypes") {
                    for name in list.split_whitespace() {
                        let (ns, local) = body.resolve_qname(name, sd)?;
                        members.push(self.global_type(&ns, &local, body)?);
                    }
                }
                for inner in body.children()? {
                    if inner.el.local_name() != "simpleType" {
                        return Err(inner.error("is not allowed in <xs:union>".into()));
                    }
                    let t = self.push_type(pending());
                    self.simple_type(&inner, doc, t, false)?;
                    members.push(t);
                }
                if members.is_empty() {
                    return Err(body.error("a union needs at least one member type".into()));
                }
                for &m in &members {
                    if !matches!(self.model.ty(m).kind, TypeKind::Simple(_)) {
                        return Err(body.error(format!(
                            "member type {} is not a simple type (or is circular)",
                            self.model.ty(m).display_name()
                        )));
                    }
                }
                let st = SimpleType {
                    variety: Variety::Union(members),
                    builtin: crate::schema::builtin_types::Builtin::AnySimpleType,
                    facets: Facets::default(),
                    ws: Ws::Preserve,
                };
                (self.any_simple(), DERIVE_RESTRICTION, st)
            }
            other => {
                return Err(body.error(format!("<xs:{other}> is not allowed in <xs:simpleType>")))
            }
        };
        if let Some(t) = self.model.types.get_mut(id as usize) {
            t.base = Some(base);
            t.method = method;
            t.kind = TypeKind::Simple(st);
        }
        Ok(())
    }

    fn any_simple(&self) -> TypeId {
        self.model
            .global_types
            .get(crate::XSD_NS, "anySimpleType")
            .copied()
            .unwrap_or(self.model.any_type)
    }

    /// `itemType=` or one anonymous `<xs:simpleType>` child.
    fn one_member(&mut self, x: &Xsd<'_>, doc: usize, attr: &str) -> Result<TypeId> {
        let children = x.children()?;
        match (self.type_ref(x, doc, attr)?, children.as_slice()) {
            (Some(t), []) => Ok(t),
            (None, [inner]) if inner.el.local_name() == "simpleType" => {
                let t = self.push_type(pending());
                self.simple_type(inner, doc, t, false)?;
                Ok(t)
            }
            _ => Err(x.error(format!(
                "needs either '{attr}' or one anonymous <xs:simpleType>"
            ))),
        }
    }

    /// A new anonymous type restricting `base` by `facets` (used by simpleContent).
    pub(super) fn restricted_simple(
        &mut self,
        base: TypeId,
        facets: &[Xsd<'_>],
        site: &Xsd<'_>,
    ) -> Result<TypeId> {
        let st = self.restriction_of(base, facets, site)?;
        Ok(self.push_type(TypeDef {
            name: None,
            base: Some(base),
            method: DERIVE_RESTRICTION,
            block: 0,
            is_abstract: false,
            kind: TypeKind::Simple(st),
        }))
    }

    /// The simple type `base` narrowed by constraining facets.
    fn restriction_of(
        &mut self,
        base: TypeId,
        facets: &[Xsd<'_>],
        site: &Xsd<'_>,
    ) -> Result<SimpleType> {
        let mut st = match &self.model.ty(base).kind {
            TypeKind::Simple(st) => st.clone(),
            TypeKind::Pending => return Err(site.error("circular type derivation".into())),
            TypeKind::Complex(_) => {
                return Err(site.error(format!(
                    "base type {} of a simple type must be simple",
                    self.model.ty(base).display_name()
                )))
            }
        };
        let primitive = st.primitive();
        let is_list = matches!(st.variety, Variety::List(_));
        let is_union = matches!(st.variety, Variety::Union(_));
        // whiteSpace first: it decides how the other facet values are normalised.
        for f in facets.iter().filter(|f| f.el.local_name() == "whiteSpace") {
            f.check_attrs(&["value", "fixed", "id"])?;
            let ws = match f.required_attr("value")?.trim() {
                "preserve" => Ws::Preserve,
                "replace" => Ws::Replace,
                "collapse" => Ws::Collapse,
                other => return Err(f.error(format!("value=\"{other}\" is not a whitespace mode"))),
            };
            if ws < st.ws {
                return Err(f.error("cannot relax the whitespace handling of the base type".into()));
            }
            st.ws = ws;
        }
        let lengthable = is_list
            || matches!(
                primitive,
                Primitive::String
                    | Primitive::AnyUri
                    | Primitive::HexBinary
                    | Primitive::Base64Binary
                    | Primitive::QName
                    | Primitive::AnySimple
            ) && !is_union;
        let mut enumeration = Vec::new();
        let mut patterns = Vec::new();
        for f in facets {
            let name = f.el.local_name();
            if name == "whiteSpace" {
                continue;
            }
            if matches!(name, "assertion" | "explicitTimezone") {
                return Err(f.unsupported());
            }
            f.check_attrs(&["value", "fixed", "id"])?;
            let raw = f.required_attr("value")?;
            let applies = |ok: bool| -> Result<()> {
                if ok {
                    Ok(())
                } else {
                    Err(f.error(format!(
                        "facet {name} does not apply to base type {}",
                        self.model.ty(base).display_name()
                    )))
                }
            };
            match name {
                "enumeration" => {
                    let value = st.ws.apply(raw).into_owned();
                    if let Err(why) =
                        crate::schema::simple::check(&self.model, base, &value, Some(f.el))
                    {
                        return Err(f.error(format!(
                            "enumeration value is not valid for the base type: {why}"
                        )));
                    }
                    enumeration.push(Box::from(value));
                }
                "pattern" => patterns.push(raw.to_string()),
                "length" | "minLength" | "maxLength" => {
                    applies(lengthable)?;
                    let n = raw.trim().parse::<u64>().map_err(|_| {
                        f.error(format!("value=\"{raw}\" is not a non-negative integer"))
                    })?;
                    match name {
                        "length" => st.facets.length = Some(n),
                        "minLength" => st.facets.min_length = Some(n),
                        _ => st.facets.max_length = Some(n),
                    }
                }
                "minInclusive" | "minExclusive" | "maxInclusive" | "maxExclusive" => {
                    applies(!is_list && !is_union && OrdValue::is_ordered(primitive))?;
                    let value = Ws::Collapse.apply(raw).into_owned();
                    if let Err(why) = crate::schema::simple::check(&self.model, base, &value, None)
                    {
                        return Err(f.error(format!("bound is not valid for the base type: {why}")));
                    }
                    let Some(parsed) = OrdValue::parse(primitive, &value) else {
                        return Err(f.error(format!("bound '{value}' cannot be ordered")));
                    };
                    let bound = Some(Bound {
                        value: parsed,
                        text: value.into(),
                    });
                    match name {
                        "minInclusive" => st.facets.min_inclusive = bound,
                        "minExclusive" => st.facets.min_exclusive = bound,
                        "maxInclusive" => st.facets.max_inclusive = bound,
                        _ => st.facets.max_exclusive = bound,
                    }
                }
                "totalDigits" | "fractionDigits" => {
                    applies(!is_list && !is_union && primitive == Primitive::Decimal)?;
                    let n = raw.trim().parse::<u32>().map_err(|_| {
                        f.error(format!("value=\"{raw}\" is not a non-negative integer"))
                    })?;
                    if name == "totalDigits" {
                        if n == 0 {
                            return Err(f.error("totalDigits must be positive".into()));
                        }
                        st.facets.total_digits = Some(n);
                    } else {
                        st.facets.fraction_digits = Some(n);
                    }
                }
                "simpleType" => {
                    return Err(f.error("an anonymous base type must come first".into()))
                }
                "attribute" | "attributeGroup" | "anyAttribute" => {
                    return Err(
                        f.error("attributes are not allowed in a simple type restriction".into())
                    )
                }
                other => return Err(f.error(format!("<xs:{other}> is not a facet"))),
            }
        }
        if !enumeration.is_empty() {
            st.facets.enumeration = Some(enumeration);
        }
        if !patterns.is_empty() {
            let regex = pattern::compile_step(&patterns).map_err(|e| site.error(e))?;
            st.facets
                .patterns
                .push((Arc::new(regex), patterns.join("' or '").into()));
        }
        let fx = &st.facets;
        if let (Some(min), Some(max)) = (fx.min_length, fx.max_length) {
            if min > max {
                return Err(site.error(format!("minLength ({min}) exceeds maxLength ({max})")));
            }
        }
        if let (Some(t), Some(f)) = (fx.total_digits, fx.fraction_digits) {
            if f > t {
                return Err(site.error(format!("fractionDigits ({f}) exceeds totalDigits ({t})")));
            }
        }
        let low = fx.min_inclusive.as_ref().or(fx.min_exclusive.as_ref());
        let high = fx.max_inclusive.as_ref().or(fx.max_exclusive.as_ref());
        if let (Some(lo), Some(hi)) = (low, high) {
            if lo.value.compare(&hi.value) == Some(std::cmp::Ordering::Greater) {
                return Err(site.error(format!(
                    "lower bound {} exceeds upper bound {}",
                    lo.text, hi.text
                )));
            }
        }
        Ok(st)
    }
}
