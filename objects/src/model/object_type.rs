//! [`ObjectType`]: an object type resolved from a base object and its active extensions —
//! which attributes the object has, which part (base or extension) owns each, and the order
//! attributes are saved in (what an attribute depends on first).

use crate::definition::{AttributeDef, Catalog, ObjectDef};
use crate::error::{Error, ErrorKind, Result, Rule};
use std::collections::BTreeMap;

/// One attribute of a resolved type.
#[derive(Debug, Clone, Copy)]
pub struct Slot<'c> {
    /// The part (base or extension) that owns and writes it.
    pub owner: &'c ObjectDef,
    /// Its definition.
    pub def: &'c AttributeDef,
}

/// A base object with active extensions, resolved against a [`Catalog`].
#[derive(Debug, Clone)]
pub struct ObjectType<'c> {
    base: &'c ObjectDef,
    extensions: Vec<&'c ObjectDef>,
    slots: BTreeMap<String, Slot<'c>>,
}

/// Why `extension` cannot extend `base` (unknown, a base type, or not extending it).
pub(crate) fn extension_of<'c>(
    catalog: &'c Catalog,
    base: &str,
    extension: &str,
) -> Result<&'c ObjectDef> {
    let def = catalog.object(extension).ok_or_else(|| {
        Error::refused(extension, Rule::Extension, "no such extension is defined")
    })?;
    if def.base_object || !def.extends.iter().any(|e| e == base) {
        return Err(Error::refused(
            extension,
            Rule::Extension,
            format!("'{extension}' is no extension of '{base}'"),
        ));
    }
    Ok(def)
}

impl<'c> ObjectType<'c> {
    /// Resolves `base` with `extensions`: the base must be a base object type, each extension
    /// must extend it, and every `RequiresExtension` of an extension must be among them.
    pub fn resolve(catalog: &'c Catalog, base: &str, extensions: &[String]) -> Result<Self> {
        let base_def = catalog
            .object(base)
            .filter(|o| o.base_object)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Unknown,
                    format!("no base object type '{base}' is defined"),
                )
            })?;
        let mut exts = Vec::new();
        for e in extensions {
            exts.push(extension_of(catalog, base, e)?);
        }
        for ext in &exts {
            for r in &ext.requires {
                if !extensions.iter().any(|e| e == r) {
                    return Err(Error::refused(
                        &ext.name,
                        Rule::RequiresExtension,
                        format!("'{}' requires the extension '{r}'", ext.name),
                    ));
                }
            }
        }
        let mut slots: BTreeMap<String, Slot<'c>> = BTreeMap::new();
        for part in std::iter::once(base_def).chain(exts.iter().copied()) {
            for def in &part.attributes {
                if let Some(other) = slots.get(&def.name) {
                    return Err(Error::new(
                        ErrorKind::Definition,
                        format!(
                            "attribute '{}' is defined by both '{}' and '{}'",
                            def.name, other.owner.name, part.name
                        ),
                    ));
                }
                slots.insert(def.name.clone(), Slot { owner: part, def });
            }
        }
        Ok(ObjectType {
            base: base_def,
            extensions: exts,
            slots,
        })
    }

    /// The base object.
    pub fn base(&self) -> &'c ObjectDef {
        self.base
    }

    /// The active extensions.
    pub fn extensions(&self) -> &[&'c ObjectDef] {
        &self.extensions
    }

    /// The base, then the extensions.
    pub fn parts(&self) -> Vec<&'c ObjectDef> {
        std::iter::once(self.base)
            .chain(self.extensions.iter().copied())
            .collect()
    }

    /// An attribute by name.
    pub fn slot(&self, name: &str) -> Option<Slot<'c>> {
        self.slots.get(name).copied()
    }

    /// Every attribute, by name.
    pub fn slots(&self) -> impl Iterator<Item = (&str, Slot<'c>)> {
        self.slots.iter().map(|(n, s)| (n.as_str(), *s))
    }

    /// Attribute names in save order: an attribute comes after everything it depends on
    /// (the original's `__saveOrder`); ties keep name order.
    pub fn save_order(&self) -> Vec<&str> {
        fn depth(t: &ObjectType<'_>, name: &str, seen: usize) -> usize {
            let Some(slot) = t.slots.get(name) else {
                return 0;
            };
            if seen > t.slots.len() {
                return 0;
            }
            slot.def
                .depends_on
                .iter()
                .map(|d| 1 + depth(t, d, seen + 1))
                .max()
                .unwrap_or(0)
        }
        let mut names: Vec<(usize, &str)> = self
            .slots
            .keys()
            .map(|n| (depth(self, n, 0), n.as_str()))
            .collect();
        names.sort();
        names.into_iter().map(|(_, n)| n).collect()
    }
}
