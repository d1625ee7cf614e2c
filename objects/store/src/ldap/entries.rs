//! [`LdapDirectory`]: what the object store does on the directory server, each operation on
//! a pooled connection with the configured time limit: read one entry (its user attributes
//! and `entryUUID`), search with paging (the simple paged results control, so a directory
//! with a size limit still yields everything), find the holders of a value (the value
//! escaped), add, modify (one LDAP modify: the server applies all of it or none), move
//! (modrdn with a new superior: the entry and its subtree) and delete.

use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{LdapError, Mod, Scope, SearchEntry};
use std::collections::{BTreeMap, HashSet};

use super::pool::PooledLdap;
use super::{filter, LdapPool, LDAP};
use crate::error::{Error, ErrorKind, Result};

/// Entries per page of a paged search.
pub const PAGE_SIZE: i32 = 500;

/// One directory entry: DN, `entryUUID`, object classes and user attributes (raw values).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DirEntry {
    /// Its DN as the server spells it.
    pub dn: String,
    /// Its `entryUUID` (operational; the server gives every entry one).
    pub uuid: Option<String>,
    /// Its object classes.
    pub object_classes: Vec<String>,
    /// Its other user attributes, values as bytes.
    pub attrs: BTreeMap<String, Vec<Vec<u8>>>,
}

impl DirEntry {
    fn from_search(entry: SearchEntry) -> DirEntry {
        let mut out = DirEntry {
            dn: entry.dn,
            ..DirEntry::default()
        };
        for (name, values) in entry.attrs {
            if name.eq_ignore_ascii_case("objectClass") {
                out.object_classes = values;
            } else if name.eq_ignore_ascii_case("entryUUID") {
                out.uuid = values.into_iter().next();
            } else {
                out.attrs
                    .entry(name)
                    .or_default()
                    .extend(values.into_iter().map(String::into_bytes));
            }
        }
        for (name, values) in entry.bin_attrs {
            out.attrs.entry(name).or_default().extend(values);
        }
        out
    }

    /// The values of `attribute` (compared case-insensitively).
    pub fn values(&self, attribute: &str) -> Vec<&[u8]> {
        self.attrs
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(attribute))
            .flat_map(|(_, v)| v.iter().map(Vec::as_slice))
            .collect()
    }
}

/// Search scope on the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LdapScope {
    /// The base entry.
    Base,
    /// The entries directly below it.
    One,
    /// The base and its whole subtree.
    Sub,
}

/// One change of a modify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modification {
    /// Adds values.
    Add(String, Vec<Vec<u8>>),
    /// Removes values (none: the whole attribute).
    Delete(String, Vec<Vec<u8>>),
    /// Sets the values (none: removes the attribute).
    Replace(String, Vec<Vec<u8>>),
}

