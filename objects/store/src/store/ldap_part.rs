//! The LDAP-backed part of objects when a directory server is configured: reading an
//! object's entry into the values the model loads, turning a write plan's LDAP writes into
//! one add or one modify, and the two-backend write ([`ObjectStore::two_phase`]).
//!
//! ## A write spanning the directory and SQL lands in both or in neither
//! The directory has no transactions across entries and SQL cannot enlist LDAP, so a write
//! runs as: open the SQL transaction; write the SQL side in it (registry row with the
//! revision check, `Unique` checks, SQL values); then make the one LDAP operation the write
//! needs (a single add, modify, modrdn or delete, which the server applies whole or not at
//! all); then commit SQL. If anything before the LDAP operation fails, SQL rolls back and
//! the directory was never touched; if the LDAP operation fails, SQL rolls back; if the
//! commit fails after the LDAP operation, the LDAP operation is undone (the entry's values
//! and object classes as loaded are put back, an added entry is deleted, a deleted one is
//! added again, a moved one moved back) and the error is returned. Only if that undo fails
//! too — the directory lost between two operations a few milliseconds apart — do the two
//! differ; that is logged as an error naming the entry.

use clacks_objects::definition::Backend;
use clacks_objects::model::{ObjectType, WriteMode, WritePlan};
use diesel::Connection;
use serde_json::Value as Json;
use std::collections::BTreeMap;

use super::{dn, ObjectStore};
use crate::error::{Error, Result};
use crate::ldap::values::{from_ldap, to_ldap};
use crate::ldap::{DirEntry, LdapDirectory, Modification, LDAP};
use crate::sql::Db;

