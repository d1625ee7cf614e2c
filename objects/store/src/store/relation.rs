//! The ObjectHandler backend: relations between objects, as the original's ObjectHandler
//! kept them. A part's `<Backend ATTR="Foreign:fattr,fmatch=match">ObjectHandler</Backend>`
//! parameter makes `ATTR` (backend ObjectHandler, stored nowhere) the `fattr` values of the
//! `Foreign` objects whose `fmatch` holds this object's `match` value. PosixUser's
//! `groupMembership="PosixGroup:cn,memberUid=uid"`: a user's groupMembership lists the `cn`
//! of every PosixGroup whose memberUid holds the user's uid.
//!
//! - Reading ([`load`]): the values are computed from the store's rows when the object loads.
//! - Writing ([`write()`]): adding a value adds the object's `match` value to that foreign
//!   object's `fmatch`, removing one removes it (and bumps the foreign object's revision),
//!   on the caller's connection, inside the write's transaction: both sides or neither.
//! - Indexing (`index::related`): which other objects a write changed the view of, so the index
//!   re-reads them too.
//!
//! Parameters without the `fmatch=match` part (PosixGroup's `memberUid="PosixUser:uid,"`)
//! only say what the values refer to; the attribute is stored by its own backend.

use ::clacks_objects::definition::{Backend, Catalog};
use ::clacks_objects::model::{BackendWrite, ObjectType};
use ::clacks_objects::value::Value;
use diesel::prelude::*;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

use crate::error::{Error, ErrorKind, Result};
use crate::sql::schema::{clacks_objects, clacks_values};
use crate::sql::Db;
use crate::store::query::value_text;
use crate::store::{ENTRY_STORE, SQL_STORE};

/// One relation, read from a part's ObjectHandler parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The part holding the attribute (`PosixUser`).
    pub owner: String,
    /// The attribute (`groupMembership`).
    pub attribute: String,
    /// The foreign type (`PosixGroup`).
    pub foreign: String,
    /// The foreign attribute the values are (`cn`).
    pub foreign_attr: String,
    /// The foreign attribute that holds the match value (`memberUid`).
    pub foreign_match: String,
    /// The owner's attribute whose value the foreign objects hold (`uid`).
    pub match_attr: String,
}

impl Relation {
    /// Reads `Foreign:fattr,fmatch=match`; `None` for the reference-only form.
    pub fn parse(owner: &str, attribute: &str, param: &str) -> Option<Relation> {
        let (foreign, rest) = param.split_once(':')?;
        let (foreign_attr, matching) = rest.split_once(',')?;
        let (foreign_match, match_attr) = matching.split_once('=')?;
        let parts = [foreign, foreign_attr, foreign_match, match_attr].map(str::trim);
        if parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        Some(Relation {
            owner: owner.to_owned(),
            attribute: attribute.to_owned(),
            foreign: parts[0].to_owned(),
            foreign_attr: parts[1].to_owned(),
            foreign_match: parts[2].to_owned(),
            match_attr: parts[3].to_owned(),
        })
    }
}

/// Every relation the definitions declare.
pub fn relations(catalog: &Catalog) -> Vec<Relation> {
    let mut out = Vec::new();
    for def in catalog.objects() {
        let Some(params) = def.backend_params.get(&Backend::ObjectHandler) else {
            continue;
        };
        for (attribute, param) in params {
            let handled = def
                .attribute(attribute)
                .is_some_and(|a| a.backend == Backend::ObjectHandler);
            if let (true, Some(r)) = (handled, Relation::parse(&def.name, attribute, param)) {
                out.push(r);
            }
        }
    }
    out
}

fn sql(context: &str) -> impl Fn(diesel::result::Error) -> Error + '_ {
    move |e| Error::backend(SQL_STORE, format!("relation: {context}: {e}"))
}

/// The store (entry store or SQL values) that holds `attribute` of objects of `type_name`.
fn store_of(catalog: &Catalog, type_name: &str, attribute: &str) -> &'static str {
    let def = catalog.object(type_name);
    let backend = def
        .and_then(|d| d.attribute(attribute).map(|a| a.backend))
        .or(def.map(|d| d.backend));
    match backend {
        Some(Backend::Sql) => SQL_STORE,
        _ => ENTRY_STORE,
    }
}

