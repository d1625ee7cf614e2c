//! Relations, renames and the index on both stores (this binary's private slapd and the
//! embedded entry store): a user's `groupMembership` (ObjectHandler) adds and removes its
//! `uid` in the groups' `memberUid`, in the directory too, and reads back from it; a change
//! of the naming attribute renames the object (the DN follows, modrdn on slapd); the index
//! changes in the write's own transaction (a write whose index update fails does not land);
//! an entry added to slapd outside Clacks and announced is registered and indexed.

mod common;

use clacks_object_store::index::change::Announced;
use clacks_object_store::index::Refreshed;
use clacks_object_store::sql::Target;
use clacks_object_store::store::query::Query;
use clacks_object_store::{ErrorKind, ObjectStore, Scope};
use clacks_test_slapd::PrivateSlapd;
use common::*;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::json;

fn embedded(db: &TempDb, base: &str) -> ObjectStore {
    ObjectStore::open(
        Target::parse(&db.url(), None).expect("target"),
        catalog(),
        base,
    )
    .expect("open")
}

fn members(view: &dyn Fn(&str) -> Option<Seen>, group: &str) -> Vec<String> {
    view(group)
        .and_then(|(_, attrs)| attrs.get("memberuid").cloned())
        .unwrap_or_default()
}

/// Group membership set on the user side, on one store.
fn membership(store: &ObjectStore, base: &str, view: &dyn Fn(&str) -> Option<Seen>) {
    store.seed().expect("seed");
    let groups = format!("ou=groups,{base}");
    let mut made = Vec::new();
    for (cn, gid) in [("staff", 5000), ("admins", 5001)] {
        let group = store
            .create(
                "PosixGroup",
                &groups,
                &attrs(json!({"cn": cn, "autoGid": false, "gidNumber": gid})),
                &[],
            )
            .expect("group");
        made.push(group.dn);
    }
    let user = store
        .create(
            "User",
            &format!("ou=people,{base}"),
            &attrs(
                json!({"uid": "mem", "givenName": "Mem", "sn": "Ber", "autoIDs": false,
                          "uidNumber": 5000, "gidNumber": 5000, "homeDirectory": "/home/mem"}),
            ),
            &["PosixUser".to_owned()],
        )
        .expect("user");
    let joined = store
        .update_json(
            &user.uuid,
            &json!({"add": {"groupMembership": ["staff", "admins"]}}),
            None,
        )
        .expect("join");
    let names: Vec<String> = joined.attrs["groupMembership"]
        .iter()
        .map(|v| v.to_text())
        .collect();
    assert_eq!(names, ["admins", "staff"]);
    for group in &made {
        assert_eq!(members(view, group), ["mem"], "{group}");
        assert_eq!(store.get(group).expect("group").revision, 2, "{group}");
    }
    // A group that does not exist: refused, and no group changed.
    let e = store
        .update_json(
            &user.uuid,
            &json!({"add": {"groupMembership": ["nosuch"]}}),
            None,
        )
        .expect_err("no such group");
    assert_eq!(e.kind, ErrorKind::Refused, "{e}");
    for group in &made {
        assert_eq!(members(view, group), ["mem"], "{group}");
    }
    store
        .update_json(
            &user.uuid,
            &json!({"remove": {"groupMembership": ["staff"]}}),
            None,
        )
        .expect("leave");
    assert!(members(view, &made[0]).is_empty());
    assert_eq!(members(view, &made[1]), ["mem"]);
    let read = store.get(&user.uuid).expect("get");
    let names: Vec<String> = read.attrs["groupMembership"]
        .iter()
        .map(|v| v.to_text())
        .collect();
    assert_eq!(names, ["admins"]);
}

#[test]
fn group_membership_from_the_user_side_on_slapd() {
    let db = TempDb::new("relations_slapd");
    let base = "dc=relations,dc=net";
    membership(&on_slapd(&db, base), base, &slapd_view);
}

#[test]
fn group_membership_from_the_user_side_on_the_embedded_store() {
    let db = TempDb::new("relations_embedded");
    let base = "dc=relations,dc=net";
    let store = embedded(&db, base);
    membership(&store, base, &|dn| embedded_view(&store, dn));
}

/// A new surname changes `cn` (the RDN): the DN follows; a clash with another DN is refused.
fn renaming(store: &ObjectStore, base: &str, view: &dyn Fn(&str) -> Option<Seen>) {
    store.seed().expect("seed");
    let people = format!("ou=people,{base}");
    let make = |uid: &str, sn: &str| {
        store
            .create(
                "User",
                &people,
                &attrs(json!({"uid": uid, "givenName": "Jo", "sn": sn})),
                &[],
            )
            .expect("user")
    };
    let user = make("jo", "Doe");
    assert_eq!(user.dn, format!("cn=Jo Doe,{people}"));
    let renamed = store
        .update_json(&user.uuid, &json!({"set": {"sn": "Smith"}}), Some(1))
        .expect("rename");
    assert_eq!(renamed.dn, format!("cn=Jo Smith,{people}"));
    assert_eq!(renamed.revision, 2);
    assert_eq!(view(&user.dn), None, "the old DN is gone");
    let (_, seen) = view(&renamed.dn).expect("the entry at its new DN");
    assert_eq!(seen["cn"], ["Jo Smith"]);
    assert_eq!(seen["sn"], ["Smith"]);
    assert_eq!(store.get(&renamed.dn).expect("by DN").uuid, user.uuid);
    let query = Query::parse(&json!({"sn": "Smith"})).expect("query");
    let page = store
        .index_search(base, Scope::Sub, &query, 10, None, |_| true)
        .expect("search");
    let dns: Vec<&str> = page.objects.iter().map(|o| o.dn.as_str()).collect();
    assert_eq!(dns, [renamed.dn.as_str()]);
    // Another Jo Doe may now take the old name; renaming onto a taken DN is refused.
    let other = make("jo2", "Doe");
    assert_eq!(other.dn, user.dn);
    let e = store
        .update_json(&other.uuid, &json!({"set": {"sn": "Smith"}}), None)
        .expect_err("taken");
    assert_eq!(e.kind, ErrorKind::Conflict, "{e}");
    assert!(view(&other.dn).is_some());
    assert_eq!(store.get(&other.uuid).expect("get").dn, other.dn);
}

