//! The compiled schema model: what validation runs on.
//!
//! Loading turns XSD documents into this form once: every type and element declaration sits
//! in an arena and refers to others by index, references are resolved, facets are parsed into
//! comparable values and compiled regexes, and each complex type's content model is a
//! deterministic automaton ([`super::content::Dfa`]) or an `all` bitset model. Nothing here
//! refers back to the XSD text except the origin kept for messages, so validating an instance
//! is a walk over the instance with table look-ups.

use super::builtin_types::{Builtin, Primitive, Ws};
use super::content::ContentModel;
pub(crate) use super::content::ElemId;
use super::values::OrdValue;
pub(crate) use super::wildcard::{NsConstraint, Process, Wildcard};
use regex::Regex;
use std::collections::HashMap;
use std::sync::Arc;

pub(crate) type TypeId = u32;

/// Derivation methods, as bit flags for `block`/`final` sets.
pub(crate) const DERIVE_EXTENSION: u8 = 1;
pub(crate) const DERIVE_RESTRICTION: u8 = 2;
pub(crate) const DERIVE_SUBSTITUTION: u8 = 4;

/// A map from (namespace, local name) that can be queried with borrowed strings.
#[derive(Debug, Clone)]
pub(crate) struct NameMap<T> {
    by_local: HashMap<Box<str>, Vec<(Box<str>, T)>>,
}

impl<T> Default for NameMap<T> {
    fn default() -> Self {
        NameMap {
            by_local: HashMap::new(),
        }
    }
}

impl<T> NameMap<T> {
    pub(crate) fn get(&self, ns: &str, local: &str) -> Option<&T> {
        self.by_local
            .get(local)?
            .iter()
            .find(|(n, _)| &**n == ns)
            .map(|(_, v)| v)
    }

    /// Inserts unless present; returns the existing value's reference when it was.
    pub(crate) fn insert(&mut self, ns: &str, local: &str, value: T) -> Option<&T> {
        let entries = self.by_local.entry(local.into()).or_default();
        if let Some(i) = entries.iter().position(|(n, _)| &**n == ns) {
            return Some(&entries[i].1);
        }
        entries.push((ns.into(), value));
        None
    }
}

/// The whole compiled set.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(crate) elements: Vec<ElementDecl>,
    pub(crate) types: Vec<TypeDef>,
    pub(crate) global_elements: NameMap<ElemId>,
    pub(crate) global_types: NameMap<TypeId>,
    pub(crate) global_attributes: NameMap<AttributeDecl>,
    pub(crate) any_type: TypeId,
}

impl Model {
    pub(crate) fn ty(&self, id: TypeId) -> &TypeDef {
        &self.types[id as usize]
    }

    pub(crate) fn element(&self, id: ElemId) -> &ElementDecl {
        &self.elements[id as usize]
    }

    /// Whether `derived` is `base` or derives from it; returns the derivation methods used.
    pub(crate) fn derivation_path(&self, derived: TypeId, base: TypeId) -> Option<u8> {
        let mut methods = 0u8;
        let mut current = derived;
        loop {
            if current == base {
                return Some(methods);
            }
            let t = self.ty(current);
            match t.base {
                Some(b) if b != current => {
                    methods |= t.method;
                    current = b;
                }
                // Every type derives from anyType (and simple types from anySimpleType).
                _ => return (base == self.any_type).then_some(methods | DERIVE_RESTRICTION),
            }
        }
    }
}

/// An element declaration (global or local).
#[derive(Debug, Clone)]
pub(crate) struct ElementDecl {
    pub(crate) type_id: TypeId,
    pub(crate) nillable: bool,
    pub(crate) default: Option<Box<str>>,
    pub(crate) fixed: Option<Box<str>>,
    pub(crate) is_abstract: bool,
    /// Derivation methods blocked for `xsi:type` substitution.
    pub(crate) block: u8,
}

