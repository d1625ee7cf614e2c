//! The object store on real databases: the same scenario on an SQLite file and on the
//! PostgreSQL server at 127.0.0.1:5432 (database `test`, a schema of its own per run,
//! dropped afterwards). Seeding, create/get, extend and retract, revisions, refused writes
//! leaving nothing behind, Unique, literal search with paging, remove.

use clacks_object_store::sql::Target;
use clacks_object_store::store::query::Query;
use clacks_object_store::{ErrorKind, ObjectStore, Scope};
use clacks_objects::definition::Catalog;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::{json, Value as Json};
use std::path::PathBuf;
use std::sync::Arc;

const BASE: &str = "dc=example,dc=net";
const PEOPLE: &str = "ou=people,dc=example,dc=net";

fn catalog() -> Arc<Catalog> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../definitions");
    Arc::new(Catalog::load(&[dir]).expect("the shipped definitions load"))
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{nanos}", std::process::id())
}

fn attrs(v: Json) -> serde_json::Map<String, Json> {
    v.as_object().cloned().expect("an object")
}

fn kind_of<T: std::fmt::Debug>(r: clacks_object_store::Result<T>) -> ErrorKind {
    r.expect_err("refused").kind
}

/// The whole scenario on one store.
fn scenario(store: &ObjectStore) {
    // Seeding: the base and its containers once.
    let seeded = store.seed().expect("seed");
    assert!(seeded.iter().any(|d| d == BASE), "{seeded:?}");
    assert!(seeded.iter().any(|d| d == PEOPLE), "{seeded:?}");
    assert!(store.seed().expect("seed again").is_empty());

    // Create: LDAP attributes in the entry store, guiPreferences in SQL.
    let user = store
        .create(
            "User",
            PEOPLE,
            &attrs(json!({"uid": "jdoe", "givenName": "John", "sn": "Doe",
                          "guiPreferences": {"theme": "dark"}})),
            &[],
        )
        .expect("create");
    assert_eq!(user.dn, format!("cn=John Doe,{PEOPLE}"));
    assert_eq!(user.revision, 1);
    let entry = store.entry(&user.dn).expect("read").expect("an entry");
    assert_eq!(entry.object_classes, vec!["inetOrgPerson"]);
    assert_eq!(entry.attributes["uid"], vec![json!("jdoe")]);
    assert_eq!(entry.attributes["cn"], vec![json!("John Doe")]);
    assert!(!entry.attributes.contains_key("guiPreferences"));
    let sql = store.sql_values(&user.uuid).expect("sql values");
    assert_eq!(sql["guiPreferences"], vec![json!({"theme": "dark"})]);
    assert_eq!(
        store.get(&user.uuid).expect("by uuid"),
        store.get(&user.dn).expect("by dn")
    );

    // Extend with POSIX and shadow at the current revision.
    let posix = store
        .update_json(
            &user.uuid,
            &json!({"extend": ["PosixUser", "ShadowUser"],
                    "set": {"homeDirectory": "/home/jdoe", "autoIDs": false, "uidNumber": 2000, "gidNumber": 2000,
                            "shadowMax": 90}}),
            Some(1),
        )
        .expect("extend");
    assert_eq!(posix.revision, 2);
    let entry = store.entry(&user.dn).expect("read").expect("an entry");
    assert!(
        entry.object_classes.contains(&"posixAccount".to_owned()),
        "{entry:?}"
    );
    assert!(
        entry.object_classes.contains(&"shadowAccount".to_owned()),
        "{entry:?}"
    );
    assert_eq!(entry.attributes["uidNumber"], vec![json!(2000)]);
    assert_eq!(entry.attributes["homeDirectory"], vec![json!("/home/jdoe")]);

    // A stale revision is refused and changes nothing.
    let before = store.row_counts().expect("counts");
    let stale = store.update_json(&user.uuid, &json!({"set": {"sn": "Roe"}}), Some(1));
    assert_eq!(kind_of(stale), ErrorKind::Conflict);

    // Bad input, each refused with nothing written.
    let refused = [
        store.update_json(&user.uuid, &json!({"set": {"uidNumber": "many"}}), None).map(|_| ()),
        store.update_json(&user.uuid, &json!({"set": {"colour": "blue"}}), None).map(|_| ()),
        store.update_json(&user.uuid, &json!({"set": {"cn": "X"}}), None).map(|_| ()),
        store.update_json(&user.uuid, &json!({"set": {"sn": []}}), None).map(|_| ()),
        store.update_json(&user.uuid, &json!({"extend": ["NoSuchThing"]}), None).map(|_| ()),
        store
            .create("User", PEOPLE, &attrs(json!({"uid": "x", "givenName": "X"})), &[])
            .map(|_| ()),
        store
            .create("User", "ou=people,dc=elsewhere", &attrs(json!({"uid": "y", "givenName": "Y", "sn": "Y"})), &[])
            .map(|_| ()),
        store
            .create(
                "User",
                PEOPLE,
                &attrs(json!({"uid": "twin", "givenName": "T", "sn": "Win", "autoIDs": false, "uidNumber": 2000,
                              "gidNumber": 1, "homeDirectory": "/home/twin"})),
                &["PosixUser".to_owned()],
            )
            .map(|_| ()),
    ];
    let rules: Vec<(ErrorKind, Option<String>)> = refused
        .into_iter()
        .map(|r| r.expect_err("refused"))
        .map(|e| (e.kind, e.rule))
        .collect();
    let refused = |rule: &str| (ErrorKind::Refused, Some(rule.to_owned()));
    assert_eq!(
        rules,
        vec![
            refused("wrong type"),
            refused("unknown attribute"),
            refused("read-only"),
            refused("mandatory"),
            refused("extension"),
            refused("mandatory"),
            (ErrorKind::Invalid, None),
            refused("unique"),
        ]
    );
    assert_eq!(store.row_counts().expect("counts"), before);
    assert_eq!(store.get(&user.uuid).expect("get").revision, 2);

    // Change values, then retract shadow: its class and attributes go.
    let changed = store
        .update_json(
            &user.uuid,
            &json!({"set": {"sn": "Roe"}, "retract": ["ShadowUser"]}),
            Some(2),
        )
        .expect("change");
    assert_eq!(changed.attrs["sn"][0].to_text(), "Roe");
    // The naming attribute cn followed sn, and so did the DN.
    assert_eq!(changed.dn, format!("cn=John Roe,{PEOPLE}"));
    assert!(store.entry(&user.dn).expect("read").is_none());
    let entry = store.entry(&changed.dn).expect("read").expect("an entry");
    assert!(!entry.object_classes.contains(&"shadowAccount".to_owned()));
    assert!(!entry.attributes.contains_key("shadowMax"));
    assert_eq!(entry.attributes["sn"], vec![json!("Roe")]);

    // Search: values match literally, pages follow the cursor.
    for (i, sn) in [
        "Smith (IT)*",
        "Smith (IT)x",
        "Smith",
        "Jones",
        "Smith (IT)*",
    ]
    .iter()
    .enumerate()
    {
        store
            .create(
                "User",
                PEOPLE,
                &attrs(json!({"uid": format!("u{i}"), "givenName": format!("G{i}"), "sn": sn})),
                &[],
            )
            .expect("create for search");
    }
    let literal = Query::parse(&json!({"_type": "User", "sn": "Smith (IT)*"})).expect("query");
    let page = store
        .search(BASE, Scope::Sub, &literal, 10, None)
        .expect("search");
    assert_eq!(page.objects.len(), 2);
    let all_users = Query::parse(&json!({"_type": "User"})).expect("query");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store
            .search(PEOPLE, Scope::One, &all_users, 2, cursor.as_deref())
            .expect("page");
        assert!(page.objects.len() <= 2);
        seen.extend(page.objects.iter().map(|o| o.dn.clone()));
        match page.cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 6, "{seen:?}");
    let base_only = store.search(
        BASE,
        Scope::Base,
        &Query::parse(&json!({})).expect("q"),
        10,
        None,
    );
    assert_eq!(base_only.expect("search").objects.len(), 1);

    // Move: below another container, with what lies below it; refused below itself.
    let unit = store
        .create(
            "OrganizationalUnit",
            BASE,
            &attrs(json!({"ou": "staff"})),
            &[],
        )
        .expect("a unit");
    let inner = store
        .create(
            "OrganizationalUnit",
            &unit.dn,
            &attrs(json!({"ou": "inner"})),
            &[],
        )
        .expect("a unit inside");
    let elsewhere = store
        .create(
            "OrganizationalUnit",
            BASE,
            &attrs(json!({"ou": "elsewhere"})),
            &[],
        )
        .expect("another unit");
    let moved = store.move_to(&unit.uuid, &elsewhere.dn).expect("move");
    assert_eq!(moved.dn, format!("ou=staff,{}", elsewhere.dn));
    assert_eq!(moved.revision, unit.revision + 1);
    let inner_now = store.get(&inner.uuid).expect("inner");
    assert_eq!(inner_now.dn, format!("ou=inner,{}", moved.dn));
    assert!(store.entry(&inner_now.dn).expect("read").is_some());
    assert!(store.entry(&inner.dn).expect("read").is_none());
    assert_eq!(
        kind_of(store.move_to(&moved.uuid, &inner_now.dn)),
        ErrorKind::Invalid
    );
    assert_eq!(
        kind_of(store.move_to(&user.uuid, &elsewhere.dn)),
        ErrorKind::Invalid
    );

    // Remove: refused while objects lie below; a user goes with all its rows.
    assert_eq!(kind_of(store.remove(PEOPLE)), ErrorKind::Invalid);
    let removed = store.remove(&user.uuid).expect("remove");
    assert_eq!(removed.dn, changed.dn);
    assert_eq!(kind_of(store.get(&user.uuid)), ErrorKind::NotFound);
    assert!(store.entry(&user.dn).expect("read").is_none());
}

