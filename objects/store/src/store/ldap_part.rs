//! The LDAP-backed part of objects when a directory server is configured: reading an
//! object's entry into the values the model loads, turning a write plan's LDAP writes into
//! one add or one modify, and the two-backend write ([`ObjectStore::two_phase`]).
//!
//! ## A write spanning the directory and SQL lands in both or in neither
//! The directory has no transactions across entries and SQL cannot enlist LDAP, so a write
//! runs as: open the SQL transaction; write the SQL side in it (registry row with the
//! revision check, `Unique` checks, SQL values); then make the one LDAP operation the write
//! needs (an add, modify, modrdn or delete, each of which the server applies whole or not
//! at all; a rename is a modrdn then a modify, a relation change one modify of each related
//! entry); then commit SQL. If anything before the first LDAP operation fails, SQL rolls
//! back and the directory was never touched; if an LDAP operation or the commit fails
//! after others succeeded, those are undone, newest first ([`Undo`]: the entry's values and
//! object classes as loaded are put back, an added entry is deleted, a deleted one is added
//! again, a moved or renamed one moved back, a related entry's value put back) and the
//! error is returned. Only if an undo fails too — the directory lost between two operations
//! a few milliseconds apart — do the two differ; that is logged as an error naming the entry.

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

    /// The modify that puts `entry` (as loaded) back after this change was made; after a
    /// rename to `renamed` the naming attribute is left to the modrdn back (the directory
    /// refuses a modify that drops the RDN's value).
    pub fn undo(&self, entry: &DirEntry, renamed: Option<&str>) -> Vec<Modification> {
        let naming = renamed
            .and_then(|d| dn::rdn(d).split_once('='))
            .map(|(a, _)| a);
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
            if naming.is_some_and(|n| n.eq_ignore_ascii_case(name)) {
                continue;
            }
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

    /// Runs `work` in one SQL transaction; `work` makes its LDAP operations last and puts
    /// the undo of each, right after it succeeded, on `undo`. If anything fails after an
    /// LDAP operation (a later one, or the commit), the operations made are undone, newest
    /// first (see the module docs).
    pub(super) fn two_phase<T>(
        &self,
        entry: &str,
        work: impl FnOnce(&mut Db, &mut Undo) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.pool.get()?;
        let mut undo = Undo::default();
        let result = conn.transaction(|conn| work(conn, &mut undo));
        if let Err(e) = &result {
            undo.run(entry, e);
        }
        result
    }
}

/// The undo steps of the LDAP operations one write made, in the order they were made.
#[derive(Default)]
pub(super) struct Undo {
    steps: Vec<Box<dyn FnOnce() -> Result<()>>>,
}

impl Undo {
    /// Records how to revert an LDAP operation that just succeeded.
    pub fn push(&mut self, step: impl FnOnce() -> Result<()> + 'static) {
        self.steps.push(Box::new(step));
    }

    /// Reverts every recorded operation, newest first, after the write failed with `error`.
    fn run(&mut self, entry: &str, error: &Error) {
        if self.steps.is_empty() {
            return;
        }
        let mut failed = Vec::new();
        while let Some(step) = self.steps.pop() {
            if let Err(u) = step() {
                failed.push(u.to_string());
            }
        }
        if failed.is_empty() {
            tracing::warn!(dn = %entry, error = %error,
                "the write failed after the directory was written: the directory writes were undone");
        } else {
            tracing::error!(dn = %entry, error = %error, undo = ?failed,
                "the write failed after the directory was written and undoing it failed: the two differ");
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
