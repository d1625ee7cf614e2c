//! The object index, as the original kept one (in MongoDB): the searchable attributes of
//! every object, whatever backends hold them, in two tables of the SQL store —
//! `clacks_index_objects` (DN, parent, type, extensions, the revision indexed, the attributes
//! as `objects.get` shows them) and `clacks_index_values` (each value as text, for lookups).
//! `objects.search` reads only the index (`search`); binary values are not indexed.
//!
//! How it stays current:
//! - every write made through the store re-reads the object and puts it, with the objects
//!   it is related to (ObjectHandler) and, after a move or rename, those below it, inside
//!   the write's own SQL transaction (`ObjectStore::index_written_on`): the index changes
//!   exactly when the write commits, and a search after the write returns sees it. With a
//!   directory server the object's LDAP part is read back after the LDAP operation and
//!   before the commit; if the commit fails, the LDAP operation is undone (`ldap_part`), so
//!   the index never shows a write that did not land. What SQL cannot cover: an undo that
//!   itself fails (logged as an error: directory and SQL differ, the next reindex repairs
//!   the index), and objects whose in-filters read other objects (they see those as
//!   committed before the write);
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
use serde_json::Value as Json;
use std::collections::BTreeMap;

use self::related::related;
use crate::error::{ErrorKind, Result};
use crate::sql::Db;
use crate::store::{dn, object_json, ObjectStore, StoredObject};
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
        let attrs = self
            .attrs
            .iter()
            .map(|(name, values)| (name, Json::Array(values.clone())));
        object_json(
            &self.dn,
            &self.uuid,
            &self.object_type,
            &self.extensions,
            attrs,
            self.revision,
            only,
        )
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
        let mut conn = self.pool().get()?;
        conn.transaction(|conn| put_on(conn, object))
    }

    /// Drops the rows of `uuid` from the index (true when there were some).
    pub fn index_drop(&self, uuid: &str) -> Result<bool> {
        let mut conn = self.pool().get()?;
        rows::remove(&mut conn, uuid)
    }

    /// The indexed object `reference` (DN or UUID) names, if indexed.
    pub fn indexed(&self, reference: &str) -> Result<Option<IndexedObject>> {
        let mut conn = self.pool().get()?;
        indexed_on(&mut conn, reference)
    }

    /// Re-reads `reference` (DN or UUID) from the store into the index: put when it exists,
    /// dropped when it is gone.
    pub fn index_refresh(&self, reference: &str) -> Result<Refreshed> {
        let mut conn = self.pool().get()?;
        conn.transaction(|conn| self.refresh_on(conn, reference))
    }

    /// [`ObjectStore::index_refresh`] on `conn` (inside the caller's transaction).
    pub(crate) fn refresh_on(&self, conn: &mut Db, reference: &str) -> Result<Refreshed> {
        match self.get_on(conn, reference) {
            Ok(object) => Ok(if put_on(conn, &object)? {
                Refreshed::Put
            } else {
                Refreshed::Unchanged
            }),
            Err(e) if e.kind == ErrorKind::NotFound => {
                match indexed_on(conn, reference)?.map(|o| o.uuid) {
                    Some(uuid) => {
                        rows::remove(conn, &uuid)?;
                        Ok(Refreshed::Dropped)
                    }
                    None => Ok(Refreshed::Unknown),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// After a write: puts `object` and re-reads the objects related to it (ObjectHandler
    /// relations, before and after the write); `previous` is the DN the object had before a
    /// move or rename (its descendants are re-read too). The store's writes do this inside
    /// their own transaction (`ObjectStore::index_written_on`); this is for objects
    /// written otherwise.
    pub fn index_written(&self, object: &StoredObject, previous: Option<&str>) -> Result<()> {
        let mut conn = self.pool().get()?;
        conn.transaction(|conn| self.index_written_on(conn, object, previous))
    }

    /// [`ObjectStore::index_written`] on `conn`, inside the write's transaction.
    pub(crate) fn index_written_on(
        &self,
        conn: &mut Db,
        object: &StoredObject,
        previous: Option<&str>,
    ) -> Result<()> {
        let before = indexed_on(conn, &object.uuid)?;
        put_on(conn, object)?;
        let mut again = related(conn, self.catalog(), object, before.as_ref())?;
        if let Some(old) = previous.filter(|old| !dn::same(old, &object.dn)) {
            for row in rows::all(conn)? {
                if row.uuid != object.uuid && dn::in_subtree(&row.dn, old) {
                    again.insert(row.uuid);
                }
            }
        }
        for uuid in again {
            self.refresh_on(conn, &uuid)?;
        }
        Ok(())
    }

    /// Reads `uuid` back on `conn` after the store wrote it and indexes it there (the
    /// write's transaction); returns it as stored.
    pub(crate) fn reread_and_index(
        &self,
        conn: &mut Db,
        uuid: &str,
        previous: Option<&str>,
    ) -> Result<StoredObject> {
        let object = self.get_on(conn, uuid)?;
        self.index_written_on(conn, &object, previous)?;
        Ok(object)
    }

    /// After a removal: drops `object`'s rows and re-reads related objects (the store's
    /// removal does this inside its own transaction).
    pub fn index_removed(&self, object: &StoredObject) -> Result<()> {
        let mut conn = self.pool().get()?;
        conn.transaction(|conn| self.index_removed_on(conn, object))
    }

    /// [`ObjectStore::index_removed`] on `conn`, inside the removal's transaction.
    pub(crate) fn index_removed_on(&self, conn: &mut Db, object: &StoredObject) -> Result<()> {
        let before = indexed_on(conn, &object.uuid)?;
        rows::remove(conn, &object.uuid)?;
        for uuid in related(conn, self.catalog(), object, before.as_ref())? {
            self.refresh_on(conn, &uuid)?;
        }
        Ok(())
    }
}

/// Puts `object` on `conn` unless its rows are current (true when they changed).
fn put_on(conn: &mut Db, object: &StoredObject) -> Result<bool> {
    let (row, values) = row_of(object);
    if rows::by_uuid(conn, &row.uuid)?.is_some_and(|old| old == row) {
        return Ok(false);
    }
    rows::put(conn, &row, &values)?;
    Ok(true)
}

fn indexed_on(conn: &mut Db, reference: &str) -> Result<Option<IndexedObject>> {
    let row = if reference.contains('=') {
        rows::by_dn(conn, reference)?
    } else {
        rows::by_uuid(conn, reference)?
    };
    Ok(row.map(IndexedObject::from_row))
}
