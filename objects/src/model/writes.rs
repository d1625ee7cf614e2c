//! From an object with its changes to the backend writes they imply, as the original's
//! `check` and `commit` did, without touching a backend: mandatory attributes are checked
//! (skipping blocked ones), a change marks every attribute that depends on it changed too,
//! out-filters run in save order on one working set, and each changed attribute is converted
//! to its backend type and grouped by the part (base or extension) that owns it and the
//! backend it goes to. `NULL` attributes are not written. Unlike the original, an update does
//! not rewrite an attribute whose outgoing value equals the stored one.

use super::instance::{Mode, ObjectInstance};
use super::object_type::ObjectType;
use crate::definition::{Backend, ObjectDef};
use crate::directory::Directory;
use crate::error::{Error, ErrorKind, Result, Rule};
use crate::filters::{FilterEnv, Rendition};
use crate::props::Props;
use crate::types::AttrType;
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What a backend write does to the part it concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Create the object (base part of a new object).
    Create,
    /// Change stored values.
    Update,
    /// Add the extension to the stored object (object classes, its attributes).
    Extend,
    /// Remove the extension from the stored object (its attributes are given empty).
    Retract,
}

/// One attribute in a write.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeWrite {
    /// The values to store, in the backend type (empty: remove the attribute).
    pub values: Vec<Value>,
    /// The values stored before, as loaded.
    pub previous: Vec<Value>,
    /// The type the backend stores.
    pub backend_type: AttrType,
}

/// The writes one part of the object needs in one backend.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendWrite {
    /// The part: the base type or an extension.
    pub object: String,
    /// The backend.
    pub backend: Backend,
    /// What to do.
    pub mode: WriteMode,
    /// The part's parameters for this backend (object classes, RDN …; `FixedRDN` too).
    pub params: BTreeMap<String, String>,
    /// The attributes to write.
    pub attributes: BTreeMap<String, AttributeWrite>,
}

/// Everything a change implies.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WritePlan {
    /// The writes, base part first, primary backend first within a part.
    pub writes: Vec<BackendWrite>,
    /// Scaled images the out-filters made (`ImageProcessor`).
    pub renditions: Vec<Rendition>,
}

impl WritePlan {
    /// The write of `object` to `backend`, if there is one.
    pub fn write(&self, object: &str, backend: Backend) -> Option<&BackendWrite> {
        self.writes
            .iter()
            .find(|w| w.object == object && w.backend == backend)
    }
}

fn is_blocked(object_type: &ObjectType<'_>, props: &Props, name: &str) -> bool {
    let Some(slot) = object_type.slot(name) else {
        return false;
    };
    slot.def.blocked_by.iter().any(|b| {
        let blocking = object_type
            .slot(&b.attribute)
            .and_then(|s| s.def.attr_type.parse(&b.value).ok());
        blocking.is_some_and(|v| {
            props
                .get(&b.attribute)
                .is_some_and(|p| p.value.contains(&v))
        })
    })
}

fn part_write<'p>(
    writes: &'p mut Vec<BackendWrite>,
    part: &ObjectDef,
    backend: Backend,
    mode: WriteMode,
) -> &'p mut BackendWrite {
    let pos = writes
        .iter()
        .position(|w| w.object == part.name && w.backend == backend);
    let pos = pos.unwrap_or_else(|| {
        let mut params = part
            .backend_params
            .get(&backend)
            .cloned()
            .unwrap_or_default();
        if let (Some(rdn), true) = (&part.fixed_rdn, backend == part.backend) {
            params.insert("FixedRDN".to_string(), rdn.clone());
        }
        writes.push(BackendWrite {
            object: part.name.clone(),
            backend,
            mode,
            params,
            attributes: BTreeMap::new(),
        });
        writes.len() - 1
    });
    &mut writes[pos]
}

impl<'c> ObjectInstance<'c> {
    fn part_mode(&self, part: &ObjectDef) -> WriteMode {
        if part.base_object {
            return if self.mode == Mode::Create {
                WriteMode::Create
            } else {
                WriteMode::Update
            };
        }
        if self.mode == Mode::Create || !self.stored_extensions.contains(&part.name) {
            WriteMode::Extend
        } else {
            WriteMode::Update
        }
    }