/// The UUIDs of objects of type `type_name` whose `attribute` holds `value` in `store`.
fn holders(
    conn: &mut Db,
    type_name: &str,
    store: &str,
    attribute: &str,
    value: &Json,
) -> Result<Vec<String>> {
    let encoded = value.to_string();
    let holders: Vec<String> = clacks_values::table
        .filter(clacks_values::attribute.eq(attribute))
        .filter(clacks_values::store.eq(store))
        .filter(clacks_values::value.eq(&encoded))
        .select(clacks_values::uuid)
        .load(conn)
        .map_err(sql("looking up holders"))?;
    if holders.is_empty() {
        return Ok(holders);
    }
    clacks_objects::table
        .filter(clacks_objects::uuid.eq_any(&holders))
        .filter(clacks_objects::object_type.eq(type_name))
        .select(clacks_objects::uuid)
        .load(conn)
        .map_err(sql("reading holders"))
}

/// The values of `attribute` of `uuid` in `store`.
fn values_of(conn: &mut Db, uuid: &str, store: &str, attribute: &str) -> Result<Vec<Json>> {
    let texts: Vec<String> = clacks_values::table
        .filter(clacks_values::uuid.eq(uuid))
        .filter(clacks_values::store.eq(store))
        .filter(clacks_values::attribute.eq(attribute))
        .order(clacks_values::position.asc())
        .select(clacks_values::value)
        .load(conn)
        .map_err(sql("reading values"))?;
    Ok(texts
        .into_iter()
        .map(|t| serde_json::from_str(&t).unwrap_or(Json::String(t)))
        .collect())
}

/// The object's first value of `attribute`, from `stored` (store → attribute → values).
fn first_value(
    stored: &BTreeMap<String, BTreeMap<String, Vec<Json>>>,
    attribute: &str,
) -> Option<Json> {
    stored
        .values()
        .find_map(|attrs| attrs.get(attribute).and_then(|v| v.first().cloned()))
}

/// The name `load` files computed values under, beside the real stores.
pub const RELATION_STORE: &str = "ObjectHandler";

/// Where a relation's values come from when the foreign objects are not in the store's
/// rows (a directory server): `Some(values)` for relation `r` and the match value, `None`
/// to compute them from the rows.
pub type ForeignValues<'a> = dyn FnMut(&Relation, &Json) -> Option<Result<Vec<Json>>> + 'a;

/// Adds the relation attributes of `object_type` to `stored` (store → attribute → values),
/// computed from the foreign objects' rows, or by `elsewhere` when it answers.
pub fn load(
    conn: &mut Db,
    catalog: &Catalog,
    object_type: &ObjectType<'_>,
    stored: &mut BTreeMap<String, BTreeMap<String, Vec<Json>>>,
    elsewhere: &mut ForeignValues<'_>,
) -> Result<()> {
    let parts: Vec<&str> = object_type
        .parts()
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    for r in relations(catalog) {
        if !parts.contains(&r.owner.as_str()) {
            continue;
        }
        let Some(matching) = first_value(stored, &r.match_attr) else {
            continue;
        };
        let mut values = match elsewhere(&r, &matching) {
            Some(found) => found?,
            None => {
                let match_store = store_of(catalog, &r.foreign, &r.foreign_match);
                let attr_store = store_of(catalog, &r.foreign, &r.foreign_attr);
                let mut values = Vec::new();
                for uuid in holders(conn, &r.foreign, match_store, &r.foreign_match, &matching)? {
                    values.extend(values_of(conn, &uuid, attr_store, &r.foreign_attr)?);
                }
                values
            }
        };
        values.sort_by_key(value_text);
        values.dedup();
        if !values.is_empty() {
            stored
                .entry(RELATION_STORE.to_owned())
                .or_default()
                .insert(r.attribute.clone(), values);
        }
    }
    Ok(())
}