#[test]
fn the_scenario_holds_on_an_sqlite_file() {
    let path = std::env::temp_dir().join(format!("{}.sqlite", unique("clacks_store")));
    let url = format!("sqlite://{}", path.display());
    let target = Target::parse(&url, None).expect("target");
    let store = ObjectStore::open(target, catalog(), BASE).expect("open");
    scenario(&store);
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

const POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/test";

struct DropSchema(String);

impl Drop for DropSchema {
    fn drop(&mut self) {
        if let Ok(mut conn) = diesel::pg::PgConnection::establish(POSTGRES) {
            let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{}\" CASCADE", self.0));
        }
    }
}

#[test]
fn the_scenario_holds_on_postgresql() {
    let schema = unique("clacks_test");
    let _cleanup = DropSchema(schema.clone());
    let target = Target::parse(POSTGRES, Some(&schema)).expect("target");
    let store =
        ObjectStore::open(target, catalog(), BASE).expect("open on PostgreSQL at 127.0.0.1:5432");
    scenario(&store);
}

/// Makes the database refuse new values of `attribute` in `store` (a real failure inside the
/// database, in the middle of a write plan), or lifts that again.
fn refuse(raw: &mut diesel::sqlite::SqliteConnection, store: &str, attribute: &str, on: bool) {
    let sql = if on {
        format!(
            "CREATE TRIGGER refuse BEFORE INSERT ON clacks_values \
             WHEN NEW.store = '{store}' AND NEW.attribute = '{attribute}' \
             BEGIN SELECT RAISE(ABORT, 'the backend refuses'); END;"
        )
    } else {
        "DROP TRIGGER refuse;".to_owned()
    };
    raw.batch_execute(&sql).expect("trigger");
}

