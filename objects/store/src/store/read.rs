//! Reading objects: a reference (DN or UUID) to its rows, rows to an
//! [`ObjectInstance`] (backend values decoded in their backend types, in-filters run), and
//! searches over the store with a [`Query`], paged by DN.

use clacks_objects::model::{ObjectInstance, ObjectType};
use clacks_objects::value::Value;
use serde_json::Value as Json;
use std::collections::BTreeMap;

use super::ldap_part::{entry_values, missing_entry};
use super::query::{Candidate, Query};
use super::rows::{self, ObjectRow, ENTRY_STORE};
use super::{dn, ObjectStore, Page, Scope, StoredObject};
use crate::error::{Error, Result};
use crate::sql::Db;

/// What the store holds of one object, before the model sees it.
pub(super) struct Loaded {
    pub row: ObjectRow,
    pub stored: BTreeMap<String, Vec<Value>>,
    /// The directory entry as read, when the object lives in a directory server.
    pub entry: Option<crate::ldap::DirEntry>,
}

impl ObjectStore {
    /// The row of `reference`: a DN (it has a `=`) or a UUID.
    pub(super) fn find_row(&self, conn: &mut Db, reference: &str) -> Result<ObjectRow> {
        let row = if reference.contains('=') {
            rows::object_by_dn(conn, reference)?
        } else {
            rows::object_by_uuid(conn, reference)?
        };
        row.ok_or_else(|| Error::not_found(reference))
    }

    /// The values of `row` from every store (the directory's entry for the LDAP-backed
    /// part when a directory server is configured), decoded in their backend types.
    pub(super) fn load_rows(&self, conn: &mut Db, row: ObjectRow) -> Result<Loaded> {
        let mut by_store = rows::values(conn, &row.uuid)?;
        let extensions = row.extension_list();
        let object_type = ObjectType::resolve(&self.catalog, &row.object_type, &extensions)?;
        let mut entry = None;
        if let Some(ldap) = self.directory_for(&row.object_type) {
            let found = ldap.read(&row.dn)?.ok_or_else(|| missing_entry(&row.dn))?;
            by_store.insert(ENTRY_STORE.to_owned(), entry_values(&found, &object_type));
            entry = Some(found);
        }
        let mut on_directory = |r: &super::relation::Relation, matching: &Json| {
            let ldap = self.ldap.as_ref()?;
            super::relation_ldap::on_directory(&self.catalog, r, Some(ldap))
                .then(|| super::relation_ldap::load(ldap, &self.base, &self.catalog, r, matching))
        };
        super::relation::load(
            conn,
            &self.catalog,
            &object_type,
            &mut by_store,
            &mut on_directory,
        )?;
        let mut stored: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for attrs in by_store.into_values() {
            for (name, values) in attrs {
                let decoded: Vec<Value> = match object_type.slot(&name) {
                    Some(slot) => values
                        .iter()
                        .map(|v| slot.def.backend_type.from_json(v))
                        .collect::<std::result::Result<_, _>>()
                        .map_err(|e| {
                            let backend = if entry.is_some()
                                && slot.def.backend == clacks_objects::definition::Backend::Ldap
                            {
                                crate::ldap::LDAP
                            } else {
                                "SQL"
                            };
                            Error::backend(
                                backend,
                                format!("stored value of '{name}' of '{}': {e}", row.dn),
                            )
                        })?,
                    None => values.into_iter().map(json_value).collect(),
                };
                stored.entry(name).or_default().extend(decoded);
            }
        }
        Ok(Loaded { row, stored, entry })
    }

