//! Rows of one object on one connection: its registry row, its entry (object classes), its
//! values per store; reading them and replacing them. Everything here runs inside the
//! caller's transaction and knows nothing of the object model.

use diesel::prelude::*;
use serde_json::Value as Json;
use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::sql::schema::{clacks_entries, clacks_objects, clacks_values};
use crate::sql::Db;

/// The store name of values the entry store holds (LDAP-backed attributes).
pub const ENTRY_STORE: &str = "LDAP";
/// The store name of values the SQL backend holds.
pub const SQL_STORE: &str = "SQL";

/// One object's registry row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = clacks_objects)]
pub struct ObjectRow {
    /// UUID.
    pub uuid: String,
    /// DN.
    pub dn: String,
    /// Parent DN.
    pub parent: String,
    /// Base type.
    pub object_type: String,
    /// Extensions, a JSON array.
    pub extensions: String,
    /// Revision.
    pub revision: i64,
}

impl ObjectRow {
    /// The extensions as a list.
    pub fn extension_list(&self) -> Vec<String> {
        serde_json::from_str(&self.extensions).unwrap_or_default()
    }
}

#[derive(Insertable)]
#[diesel(table_name = clacks_values)]
struct ValueRow<'a> {
    uuid: &'a str,
    store: &'a str,
    attribute: &'a str,
    position: i32,
    value: String,
}

#[derive(Insertable)]
#[diesel(table_name = clacks_entries)]
struct EntryRow<'a> {
    uuid: &'a str,
    dn: &'a str,
    object_classes: String,
}

fn sql(context: &str) -> impl Fn(diesel::result::Error) -> Error + '_ {
    move |e| Error::backend(SQL_STORE, format!("{context}: {e}"))
}

/// The object with DN `dn`, if any.
pub fn object_by_dn(conn: &mut Db, dn: &str) -> Result<Option<ObjectRow>> {
    clacks_objects::table
        .filter(clacks_objects::dn.eq(dn))
        .select(ObjectRow::as_select())
        .first(conn)
        .optional()
        .map_err(sql("reading an object"))
}

/// The object with UUID `uuid`, if any.
pub fn object_by_uuid(conn: &mut Db, uuid: &str) -> Result<Option<ObjectRow>> {
    clacks_objects::table
        .filter(clacks_objects::uuid.eq(uuid))
        .select(ObjectRow::as_select())
        .first(conn)
        .optional()
        .map_err(sql("reading an object"))
}

/// Every object, by DN.
pub fn all_objects(conn: &mut Db) -> Result<Vec<ObjectRow>> {
    clacks_objects::table
        .order(clacks_objects::dn.asc())
        .select(ObjectRow::as_select())
        .load(conn)
        .map_err(sql("listing objects"))
}

/// The objects directly below `dn`.
pub fn children(conn: &mut Db, dn: &str) -> Result<Vec<ObjectRow>> {
    clacks_objects::table
        .filter(clacks_objects::parent.eq(dn))
        .select(ObjectRow::as_select())
        .load(conn)
        .map_err(sql("listing children"))
}