fn unique(values: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(values.len());
    for v in values {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

fn set(values: &[Vec<u8>]) -> HashSet<Vec<u8>> {
    values.iter().cloned().collect()
}

/// Our error for a failed LDAP operation: `entryAlreadyExists` is a conflict, everything
/// else (connection, time limit, a refusal by the server) a backend failure of `LDAP`.
fn failed(what: &str, dn: &str, e: LdapError) -> Error {
    if let LdapError::LdapResult { result } = &e {
        if result.rc == 68 {
            return Error::new(ErrorKind::Conflict, format!("'{dn}' exists already"));
        }
    }
    Error::backend(LDAP, format!("{what} '{dn}': {e}"))
}

/// The operations of the store on one directory server.
#[derive(Clone)]
pub struct LdapDirectory {
    pool: LdapPool,
}

impl LdapDirectory {
    /// Operations on `pool`.
    pub fn new(pool: LdapPool) -> LdapDirectory {
        LdapDirectory { pool }
    }

    /// The pool.
    pub fn pool(&self) -> &LdapPool {
        &self.pool
    }

    fn conn(&self) -> Result<PooledLdap> {
        self.pool.get()
    }

    /// The entry `dn`, if it exists.
    pub fn read(&self, dn: &str) -> Result<Option<DirEntry>> {
        let timeout = self.pool.config().timeout;
        let mut conn = self.conn()?;
        let found = conn.with_timeout(timeout).search(
            dn,
            Scope::Base,
            "(objectClass=*)",
            vec!["*", "entryUUID"],
        );
        match found.and_then(|r| r.success()) {
            Ok((entries, _)) => Ok(entries
                .into_iter()
                .next()
                .map(|e| DirEntry::from_search(SearchEntry::construct(e)))),
            Err(LdapError::LdapResult { result }) if result.rc == 32 => Ok(None),
            Err(e) => Err(failed("reading", dn, e)),
        }
    }

    /// Every entry in `scope` of `base` matching `filter` (an LDAP filter the caller built
    /// with [`filter`]), fetched page by page; `attrs` the attributes to return (`*` all
    /// user attributes, `1.1` none). A missing base yields nothing.
    pub fn search(
        &self,
        base: &str,
        scope: LdapScope,
        filter: &str,
        attrs: &[&str],
    ) -> Result<Vec<DirEntry>> {
        let scope = match scope {
            LdapScope::Base => Scope::Base,
            LdapScope::One => Scope::OneLevel,
            LdapScope::Sub => Scope::Subtree,
        };
        let timeout = self.pool.config().timeout;
        let mut conn = self.conn()?;
        let mut wanted: Vec<String> = attrs.iter().map(|a| (*a).to_owned()).collect();
        wanted.push("entryUUID".to_owned());
        let adapters: Vec<Box<dyn Adapter<'_, String, Vec<String>>>> = vec![
            Box::new(EntriesOnly::new()),
            Box::new(PagedResults::new(PAGE_SIZE)),
        ];
        let mut stream = conn
            .with_timeout(timeout)
            .streaming_search_with(adapters, base, scope, filter, wanted)
            .map_err(|e| failed("searching", base, e))?;
        let mut out = Vec::new();
        loop {
            match stream.next() {
                Ok(Some(entry)) => out.push(DirEntry::from_search(SearchEntry::construct(entry))),
                Ok(None) => break,
                Err(e) => return Err(failed("searching", base, e)),
            }
        }
        let result = stream.result();
        match result.rc {
            0 => Ok(out),
            32 => Ok(Vec::new()),
            _ => Err(failed("searching", base, LdapError::from(result))),
        }
    }

    /// The DNs below `base` whose `attribute` holds `value` (matched literally).
    pub fn holders(&self, base: &str, attribute: &str, value: &[u8]) -> Result<Vec<String>> {
        let filter = filter::equals(attribute, value)?;
        Ok(self
            .search(base, LdapScope::Sub, &filter, &["1.1"])?
            .into_iter()
            .map(|e| e.dn)
            .collect())
    }

    /// Adds entry `dn` with `classes` and `attrs` (attributes without values are left
    /// out); returns its `entryUUID`.
    pub fn add(
        &self,
        dn: &str,
        classes: &[String],
        attrs: &BTreeMap<String, Vec<Vec<u8>>>,
    ) -> Result<String> {
        let timeout = self.pool.config().timeout;
        let mut all: Vec<(Vec<u8>, HashSet<Vec<u8>>)> = vec![(
            b"objectClass".to_vec(),
            classes.iter().map(|c| c.as_bytes().to_vec()).collect(),
        )];
        for (name, values) in attrs {
            if !values.is_empty() {
                all.push((name.as_bytes().to_vec(), set(values)));
            }
        }
        let mut conn = self.conn()?;
        conn.with_timeout(timeout)
            .add(dn, all)
            .and_then(|r| r.success())
            .map_err(|e| failed("adding", dn, e))?;
        drop(conn);
        self.read(dn)?
            .and_then(|e| e.uuid)
            .ok_or_else(|| Error::backend(LDAP, format!("'{dn}' has no entryUUID after adding it")))
    }

    /// Applies `mods` to `dn` in one modify (all or nothing on the server).
    pub fn modify(&self, dn: &str, mods: &[Modification]) -> Result<()> {
        if mods.is_empty() {
            return Ok(());
        }
        let timeout = self.pool.config().timeout;
        // ldap3 takes each change's values as a set; to keep the order of the values (the
        // model reads the first one of some), a change of several values is sent as a
        // sequence of one-value changes in the same modify.
        let mut ordered: Vec<Mod<Vec<u8>>> = Vec::new();
        for m in mods {
            let (name, values) = match m {
                Modification::Delete(n, v) => {
                    ordered.push(Mod::Delete(n.as_bytes().to_vec(), set(v)));
                    continue;
                }
                Modification::Add(n, v) => (n, unique(v)),
                Modification::Replace(n, v) => {
                    let v = unique(v);
                    let first: HashSet<Vec<u8>> = v.first().cloned().into_iter().collect();
                    ordered.push(Mod::Replace(n.as_bytes().to_vec(), first));
                    (n, v.into_iter().skip(1).collect())
                }
            };
            for value in values {
                ordered.push(Mod::Add(name.as_bytes().to_vec(), HashSet::from([value])));
            }
        }
        let mods = ordered;
        let mut conn = self.conn()?;
        conn.with_timeout(timeout)
            .modify(dn, mods)
            .and_then(|r| r.success())
            .map(|_| ())
            .map_err(|e| failed("modifying", dn, e))
    }

    /// Moves `dn` (and its subtree) below `parent`, keeping its RDN `rdn`.
    pub fn move_entry(&self, dn: &str, rdn: &str, parent: &str) -> Result<()> {
        let timeout = self.pool.config().timeout;
        let mut conn = self.conn()?;
        conn.with_timeout(timeout)
            .modifydn(dn, rdn, true, Some(parent))
            .and_then(|r| r.success())
            .map(|_| ())
            .map_err(|e| failed("moving", dn, e))
    }

    /// Renames `dn` in place to the RDN `rdn` (the old naming value is dropped, the new one
    /// added).
    pub fn rename(&self, dn: &str, rdn: &str) -> Result<()> {
        let timeout = self.pool.config().timeout;
        let mut conn = self.conn()?;
        conn.with_timeout(timeout)
            .modifydn(dn, rdn, true, None)
            .and_then(|r| r.success())
            .map(|_| ())
            .map_err(|e| failed("renaming", dn, e))
    }

    /// Deletes `dn` (a leaf).
    pub fn delete(&self, dn: &str) -> Result<()> {
        let timeout = self.pool.config().timeout;
        let mut conn = self.conn()?;
        conn.with_timeout(timeout)
            .delete(dn)
            .and_then(|r| r.success())
            .map(|_| ())
            .map_err(|e| failed("deleting", dn, e))
    }
}
