//! The object store with its LDAP-backed parts on a real slapd (a private server of this
//! test binary, `clacks-test-slapd`) and, for the same lifecycle, on the embedded entry
//! store: after each step the entry is read as an outside client sees it (`ldapsearch` on
//! slapd) and must show exactly the expected object classes and attributes. Also: a write
//! spanning SQL and the directory lands in both or in neither when either backend fails; an
//! entry changed directly in slapd is read back; refused input leaves slapd untouched.

mod common;

use clacks_object_store::sql::Target;
use clacks_object_store::{ErrorKind, ObjectStore};
use clacks_test_slapd::PrivateSlapd;
use common::*;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::json;

const USER: [(&str, &[&str]); 5] = [
    ("cn", &["John Doe"]),
    ("displayName", &["John Doe"]),
    ("givenName", &["John"]),
    ("sn", &["Doe"]),
    ("uid", &["jdoe"]),
];

fn with(
    base: &[(&'static str, &'static [&'static str])],
    more: &[(&'static str, &'static [&'static str])],
) -> Vec<(&'static str, &'static [&'static str])> {
    let mut out: Vec<(&str, &[&str])> = base
        .iter()
        .filter(|(n, _)| !more.iter().any(|(m, _)| m == n))
        .copied()
        .collect();
    out.extend_from_slice(more);
    out
}

/// The lifecycle on one store; `view` shows an entry as an outside client sees it.
fn lifecycle(store: &ObjectStore, base: &str, view: &dyn Fn(&str) -> Option<Seen>) {
    store.seed().expect("seed");
    let people = format!("ou=people,{base}");
    let groups = format!("ou=groups,{base}");

    // Create: LDAP attributes in the entry, guiPreferences in SQL only.
    let user = store
        .create(
            "User",
            &people,
            &attrs(json!({"uid": "jdoe", "givenName": "John", "sn": "Doe",
                          "guiPreferences": {"theme": "dark"}})),
            &[],
        )
        .expect("create");
    assert_eq!(user.dn, format!("cn=John Doe,{people}"));
    assert_eq!(view(&user.dn), Some(expect(&["inetOrgPerson"], &USER)));
    assert_eq!(
        store.sql_values(&user.uuid).expect("sql")["guiPreferences"],
        vec![json!({"theme": "dark"})]
    );

    // Extend with POSIX and shadow.
    store
        .update_json(
            &user.uuid,
            &json!({"extend": ["PosixUser", "ShadowUser"],
                    "set": {"homeDirectory": "/home/jdoe", "autoIDs": false, "uidNumber": 2000,
                            "gidNumber": 2000, "shadowMax": 90}}),
            Some(1),
        )
        .expect("extend");
    let posix: Vec<(&str, &[&str])> = with(
        &USER,
        &[
            ("uidNumber", &["2000"]),
            ("gidNumber", &["2000"]),
            ("homeDirectory", &["/home/jdoe"]),
            ("gecos", &["Doe John,,,"]),
            ("shadowMax", &["90"]),
        ],
    );
    let classes = ["inetOrgPerson", "posixAccount", "shadowAccount"];
    assert_eq!(view(&user.dn), Some(expect(&classes, &posix)));

    // Change attributes: set one, add values to a multi-valued one, remove one.
    store
        .update_json(
            &user.uuid,
            &json!({"set": {"loginShell": "/bin/zsh", "mail": ["jd@example.net"]},
                    "add": {"telephoneNumber": ["+49 1", "+49 2"]}}),
            Some(2),
        )
        .expect("change");
    store
        .update_json(
            &user.uuid,
            &json!({"remove": {"telephoneNumber": ["+49 1"]}}),
            Some(3),
        )
        .expect("remove a value");
    let changed = with(
        &posix,
        &[
            ("loginShell", &["/bin/zsh"]),
            ("mail", &["jd@example.net"]),
            ("telephoneNumber", &["+49 2"]),
            // GenerateGecos: "sn givenName,room,office phone,home phone".
            ("gecos", &["Doe John,,+49 2,"]),
        ],
    );
    assert_eq!(view(&user.dn), Some(expect(&classes, &changed)));

    // Add it to a POSIX group.
    let group = store
        .create(
            "PosixGroup",
            &groups,
            &attrs(json!({"cn": "staff", "autoGid": false, "gidNumber": 2000})),
            &[],
        )
        .expect("group");
    store
        .update_json(
            &group.uuid,
            &json!({"add": {"memberUid": ["jdoe"]}}),
            Some(1),
        )
        .expect("member");
    assert_eq!(
        view(&group.dn),
        Some(expect(
            &["posixGroup"],
            &[
                ("cn", &["staff"]),
                ("gidNumber", &["2000"]),
                ("memberUid", &["jdoe"])
            ]
        ))
    );
    // A member that is no POSIX user is refused by the validator, and nothing changes.
    let stranger = store.update_json(
        &group.uuid,
        &json!({"add": {"memberUid": ["nobody"]}}),
        None,
    );
    assert_eq!(stranger.expect_err("refused").kind, ErrorKind::Refused);
    assert_eq!(
        view(&group.dn).map(|(_, a)| a["memberuid"].clone()),
        Some(vec!["jdoe".to_owned()])
    );

    // Move it below another people container.
    let unit = store
        .create(
            "OrganizationalUnit",
            base,
            &attrs(json!({"ou": "staff"})),
            &[],
        )
        .expect("unit");
    let elsewhere = store
        .create("PeopleContainer", &unit.dn, &attrs(json!({})), &[])
        .expect("container");
    let moved = store.move_to(&user.uuid, &elsewhere.dn).expect("move");
    assert_eq!(moved.dn, format!("cn=John Doe,{}", elsewhere.dn));
    assert_eq!(view(&user.dn), None);
    assert_eq!(view(&moved.dn), Some(expect(&classes, &changed)));

    // Retract shadow: its class and attributes go, the rest stays.
    store
        .update_json(
            &user.uuid,
            &json!({"retract": ["ShadowUser"]}),
            Some(moved.revision),
        )
        .expect("retract");
    let retracted: Vec<(&str, &[&str])> = changed
        .iter()
        .filter(|(n, _)| *n != "shadowMax")
        .copied()
        .collect();
    assert_eq!(
        view(&moved.dn),
        Some(expect(&["inetOrgPerson", "posixAccount"], &retracted))
    );
    let object = store.get(&user.uuid).expect("get");
    assert_eq!(object.extensions, vec!["PosixUser"]);

    // Remove: the entry and the SQL values go.
    store.remove(&user.uuid).expect("remove");
    assert_eq!(view(&moved.dn), None);
    assert_eq!(
        store.get(&user.uuid).expect_err("gone").kind,
        ErrorKind::NotFound
    );
    assert!(store.sql_values(&user.uuid).is_err());
}

#[test]
fn the_lifecycle_shows_the_expected_entries_on_slapd() {
    let db = TempDb::new("lifecycle_slapd");
    let base = "dc=lifecycle,dc=net";
    let store = on_slapd(&db, base);
    lifecycle(&store, base, &slapd_view);
}

#[test]
fn the_same_lifecycle_shows_the_same_entries_on_the_embedded_store() {
    let db = TempDb::new("lifecycle_embedded");
    let base = "dc=lifecycle,dc=net";
    let store = ObjectStore::open(Target::parse(&db.url(), None).expect("t"), catalog(), base)
        .expect("open");
    let view = |dn: &str| embedded_view(&store, dn);
    lifecycle(&store, base, &view);
}

#[test]
fn a_write_spanning_sql_and_slapd_lands_in_neither_when_either_fails() {
    let db = TempDb::new("atomic_slapd");
    let base = "dc=atomic,dc=net";
    let store = on_slapd(&db, base);
    store.seed().expect("seed");
    let people = format!("ou=people,{base}");
    let user = store
        .create(
            "User",
            &people,
            &attrs(json!({"uid": "at", "givenName": "A", "sn": "Tomic",
                          "guiPreferences": {"theme": "dark"}})),
            &[],
        )
        .expect("create");
    let write = json!({"set": {"title": "Changed", "mail": ["a@example.net"],
                               "guiPreferences": {"theme": "light"}}});
    let unchanged = |what: &str, before: &[clacks_test_slapd::LdifEntry]| {
        assert_eq!(snapshot(base), before, "{what}: slapd changed");
        assert_eq!(
            store.sql_values(&user.uuid).expect("sql")["guiPreferences"],
            vec![json!({"theme": "dark"})],
            "{what}: SQL changed"
        );
        assert_eq!(store.get(&user.uuid).expect("get").revision, 1, "{what}");
    };

    // The first backend (SQL) fails: the directory is never written.
    let mut raw = diesel::sqlite::SqliteConnection::establish(&db.0.display().to_string())
        .expect("a second connection");
    raw.batch_execute(
        "CREATE TRIGGER refuse BEFORE INSERT ON clacks_values \
         WHEN NEW.attribute = 'guiPreferences' BEGIN SELECT RAISE(ABORT, 'SQL refuses'); END;",
    )
    .expect("trigger");
    let before = snapshot(base);
    let e = store
        .update_json(&user.uuid, &write, Some(1))
        .expect_err("SQL fails");
    assert_eq!(
        (e.kind, e.backend.as_deref()),
        (ErrorKind::Backend, Some("SQL")),
        "{e}"
    );
    unchanged("SQL failing", &before);
    raw.batch_execute("DROP TRIGGER refuse;")
        .expect("drop trigger");

    // The second backend (slapd) refuses the write (mail is IA5String: no 'ü'): SQL rolls back.
    let refused = json!({"set": {"title": "Changed", "mail": ["jü@example.net"],
                                 "guiPreferences": {"theme": "light"}}});
    let e = store
        .update_json(&user.uuid, &refused, Some(1))
        .expect_err("slapd refuses");
    assert_eq!(
        (e.kind, e.backend.as_deref()),
        (ErrorKind::Backend, Some("LDAP")),
        "{e}"
    );
    unchanged("slapd refusing", &before);

    // A create whose entry slapd refuses (it exists there already, made outside Clacks)
    // leaves no object in SQL.
    PrivateSlapd::shared()
        .ldapadd(&format!(
            "dn: cn=Out Side,{people}\nobjectClass: inetOrgPerson\ncn: Out Side\nsn: Side\n"
        ))
        .expect("ldapadd");
    let counts = store.row_counts().expect("counts");
    let e = store
        .create(
            "User",
            &people,
            &attrs(json!({"uid": "os", "givenName": "Out", "sn": "Side",
                 "guiPreferences": {"x": 1}})),
            &[],
        )
        .expect_err("slapd has the DN");
    assert_eq!(e.kind, ErrorKind::Conflict, "{e}");
    assert_eq!(store.row_counts().expect("counts"), counts);

    // With nothing refusing, the same write lands in both.
    let done = store
        .update_json(&user.uuid, &write, Some(1))
        .expect("write");
    assert_eq!(done.revision, 2);
    let seen = slapd_view(&user.dn).expect("entry");
    assert_eq!(seen.1["title"], vec!["Changed"]);
    assert_eq!(
        store.sql_values(&user.uuid).expect("sql")["guiPreferences"],
        vec![json!({"theme": "light"})]
    );
}

#[test]
fn an_entry_changed_directly_in_slapd_is_read_back() {
    let db = TempDb::new("outside_slapd");
    let base = "dc=outside,dc=net";
    let store = on_slapd(&db, base);
    store.seed().expect("seed");
    let user = store
        .create(
            "User",
            &format!("ou=people,{base}"),
            &attrs(json!({"uid": "ext", "givenName": "Ex", "sn": "Ternal"})),
            &[],
        )
        .expect("create");
    PrivateSlapd::shared()
        .ldapmodify(&format!(
            "dn: {}\nchangetype: modify\nreplace: sn\nsn: Changed (IT)*\n-\nadd: mail\nmail: x@example.net\n",
            user.dn
        ))
        .expect("ldapmodify");
    let object = store.get(&user.dn).expect("get");
    assert_eq!(object.attrs["sn"][0].to_text(), "Changed (IT)*");
    assert_eq!(object.attrs["mail"][0].to_text(), "x@example.net");
    assert_eq!(object.uuid, user.uuid);
    // The object's UUID is the entry's entryUUID.
    let out = std::process::Command::new("ldapsearch")
        .args([
            "-x",
            "-LLL",
            "-H",
            &PrivateSlapd::shared().url(),
            "-b",
            &user.dn,
            "-s",
            "base",
            "entryUUID",
        ])
        .output()
        .expect("ldapsearch");
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("entryUUID: {}", user.uuid)));
}

#[test]
fn refused_input_leaves_slapd_untouched_and_values_match_literally() {
    let db = TempDb::new("refused_slapd");
    let base = "dc=refused,dc=net";
    let store = on_slapd(&db, base);
    store.seed().expect("seed");
    let people = format!("ou=people,{base}");
    let user = store
        .create(
            "User",
            &people,
            &attrs(json!({"uid": "ref", "givenName": "Re", "sn": "Fused"})),
            &["PosixUser".to_owned()],
        )
        .map_err(|e| e.to_string());
    // PosixUser needs its attributes: refused too, and nothing was written.
    assert!(user.is_err(), "{user:?}");
    let user = store
        .create(
            "User",
            &people,
            &attrs(
                json!({"uid": "ref", "givenName": "Re", "sn": "Fused", "autoIDs": false,
                          "uidNumber": 3000, "gidNumber": 3000, "homeDirectory": "/home/ref"}),
            ),
            &["PosixUser".to_owned()],
        )
        .expect("create");
    let before = snapshot(base);
    let counts = store.row_counts().expect("counts");
    let refused = [
        store.update_json(&user.uuid, &json!({"set": {"uidNumber": "many"}}), None),
        store.update_json(&user.uuid, &json!({"set": {"colour": "blue"}}), None),
        store.update_json(&user.uuid, &json!({"set": {"cn": "X"}}), None),
        store.update_json(&user.uuid, &json!({"set": {"sn": []}}), None),
        store.update_json(&user.uuid, &json!({"extend": ["NoSuchThing"]}), None),
        store.update_json(&user.uuid, &json!({"set": {"homeDirectory": "relative"}}), None),
        store.update_json(&user.uuid, &json!({"set": {"sn": "Stale"}}), Some(7)),
        store.create("User", &people, &attrs(json!({"uid": "x", "givenName": "X"})), &[]),
        store.create("User", "ou=people,dc=elsewhere,dc=net",
                     &attrs(json!({"uid": "y", "givenName": "Y", "sn": "Y"})), &[]),
        store.create("User", &people,
                     &attrs(json!({"uid": "twin", "givenName": "T", "sn": "Win", "autoIDs": false,
                                   "uidNumber": 3000, "gidNumber": 1, "homeDirectory": "/home/twin"})),
                     &["PosixUser".to_owned()]),
    ];
    let rules: Vec<(ErrorKind, Option<String>)> = refused
        .into_iter()
        .map(|r| r.expect_err("refused"))
        .map(|e| (e.kind, e.rule))
        .collect();
    let rule = |r: &str| (ErrorKind::Refused, Some(r.to_owned()));
    assert_eq!(
        rules,
        vec![
            rule("wrong type"),
            rule("unknown attribute"),
            rule("read-only"),
            rule("mandatory"),
            rule("extension"),
            rule("validator"),
            (ErrorKind::Conflict, None),
            rule("mandatory"),
            (ErrorKind::Invalid, None),
            rule("unique"),
        ]
    );
    assert_eq!(snapshot(base), before, "slapd changed");
    assert_eq!(store.row_counts().expect("counts"), counts);

    // Filter metacharacters in values are literal in the directory's lookups too: a
    // validator looking for the member 'r*' finds no 'ref'.
    let group = store
        .create(
            "PosixGroup",
            &format!("ou=groups,{base}"),
            &attrs(json!({"cn": "g", "autoGid": false, "gidNumber": 3000})),
            &[],
        )
        .expect("group");
    for sneaky in ["r*", "*", "ref)(uid=*", "(uid=ref)"] {
        let e = store
            .update_json(&group.uuid, &json!({"add": {"memberUid": [sneaky]}}), None)
            .expect_err("no such member");
        assert_eq!(e.kind, ErrorKind::Refused, "{sneaky}: {e}");
    }
    store
        .update_json(&group.uuid, &json!({"add": {"memberUid": ["ref"]}}), None)
        .expect("the real member");
}

#[test]
fn seeding_registers_the_entries_a_directory_has_already() {
    let db = TempDb::new("adopt_slapd");
    let base = "dc=adopt,dc=net";
    let people = format!("ou=people,{base}");
    PrivateSlapd::shared()
        .ldapadd(&format!(
            "dn: {base}\nobjectClass: domain\ndc: adopt\n\ndn: {people}\nobjectClass: organizationalUnit\nou: people\n"
        ))
        .expect("ldapadd");
    let store = on_slapd(&db, base);
    let created = store.seed().expect("seed");
    assert!(
        !created.iter().any(|d| d == base || *d == people),
        "{created:?}"
    );
    assert!(
        created.iter().any(|d| d.starts_with("ou=groups")),
        "{created:?}"
    );
    let registered = store.get(base).expect("the base is an object");
    assert_eq!(registered.object_type, "Domain");
    let user = store
        .create(
            "User",
            &people,
            &attrs(json!({"uid": "ad", "givenName": "A", "sn": "D"})),
            &[],
        )
        .expect("a user below the adopted container");
    assert!(slapd_view(&user.dn).is_some());
    assert!(store.seed().expect("again").is_empty());
}
