//! Registering entries a directory server has but Clacks did not make: the seeded base tree
//! when Clacks is pointed at a populated directory ([`ObjectStore::adopt`], the type given),
//! and an entry an outside writer added and announced with a `BackendChange` event
//! ([`ObjectStore::adopt_entry`], the type read off its object classes). Either becomes an
//! object with its `entryUUID` as UUID, at revision 1; its values stay in the directory.
//!
//! Reading the type: the base type whose LDAP `objectClasses` the entry has (the most
//! classes wins; a type with a `FixedRDN` only for an entry with that RDN, and it wins over
//! one without), then every extension of it whose classes the entry has too. An entry no
//! type fits is left alone.

use clacks_objects::definition::{Backend, ObjectDef};

use super::{dn, rows, ObjectStore};
use crate::error::{Error, Result};
use crate::ldap::{filter, DirEntry, LdapScope, LDAP};

/// The LDAP object classes `def` names (none: it cannot be told by its classes).
fn classes(def: &ObjectDef) -> Vec<&str> {
    def.backend_params
        .get(&Backend::Ldap)
        .and_then(|p| p.get("objectClasses"))
        .map(|c| {
            c.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn has_all(entry: &DirEntry, wanted: &[&str]) -> bool {
    !wanted.is_empty()
        && wanted.iter().all(|w| {
            entry
                .object_classes
                .iter()
                .any(|c| c.eq_ignore_ascii_case(w))
        })
}

impl ObjectStore {
    /// The type and extensions `entry` fits (see the module docs).
    fn entry_type(&self, entry: &DirEntry) -> Option<(String, Vec<String>)> {
        let rdn = dn::rdn(&entry.dn);
        let fitting = self.catalog.base_types().into_iter().filter(|d| {
            d.backend == Backend::Ldap
                && has_all(entry, &classes(d))
                && d.fixed_rdn.as_deref().is_none_or(|f| dn::same(f, rdn))
        });
        let best = fitting.max_by_key(|d| (d.fixed_rdn.is_some(), classes(d).len()))?;
        let extensions = self
            .catalog
            .extensions_of(&best.name)
            .into_iter()
            .filter(|e| has_all(entry, &classes(e)))
            .map(|e| e.name.clone())
            .collect();
        Some((best.name.clone(), extensions))
    }

    fn register(
        &self,
        entry: &DirEntry,
        object_type: &str,
        extensions: &[String],
    ) -> Result<String> {
        let uuid = entry
            .uuid
            .clone()
            .ok_or_else(|| Error::backend(LDAP, format!("'{}' has no entryUUID", entry.dn)))?;
        let row = rows::ObjectRow {
            uuid: uuid.clone(),
            dn: entry.dn.clone(),
            parent: dn::parent(&entry.dn).to_owned(),
            object_type: object_type.to_owned(),
            extensions: serde_json::to_string(extensions).unwrap_or_else(|_| "[]".to_owned()),
            revision: 1,
        };
        let mut conn = self.pool.get()?;
        rows::insert_object(&mut conn, &row)?;
        tracing::info!(dn = %row.dn, object_type, "registered an entry the directory had");
        Ok(uuid)
    }

    /// Registers the directory's entry `dn` as an object of `object_type` (its entryUUID
    /// as UUID) when a directory server holds the type and has the entry; false otherwise.
    pub(super) fn adopt(&self, dn: &str, object_type: &str) -> Result<bool> {
        let Some(ldap) = self.directory_for(object_type) else {
            return Ok(false);
        };
        let Some(entry) = ldap.read(dn)? else {
            return Ok(false);
        };
        self.register(&entry, object_type, &[])?;
        Ok(true)
    }

    /// Registers the directory's entry that `reference` (a DN, or an entryUUID) names, when
    /// it lies in the base, no object has it yet and a type fits it; returns the new
    /// object's UUID. Without a directory server, or for an entry it lacks, `None`.
    pub fn adopt_entry(&self, reference: &str) -> Result<Option<String>> {
        let Some(ldap) = &self.ldap else {
            return Ok(None);
        };
        let entry = if reference.contains('=') {
            if !dn::in_subtree(reference, &self.base) {
                return Ok(None);
            }
            ldap.read(reference)?
        } else {
            let filter = filter::equals("entryUUID", reference.as_bytes())?;
            ldap.search(&self.base, LdapScope::Sub, &filter, &["*"])?
                .into_iter()
                .next()
        };
        let Some(entry) = entry else {
            return Ok(None);
        };
        {
            let mut conn = self.pool.get()?;
            if rows::object_by_dn(&mut conn, &entry.dn)?.is_some() {
                return Ok(None);
            }
        }
        let Some((object_type, extensions)) = self.entry_type(&entry) else {
            tracing::info!(dn = %entry.dn, classes = ?entry.object_classes,
                "an announced entry fits no object type: left alone");
            return Ok(None);
        };
        self.register(&entry, &object_type, &extensions).map(Some)
    }
}