#[test]
fn a_new_naming_value_renames_the_entry_on_slapd() {
    let db = TempDb::new("rename_slapd");
    let base = "dc=rename,dc=net";
    renaming(&on_slapd(&db, base), base, &slapd_view);
}

#[test]
fn a_new_naming_value_renames_the_entry_on_the_embedded_store() {
    let db = TempDb::new("rename_embedded");
    let base = "dc=rename,dc=net";
    let store = embedded(&db, base);
    renaming(&store, base, &|dn| embedded_view(&store, dn));
}

/// The index is written in the write's transaction: when its update fails the write does
/// not land (nothing in SQL, nothing in slapd), and when it lands a search sees it at once.
fn index_in_the_write(store: &ObjectStore, db: &TempDb, base: &str) {
    store.seed().expect("seed");
    let user = store
        .create(
            "User",
            &format!("ou=people,{base}"),
            &attrs(json!({"uid": "ix", "givenName": "In", "sn": "Dex"})),
            &[],
        )
        .expect("user");
    let by_title = |title: &str| {
        let query = Query::parse(&json!({"title": title})).expect("query");
        store
            .index_search(base, Scope::Sub, &query, 10, None, |_| true)
            .expect("search")
            .objects
            .len()
    };
    let mut raw = diesel::sqlite::SqliteConnection::establish(&db.0.display().to_string())
        .expect("a second connection");
    raw.batch_execute(
        "CREATE TRIGGER refuse_index BEFORE INSERT ON clacks_index_values \
         WHEN NEW.attribute = 'title' BEGIN SELECT RAISE(ABORT, 'index refuses'); END;",
    )
    .expect("trigger");
    let e = store
        .update_json(&user.uuid, &json!({"set": {"title": "Boss"}}), Some(1))
        .expect_err("the index refuses");
    assert_eq!(e.kind, ErrorKind::Backend, "{e}");
    let now = store.get(&user.uuid).expect("get");
    assert_eq!(now.revision, 1);
    assert!(!now.attrs.contains_key("title"), "{now:?}");
    assert_eq!(by_title("Boss"), 0);
    raw.batch_execute("DROP TRIGGER refuse_index;")
        .expect("drop trigger");
    store
        .update_json(&user.uuid, &json!({"set": {"title": "Boss"}}), Some(1))
        .expect("update");
    assert_eq!(by_title("Boss"), 1, "seen by the next search");
}

#[test]
fn the_index_changes_in_the_writes_transaction_on_slapd() {
    let db = TempDb::new("index_tx_slapd");
    index_in_the_write(
        &on_slapd(&db, "dc=indextx,dc=net"),
        &db,
        "dc=indextx,dc=net",
    );
}

#[test]
fn the_index_changes_in_the_writes_transaction_on_the_embedded_store() {
    let db = TempDb::new("index_tx_embedded");
    let base = "dc=indextx,dc=net";
    index_in_the_write(&embedded(&db, base), &db, base);
}

#[test]
fn an_entry_added_to_slapd_outside_clacks_and_announced_is_registered_and_indexed() {
    let db = TempDb::new("announced_add");
    let base = "dc=added,dc=net";
    let store = on_slapd(&db, base);
    store.seed().expect("seed");
    let dn = format!("cn=Out Sider,ou=people,{base}");
    PrivateSlapd::shared()
        .ldapadd(&format!(
            "dn: {dn}\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\ncn: Out Sider\n\
             sn: Sider\ngivenName: Out\nuid: outs\nuidNumber: 7000\ngidNumber: 7000\n\
             homeDirectory: /home/outs\n"
        ))
        .expect("ldapadd");
    let announced = Announced {
        uuid: None,
        dn: Some(dn.clone()),
        new_dn: None,
        change: "add".to_owned(),
    };
    let done = store.index_announced(&announced).expect("announced");
    assert_eq!(done, [Refreshed::Put]);
    let object = store.get(&dn).expect("registered");
    assert_eq!(object.object_type, "User");
    assert_eq!(object.extensions, ["PosixUser"]);
    let query = Query::parse(&json!({"sn": "Sider"})).expect("query");
    let page = store
        .index_search(base, Scope::Sub, &query, 10, None, |_| true)
        .expect("search");
    assert_eq!(page.objects.len(), 1);
    assert_eq!(page.objects[0].uuid, object.uuid);
    // Announced again: already known, nothing new.
    assert_eq!(
        store.index_announced(&announced).expect("again"),
        [Refreshed::Unchanged]
    );
    // An entry outside the base is left alone.
    let outside = Announced {
        dn: Some("cn=x,dc=elsewhere,dc=net".to_owned()),
        ..announced
    };
    assert_eq!(
        store.index_announced(&outside).expect("outside"),
        [Refreshed::Unknown]
    );
}