/// Executes the ObjectHandler `write` of object `uuid` on `conn` (inside the write's
/// transaction): each foreign object named by an added value gains the object's match
/// value, each named by a removed value loses it.
pub fn write(conn: &mut Db, catalog: &Catalog, uuid: &str, write: &BackendWrite) -> Result<()> {
    let all = relations(catalog);
    for (attribute, change) in &write.attributes {
        let Some(r) = all
            .iter()
            .find(|r| r.owner == write.object && &r.attribute == attribute)
        else {
            return Err(Error::invalid(format!(
                "'{attribute}' of '{}' is on the ObjectHandler backend without a relation \
                 parameter (ATTR=\"Type:attr,match=attr\")",
                write.object
            )));
        };
        let texts = |values: &[Value]| -> BTreeSet<String> {
            values.iter().map(|v| value_text(&v.to_json())).collect()
        };
        let (now, before) = (texts(&change.values), texts(&change.previous));
        // The match attribute may belong to another part (User's uid): look in both stores.
        let own = values_of(conn, uuid, ENTRY_STORE, &r.match_attr)?
            .into_iter()
            .chain(values_of(conn, uuid, SQL_STORE, &r.match_attr)?)
            .next()
            .ok_or_else(|| {
                let mut e = Error::new(
                    ErrorKind::Refused,
                    format!(
                        "'{attribute}' needs a value of '{}' to relate by",
                        r.match_attr
                    ),
                );
                e.attribute = Some(attribute.clone());
                e
            })?;
        let own_text = value_text(&own);
        let key_store = store_of(catalog, &r.foreign, &r.foreign_attr);
        let match_store = store_of(catalog, &r.foreign, &r.foreign_match);
        for name in now.symmetric_difference(&before) {
            let found = holders(
                conn,
                &r.foreign,
                key_store,
                &r.foreign_attr,
                &Json::String(name.clone()),
            )?;
            let [foreign] = found.as_slice() else {
                let mut e = Error::new(
                    ErrorKind::Refused,
                    format!(
                        "'{attribute}': {} {} with {} '{name}'",
                        if found.is_empty() {
                            "no"
                        } else {
                            "more than one"
                        },
                        r.foreign,
                        r.foreign_attr
                    ),
                );
                e.attribute = Some(attribute.clone());
                e.rule = Some("relation".to_owned());
                return Err(e);
            };
            let mut held = values_of(conn, foreign, match_store, &r.foreign_match)?;
            let had = held.iter().any(|v| value_text(v) == own_text);
            if now.contains(name) && !had {
                held.push(own.clone());
            } else if !now.contains(name) && had {
                held.retain(|v| value_text(v) != own_text);
            } else {
                continue;
            }
            crate::store::replace_values(conn, foreign, match_store, &r.foreign_match, &held)?;
            diesel::update(clacks_objects::table.filter(clacks_objects::uuid.eq(foreign)))
                .set(clacks_objects::revision.eq(clacks_objects::revision + 1))
                .execute(conn)
                .map_err(sql("bumping a related object"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relation_parameters_parse_and_reference_only_ones_are_skipped() {
        let r = Relation::parse(
            "PosixUser",
            "groupMembership",
            "PosixGroup:cn,memberUid=uid",
        );
        assert_eq!(
            r,
            Some(Relation {
                owner: "PosixUser".into(),
                attribute: "groupMembership".into(),
                foreign: "PosixGroup".into(),
                foreign_attr: "cn".into(),
                foreign_match: "memberUid".into(),
                match_attr: "uid".into(),
            })
        );
        assert_eq!(
            Relation::parse("PosixGroup", "memberUid", "PosixUser:uid,"),
            None
        );
        assert_eq!(Relation::parse("X", "a", "nonsense"), None);
    }

    #[test]
    fn the_shipped_definitions_declare_group_membership() {
        let catalog = crate::shipped::shipped_catalog().map_err(|e| format!("{e:?}"));
        let rels = catalog.map(|c| relations(&c)).unwrap_or_default();
        assert_eq!(rels.len(), 1, "{rels:?}");
        assert_eq!(rels[0].attribute, "groupMembership");
    }
}
