//! Index rows on one connection: putting an object's rows (replacing what was there),
//! dropping them, reading them by UUID or tree position, and the value lookups a search
//! starts from. Knows nothing of the object model.

use diesel::prelude::*;
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};

use super::schema::{clacks_index_objects, clacks_index_values};
use crate::error::{Error, Result};
use crate::sql::Db;
use crate::store::query::value_text;
use crate::store::SQL_STORE;

/// Values longer than this (in bytes, as text) are not in the lookup table: a query literal
/// of at most this length can never equal them, and longer literals are not looked up, so
/// the lookup stays exact while its B-tree keys stay small (PostgreSQL caps them).
pub const MAX_LOOKUP_TEXT: usize = 256;

/// How many rows or keys one statement carries (below SQLite's bind limit).
const CHUNK: usize = 400;

/// One indexed object.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = clacks_index_objects)]
pub struct IndexRow {
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
    /// The revision indexed.
    pub revision: i64,
    /// Attributes, a JSON object of value lists.
    pub attrs: String,
}

#[derive(Insertable)]
#[diesel(table_name = clacks_index_values)]
struct ValueRow<'a> {
    uuid: &'a str,
    attribute: &'a str,
    position: i32,
    value: String,
}

fn sql(context: &str) -> impl Fn(diesel::result::Error) -> Error + '_ {
    move |e| Error::backend(SQL_STORE, format!("index: {context}: {e}"))
}

/// Replaces the rows of `row.uuid` with `row` and the lookups of `values` (attribute →
/// values; `_type` and `_extensions` added here).
pub fn put(conn: &mut Db, row: &IndexRow, values: &BTreeMap<String, Vec<Json>>) -> Result<()> {
    remove(conn, &row.uuid)?;
    diesel::insert_into(clacks_index_objects::table)
        .values(row)
        .execute(conn)
        .map_err(sql("adding an object"))?;
    let extensions: Vec<String> = serde_json::from_str(&row.extensions).unwrap_or_default();
    let mut lookups: Vec<ValueRow<'_>> = vec![ValueRow {
        uuid: &row.uuid,
        attribute: "_type",
        position: 0,
        value: row.object_type.clone(),
    }];
    for (i, e) in extensions.into_iter().enumerate() {
        lookups.push(ValueRow {
            uuid: &row.uuid,
            attribute: "_extensions",
            position: i32::try_from(i).unwrap_or(i32::MAX),
            value: e,
        });
    }
    for (name, list) in values {
        for (i, v) in list.iter().enumerate() {
            let text = value_text(v);
            if text.len() <= MAX_LOOKUP_TEXT {
                lookups.push(ValueRow {
                    uuid: &row.uuid,
                    attribute: name,
                    position: i32::try_from(i).unwrap_or(i32::MAX),
                    value: text,
                });
            }
        }
    }
    for one in &lookups {
        diesel::insert_into(clacks_index_values::table)
            .values(one)
            .execute(conn)
            .map_err(sql("adding values"))?;
    }
    Ok(())
}

/// Drops the rows of `uuid` (true when there were some).
pub fn remove(conn: &mut Db, uuid: &str) -> Result<bool> {
    diesel::delete(clacks_index_values::table.filter(clacks_index_values::uuid.eq(uuid)))
        .execute(conn)
        .map_err(sql("dropping values"))?;
    let gone =
        diesel::delete(clacks_index_objects::table.filter(clacks_index_objects::uuid.eq(uuid)))
            .execute(conn)
            .map_err(sql("dropping an object"))?;
    Ok(gone > 0)
}

/// The indexed row of `uuid`, if any.
pub fn by_uuid(conn: &mut Db, uuid: &str) -> Result<Option<IndexRow>> {
    clacks_index_objects::table
        .filter(clacks_index_objects::uuid.eq(uuid))
        .select(IndexRow::as_select())
        .first(conn)
        .optional()
        .map_err(sql("reading an object"))
}

/// The indexed row with DN `dn`, if any.
pub fn by_dn(conn: &mut Db, dn: &str) -> Result<Option<IndexRow>> {
    clacks_index_objects::table
        .filter(clacks_index_objects::dn.eq(dn))
        .select(IndexRow::as_select())
        .first(conn)
        .optional()
        .map_err(sql("reading an object"))
}

/// The rows of `uuids`.
pub fn by_uuids(conn: &mut Db, uuids: &[String]) -> Result<Vec<IndexRow>> {
    let mut out = Vec::with_capacity(uuids.len());
    for chunk in uuids.chunks(CHUNK) {
        let rows: Vec<IndexRow> = clacks_index_objects::table
            .filter(clacks_index_objects::uuid.eq_any(chunk))
            .select(IndexRow::as_select())
            .load(conn)
            .map_err(sql("reading objects"))?;
        out.extend(rows);
    }
    Ok(out)
}

/// The rows directly below `parent`.
pub fn children(conn: &mut Db, parent: &str) -> Result<Vec<IndexRow>> {
    clacks_index_objects::table
        .filter(clacks_index_objects::parent.eq(parent))
        .select(IndexRow::as_select())
        .load(conn)
        .map_err(sql("reading objects"))
}

/// Every row.
pub fn all(conn: &mut Db) -> Result<Vec<IndexRow>> {
    clacks_index_objects::table
        .select(IndexRow::as_select())
        .load(conn)
        .map_err(sql("reading objects"))
}

/// UUID and revision of every indexed object.
pub fn revisions(conn: &mut Db) -> Result<BTreeMap<String, i64>> {
    let rows: Vec<(String, i64)> = clacks_index_objects::table
        .select((clacks_index_objects::uuid, clacks_index_objects::revision))
        .load(conn)
        .map_err(sql("reading revisions"))?;
    Ok(rows.into_iter().collect())
}

/// The objects holding one of `texts` (each at most [`MAX_LOOKUP_TEXT`] long) for
/// `attribute`.
pub fn holders(conn: &mut Db, attribute: &str, texts: &[String]) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for chunk in texts.chunks(CHUNK) {
        let uuids: Vec<String> = clacks_index_values::table
            .filter(clacks_index_values::attribute.eq(attribute))
            .filter(clacks_index_values::value.eq_any(chunk))
            .select(clacks_index_values::uuid)
            .load(conn)
            .map_err(sql("looking up values"))?;
        out.extend(uuids);
    }
    Ok(out)
}
