//! The object index, as the original kept one (in MongoDB): the searchable attributes of
//! every object, whatever backends hold them, in two tables of the SQL store —
//! `clacks_index_objects` (DN, parent, type, extensions, the revision indexed, the attributes
//! as `objects.get` shows them) and `clacks_index_values` (each value as text, for lookups).
//! `objects.search` reads only the index (`search`); binary values are not indexed.
//!
//! How it stays current:
//! - every write made through Clacks re-reads the object afterwards and puts it
//!   ([`ObjectStore::index_written`]), with the objects it is related to (ObjectHandler);
//! - an outside writer announces its change with a `BackendChange` event (UUID or DN, NewDN
//!   after a rename); every node re-reads that object from its backend ([`change`]);
//! - at every start of the backend (and by `objects.reindex`) every object is re-read and
//!   compared with its index rows (`reindex`): rows that differ are replaced, rows of
//!   objects that are gone are dropped.
//!
//! How a node that missed changes catches up: index rows carry the object's revision and
//! content; the index lives in the shared store, so a change any node indexed is seen by all.
//! A node that was down (or a domain that missed `BackendChange` events) re-reads everything
//! when its backend starts again, and `objects.reindex` does the same on demand; a row whose
//! revision lags the registry's is always replaced, and the content comparison catches
//! outside writes that did not touch the revision.
//!
//! Layout: `schema` (tables), `rows` (rows on one connection), `search` (queries on the
//! index), `reindex` (the full pass), `change` (the `BackendChange` event).

pub mod change;
mod reindex;
mod related;
pub mod rows;
pub mod schema;
mod search;

pub use reindex::ReindexReport;
pub use search::IndexPage;

use clacks_objects::value::Value;
use diesel::Connection;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

use self::related::related;
use crate::error::{ErrorKind, Result};
use crate::store::{dn, ObjectStore, StoredObject};
use rows::IndexRow;

/// An object as the index holds it: its searchable attributes, as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexedObject {
    /// Its DN.
    pub dn: String,
    /// Its UUID.
    pub uuid: String,
    /// Its base type.
    pub object_type: String,
    /// Its active extensions.
    pub extensions: Vec<String>,
    /// Its searchable attributes.
    pub attrs: BTreeMap<String, Vec<Json>>,
    /// The revision indexed.
    pub revision: i64,
}

impl IndexedObject {
    /// `{"dn","uuid","type","extensions","attrs","revision"}`, as `objects.get` answers;
    /// `only` keeps the attributes named.
    pub fn to_json(&self, only: Option<&[String]>) -> Json {
        let attrs: serde_json::Map<String, Json> = self
            .attrs
            .iter()
            .filter(|(name, _)| only.is_none_or(|o| o.iter().any(|n| n == *name)))
            .map(|(name, values)| (name.clone(), Json::Array(values.clone())))
            .collect();
        json!({
            "dn": self.dn,
            "uuid": self.uuid,
            "type": self.object_type,
            "extensions": self.extensions,
            "attrs": attrs,
            "revision": self.revision,
        })
    }

    fn from_row(row: IndexRow) -> IndexedObject {
        IndexedObject {
            extensions: serde_json::from_str(&row.extensions).unwrap_or_default(),
            attrs: serde_json::from_str(&row.attrs).unwrap_or_default(),
            dn: row.dn,
            uuid: row.uuid,
            object_type: row.object_type,
            revision: row.revision,
        }
    }
}

/// The searchable attributes of `object`: every attribute with values, but binary ones.
fn searchable(object: &StoredObject) -> BTreeMap<String, Vec<Json>> {
    object
        .attrs
        .iter()
        .filter(|(_, values)| !values.iter().any(|v| matches!(v, Value::Binary(_))))
        .map(|(name, values)| (name.clone(), values.iter().map(Value::to_json).collect()))
        .collect()
}

