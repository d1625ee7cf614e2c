//! Checking a value against a compiled simple type: whitespace, lexical form, list items,
//! union members, then the constraining facets.
//!
//! Used for element text, attribute values, and at load time for default/fixed values and
//! facet values. Errors are plain sentences ("'high' is not a valid xs:float"); the caller adds
//! the element, line and column.

use super::builtin_types::{base64_octets, check_lexical, split_qname, Builtin, Primitive};
use super::model::{Facets, Model, SimpleType, TypeId, TypeKind, Variety};
use super::values::{same_value, Decimal, OrdValue};
use crate::document::Element;
use std::cmp::Ordering;

/// Checks `raw` against simple type `type_id`. `scope` resolves QName prefixes; without it
/// only the QName's form is checked.
pub(crate) fn check(
    model: &Model,
    type_id: TypeId,
    raw: &str,
    scope: Option<Element<'_>>,
) -> Result<(), String> {
    let st = match &model.ty(type_id).kind {
        TypeKind::Simple(st) => st,
        _ => {
            return Err(format!(
                "{} is not a simple type",
                model.ty(type_id).display_name()
            ))
        }
    };
    let value = st.ws.apply(raw);
    match &st.variety {
        Variety::Atomic => {
            check_lexical(st.builtin, &value)?;
            if st.builtin == Builtin::QName {
                check_qname_prefix(&value, scope)?;
            }
        }
        Variety::List(item) => {
            for token in value.split(' ').filter(|t| !t.is_empty()) {
                check(model, *item, token, scope).map_err(|e| format!("list item {e}"))?;
            }
        }
        Variety::Union(members) => {
            if !members.iter().any(|&m| check(model, m, raw, scope).is_ok()) {
                let names: Vec<String> = members
                    .iter()
                    .map(|&m| model.ty(m).display_name())
                    .collect();
                return Err(format!(
                    "'{value}' is not valid for any member type of the union ({})",
                    names.join(", ")
                ));
            }
        }
    }
    check_facets(st, &value)
}

fn check_qname_prefix(value: &str, scope: Option<Element<'_>>) -> Result<(), String> {
    let (Some(scope), Some((prefix, _))) = (scope, split_qname(value)) else {
        return Ok(());
    };
    match (prefix, scope.lookup_namespace(prefix)) {
        (Some(p), None) => Err(format!("prefix '{p}' of QName '{value}' is not declared")),
        _ => Ok(()),
    }
}

/// The length of a value as the length facets measure it.
fn measure(st: &SimpleType, value: &str) -> Option<u64> {
    if matches!(st.variety, Variety::List(_)) {
        return Some(value.split(' ').filter(|t| !t.is_empty()).count() as u64);
    }
    Some(match st.primitive() {
        Primitive::HexBinary => (value.len() / 2) as u64,
        Primitive::Base64Binary => base64_octets(value)? as u64,
        _ => value.chars().count() as u64,
    })
}

/// A range facet, the orderings that satisfy it, and its operator for messages.
type RangeCheck<'a> = (
    &'a Option<super::model::Bound>,
    fn(Ordering) -> bool,
    &'static str,
);

fn check_facets(st: &SimpleType, value: &str) -> Result<(), String> {
    let f: &Facets = &st.facets;
    if let Some(values) = &f.enumeration {
        let prim = if matches!(st.variety, Variety::Atomic) {
            st.primitive()
        } else {
            Primitive::String
        };
        if !values.iter().any(|e| same_value(prim, e, value)) {
            let list: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
            return Err(format!("'{value}' is not one of {}", list.join(", ")));
        }
    }
    for (regex, source) in &f.patterns {
        if !regex.is_match(value) {
            return Err(format!("'{value}' does not match the pattern '{source}'"));
        }
    }
    if f.length.is_some() || f.min_length.is_some() || f.max_length.is_some() {
        if let Some(len) = measure(st, value) {
            let unit = if matches!(st.variety, Variety::List(_)) {
                "items"
            } else if matches!(
                st.primitive(),
                Primitive::HexBinary | Primitive::Base64Binary
            ) {
                "octets"
            } else {
                "characters"
            };
            if let Some(n) = f.length.filter(|&n| n != len) {
                return Err(format!("'{value}' has {len} {unit}, expected exactly {n}"));
            }
            if let Some(n) = f.min_length.filter(|&n| len < n) {
                return Err(format!("'{value}' has {len} {unit}, expected at least {n}"));
            }
            if let Some(n) = f.max_length.filter(|&n| len > n) {
                return Err(format!("'{value}' has {len} {unit}, expected at most {n}"));
            }
        }
    }
    let has_bounds = f.min_inclusive.is_some()
        || f.min_exclusive.is_some()
        || f.max_inclusive.is_some()
        || f.max_exclusive.is_some();
    if has_bounds {
        let Some(v) = OrdValue::parse(st.primitive(), value) else {
            return Err(format!(
                "'{value}' cannot be compared with the type's bounds"
            ));
        };
        let checks: [RangeCheck<'_>; 4] = [
            (&f.min_inclusive, |o| o != Ordering::Less, ">="),
            (&f.min_exclusive, |o| o == Ordering::Greater, ">"),
            (&f.max_inclusive, |o| o != Ordering::Greater, "<="),
            (&f.max_exclusive, |o| o == Ordering::Less, "<"),
        ];
        for (bound, ok, op) in checks {
            if let Some(b) = bound {
                if !v.compare(&b.value).is_some_and(ok) {
                    return Err(format!(
                        "'{value}' is out of range: must be {op} {}",
                        b.text
                    ));
                }
            }
        }
    }
    if f.total_digits.is_some() || f.fraction_digits.is_some() {
        if let Some(d) = Decimal::parse(value) {
            if let Some(n) = f.total_digits.filter(|&n| d.total_digits() > n as usize) {
                return Err(format!("'{value}' has more than {n} digits"));
            }
            if let Some(n) = f
                .fraction_digits
                .filter(|&n| d.fraction_digits() > n as usize)
            {
                return Err(format!("'{value}' has more than {n} fraction digits"));
            }
        }
    }
    Ok(())
}
