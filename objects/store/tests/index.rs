//! The object index and the ObjectHandler relations on a real SQLite file: every write
//! followed by its index hook (as the `objects` plugin does) keeps `index_search` equal to a
//! scan of the store; an outside change reaches the index by `index_announced` (the
//! `BackendChange` path) and by `reindex`; group membership is kept on both sides in one
//! transaction, and a refused membership writes nothing.

use clacks_object_store::index::change::Announced;
use clacks_object_store::index::Refreshed;
use clacks_object_store::sql::Target;
use clacks_object_store::store::query::Query;
use clacks_object_store::{ErrorKind, ObjectStore, Scope, StoredObject};
use clacks_objects::definition::Catalog;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::{json, Value as Json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const BASE: &str = "dc=example,dc=net";
const PEOPLE: &str = "ou=people,dc=example,dc=net";
const GROUPS: &str = "ou=groups,dc=example,dc=net";

fn catalog() -> Arc<Catalog> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../definitions");
    Arc::new(Catalog::load(&[dir]).expect("the shipped definitions load"))
}

/// A fresh SQLite file store, seeded and indexed, and its path.
fn fresh(test: &str) -> (ObjectStore, PathBuf) {
    let path =
        std::env::temp_dir().join(format!("clacks_index_{test}_{}.sqlite", std::process::id()));
    remove(&path);
    let url = format!("sqlite://{}", path.display());
    let store = ObjectStore::open(Target::parse(&url, None).expect("target"), catalog(), BASE)
        .expect("open");
    store.seed().expect("seed");
    store.reindex().expect("reindex");
    (store, path)
}

fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

fn attrs(v: Json) -> serde_json::Map<String, Json> {
    v.as_object().cloned().expect("an object")
}

fn user(store: &ObjectStore, uid: &str, sn: &str) -> StoredObject {
    let object = store
        .create(
            "User",
            PEOPLE,
            &attrs(json!({"uid": uid, "givenName": uid, "sn": sn})),
            &[],
        )
        .expect("create a user");
    store.index_written(&object, None).expect("index");
    object
}