/// A simple or complex type.
#[derive(Debug)]
pub(crate) struct TypeDef {
    /// (namespace, local name) for named types; anonymous types have none.
    pub(crate) name: Option<(Box<str>, Box<str>)>,
    pub(crate) base: Option<TypeId>,
    /// How this type was derived from `base` (one of the DERIVE_* flags).
    pub(crate) method: u8,
    pub(crate) block: u8,
    pub(crate) is_abstract: bool,
    pub(crate) kind: TypeKind,
}

impl TypeDef {
    /// A name for messages: `xs:int`, `e:Foo`-style local name, or "an anonymous type".
    pub(crate) fn display_name(&self) -> String {
        match &self.name {
            Some((ns, local)) if &**ns == crate::XSD_NS => format!("xs:{local}"),
            Some((_, local)) => local.to_string(),
            None => "an anonymous type".into(),
        }
    }
}

// Types are compiled once per schema set and there are few of them, so the size difference
// between the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(crate) enum TypeKind {
    /// Reserved while being compiled (lets recursive references resolve to the id).
    Pending,
    Simple(SimpleType),
    Complex(ComplexType),
}

/// A compiled simple type: variety, inherited-and-tightened facets, whitespace rule.
#[derive(Debug, Clone)]
pub(crate) struct SimpleType {
    pub(crate) variety: Variety,
    /// Nearest built-in ancestor (for atomic types), else anySimpleType.
    pub(crate) builtin: Builtin,
    pub(crate) facets: Facets,
    pub(crate) ws: Ws,
}

impl SimpleType {
    pub(crate) fn primitive(&self) -> Primitive {
        self.builtin.primitive()
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Variety {
    Atomic,
    List(TypeId),
    Union(Vec<TypeId>),
}

/// Constraining facets in force on a simple type (already merged along its derivation).
#[derive(Debug, Clone, Default)]
pub(crate) struct Facets {
    pub(crate) enumeration: Option<Vec<Box<str>>>,
    /// One regex per derivation step that added patterns (with the XSD source text for
    /// messages); all must match.
    pub(crate) patterns: Vec<(Arc<Regex>, Box<str>)>,
    pub(crate) length: Option<u64>,
    pub(crate) min_length: Option<u64>,
    pub(crate) max_length: Option<u64>,
    pub(crate) min_inclusive: Option<Bound>,
    pub(crate) min_exclusive: Option<Bound>,
    pub(crate) max_inclusive: Option<Bound>,
    pub(crate) max_exclusive: Option<Bound>,
    pub(crate) total_digits: Option<u32>,
    pub(crate) fraction_digits: Option<u32>,
}

/// A range bound: its value and its text (for messages).
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    pub(crate) value: OrdValue,
    pub(crate) text: Box<str>,
}

/// A compiled complex type.
#[derive(Debug)]
pub(crate) struct ComplexType {
    pub(crate) attributes: Vec<AttributeUse>,
    pub(crate) attribute_wildcard: Option<Wildcard>,
    pub(crate) content: Content,
    pub(crate) mixed: bool,
    /// The particle the content model was built from, kept so extensions can append to it.
    pub(crate) particle: Option<super::content::Particle>,
}

#[derive(Debug)]
pub(crate) enum Content {
    Empty,
    Simple(TypeId),
    Elements(ContentModel),
}

/// An attribute as used on a complex type.
#[derive(Debug, Clone)]
pub(crate) struct AttributeUse {
    pub(crate) ns: Box<str>,
    pub(crate) local: Box<str>,
    pub(crate) type_id: TypeId,
    pub(crate) required: bool,
    pub(crate) fixed: Option<Box<str>>,
}

/// A global attribute declaration (used by `ref=` and by wildcards).
#[derive(Debug, Clone)]
pub(crate) struct AttributeDecl {
    pub(crate) type_id: TypeId,
    pub(crate) default: Option<Box<str>>,
    pub(crate) fixed: Option<Box<str>>,
}
