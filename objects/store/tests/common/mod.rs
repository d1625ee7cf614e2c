//! What the object store's tests share: the shipped definitions, a temporary SQLite file, a
//! store on this binary's private slapd, and entries as an outside client sees them
//! (`ldapsearch` on slapd, or the embedded entry store read the same way) to compare with
//! what a step should have left.
#![allow(dead_code)] // each test binary uses its own part

use clacks_object_store::ldap::{LdapConfig, LdapDirectory, LdapPool};
use clacks_object_store::sql::Target;
use clacks_object_store::ObjectStore;
use clacks_objects::definition::Catalog;
use clacks_test_slapd::{PrivateSlapd, ADMIN_DN, ADMIN_PASSWORD};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

pub fn catalog() -> Arc<Catalog> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../definitions");
    Arc::new(Catalog::load(&[dir]).expect("the shipped definitions load"))
}

pub fn attrs(v: Json) -> serde_json::Map<String, Json> {
    v.as_object().cloned().expect("an object")
}

/// An SQLite file removed on drop.
pub struct TempDb(pub PathBuf);

impl TempDb {
    pub fn new(name: &str) -> TempDb {
        TempDb(std::env::temp_dir().join(format!("clacks_{name}_{}.sqlite", std::process::id())))
    }
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

pub fn ldap(slapd: &PrivateSlapd) -> LdapDirectory {
    let config =
        LdapConfig::new(&slapd.url(), ADMIN_DN, ADMIN_PASSWORD, "", 4, 5.0).expect("LDAP settings");
    LdapDirectory::new(LdapPool::new(config))
}

pub fn on_slapd(db: &TempDb, base: &str) -> ObjectStore {
    let target = Target::parse(&db.url(), None).expect("target");
    ObjectStore::open(target, catalog(), base)
        .expect("open")
        .with_ldap(ldap(PrivateSlapd::shared()))
}

/// An entry as an outside client sees it: object classes and attributes (names lower-case),
/// values as text, sorted.
pub type Seen = (Vec<String>, BTreeMap<String, Vec<String>>);

pub fn slapd_view(dn: &str) -> Option<Seen> {
    let entry = PrivateSlapd::shared()
        .entry(dn)
        .unwrap_or_else(|e| panic!("ldapsearch {dn}: {e}"))?;
    let mut classes = entry.values("objectClass");
    classes.sort();
    let mut out = BTreeMap::new();
    for (name, values) in entry.attrs {
        if name.eq_ignore_ascii_case("objectClass") {
            continue;
        }
        let mut values = values;
        values.sort();
        out.insert(name.to_ascii_lowercase(), values);
    }
    Some((classes, out))
}

/// An entry of the embedded entry store, shown as [`slapd_view`] shows one of slapd.
pub fn embedded_view(store: &ObjectStore, dn: &str) -> Option<Seen> {
    let entry = store.entry(dn).expect("read")?;
    let mut classes = entry.object_classes;
    classes.sort();
    let mut out = BTreeMap::new();
    for (name, values) in entry.attributes {
        let mut values: Vec<String> = values
            .iter()
            .map(|v| match v {
                Json::String(s) => s.clone(),
                Json::Bool(true) => "TRUE".to_owned(),
                Json::Bool(false) => "FALSE".to_owned(),
                other => other.to_string(),
            })
            .collect();
        values.sort();
        out.insert(name.to_ascii_lowercase(), values);
    }
    Some((classes, out))
}

pub fn expect(classes: &[&str], attrs: &[(&str, &[&str])]) -> Seen {
    let mut classes: Vec<String> = classes.iter().map(|c| (*c).to_owned()).collect();
    classes.sort();
    let attrs = attrs
        .iter()
        .map(|(n, v)| {
            let mut v: Vec<String> = v.iter().map(|x| (*x).to_owned()).collect();
            v.sort();
            (n.to_ascii_lowercase(), v)
        })
        .collect();
    (classes, attrs)
}

/// Everything below `base` as ldapsearch shows it.
pub fn snapshot(base: &str) -> Vec<clacks_test_slapd::LdifEntry> {
    PrivateSlapd::shared()
        .ldapsearch(base, "sub", "(objectClass=*)")
        .unwrap_or_else(|e| panic!("ldapsearch: {e}"))
}