/// DNs `index_search` finds, all pages of `page` each.
fn found(store: &ObjectStore, base: &str, scope: Scope, query: Json, page: usize) -> Vec<String> {
    let query = Query::parse(&query).expect("query");
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let p = store
            .index_search(base, scope, &query, page, cursor.as_deref(), |_| true)
            .expect("index search");
        out.extend(p.objects.into_iter().map(|o| o.dn));
        match p.cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// DNs the store's scan finds.
fn scanned(store: &ObjectStore, base: &str, scope: Scope, query: Json) -> Vec<String> {
    let query = Query::parse(&query).expect("query");
    let page = store
        .search(base, scope, &query, usize::MAX, None)
        .expect("scan");
    page.objects.into_iter().map(|o| o.dn).collect()
}

#[test]
fn the_index_answers_as_a_scan_of_the_store_does() {
    let (store, path) = fresh("scan");
    for i in 0..12 {
        user(
            &store,
            &format!("u{i:02}"),
            if i % 3 == 0 { "Smith (IT)*" } else { "Doe" },
        );
    }
    let queries = [
        json!({}),
        json!({"_type": "User"}),
        json!({"sn": "Smith (IT)*"}),
        json!({"sn": "*"}),
        json!({"sn": "Doe", "uid": {"$in": ["u01", "u02", "u03", "nobody"]}}),
        json!({"uid": {"$regex": "^u0[1-4]$"}}),
        json!({"$or": [{"uid": "u05"}, {"uid": {"$gt": "u10"}}]}),
        json!({"_type": "User", "$not": {"sn": "Doe"}}),
        json!({"$and": [{"_type": "OrganizationalUnit"}, {"ou": {"$lt": "p"}}]}),
    ];
    for q in queries {
        for (base, scope) in [
            (BASE, Scope::Sub),
            (PEOPLE, Scope::One),
            (BASE, Scope::One),
            (PEOPLE, Scope::Base),
        ] {
            let want = scanned(&store, base, scope, q.clone());
            assert_eq!(
                found(&store, base, scope, q.clone(), 5),
                want,
                "{q} {base} {scope:?}"
            );
        }
    }
    assert_eq!(
        found(&store, BASE, Scope::Sub, json!({"sn": "Smith (IT)*"}), 1).len(),
        4
    );
    remove(&path);
}

#[test]
fn writes_moves_and_removals_reach_the_index() {
    let (store, path) = fresh("writes");
    let jd = user(&store, "jd", "Doe");
    let updated = store
        .update_json(&jd.uuid, &json!({"set": {"sn": "Roe"}}), None)
        .expect("update");
    // Indexed by the write itself, in its transaction; indexing again changes nothing.
    assert_eq!(
        found(&store, BASE, Scope::Sub, json!({"sn": "Roe"}), 10),
        vec![updated.dn.clone()]
    );
    store.index_written(&updated, None).expect("index");
    assert_eq!(
        found(&store, BASE, Scope::Sub, json!({"sn": "Roe"}), 10),
        vec![updated.dn.clone()]
    );
    let indexed = store.indexed(&jd.uuid).expect("read").expect("indexed");
    assert_eq!(indexed.revision, updated.revision);

    let unit = store
        .create(
            "OrganizationalUnit",
            BASE,
            &attrs(json!({"ou": "staff"})),
            &[],
        )
        .expect("ou");
    store.index_written(&unit, None).expect("index");
    let other = store
        .create(
            "OrganizationalUnit",
            BASE,
            &attrs(json!({"ou": "other"})),
            &[],
        )
        .expect("ou");
    store.index_written(&other, None).expect("index");
    let people = store
        .create("PeopleContainer", &unit.dn, &attrs(json!({})), &[])
        .expect("the unit's people");
    store.index_written(&people, None).expect("index");
    let inside = store
        .create(
            "User",
            &people.dn,
            &attrs(json!({"uid": "in", "givenName": "In", "sn": "Side"})),
            &[],
        )
        .expect("a user in the unit");
    store.index_written(&inside, None).expect("index");
    let moved = store.move_to(&unit.dn, &other.dn).expect("move");
    store.index_written(&moved, Some(&unit.dn)).expect("index");
    assert_eq!(
        found(&store, &other.dn, Scope::One, json!({"ou": "staff"}), 10),
        vec![moved.dn.clone()]
    );
    assert!(found(&store, BASE, Scope::One, json!({"ou": "staff"}), 10).is_empty());
    // What lies below moved along in the index too.
    assert_eq!(
        found(&store, BASE, Scope::Sub, json!({"uid": "in"}), 10),
        vec![format!("cn=In Side,ou=people,{}", moved.dn)]
    );

    let gone = store.remove(&updated.uuid).expect("remove");
    store.index_removed(&gone).expect("index");
    assert!(store.indexed(&gone.uuid).expect("read").is_none());
    assert!(found(&store, BASE, Scope::Sub, json!({"uid": "jd"}), 10).is_empty());
    remove(&path);
}

/// Changes `sn` of `uuid` behind the store's back, as a directory admin would.
fn outside_write(path: &Path, uuid: &str, sn: &str) {
    let mut raw = diesel::sqlite::SqliteConnection::establish(&path.display().to_string())
        .expect("a second connection");
    raw.batch_execute(&format!(
        "UPDATE clacks_values SET value = '\"{sn}\"' WHERE uuid = '{uuid}' AND attribute = 'sn'"
    ))
    .expect("outside write");
}

#[test]
fn an_announced_outside_change_is_found_with_its_new_value() {
    let (store, path) = fresh("announced");
    let jd = user(&store, "jd", "Doe");
    outside_write(&path, &jd.uuid, "Outside");
    assert!(found(&store, BASE, Scope::Sub, json!({"sn": "Outside"}), 10).is_empty());
    let by_dn = Announced {
        uuid: None,
        dn: Some(jd.dn.clone()),
        new_dn: None,
        change: "modify".into(),
    };
    assert_eq!(
        store.index_announced(&by_dn).expect("announced"),
        vec![Refreshed::Put]
    );
    assert_eq!(
        found(&store, BASE, Scope::Sub, json!({"sn": "Outside"}), 10),
        vec![jd.dn.clone()]
    );
    assert_eq!(
        store.index_announced(&by_dn).expect("again"),
        vec![Refreshed::Unchanged]
    );

    // Removed outside: the announcement drops it; an unknown object changes nothing.
    let mut raw = diesel::sqlite::SqliteConnection::establish(&path.display().to_string())
        .expect("a second connection");
    raw.batch_execute(&format!(
        "DELETE FROM clacks_values WHERE uuid = '{0}'; DELETE FROM clacks_entries WHERE uuid = '{0}'; \
         DELETE FROM clacks_objects WHERE uuid = '{0}';",
        jd.uuid
    ))
    .expect("outside removal");
    let by_uuid = Announced {
        uuid: Some(jd.uuid.clone()),
        dn: None,
        new_dn: None,
        change: "delete".into(),
    };
    assert_eq!(
        store.index_announced(&by_uuid).expect("announced"),
        vec![Refreshed::Dropped]
    );
    assert_eq!(
        store.index_announced(&by_uuid).expect("again"),
        vec![Refreshed::Unknown]
    );
    remove(&path);
}

#[test]
fn reindex_catches_up_on_missed_changes_and_counts_them() {
    let (store, path) = fresh("reindex");
    let a = user(&store, "a", "Doe");
    let b = user(&store, "b", "Doe");
    let objects = store.row_counts().expect("counts")[0] as usize;
    let quiet = store.reindex().expect("reindex");
    assert_eq!(
        (quiet.objects, quiet.updated, quiet.unchanged, quiet.dropped),
        (objects, 0, objects, 0)
    );

    // Missed: an outside write (no revision change), an outside write that bumped the
    // revision (another node's write whose index update this store never saw), and an
    // index row of an object that is gone.
    outside_write(&path, &a.uuid, "Missed");
    let ghost = user(&store, "ghost", "Doe");
    let mut raw = diesel::sqlite::SqliteConnection::establish(&path.display().to_string())
        .expect("a second connection");
    raw.batch_execute(&format!(
        "UPDATE clacks_values SET value = '\"Unindexed\"' WHERE uuid = '{0}' AND attribute = 'sn'; \
         UPDATE clacks_objects SET revision = revision + 1 WHERE uuid = '{0}'; \
         DELETE FROM clacks_objects WHERE uuid = '{1}'",
        b.uuid, ghost.uuid
    ))
    .expect("outside writes");
    let c = store.get(&b.uuid).expect("get");
    let report = store.reindex().expect("reindex");
    assert_eq!(report.updated, 2, "{report:?}");
    assert_eq!(report.dropped, 1, "{report:?}");
    assert_eq!(report.failed, 0, "{report:?}");
    assert_eq!(report.to_json()["objects"], json!(objects));
    assert_eq!(
        found(
            &store,
            BASE,
            Scope::Sub,
            json!({"sn": {"$in": ["Missed", "Unindexed"]}}),
            10
        )
        .len(),
        2
    );
    assert_eq!(
        store.indexed(&c.uuid).expect("read").expect("row").revision,
        c.revision
    );
    remove(&path);
}

fn posix_user(store: &ObjectStore, uid: &str, id: i64, groups: &[&str]) -> StoredObject {
    let object = store
        .create(
            "User",
            PEOPLE,
            &attrs(
                json!({"uid": uid, "givenName": uid, "sn": "Posix", "autoIDs": false,
                          "uidNumber": id, "gidNumber": id, "homeDirectory": format!("/home/{uid}"),
                          "groupMembership": groups}),
            ),
            &["PosixUser".to_owned()],
        )
        .expect("create a POSIX user");
    store.index_written(&object, None).expect("index");
    object
}

fn group(store: &ObjectStore, cn: &str, gid: i64) -> StoredObject {
    let object = store
        .create(
            "PosixGroup",
            GROUPS,
            &attrs(json!({"cn": cn, "autoGid": false, "gidNumber": gid})),
            &[],
        )
        .expect("create a group");
    store.index_written(&object, None).expect("index");
    object
}

fn member_uids(store: &ObjectStore, group: &StoredObject) -> Vec<Json> {
    store
        .entry(&group.dn)
        .expect("read")
        .expect("entry")
        .attributes
        .get("memberUid")
        .cloned()
        .unwrap_or_default()
}

#[test]
fn group_membership_is_kept_on_both_sides_in_one_write() {
    let (store, path) = fresh("relations");
    let staff = group(&store, "staff", 3000);
    let admins = group(&store, "admins", 3001);
    let jd = posix_user(&store, "jd", 2000, &["staff"]);
    assert_eq!(member_uids(&store, &staff), vec![json!("jd")]);
    assert_eq!(jd.attrs["groupMembership"].len(), 1);
    let staff_now = store.get(&staff.uuid).expect("group");
    assert_eq!(
        staff_now.revision,
        staff.revision + 1,
        "the group's revision moves"
    );
    // The index followed the other side too.
    assert_eq!(
        found(
            &store,
            BASE,
            Scope::Sub,
            json!({"_type": "PosixGroup", "memberUid": "jd"}),
            10
        ),
        vec![staff.dn.clone()]
    );

    // Move from staff to admins in one change set.
    let moved = store
        .update_json(
            &jd.uuid,
            &json!({"set": {"groupMembership": ["admins"]}}),
            None,
        )
        .expect("update membership");
    store.index_written(&moved, None).expect("index");
    assert!(member_uids(&store, &staff).is_empty());
    assert_eq!(member_uids(&store, &admins), vec![json!("jd")]);
    assert_eq!(
        store.get(&jd.uuid).expect("user").attrs["groupMembership"]
            .iter()
            .map(|v| v.to_text())
            .collect::<Vec<_>>(),
        vec!["admins"]
    );
    assert_eq!(
        found(&store, BASE, Scope::Sub, json!({"memberUid": "jd"}), 10),
        vec![admins.dn.clone()]
    );
    assert_eq!(
        found(
            &store,
            BASE,
            Scope::Sub,
            json!({"groupMembership": "admins"}),
            10
        ),
        vec![moved.dn.clone()]
    );

    // The group's side written directly: the user's view (and index row) follows.
    let group_write = store
        .update_json(&staff.uuid, &json!({"add": {"memberUid": ["jd"]}}), None)
        .expect("group update");
    store.index_written(&group_write, None).expect("index");
    let mut both: Vec<String> = store.get(&jd.uuid).expect("user").attrs["groupMembership"]
        .iter()
        .map(|v| v.to_text())
        .collect();
    both.sort();
    assert_eq!(both, vec!["admins", "staff"]);
    assert_eq!(
        found(
            &store,
            BASE,
            Scope::Sub,
            json!({"groupMembership": "staff"}),
            10
        ),
        vec![moved.dn.clone()]
    );

    // A membership in a group that does not exist is refused and writes nothing anywhere.
    let before = store.row_counts().expect("counts");
    let revision = store.get(&jd.uuid).expect("user").revision;
    let refused = store
        .update_json(
            &jd.uuid,
            &json!({"add": {"groupMembership": ["nosuch"]}}),
            None,
        )
        .expect_err("refused");
    assert_eq!(refused.kind, ErrorKind::Refused, "{refused}");
    assert_eq!(store.row_counts().expect("counts"), before);
    assert_eq!(store.get(&jd.uuid).expect("user").revision, revision);
    assert_eq!(member_uids(&store, &admins), vec![json!("jd")]);
    remove(&path);
}