    /// The model's view of a loaded object (in-filters run).
    pub(super) fn instance(&self, loaded: &Loaded) -> Result<ObjectInstance<'_>> {
        let directory = self.directory();
        Ok(ObjectInstance::load(
            &self.catalog,
            &loaded.row.object_type,
            &loaded.row.extension_list(),
            &loaded.row.dn,
            loaded.stored.clone(),
            &directory,
        )?)
    }

    pub(super) fn stored_object(&self, loaded: &Loaded) -> Result<StoredObject> {
        let instance = self.instance(loaded)?;
        let object_type = instance.object_type()?;
        let attrs = object_type
            .slots()
            .map(|(name, _)| (name.to_owned(), instance.values(name).to_vec()))
            .filter(|(_, values)| !values.is_empty())
            .collect();
        Ok(StoredObject {
            dn: loaded.row.dn.clone(),
            uuid: loaded.row.uuid.clone(),
            object_type: loaded.row.object_type.clone(),
            extensions: loaded.row.extension_list(),
            attrs,
            revision: loaded.row.revision,
        })
    }

    /// The object `reference` names, read on `conn` (inside a write's transaction it sees
    /// the write).
    pub(crate) fn get_on(&self, conn: &mut Db, reference: &str) -> Result<StoredObject> {
        let row = self.find_row(conn, reference)?;
        let loaded = self.load_rows(conn, row)?;
        self.stored_object(&loaded)
    }

    /// The type of the object `reference` names, from its registry row alone (no backend
    /// is read: what authorisation needs before a write).
    pub fn type_of(&self, reference: &str) -> Result<String> {
        let mut conn = self.pool.get()?;
        Ok(self.find_row(&mut conn, reference)?.object_type)
    }

    /// The object `reference` names (DN or UUID).
    pub fn get(&self, reference: &str) -> Result<StoredObject> {
        let loaded = {
            let mut conn = self.pool.get()?;
            let row = self.find_row(&mut conn, reference)?;
            self.load_rows(&mut conn, row)?
        };
        self.stored_object(&loaded)
    }

    /// The objects in `scope` of `base` that match `query`, by DN, at most `limit` of them
    /// after `cursor` (the DN the previous page ended with).
    pub fn search(
        &self,
        base: &str,
        scope: Scope,
        query: &Query,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page> {
        let mut loaded = Vec::new();
        {
            let mut conn = self.pool.get()?;
            let mut all = rows::all_objects(&mut conn)?;
            // Byte order on every database (collations differ), as the cursor compares.
            all.sort_by(|a, b| a.dn.cmp(&b.dn));
            for row in all {
                let in_scope = match scope {
                    Scope::Base => dn::same(&row.dn, base),
                    Scope::One => dn::same(&row.parent, base),
                    Scope::Sub => dn::in_subtree(&row.dn, base),
                };
                if !in_scope || cursor.is_some_and(|c| row.dn.as_str() <= c) {
                    continue;
                }
                loaded.push(self.load_rows(&mut conn, row)?);
            }
        }
        let mut objects = Vec::new();
        let mut more = false;
        for l in &loaded {
            let object = self.stored_object(l)?;
            let attrs: BTreeMap<String, Vec<Json>> = object
                .attrs
                .iter()
                .map(|(n, v)| (n.clone(), v.iter().map(Value::to_json).collect()))
                .collect();
            let candidate = Candidate {
                object_type: &object.object_type,
                extensions: &object.extensions,
                dn: &object.dn,
                attrs: &attrs,
            };
            if !query.matches(&candidate) {
                continue;
            }
            if objects.len() == limit {
                more = true;
                break;
            }
            objects.push(object);
        }
        let cursor = match (more, objects.last()) {
            (true, Some(last)) => Some(last.dn.clone()),
            _ => None,
        };
        Ok(Page { objects, cursor })
    }
}

/// An entry of the embedded entry store, as an LDAP search would show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Its DN.
    pub dn: String,
    /// Its object classes.
    pub object_classes: Vec<String>,
    /// Its attributes (JSON values in their backend types).
    pub attributes: BTreeMap<String, Vec<Json>>,
}

impl ObjectStore {
    /// The entry of the object with DN `dn` as its LDAP-backed part is stored: in the
    /// directory server when one is configured (attributes the object's type defines, read
    /// in their backend types), else in the embedded entry store; `None` when there is no
    /// such object or entry.
    pub fn entry(&self, dn: &str) -> Result<Option<Entry>> {
        let mut conn = self.pool.get()?;
        let Some(row) = rows::object_by_dn(&mut conn, dn)? else {
            return Ok(None);
        };
        if let Some(ldap) = self.directory_for(&row.object_type) {
            drop(conn);
            let Some(found) = ldap.read(&row.dn)? else {
                return Ok(None);
            };
            let object_type =
                ObjectType::resolve(&self.catalog, &row.object_type, &row.extension_list())?;
            return Ok(Some(Entry {
                dn: found.dn.clone(),
                attributes: entry_values(&found, &object_type),
                object_classes: found.object_classes,
            }));
        }
        let Some(object_classes) = rows::entry_classes(&mut conn, &row.uuid)? else {
            return Ok(None);
        };
        let mut values = rows::values(&mut conn, &row.uuid)?;
        Ok(Some(Entry {
            dn: row.dn,
            object_classes,
            attributes: values.remove(rows::ENTRY_STORE).unwrap_or_default(),
        }))
    }

    /// The SQL backend's values of `reference` (JSON, in their backend types).
    pub fn sql_values(&self, reference: &str) -> Result<BTreeMap<String, Vec<Json>>> {
        let mut conn = self.pool.get()?;
        let row = self.find_row(&mut conn, reference)?;
        let mut values = rows::values(&mut conn, &row.uuid)?;
        Ok(values.remove(rows::SQL_STORE).unwrap_or_default())
    }

    /// How many objects, entries and values the store holds (to check that a refused write
    /// left nothing behind).
    pub fn row_counts(&self) -> Result<[i64; 3]> {
        let mut conn = self.pool.get()?;
        rows::counts(&mut conn)
    }
}

fn json_value(v: Json) -> Value {
    match v {
        Json::String(s) => Value::Text(s),
        other => Value::Json(other),
    }
}