/// The index row of `object` and its lookups.
fn row_of(object: &StoredObject) -> (IndexRow, BTreeMap<String, Vec<Json>>) {
    let values = searchable(object);
    let row = IndexRow {
        uuid: object.uuid.clone(),
        dn: object.dn.clone(),
        parent: dn::parent(&object.dn).to_owned(),
        object_type: object.object_type.clone(),
        extensions: serde_json::to_string(&object.extensions).unwrap_or_else(|_| "[]".into()),
        revision: object.revision,
        attrs: serde_json::to_string(&values).unwrap_or_else(|_| "{}".into()),
    };
    (row, values)
}

/// What re-reading one object did to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refreshed {
    /// Its rows were added or replaced.
    Put,
    /// Its rows were already current.
    Unchanged,
    /// It is gone from the store; its rows were dropped.
    Dropped,
    /// Neither the store nor the index knows it.
    Unknown,
}

impl ObjectStore {
    /// Puts `object` (as just read from the store) into the index, unless its rows are
    /// current already (true when they changed).
    pub fn index_put(&self, object: &StoredObject) -> Result<bool> {
        let (row, values) = row_of(object);
        let mut conn = self.pool().get()?;
        conn.transaction(|conn| {
            if rows::by_uuid(conn, &row.uuid)?.is_some_and(|old| old == row) {
                return Ok(false);
            }
            rows::put(conn, &row, &values)?;
            Ok(true)
        })
    }

    /// Drops the rows of `uuid` from the index (true when there were some).
    pub fn index_drop(&self, uuid: &str) -> Result<bool> {
        let mut conn = self.pool().get()?;
        rows::remove(&mut conn, uuid)
    }

    /// The indexed object `reference` (DN or UUID) names, if indexed.
    pub fn indexed(&self, reference: &str) -> Result<Option<IndexedObject>> {
        let mut conn = self.pool().get()?;
        let row = if reference.contains('=') {
            rows::by_dn(&mut conn, reference)?
        } else {
            rows::by_uuid(&mut conn, reference)?
        };
        Ok(row.map(IndexedObject::from_row))
    }

    /// Re-reads `reference` (DN or UUID) from the store into the index: put when it exists,
    /// dropped when it is gone.
    pub fn index_refresh(&self, reference: &str) -> Result<Refreshed> {
        match self.get(reference) {
            Ok(object) => Ok(if self.index_put(&object)? {
                Refreshed::Put
            } else {
                Refreshed::Unchanged
            }),
            Err(e) if e.kind == ErrorKind::NotFound => {
                let uuid = self.indexed(reference)?.map(|o| o.uuid);
                match uuid {
                    Some(uuid) => {
                        self.index_drop(&uuid)?;
                        Ok(Refreshed::Dropped)
                    }
                    None => Ok(Refreshed::Unknown),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// After a write through Clacks: puts `object` and re-reads the objects related to it
    /// (ObjectHandler relations, before and after the write); `previous` is the DN the
    /// object had before a move (its descendants are re-read too).
    pub fn index_written(&self, object: &StoredObject, previous: Option<&str>) -> Result<()> {
        let before = self.indexed(&object.uuid)?;
        self.index_put(object)?;
        let mut again = related(self, object, before.as_ref())?;
        if let Some(old) = previous.filter(|old| !dn::same(old, &object.dn)) {
            let mut conn = self.pool().get()?;
            for row in rows::all(&mut conn)? {
                if row.uuid != object.uuid && dn::in_subtree(&row.dn, old) {
                    again.insert(row.uuid);
                }
            }
        }
        for uuid in again {
            self.index_refresh(&uuid)?;
        }
        Ok(())
    }

    /// After a removal through Clacks: drops `object`'s rows and re-reads related objects.
    pub fn index_removed(&self, object: &StoredObject) -> Result<()> {
        let before = self.indexed(&object.uuid)?;
        self.index_drop(&object.uuid)?;
        for uuid in related(self, object, before.as_ref())? {
            self.index_refresh(&uuid)?;
        }
        Ok(())
    }
}