/// What the LDAP writes of a plan do to one entry.
#[derive(Debug, Default, PartialEq)]
pub(super) struct LdapChange {
    /// The object classes after the write.
    pub classes: Vec<String>,
    /// The attributes written (none: removed), as the directory stores them.
    pub attrs: BTreeMap<String, Vec<Vec<u8>>>,
    /// Object classes added and removed.
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

fn classes_of(params: &BTreeMap<String, String>) -> Vec<String> {
    params
        .get("objectClasses")
        .map(|c| {
            c.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn has_class(classes: &[String], c: &str) -> bool {
    classes.iter().any(|x| x.eq_ignore_ascii_case(c))
}

/// The LDAP writes of `plan` on an entry that has `before` object classes.
pub(super) fn ldap_change(plan: &WritePlan, before: &[String]) -> LdapChange {
    let mut change = LdapChange {
        classes: before.to_vec(),
        ..LdapChange::default()
    };
    for write in plan.writes.iter().filter(|w| w.backend == Backend::Ldap) {
        let own = classes_of(&write.params);
        match write.mode {
            WriteMode::Create | WriteMode::Extend => {
                for c in own {
                    if !has_class(&change.classes, &c) {
                        change.classes.push(c.clone());
                        change.added.push(c);
                    }
                }
            }
            WriteMode::Retract => {
                for c in own {
                    if has_class(&change.classes, &c) {
                        change.classes.retain(|x| !x.eq_ignore_ascii_case(&c));
                        change.removed.push(c);
                    }
                }
            }
            WriteMode::Update => {}
        }
        for (name, attribute) in &write.attributes {
            let values = attribute.values.iter().map(to_ldap).collect();
            change.attrs.insert(name.clone(), values);
        }
    }
    change
}

impl LdapChange {
    /// The modify that makes it (classes first added, then values, then classes removed).
    pub fn modifications(&self) -> Vec<Modification> {
        let mut mods = Vec::new();
        if !self.added.is_empty() {
            let added = self.added.iter().map(|c| c.as_bytes().to_vec()).collect();
            mods.push(Modification::Add("objectClass".to_owned(), added));
        }
        for (name, values) in &self.attrs {
            mods.push(Modification::Replace(name.clone(), values.clone()));
        }
        if !self.removed.is_empty() {
            let removed = self.removed.iter().map(|c| c.as_bytes().to_vec()).collect();
            mods.push(Modification::Delete("objectClass".to_owned(), removed));
        }
        mods
    }

    /// The modify that puts `entry` (as loaded) back after this change was made.
    pub fn undo(&self, entry: &DirEntry) -> Vec<Modification> {
        let mut mods = Vec::new();
        if !self.added.is_empty() || !self.removed.is_empty() {
            let classes = entry
                .object_classes
                .iter()
                .map(|c| c.as_bytes().to_vec())
                .collect();
            mods.push(Modification::Replace("objectClass".to_owned(), classes));
        }
        for name in self.attrs.keys() {
            let before = entry.values(name).into_iter().map(<[u8]>::to_vec).collect();
            mods.push(Modification::Replace(name.clone(), before));
        }
        mods
    }
}

/// The attribute values of `entry` for `object_type`: each attribute the type defines
/// (matched case-insensitively, named as the definition names it), read in its backend
/// type; attributes the type does not define are left out.
pub(super) fn entry_values(
    entry: &DirEntry,
    object_type: &ObjectType<'_>,
) -> BTreeMap<String, Vec<Json>> {
    let mut out = BTreeMap::new();
    for (name, values) in &entry.attrs {
        let slot = object_type
            .slots()
            .find(|(n, _)| n.eq_ignore_ascii_case(name));
        if let Some((own, slot)) = slot {
            let decoded = values
                .iter()
                .map(|v| from_ldap(v, slot.def.backend_type))
                .collect();
            out.insert(own.to_owned(), decoded);
        }
    }
    out
}

/// `attrs` with the value of the RDN of `dn` added when the attributes lack it (a
/// directory refuses an entry without its naming value).
pub(super) fn with_rdn_value(
    dn: &str,
    mut attrs: BTreeMap<String, Vec<Vec<u8>>>,
) -> BTreeMap<String, Vec<Vec<u8>>> {
    let rdn = dn::rdn(dn);
    if let Some((name, value)) = rdn.split_once('=') {
        let value = dn::unescape_value(value).into_bytes();
        let existing = attrs
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v);
        match existing {
            Some(values) if values.contains(&value) => {}
            Some(values) => values.push(value),
            None => {
                attrs.insert(name.to_owned(), vec![value]);
            }
        }
    }
    attrs
}

impl ObjectStore {
    /// The directory, when the LDAP-backed parts of `object_type` live in one.
    pub(super) fn directory_for(&self, object_type: &str) -> Option<&LdapDirectory> {
        let ldap = self.ldap.as_ref()?;
        self.catalog
            .object(object_type)
            .is_some_and(|d| d.backend == Backend::Ldap)
            .then_some(ldap)
    }

    /// Runs `work` in one SQL transaction; `work` makes its one LDAP operation last and
    /// calls `done` right after it succeeded. If the transaction then fails to commit,
    /// `undo` reverts the LDAP operation (see the module docs).
    pub(super) fn two_phase<T>(
        &self,
        entry: &str,
        work: impl FnOnce(&mut Db, &mut dyn FnMut()) -> Result<T>,
        undo: impl FnOnce() -> Result<()>,
    ) -> Result<T> {
        let mut conn = self.pool.get()?;
        let mut ldap_done = false;
        let result = conn.transaction(|conn| {
            let mut done = || ldap_done = true;
            work(conn, &mut done)
        });
        match result {
            Err(e) if ldap_done => {
                match undo() {
                    Ok(()) => tracing::warn!(dn = %entry, error = %e,
                        "SQL failed after the directory was written: the directory write was undone"),
                    Err(u) => tracing::error!(dn = %entry, error = %e, undo = %u,
                        "SQL failed after the directory was written and undoing it failed: the two differ"),
                }
                Err(e)
            }
            other => other,
        }
    }
}

/// The error for an object registered in SQL whose entry the directory lacks.
pub(super) fn missing_entry(dn: &str) -> Error {
    Error::backend(
        LDAP,
        format!("'{dn}' is registered but the directory has no such entry"),
    )
}