/// Adds a registry row.
pub fn insert_object(conn: &mut Db, row: &ObjectRow) -> Result<()> {
    diesel::insert_into(clacks_objects::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
        .map_err(sql("adding an object"))
}

/// Sets extensions and revision of `uuid` if its revision is still `expected`; false when
/// another write came first.
pub fn bump_object(
    conn: &mut Db,
    uuid: &str,
    expected: i64,
    extensions: &[String],
) -> Result<bool> {
    let extensions = serde_json::to_string(extensions).unwrap_or_else(|_| "[]".to_owned());
    let changed = diesel::update(
        clacks_objects::table
            .filter(clacks_objects::uuid.eq(uuid))
            .filter(clacks_objects::revision.eq(expected)),
    )
    .set((
        clacks_objects::extensions.eq(extensions),
        clacks_objects::revision.eq(expected + 1),
    ))
    .execute(conn)
    .map_err(sql("updating an object"))?;
    Ok(changed == 1)
}

/// Removes every row of `uuid`: registry, entry and values.
pub fn delete_object(conn: &mut Db, uuid: &str) -> Result<()> {
    diesel::delete(clacks_values::table.filter(clacks_values::uuid.eq(uuid)))
        .execute(conn)
        .map_err(sql("removing values"))?;
    diesel::delete(clacks_entries::table.filter(clacks_entries::uuid.eq(uuid)))
        .execute(conn)
        .map_err(sql("removing an entry"))?;
    diesel::delete(clacks_objects::table.filter(clacks_objects::uuid.eq(uuid)))
        .execute(conn)
        .map_err(sql("removing an object"))?;
    Ok(())
}

/// The object classes of the entry of `uuid` (`None`: no entry).
pub fn entry_classes(conn: &mut Db, uuid: &str) -> Result<Option<Vec<String>>> {
    let classes: Option<String> = clacks_entries::table
        .filter(clacks_entries::uuid.eq(uuid))
        .select(clacks_entries::object_classes)
        .first(conn)
        .optional()
        .map_err(sql("reading an entry"))?;
    Ok(classes.map(|c| serde_json::from_str(&c).unwrap_or_default()))
}

/// Creates or replaces the entry of `uuid` with `classes`.
pub fn put_entry(conn: &mut Db, uuid: &str, dn: &str, classes: &[String]) -> Result<()> {
    diesel::delete(clacks_entries::table.filter(clacks_entries::uuid.eq(uuid)))
        .execute(conn)
        .map_err(sql("replacing an entry"))?;
    let object_classes = serde_json::to_string(classes).unwrap_or_else(|_| "[]".to_owned());
    diesel::insert_into(clacks_entries::table)
        .values(EntryRow {
            uuid,
            dn,
            object_classes,
        })
        .execute(conn)
        .map(|_| ())
        .map_err(sql("writing an entry"))
}

/// Every value of `uuid` in every store: store → attribute → values (JSON, in order).
pub fn values(conn: &mut Db, uuid: &str) -> Result<BTreeMap<String, BTreeMap<String, Vec<Json>>>> {
    let rows: Vec<(String, String, i32, String)> = clacks_values::table
        .filter(clacks_values::uuid.eq(uuid))
        .order((
            clacks_values::store.asc(),
            clacks_values::attribute.asc(),
            clacks_values::position.asc(),
        ))
        .select((
            clacks_values::store,
            clacks_values::attribute,
            clacks_values::position,
            clacks_values::value,
        ))
        .load(conn)
        .map_err(sql("reading values"))?;
    let mut out: BTreeMap<String, BTreeMap<String, Vec<Json>>> = BTreeMap::new();
    for (store, attribute, _, value) in rows {
        let value = serde_json::from_str(&value).unwrap_or(Json::String(value));
        out.entry(store)
            .or_default()
            .entry(attribute)
            .or_default()
            .push(value);
    }
    Ok(out)
}

/// Replaces the values of `attribute` of `uuid` in `store` (none: removes it).
pub fn set_values(
    conn: &mut Db,
    uuid: &str,
    store: &str,
    attribute: &str,
    values: &[Json],
) -> Result<()> {
    diesel::delete(
        clacks_values::table
            .filter(clacks_values::uuid.eq(uuid))
            .filter(clacks_values::store.eq(store))
            .filter(clacks_values::attribute.eq(attribute)),
    )
    .execute(conn)
    .map_err(sql("replacing values"))?;
    for (position, value) in values.iter().enumerate() {
        diesel::insert_into(clacks_values::table)
            .values(ValueRow {
                uuid,
                store,
                attribute,
                position: i32::try_from(position).unwrap_or(i32::MAX),
                value: value.to_string(),
            })
            .execute(conn)
            .map_err(sql("writing values"))?;
    }
    Ok(())
}

/// Whether any object holds `value` for `attribute` in any store.
pub fn value_exists(conn: &mut Db, attribute: &str, value: &Json) -> Result<Vec<String>> {
    clacks_values::table
        .filter(clacks_values::attribute.eq(attribute))
        .filter(clacks_values::value.eq(value.to_string()))
        .select(clacks_values::uuid)
        .load(conn)
        .map_err(sql("looking up a value"))
}

/// How many objects, entries and values there are.
pub fn counts(conn: &mut Db) -> Result<[i64; 3]> {
    let objects = clacks_objects::table
        .count()
        .get_result(conn)
        .map_err(sql("counting"))?;
    let entries = clacks_entries::table
        .count()
        .get_result(conn)
        .map_err(sql("counting"))?;
    let values = clacks_values::table
        .count()
        .get_result(conn)
        .map_err(sql("counting"))?;
    Ok([objects, entries, values])
}

/// Gives `uuid` a new DN and parent (registry and entry), bumping its revision when `bump`.
pub fn rename(conn: &mut Db, uuid: &str, dn: &str, parent: &str, bump: bool) -> Result<()> {
    let target = clacks_objects::table.filter(clacks_objects::uuid.eq(uuid));
    if bump {
        diesel::update(target)
            .set((
                clacks_objects::dn.eq(dn),
                clacks_objects::parent.eq(parent),
                clacks_objects::revision.eq(clacks_objects::revision + 1),
            ))
            .execute(conn)
    } else {
        diesel::update(target)
            .set((clacks_objects::dn.eq(dn), clacks_objects::parent.eq(parent)))
            .execute(conn)
    }
    .map_err(sql("moving an object"))?;
    diesel::update(clacks_entries::table.filter(clacks_entries::uuid.eq(uuid)))
        .set(clacks_entries::dn.eq(dn))
        .execute(conn)
        .map(|_| ())
        .map_err(sql("moving an entry"))
}
