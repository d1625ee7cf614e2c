//! Writing objects: create, update (one change set, optionally at a given revision) and
//! remove. The model checks and computes everything first, without a connection; then one
//! transaction re-checks the revision and executes the whole write plan — LDAP-backed parts
//! in the entry store, SQL-backed attributes in the SQL values — so a write lands entirely
//! or not at all. With a directory server the LDAP-backed part is one LDAP operation made
//! last inside that transaction (see `ldap_part`). `Unique` attributes are checked against
//! the other objects before (in the directory too, when it holds the attribute).

use clacks_objects::definition::{Backend, Catalog};
use clacks_objects::model::{ChangeSet, ObjectInstance, WriteMode, WritePlan};
use clacks_objects::value::Value;
use diesel::Connection;
use serde_json::Value as Json;

use super::ldap_part::{ldap_change, missing_entry, with_rdn_value};
use super::rows::{self, ObjectRow, ENTRY_STORE, SQL_STORE};
use super::{dn, ObjectStore, StoredObject};
use crate::error::{Error, ErrorKind, Result};
use crate::ldap::values::to_ldap;
use crate::sql::Db;

fn classes_of(params: &std::collections::BTreeMap<String, String>) -> Vec<String> {
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

fn to_json(values: &[Value]) -> Vec<Json> {
    values.iter().map(Value::to_json).collect()
}

/// Executes `plan` for object `uuid` at `dn` on `conn` (inside the caller's transaction);
/// with `entries` false the LDAP-backed writes are left out (a directory server takes them).
fn execute(
    conn: &mut Db,
    catalog: &Catalog,
    uuid: &str,
    dn: &str,
    plan: &WritePlan,
    entries: bool,
) -> Result<()> {
    let mut classes = rows::entry_classes(conn, uuid)?;
    let mut entry_changed = false;
    for write in &plan.writes {
        let store = match write.backend {
            Backend::Ldap if !entries => continue,
            Backend::Ldap => ENTRY_STORE,
            Backend::Sql => SQL_STORE,
            Backend::Null => continue,
            // With a directory server the caller relates after its own LDAP operation
            // (`ObjectStore::relate`).
            Backend::ObjectHandler if !entries => continue,
            Backend::ObjectHandler => {
                super::relation::write(conn, catalog, uuid, write)?;
                continue;
            }
        };
        if write.backend == Backend::Ldap {
            let current = classes.get_or_insert_with(Vec::new);
            let own = classes_of(&write.params);
            match write.mode {
                WriteMode::Create | WriteMode::Extend => {
                    for c in own {
                        if !current.contains(&c) {
                            current.push(c);
                            entry_changed = true;
                        }
                    }
                }
                WriteMode::Retract => {
                    let before = current.len();
                    current.retain(|c| !own.contains(c));
                    entry_changed |= before != current.len();
                }
                WriteMode::Update => {}
            }
        }
        for (name, attribute) in &write.attributes {
            rows::set_values(conn, uuid, store, name, &to_json(&attribute.values))?;
        }
    }
    if let (true, Some(classes)) = (entry_changed, &classes) {
        rows::put_entry(conn, uuid, dn, classes)?;
    }
    Ok(())
}

/// A change set of the JSON attributes `attrs` (`{"name": value | [values]}`), each value
/// read in the attribute's type (an attribute the type lacks is kept as text, for the model
/// to refuse by name).
pub fn values_of(
    store: &ObjectStore,
    instance: &ObjectInstance<'_>,
    name: &str,
    json: &Json,
) -> Result<Vec<Value>> {
    let items: Vec<&Json> = match json {
        Json::Array(items) => items.iter().collect(),
        Json::Null => Vec::new(),
        one => vec![one],
    };
    let _ = store;
    let object_type = instance.object_type()?;
    let Some(slot) = object_type.slot(name) else {
        return Ok(items
            .into_iter()
            .map(|v| Value::Text(v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect());
    };
    items
        .into_iter()
        .map(|v| {
            slot.def.attr_type.from_json(v).map_err(|e| {
                let mut err = Error::new(
                    ErrorKind::Refused,
                    format!("'{name}' refused (wrong type): {e}"),
                );
                err.attribute = Some(name.to_owned());
                err.rule = Some("wrong type".to_owned());
                err
            })
        })
        .collect()
}

impl ObjectStore {
    /// Refuses values of `Unique` attributes that another object holds.
    fn check_unique(
        &self,
        conn: &mut Db,
        uuid: &str,
        plan: &WritePlan,
        instance: &ObjectInstance<'_>,
    ) -> Result<()> {
        let object_type = instance.object_type()?;
        for write in &plan.writes {
            for (name, attribute) in &write.attributes {
                let unique = object_type.slot(name).is_some_and(|s| s.def.unique);
                if !unique {
                    continue;
                }
                let in_directory = write.backend == Backend::Ldap && self.ldap.is_some();
                for (json, value) in to_json(&attribute.values)
                    .into_iter()
                    .zip(&attribute.values)
                {
                    let mut holders = rows::value_exists(conn, name, &json)?;
                    if let (true, Some(ldap)) = (in_directory, &self.ldap) {
                        for holder in ldap.holders(&self.base, name, &to_ldap(value))? {
                            match rows::object_by_dn(conn, &holder)? {
                                Some(row) => holders.push(row.uuid),
                                // Held by an entry Clacks did not make: taken all the same.
                                None => holders.push(holder),
                            }
                        }
                    }
                    if holders.iter().any(|h| h != uuid) {
                        let value = json;
                        let mut err = Error::new(
                            ErrorKind::Refused,
                            format!("'{name}' refused (unique): another object has {value}"),
                        );
                        err.attribute = Some(name.clone());
                        err.rule = Some("unique".to_owned());
                        return Err(err);
                    }
                }
            }
        }
        Ok(())
    }

    /// The RDN of a new object: its `FixedRDN`, else the first attribute of the primary
    /// backend's `RDN` parameter that has a value (as written, after the out-filters).
    fn new_rdn(&self, instance: &ObjectInstance<'_>, plan: &WritePlan) -> Result<String> {
        let def = self
            .catalog
            .object(instance.base())
            .ok_or_else(|| Error::invalid(format!("no type '{}'", instance.base())))?;
        if let Some(fixed) = &def.fixed_rdn {
            return Ok(fixed.clone());
        }
        let params = def.backend_params.get(&def.backend);
        let candidates = params
            .and_then(|p| p.get("RDN"))
            .cloned()
            .unwrap_or_default();
        let written = |attribute: &str| {
            plan.write(&def.name, def.backend)
                .and_then(|w| w.attributes.get(attribute))
                .and_then(|a| a.values.first())
                .cloned()
        };
        for attribute in candidates.split(',').map(str::trim) {
            let value = written(attribute).or_else(|| instance.values(attribute).first().cloned());
            if let Some(v) = value {
                return Ok(format!("{attribute}={}", dn::escape_value(&v.to_text())));
            }
        }
        Err(Error::invalid(format!(
            "type '{}' names no RDN attribute with a value (RDN=\"{candidates}\")",
            def.name
        )))
    }

    /// Creates an object of `object_type` below `parent` with `attrs` and `extensions`.
    pub fn create(
        &self,
        object_type: &str,
        parent: &str,
        attrs: &serde_json::Map<String, Json>,
        extensions: &[String],
    ) -> Result<StoredObject> {
        if !dn::in_subtree(parent, &self.base) {
            return Err(Error::invalid(format!(
                "parent '{parent}' is outside the base '{}'",
                self.base
            )));
        }
        let parent_row = {
            let mut conn = self.pool.get()?;
            rows::object_by_dn(&mut conn, parent)?.ok_or_else(|| Error::not_found(parent))?
        };
        if !self
            .catalog
            .may_contain(&parent_row.object_type, object_type)
        {
            return Err(Error::invalid(format!(
                "a '{}' may not hold a '{object_type}'",
                parent_row.object_type
            )));
        }
        self.create_below(object_type, &parent_row.dn, attrs, extensions)
    }

    /// Creates without checking the parent (the base tree's root has none).
    pub(super) fn create_below(
        &self,
        object_type: &str,
        parent: &str,
        attrs: &serde_json::Map<String, Json>,
        extensions: &[String],
    ) -> Result<StoredObject> {
        let directory = self.directory();
        let mut instance = ObjectInstance::create(&self.catalog, object_type)?;
        let mut changes = ChangeSet::new();
        for e in extensions {
            changes = changes.extend(e);
        }
        instance.apply(&changes, &directory)?;
        let mut changes = ChangeSet::new();
        for (name, json) in attrs {
            changes = changes.set(name, values_of(self, &instance, name, json)?);
        }
        instance.apply(&changes, &directory)?;
        let plan = instance.writes(&directory)?;
        let rdn = self.new_rdn(&instance, &plan)?;
        let dn = if parent.is_empty() {
            rdn
        } else {
            format!("{rdn},{parent}")
        };
        let uuid = uuid::Uuid::new_v4().to_string();
        let row = ObjectRow {
            uuid: uuid.clone(),
            dn: dn.clone(),
            parent: parent.to_owned(),
            object_type: object_type.to_owned(),
            extensions: serde_json::to_string(&instance.extensions().collect::<Vec<_>>())
                .unwrap_or_else(|_| "[]".to_owned()),
            revision: 1,
        };
        if let Some(ldap) = self.directory_for(object_type) {
            // The entry's entryUUID becomes the object's UUID, so that the directory's own
            // change notices (BackendChange) name the object.
            let change = ldap_change(&plan, &[]);
            let attrs = with_rdn_value(&dn, change.attrs);
            let made = self.two_phase(&dn, |conn, undo| {
                if rows::object_by_dn(conn, &dn)?.is_some() {
                    return Err(Error::new(
                        ErrorKind::Conflict,
                        format!("'{dn}' exists already"),
                    ));
                }
                self.check_unique(conn, "", &plan, &instance)?;
                let uuid = ldap.add(&dn, &change.classes, &attrs)?;
                let (l, d) = (ldap.clone(), dn.clone());
                undo.push(move || l.delete(&d));
                let row = ObjectRow {
                    uuid: uuid.clone(),
                    ..row
                };
                rows::insert_object(conn, &row)?;
                execute(conn, &self.catalog, &uuid, &dn, &plan, false)?;
                self.relate(conn, &instance, &uuid, &plan, undo)?;
                self.reread_and_index(conn, &uuid, None)
            })?;
            return Ok(made);
        }
        let mut conn = self.pool.get()?;
        conn.transaction(|conn| {
            if rows::object_by_dn(conn, &dn)?.is_some() {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!("'{dn}' exists already"),
                ));
            }
            self.check_unique(conn, &uuid, &plan, &instance)?;
            rows::insert_object(conn, &row)?;
            if self
                .catalog
                .object(object_type)
                .is_some_and(|d| d.backend == Backend::Ldap)
            {
                rows::put_entry(conn, &uuid, &dn, &[])?;
            }
            execute(conn, &self.catalog, &uuid, &dn, &plan, true)?;
            self.reread_and_index(conn, &uuid, None)
        })
    }

    /// Applies `changes` to `reference` in one step; with `if_revision`, only if the object
    /// is still at that revision.
    pub fn update(
        &self,
        reference: &str,
        changes: &ChangeSet,
        if_revision: Option<i64>,
    ) -> Result<StoredObject> {
        self.update_with(reference, if_revision, |_| Ok(changes.clone()))
    }

    /// Applies the JSON change set `changes` (`{"set": {..}, "add": {..}, "remove": {..},
    /// "extend": [..], "retract": [..]}`) to `reference` in one step: extensions are
    /// activated first, then values set, added and removed, then extensions retracted.
    pub fn update_json(
        &self,
        reference: &str,
        changes: &Json,
        if_revision: Option<i64>,
    ) -> Result<StoredObject> {
        let Json::Object(map) = changes else {
            return Err(Error::invalid("changes are a JSON object"));
        };
        for key in map.keys() {
            if !matches!(
                key.as_str(),
                "set" | "add" | "remove" | "extend" | "retract"
            ) {
                return Err(Error::invalid(format!(
                    "unknown change '{key}' (allowed: set, add, remove, extend, retract)"
                )));
            }
        }
        let names = |key: &str| -> Result<Vec<String>> {
            match map.get(key) {
                None => Ok(Vec::new()),
                Some(Json::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_str().map(str::to_owned).ok_or_else(|| {
                            Error::invalid(format!("'{key}' takes a list of extension names"))
                        })
                    })
                    .collect(),
                Some(_) => Err(Error::invalid(format!(
                    "'{key}' takes a list of extension names"
                ))),
            }
        };
        let (extend, retract) = (names("extend")?, names("retract")?);
        self.update_with(reference, if_revision, |instance| {
            let mut extended = instance.clone();
            let mut changes = ChangeSet::new();
            for e in &extend {
                changes = changes.extend(e);
            }
            extended.apply(&changes, &self.directory())?;
            for key in ["set", "add", "remove"] {
                let attrs = match map.get(key) {
                    None => continue,
                    Some(Json::Object(attrs)) => attrs,
                    Some(_) => {
                        return Err(Error::invalid(format!(
                            "'{key}' takes an object of attributes"
                        )))
                    }
                };
                for (name, json) in attrs {
                    let values = values_of(self, &extended, name, json)?;
                    changes = match key {
                        "set" => changes.set(name, values),
                        "add" => changes.add(name, values),
                        _ => changes.remove(name, values),
                    };
                }
            }
            for e in &retract {
                changes = changes.retract(e);
            }
            Ok(changes)
        })
    }

    fn update_with(
        &self,
        reference: &str,
        if_revision: Option<i64>,
        changes: impl FnOnce(&ObjectInstance<'_>) -> Result<ChangeSet>,
    ) -> Result<StoredObject> {
        let loaded = {
            let mut conn = self.pool.get()?;
            let row = self.find_row(&mut conn, reference)?;
            self.load_rows(&mut conn, row)?
        };
        if let Some(expected) = if_revision {
            if expected != loaded.row.revision {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!(
                        "stale revision: '{}' is at revision {}, not {expected}",
                        loaded.row.dn, loaded.row.revision
                    ),
                ));
            }
        }
        let directory = self.directory();
        let mut instance = self.instance(&loaded)?;
        let changes = changes(&instance)?;
        instance.apply(&changes, &directory)?;
        let plan = instance.writes(&directory)?;
        let extensions: Vec<String> = instance.extensions().map(str::to_owned).collect();
        let row = &loaded.row;
        let renamed = self.renamed(row, &plan)?;
        let bump = |conn: &mut Db| -> Result<()> {
            if !rows::bump_object(conn, &row.uuid, row.revision, &extensions)? {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!("stale revision: '{}' changed meanwhile", row.dn),
                ));
            }
            self.check_unique(conn, &row.uuid, &plan, &instance)
        };
        if let (Some(ldap), Some(entry)) = (self.directory_for(&row.object_type), &loaded.entry) {
            let change = ldap_change(&plan, &entry.object_classes);
            let mods = change.modifications();
            return self.two_phase(&row.dn, |conn, undo| {
                bump(conn)?;
                execute(conn, &self.catalog, &row.uuid, &row.dn, &plan, false)?;
                // A new naming value renames the entry first (the directory refuses a modify
                // that drops the RDN's value), then the modify runs on the new DN.
                let at = match &renamed {
                    Some(new_dn) => {
                        self.rename_rows(conn, row, new_dn)?;
                        ldap.rename(&row.dn, dn::rdn(new_dn))?;
                        let (l, from, back) =
                            (ldap.clone(), new_dn.clone(), dn::rdn(&row.dn).to_owned());
                        undo.push(move || l.rename(&from, &back));
                        new_dn.clone()
                    }
                    None => row.dn.clone(),
                };
                ldap.modify(&at, &mods)?;
                let (l, back) = (ldap.clone(), change.undo(entry, renamed.as_deref()));
                undo.push(move || l.modify(&at, &back));
                self.relate(conn, &instance, &row.uuid, &plan, undo)?;
                self.reread_and_index(conn, &row.uuid, Some(&row.dn))
            });
        }
        let mut conn = self.pool.get()?;
        conn.transaction(|conn| {
            bump(conn)?;
            if let Some(new_dn) = &renamed {
                self.rename_rows(conn, row, new_dn)?;
            }
            let at = renamed.as_deref().unwrap_or(&row.dn);
            execute(conn, &self.catalog, &row.uuid, at, &plan, true)?;
            self.reread_and_index(conn, &row.uuid, Some(&row.dn))
        })
    }

    /// Removes `reference` (refused while objects lie below it).
    pub fn remove(&self, reference: &str) -> Result<StoredObject> {
        let loaded = {
            let mut conn = self.pool.get()?;
            let row = self.find_row(&mut conn, reference)?;
            self.load_rows(&mut conn, row)?
        };
        let object = self.stored_object(&loaded)?;
        let childless = |conn: &mut Db| -> Result<()> {
            if !rows::children(conn, &object.dn)?.is_empty() {
                return Err(Error::invalid(format!(
                    "'{}' has objects below it: remove them first",
                    object.dn
                )));
            }
            rows::delete_object(conn, &object.uuid)
        };
        if let Some(ldap) = self.directory_for(&object.object_type) {
            let entry = loaded
                .entry
                .as_ref()
                .ok_or_else(|| missing_entry(&object.dn))?;
            self.two_phase(&object.dn, |conn, undo| {
                childless(conn)?;
                ldap.delete(&object.dn)?;
                let (l, entry) = (ldap.clone(), entry.clone());
                undo.push(move || {
                    l.add(&entry.dn, &entry.object_classes, &entry.attrs)
                        .map(|_| ())
                });
                self.index_removed_on(conn, &object)
            })?;
            return Ok(object);
        }
        let mut conn = self.pool.get()?;
        conn.transaction(|c| {
            childless(c)?;
            self.index_removed_on(c, &object)
        })?;
        Ok(object)
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        Error::backend(SQL_STORE, e)
    }
}