#[test]
fn a_write_spanning_both_stores_lands_in_neither_when_either_fails() {
    let path = std::env::temp_dir().join(format!("{}.sqlite", unique("clacks_atomic")));
    let url = format!("sqlite://{}", path.display());
    let store = ObjectStore::open(Target::parse(&url, None).expect("target"), catalog(), BASE)
        .expect("open");
    store.seed().expect("seed");
    let user = store
        .create(
            "User",
            PEOPLE,
            &attrs(json!({"uid": "at", "givenName": "A", "sn": "Tomic",
                          "guiPreferences": {"theme": "dark"}})),
            &[],
        )
        .expect("create");
    let mut raw = diesel::sqlite::SqliteConnection::establish(&path.display().to_string())
        .expect("a second connection");
    // Whichever of the two parts the plan writes second, its failure undoes the first.
    for (failing, attribute) in [("SQL", "guiPreferences"), ("LDAP", "sn")] {
        refuse(&mut raw, failing, attribute, true);
        let before = store.row_counts().expect("counts");
        let failed = store.update_json(
            &user.uuid,
            &json!({"set": {"sn": "Changed", "guiPreferences": {"theme": "light"}}}),
            Some(1),
        );
        let e = failed.expect_err("one part fails");
        assert_eq!(e.kind, ErrorKind::Backend, "{e}");
        let entry = store.entry(&user.dn).expect("read").expect("entry");
        assert_eq!(
            entry.attributes["sn"],
            vec![json!("Tomic")],
            "{failing} failing"
        );
        let sql = store.sql_values(&user.uuid).expect("sql values");
        assert_eq!(
            sql["guiPreferences"],
            vec![json!({"theme": "dark"})],
            "{failing} failing"
        );
        assert_eq!(store.get(&user.uuid).expect("get").revision, 1);
        assert_eq!(store.row_counts().expect("counts"), before);
        refuse(&mut raw, failing, attribute, false);
    }
    let done = store
        .update_json(
            &user.uuid,
            &json!({"set": {"sn": "Changed", "guiPreferences": {"theme": "light"}}}),
            Some(1),
        )
        .expect("the same write once nothing refuses");
    assert_eq!(done.revision, 2);
    drop((store, raw));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