    /// The backend writes the object's changes imply (nothing is written here).
    pub fn writes(&self, directory: &dyn Directory) -> Result<WritePlan> {
        let object_type = self.object_type()?;
        let mut props = self.props(&object_type);
        let order = object_type.save_order();

        for name in &order {
            let Some(slot) = object_type.slot(name) else {
                continue;
            };
            let empty = props.get(*name).is_none_or(|p| p.value.is_empty());
            if slot.def.mandatory && empty && !is_blocked(&object_type, &props, name) {
                return Err(Error::refused(
                    *name,
                    Rule::Mandatory,
                    "a mandatory attribute has no value",
                ));
            }
        }

        let mut commit: BTreeSet<String> = self
            .changed
            .iter()
            .filter(|n| object_type.slot(n).is_some())
            .cloned()
            .collect();
        loop {
            let before = commit.len();
            for name in &order {
                let Some(slot) = object_type.slot(name) else {
                    continue;
                };
                if slot.def.depends_on.iter().any(|d| commit.contains(d)) {
                    commit.insert(name.to_string());
                }
            }
            if commit.len() == before {
                break;
            }
        }

        let mut env = FilterEnv::new(directory);
        let mut final_key: BTreeMap<&str, String> = BTreeMap::new();
        for name in &order {
            if !commit.contains(*name) {
                continue;
            }
            let Some(slot) = object_type.slot(name) else {
                continue;
            };
            let mut key = name.to_string();
            for chain in &slot.def.out_filter {
                chain
                    .run(&mut key, &mut props, &mut env)
                    .map_err(|e| Error::refused(*name, Rule::Filter, e.to_string()))?;
            }
            final_key.insert(name, key);
        }

        for name in &order {
            let Some(slot) = object_type.slot(name) else {
                continue;
            };
            let key = final_key.get(name).map(String::as_str).unwrap_or(name);
            if slot.def.mandatory && props.get(key).is_none_or(|p| p.value.is_empty()) {
                return Err(Error::refused(
                    *name,
                    Rule::Mandatory,
                    "a mandatory attribute has no value after its filters",
                ));
            }
        }

        let mut writes: Vec<BackendWrite> = Vec::new();
        for part in object_type.parts() {
            let mode = self.part_mode(part);
            if matches!(mode, WriteMode::Create | WriteMode::Extend)
                && part.backend != Backend::Null
            {
                part_write(&mut writes, part, part.backend, mode);
            }
        }
        for name in &order {
            if !commit.contains(*name) {
                continue;
            }
            let Some(slot) = object_type.slot(name) else {
                continue;
            };
            let key = final_key.get(name).map(String::as_str).unwrap_or(name);
            let Some(prop) = props.get(key) else { continue };
            let values = if prop.backend_type.accepts_all(&prop.value) {
                prop.value.clone()
            } else {
                AttrType::convert(&prop.value, prop.backend_type)
                    .map_err(|e| Error::refused(*name, Rule::WrongType, e))?
            };
            let previous = self.stored.get(*name).cloned().unwrap_or_default();
            let mode = self.part_mode(slot.owner);
            let unchanged = match mode {
                WriteMode::Update => values == previous,
                _ => values.is_empty(),
            };
            if unchanged {
                continue;
            }
            for backend in &prop.backends {
                let backend = Backend::from_name(backend).ok_or_else(|| {
                    Error::new(
                        ErrorKind::Filter,
                        format!("attribute '{name}' goes to unknown backend '{backend}'"),
                    )
                })?;
                if backend == Backend::Null {
                    continue;
                }
                part_write(&mut writes, slot.owner, backend, mode)
                    .attributes
                    .insert(
                        key.to_string(),
                        AttributeWrite {
                            values: values.clone(),
                            previous: previous.clone(),
                            backend_type: prop.backend_type,
                        },
                    );
            }
        }
        self.retract_writes(&mut writes);
        Ok(WritePlan {
            writes,
            renditions: env.renditions,
        })
    }

    /// Writes removing the extensions stored but no longer active.
    fn retract_writes(&self, writes: &mut Vec<BackendWrite>) {
        for name in self.stored_extensions.difference(&self.extensions) {
            let Some(part) = self.catalog.object(name) else {
                continue;
            };
            if part.backend != Backend::Null {
                part_write(writes, part, part.backend, WriteMode::Retract);
            }
            for a in &part.attributes {
                let previous = self.stored.get(&a.name).cloned().unwrap_or_default();
                if previous.is_empty() || a.backend == Backend::Null {
                    continue;
                }
                part_write(writes, part, a.backend, WriteMode::Retract)
                    .attributes
                    .insert(
                        a.name.clone(),
                        AttributeWrite {
                            values: Vec::new(),
                            previous,
                            backend_type: a.backend_type,
                        },
                    );
            }
        }
    }
}
