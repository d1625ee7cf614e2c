//! ObjectHandler relations (see [`super::relation`]) whose foreign objects live on a
//! directory server: PosixUser's `groupMembership` is the `cn` of every `posixGroup` entry
//! whose `memberUid` holds the user's `uid`.
//!
//! - Reading ([`load`]): one directory search per relation, `(&(objectClass=…)(fmatch=v))`
//!   under the base, the value escaped.
//! - Writing ([`ObjectStore::relate`]): after the object's own LDAP operation, inside the
//!   write's SQL transaction, each foreign entry named by an added or removed value gets one
//!   modify adding or deleting the object's match value, its undo recorded; the foreign
//!   object's revision goes up in the same transaction. So the relation lands with the
//!   write or not at all (see `ldap_part`).

use ::clacks_objects::definition::{Backend, Catalog};
use ::clacks_objects::model::{ObjectInstance, WritePlan};
use ::clacks_objects::value::Value;
use diesel::prelude::*;
use serde_json::Value as Json;
use std::collections::BTreeSet;

use super::ldap_part::Undo;
use super::relation::{relations, Relation};
use super::{dn, rows, ObjectStore};
use crate::error::{Error, ErrorKind, Result};
use crate::ldap::{filter, LdapDirectory, LdapScope, Modification};
use crate::sql::schema::clacks_objects;
use crate::sql::Db;
use crate::store::SQL_STORE;

/// The filter for objects of `foreign` (its LDAP object classes) whose `attribute` holds
/// `value`.
fn foreign_filter(
    catalog: &Catalog,
    foreign: &str,
    attribute: &str,
    value: &[u8],
) -> Result<String> {
    let classes = catalog
        .object(foreign)
        .and_then(|d| d.backend_params.get(&Backend::Ldap))
        .and_then(|p| p.get("objectClasses"))
        .cloned()
        .unwrap_or_default();
    let mut parts = String::new();
    for class in classes.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        parts.push_str(&filter::equals("objectClass", class.as_bytes())?);
    }
    parts.push_str(&filter::equals(attribute, value)?);
    Ok(format!("(&{parts})"))
}

/// True when `r`'s foreign objects live on the directory server (`ldap` configured).
pub(super) fn on_directory(catalog: &Catalog, r: &Relation, ldap: Option<&LdapDirectory>) -> bool {
    ldap.is_some()
        && catalog
            .object(&r.foreign)
            .is_some_and(|d| d.backend == Backend::Ldap)
}

/// The values of relation `r` for an object whose match value is `matching`, from the
/// directory: the `fattr` values of every foreign entry whose `fmatch` holds it.
pub(super) fn load(
    ldap: &LdapDirectory,
    base: &str,
    catalog: &Catalog,
    r: &Relation,
    matching: &Json,
) -> Result<Vec<Json>> {
    let text = matching
        .as_str()
        .map_or_else(|| matching.to_string(), str::to_owned);
    let filter = foreign_filter(catalog, &r.foreign, &r.foreign_match, text.as_bytes())?;
    let mut values = Vec::new();
    for entry in ldap.search(base, LdapScope::Sub, &filter, &[&r.foreign_attr])? {
        for v in entry.values(&r.foreign_attr) {
            values.push(Json::String(String::from_utf8_lossy(v).into_owned()));
        }
    }
    Ok(values)
}

fn refused(attribute: &str, message: String) -> Error {
    let mut e = Error::new(ErrorKind::Refused, message);
    e.attribute = Some(attribute.to_owned());
    e.rule = Some("relation".to_owned());
    e
}

