//! [`ObjectInstance`]: one object in memory — its base type, active extensions and attribute
//! values — made new ([`ObjectInstance::create`]) or from what the backends delivered
//! ([`ObjectInstance::load`], which runs the in-filters and converts backend types to
//! attribute types).

use super::object_type::ObjectType;
use crate::definition::Catalog;
use crate::directory::Directory;
use crate::error::{Error, ErrorKind, Result};
use crate::filters::FilterEnv;
use crate::props::{Prop, Props};
use crate::types::AttrType;
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Whether the object is new or stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Not stored yet: writing creates it.
    Create,
    /// Loaded from the backends: writing updates it.
    Update,
}

/// An object in memory.
#[derive(Debug, Clone)]
pub struct ObjectInstance<'c> {
    pub(super) catalog: &'c Catalog,
    pub(super) base: String,
    pub(super) mode: Mode,
    pub(super) dn: Option<String>,
    pub(super) extensions: BTreeSet<String>,
    pub(super) stored_extensions: BTreeSet<String>,
    /// Current values, in the attributes' types.
    pub(super) values: BTreeMap<String, Vec<Value>>,
    /// Values as the backends delivered them (before in-filters).
    pub(super) stored: BTreeMap<String, Vec<Value>>,
    /// Values right after loading (or creating), to tell what changed.
    pub(super) initial: BTreeMap<String, Vec<Value>>,
    /// Attributes changed since then (defaults of mandatory attributes count as changed).
    pub(super) changed: BTreeSet<String>,
}

impl<'c> ObjectInstance<'c> {
    /// A new object of base type `base`, with its defaults.
    pub fn create(catalog: &'c Catalog, base: &str) -> Result<Self> {
        ObjectType::resolve(catalog, base, &[])?;
        let mut obj = ObjectInstance {
            catalog,
            base: base.to_string(),
            mode: Mode::Create,
            dn: None,
            extensions: BTreeSet::new(),
            stored_extensions: BTreeSet::new(),
            values: BTreeMap::new(),
            stored: BTreeMap::new(),
            initial: BTreeMap::new(),
            changed: BTreeSet::new(),
        };
        obj.apply_defaults()?;
        obj.initial = obj.values.clone();
        Ok(obj)
    }

    /// An object as stored: `stored` holds each attribute's values as its backend delivered
    /// them (in the backend type). In-filters run, values are converted to the attribute
    /// types, and empty attributes take their defaults.
    pub fn load(
        catalog: &'c Catalog,
        base: &str,
        extensions: &[String],
        dn: &str,
        stored: BTreeMap<String, Vec<Value>>,
        directory: &dyn Directory,
    ) -> Result<Self> {
        let object_type = ObjectType::resolve(catalog, base, extensions)?;
        let mut props = Props::new();
        for (name, slot) in object_type.slots() {
            let value = stored.get(name).cloned().unwrap_or_default();
            props.insert(
                name.to_string(),
                Prop {
                    in_value: value.clone(),
                    value,
                    backends: vec![slot.def.backend.name().to_string()],
                    attr_type: slot.def.attr_type,
                    backend_type: slot.def.backend_type,
                    multivalue: slot.def.multivalue,
                },
            );
        }
        let mut env = FilterEnv::reading(directory);
        for name in object_type.save_order() {
            let Some(slot) = object_type.slot(name) else {
                continue;
            };
            for chain in &slot.def.in_filter {
                let mut key = name.to_string();
                chain
                    .run(&mut key, &mut props, &mut env)
                    .map_err(|e| e.in_file(&slot.owner.origin.file))?;
            }
        }
        let mut values = BTreeMap::new();
        for (name, slot) in object_type.slots() {
            let Some(prop) = props.get(name) else {
                continue;
            };
            let converted = if slot.def.attr_type.accepts_all(&prop.value) {
                prop.value.clone()
            } else {
                AttrType::convert(&prop.value, slot.def.attr_type).map_err(|e| {
                    Error::new(
                        ErrorKind::Filter,
                        format!("attribute '{name}' as stored: {e}"),
                    )
                })?
            };
            values.insert(name.to_string(), converted);
        }
        let mut obj = ObjectInstance {
            catalog,
            base: base.to_string(),
            mode: Mode::Update,
            dn: Some(dn.to_string()),
            extensions: extensions.iter().cloned().collect(),
            stored_extensions: extensions.iter().cloned().collect(),
            values,
            stored,
            initial: BTreeMap::new(),
            changed: BTreeSet::new(),
        };
        obj.apply_defaults()?;
        obj.initial = obj.values.clone();
        Ok(obj)
    }

    /// Gives empty attributes their defaults; a mandatory attribute that takes its default
    /// counts as changed, so that it is written (and its out-filters run), as in the original.
    pub(super) fn apply_defaults(&mut self) -> Result<()> {
        let extensions: Vec<String> = self.extensions.iter().cloned().collect();
        let object_type = ObjectType::resolve(self.catalog, &self.base, &extensions)?;
        for (name, slot) in object_type.slots() {
            let values = self.values.entry(name.to_string()).or_default();
            if values.is_empty() {
                if let Some(default) = &slot.def.default {
                    *values = vec![default.clone()];
                    if slot.def.mandatory {
                        self.changed.insert(name.to_string());
                    }
                }
            }
        }
        Ok(())
    }

    /// The resolved type with the current extensions.
    pub fn object_type(&self) -> Result<ObjectType<'c>> {
        let extensions: Vec<String> = self.extensions.iter().cloned().collect();
        ObjectType::resolve(self.catalog, &self.base, &extensions)
    }

    /// The base type's name.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// New or stored.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The DN, for stored objects.
    pub fn dn(&self) -> Option<&str> {
        self.dn.as_deref()
    }

    /// The active extensions.
    pub fn extensions(&self) -> impl Iterator<Item = &str> {
        self.extensions.iter().map(String::as_str)
    }

    /// An attribute's values (empty when it has none or is not part of the object).
    pub fn values(&self, attribute: &str) -> &[Value] {
        self.values
            .get(attribute)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The working set filters and conditions see, built from the current values.
    pub(super) fn props(&self, object_type: &ObjectType<'_>) -> Props {
        object_type
            .slots()
            .map(|(name, slot)| {
                let prop = Prop {
                    value: self.values(name).to_vec(),
                    in_value: self.stored.get(name).cloned().unwrap_or_default(),
                    backends: vec![slot.def.backend.name().to_string()],
                    attr_type: slot.def.attr_type,
                    backend_type: slot.def.backend_type,
                    multivalue: slot.def.multivalue,
                };
                (name.to_string(), prop)
            })
            .collect()
    }
}
