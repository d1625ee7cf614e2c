//! [`ObjectStore`]: the object model on the SQL store. It reads objects (registry row,
//! entry, values) into [`clacks_objects::model::ObjectInstance`]s, applies change sets under
//! the model's rules, and executes the [`WritePlan`](clacks_objects::model::WritePlan) they
//! imply: LDAP-backed parts go to the directory server when one is configured
//! ([`ObjectStore::with_ldap`]), else to the embedded entry store (DN, object classes,
//! values) in the same database; SQL-backed attributes to the SQL values. Either way a
//! change spanning both lands in both or in neither: on the embedded store it is one
//! database transaction, with a directory see `ldap_part` (SQL transaction, the one LDAP
//! operation last, commit, undo of the LDAP operation if the commit fails).
//!
//! Layout: `dn` (DN helpers), `rows` (rows on one connection), `query` (search queries),
//! `directory` (the model's lookups on the store), `method` (`objects.call`), `read` (get, search), `write` (create,
//! update, remove), `moving` (move below another parent), `seed` (the base tree), `adopt` (registering entries
//! the directory has),
//! `ldap_part` (the LDAP-backed part on a directory server, the two-backend write),
//! `relation` and `relation_ldap` (ObjectHandler relations on the rows and on a directory).
//!
//! No connection is held while the model runs: filters and conditions ask the store
//! through [`StoreDirectory`], which takes its own.

mod adopt;
mod directory;
pub mod dn;
mod ldap_part;
mod method;
mod moving;
pub mod query;
mod read;
pub mod relation;
mod relation_ldap;
mod rows;
mod seed;
mod write;

pub use directory::StoreDirectory;
pub use method::MethodCall;
pub use read::Entry;
pub(crate) use rows::set_values as replace_values;
pub use rows::{ENTRY_STORE, SQL_STORE};

use clacks_objects::definition::Catalog;
use clacks_objects::value::Value;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::Result;
use crate::ldap::LdapDirectory;
use crate::sql::{Pool, Target};

/// An object as stored, its values in the attributes' types (after the in-filters).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredObject {
    /// Its DN.
    pub dn: String,
    /// Its UUID.
    pub uuid: String,
    /// Its base type.
    pub object_type: String,
    /// Its active extensions.
    pub extensions: Vec<String>,
    /// Its attributes with values.
    pub attrs: BTreeMap<String, Vec<Value>>,
    /// Incremented by every write; `objects.update` may insist on it.
    pub revision: i64,
}

impl StoredObject {
    /// `{"dn","uuid","type","extensions","attrs","revision"}`; `only` keeps the attributes named.
    pub fn to_json(&self, only: Option<&[String]>) -> Json {
        let attrs = self.attrs.iter().map(|(name, values)| {
            (
                name,
                Json::Array(values.iter().map(Value::to_json).collect()),
            )
        });
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
}

/// The one JSON shape of an object, as `objects.get` and `objects.search` answer:
/// `{"dn","uuid","type","extensions","attrs","revision"}` with `attrs` the pairs given
/// (name, JSON array of values); `only` keeps the attributes named.
pub fn object_json<'a>(
    dn: &str,
    uuid: &str,
    object_type: &str,
    extensions: &[String],
    attrs: impl Iterator<Item = (&'a String, Json)>,
    revision: i64,
    only: Option<&[String]>,
) -> Json {
    let attrs: serde_json::Map<String, Json> = attrs
        .filter(|(name, _)| only.is_none_or(|o| o.iter().any(|n| n == *name)))
        .map(|(name, values)| (name.clone(), values))
        .collect();
    json!({
        "dn": dn,
        "uuid": uuid,
        "type": object_type,
        "extensions": extensions,
        "attrs": attrs,
        "revision": revision,
    })
}

/// Search scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The base object only.
    Base,
    /// Objects directly below the base.
    One,
    /// The base and everything below.
    Sub,
}

impl Scope {
    /// `base`, `one` or `sub`.
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "base" => Some(Scope::Base),
            "one" => Some(Scope::One),
            "sub" => Some(Scope::Sub),
            _ => None,
        }
    }
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// The objects, by DN.
    pub objects: Vec<StoredObject>,
    /// Give it back as `cursor` for the next page; `None` on the last.
    pub cursor: Option<String>,
}

/// The object model on one SQL store.
#[derive(Clone)]
pub struct ObjectStore {
    pool: Pool,
    catalog: Arc<Catalog>,
    base: String,
    ldap: Option<LdapDirectory>,
}

impl ObjectStore {
    /// The store at `target` for the objects of `catalog` under `base`, not connected yet.
    pub fn new(target: Target, catalog: Arc<Catalog>, base: &str) -> ObjectStore {
        ObjectStore {
            pool: Pool::new(target),
            catalog,
            base: base.to_owned(),
            ldap: None,
        }
    }

    /// The same store with the LDAP-backed parts of objects on the directory server
    /// `ldap` instead of the embedded entry store.
    pub fn with_ldap(mut self, ldap: LdapDirectory) -> ObjectStore {
        self.ldap = Some(ldap);
        self
    }

    /// The directory server, when one is configured.
    pub fn ldap(&self) -> Option<&LdapDirectory> {
        self.ldap.as_ref()
    }

    /// The store at `target`, migrated (not seeded).
    pub fn open(target: Target, catalog: Arc<Catalog>, base: &str) -> Result<ObjectStore> {
        let store = ObjectStore::new(target, catalog, base);
        store.pool.migrate()?;
        Ok(store)
    }

    /// The definitions.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// The base DN every object lies under.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The pool.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The lookups filters and conditions make, on this store.
    pub fn directory(&self) -> StoreDirectory {
        let directory = StoreDirectory::new(self.pool.clone(), self.catalog.clone());
        match &self.ldap {
            Some(ldap) => directory.with_ldap(ldap.clone(), &self.base),
            None => directory,
        }
    }
}