impl ObjectStore {
    /// Executes the ObjectHandler writes of `plan` for object `uuid` (as `instance` holds it
    /// after the change) once its own LDAP operation is made: relations whose foreign
    /// objects are in the directory by modifies recorded on `undo`, the others on `conn`.
    pub(super) fn relate(
        &self,
        conn: &mut Db,
        instance: &ObjectInstance<'_>,
        uuid: &str,
        plan: &WritePlan,
        undo: &mut Undo,
    ) -> Result<()> {
        let all = relations(&self.catalog);
        for write in plan
            .writes
            .iter()
            .filter(|w| w.backend == Backend::ObjectHandler && !w.attributes.is_empty())
        {
            let on_ldap = all.iter().any(|r| {
                r.owner == write.object
                    && write.attributes.contains_key(&r.attribute)
                    && on_directory(&self.catalog, r, self.ldap.as_ref())
            });
            if !on_ldap {
                super::relation::write(conn, &self.catalog, uuid, write)?;
                continue;
            }
            for (attribute, change) in &write.attributes {
                let Some(r) = all
                    .iter()
                    .find(|r| r.owner == write.object && &r.attribute == attribute)
                else {
                    return Err(Error::invalid(format!(
                        "'{attribute}' of '{}' is on the ObjectHandler backend without a \
                         relation parameter (ATTR=\"Type:attr,match=attr\")",
                        write.object
                    )));
                };
                let own = instance.values(&r.match_attr).first().ok_or_else(|| {
                    refused(
                        attribute,
                        format!(
                            "'{attribute}' needs a value of '{}' to relate by",
                            r.match_attr
                        ),
                    )
                })?;
                self.relate_on_directory(
                    conn,
                    r,
                    &own.to_text(),
                    &change.values,
                    &change.previous,
                    undo,
                )?;
            }
        }
        Ok(())
    }

    /// Adds `own` to the `fmatch` of each foreign entry `now` names that `before` did not,
    /// and removes it from each `before` named that `now` does not.
    fn relate_on_directory(
        &self,
        conn: &mut Db,
        r: &Relation,
        own: &str,
        now: &[Value],
        before: &[Value],
        undo: &mut Undo,
    ) -> Result<()> {
        let Some(ldap) = self.ldap.clone() else {
            return Ok(());
        };
        let texts =
            |values: &[Value]| -> BTreeSet<String> { values.iter().map(Value::to_text).collect() };
        let (now, before) = (texts(now), texts(before));
        for name in now.symmetric_difference(&before) {
            let filter =
                foreign_filter(&self.catalog, &r.foreign, &r.foreign_attr, name.as_bytes())?;
            let found = ldap.search(&self.base, LdapScope::Sub, &filter, &[&r.foreign_match])?;
            let [foreign] = found.as_slice() else {
                let how = if found.is_empty() {
                    "no"
                } else {
                    "more than one"
                };
                return Err(refused(
                    &r.attribute,
                    format!(
                        "'{}': {how} {} with {} '{name}'",
                        r.attribute, r.foreign, r.foreign_attr
                    ),
                ));
            };
            let had = foreign.values(&r.foreign_match).contains(&own.as_bytes());
            let value = vec![own.as_bytes().to_vec()];
            let attribute = r.foreign_match.clone();
            let (change, back) = if now.contains(name) && !had {
                (
                    Modification::Add(attribute.clone(), value.clone()),
                    Modification::Delete(attribute, value),
                )
            } else if !now.contains(name) && had {
                (
                    Modification::Delete(attribute.clone(), value.clone()),
                    Modification::Add(attribute, value),
                )
            } else {
                continue;
            };
            ldap.modify(&foreign.dn, std::slice::from_ref(&change))?;
            let (l, at) = (ldap.clone(), foreign.dn.clone());
            undo.push(move || l.modify(&at, &[back]));
            if let Some(row) = rows::object_by_dn(conn, &foreign.dn)? {
                diesel::update(clacks_objects::table.filter(clacks_objects::uuid.eq(&row.uuid)))
                    .set(clacks_objects::revision.eq(clacks_objects::revision + 1))
                    .execute(conn)
                    .map_err(|e| {
                        Error::backend(
                            SQL_STORE,
                            format!("relation: bumping '{}': {e}", dn::rdn(&row.dn)),
                        )
                    })?;
            }
        }
        Ok(())
    }
}
