//! The ACL matrix: users × topics × rights × bases over one set that has every feature
//! (wildcard members, groups, roles of roles, priorities, `reset`, `psub` against `sub`, `one`,
//! options, denials), each row naming the entry that must decide; and the original's reference
//! `agent.acl`, answering as its documentation says.

use serde_json::{json, Map, Value};

use super::file;
use super::{AclConfig, AclEngine, Groups, Rights, Verdict};

const SET: &str = r#"{
  "roles": {
    "viewer": [
      {"id": 22, "priority": 0, "scope": "psub",
       "actions": [{"topic": "^org\\.clacks\\.objects\\.[^.]+\\.attributes\\.", "acls": "r"}]}
    ],
    "manager": [
      {"id": 20, "priority": 0, "role": "viewer"},
      {"id": 21, "priority": 1, "scope": "sub",
       "actions": [{"topic": "^org\\.clacks\\.objects\\.User$", "acls": "cdm"}]}
    ]
  },
  "acl": {
    "dc=example,dc=net": [{"acls": [
      {"id": 1, "priority": 0, "scope": "psub", "members": ["^ops-[a-z]+$"],
       "actions": [{"topic": "^org\\.clacks\\.command\\.core\\.", "acls": "x"}]},
      {"id": 2, "priority": 0, "scope": "sub", "members": ["^alice$"],
       "actions": [{"topic": "^org\\.clacks\\.objects\\.User\\.attributes\\.", "acls": "rw"}]},
      {"id": 3, "priority": 0, "scope": "one", "members": ["^bob$"],
       "actions": [{"topic": "^org\\.clacks\\.command\\.core\\.ping$", "acls": "x"}]},
      {"id": 4, "priority": 0, "members": ["%leads"], "role": "manager"},
      {"id": 5, "priority": 10, "scope": "sub", "members": ["^carol$"],
       "actions": [{"topic": "^org\\.clacks\\.command\\.objects\\.update$", "acls": "x",
                    "options": {"type": "^User$", "depth": 1}}]}
    ]}],
    "ou=locked,dc=example,dc=net": [{"acls": [
      {"id": 6, "priority": 0, "scope": "reset", "members": ["^alice$", "^ops-", "%leads"],
       "actions": [{"topic": "^org\\.clacks\\.", "acls": "rwcdmsx"}]}
    ]}],
    "ou=prio,dc=example,dc=net": [{"acls": [
      {"id": 7, "priority": 5, "scope": "reset", "members": ["^dave$"],
       "actions": [{"topic": "^org\\.clacks\\.event\\.Tick$", "acls": "r"}]},
      {"id": 8, "priority": -5, "scope": "sub", "members": ["^dave$"],
       "actions": [{"topic": "^org\\.clacks\\.event\\.Tick$", "acls": "r"}]},
      {"id": 9, "priority": -5, "scope": "reset", "members": ["^erin$"],
       "actions": [{"topic": "^org\\.clacks\\.event\\.Tick$", "acls": "r"}]},
      {"id": 10, "priority": 5, "scope": "sub", "members": ["^erin$"],
       "actions": [{"topic": "^org\\.clacks\\.event\\.Tick$", "acls": "r"}]}
    ]}]
  }
}"#;

fn engine() -> AclEngine {
    let mut groups = Groups::new();
    groups.insert("leads".into(), ["gina".to_owned()].into_iter().collect());
    AclEngine::new(
        AclConfig {
            domain: "org.clacks".into(),
            root: "dc=example,dc=net".into(),
            admins: ["root".to_owned()].into_iter().collect(),
            groups,
        },
        file::parse(SET, "matrix.acl").unwrap(),
    )
}

/// What a row expects: allowed by entry N, denied by a reset N, or denied with no entry.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    By(u64),
    ResetBy(u64),
    Admin,
    Denied,
    Outside,
}

const ROOT: &str = "dc=example,dc=net";
const PEOPLE: &str = "cn=x,ou=people,dc=example,dc=net";
const LOCKED: &str = "cn=y,ou=locked,dc=example,dc=net";
const PRIO: &str = "ou=prio,dc=example,dc=net";

#[test]
fn matrix() {
    let e = engine();
    let user_attr = "org.clacks.objects.User.attributes.sn";
    let group_attr = "org.clacks.objects.Group.attributes.cn";
    let ping = "org.clacks.command.core.ping";
    let stop = "org.clacks.command.core.stop";
    let update = "org.clacks.command.objects.update";
    let none = json!({});
    let user_args = json!({"type": "User", "depth": 1});
    let group_args = json!({"type": "Group", "depth": 1});
    let shallow_args = json!({"type": "User", "depth": 2});
    #[rustfmt::skip]
    let rows: Vec<(&str, &str, &str, &str, &Value, Want)> = vec![
        // Wildcard members, psub: everywhere below the root, and a reset cannot stop it.
        ("ops-anna", ping, "x", ROOT, &none, Want::By(1)),
        ("ops-anna", stop, "x", PEOPLE, &none, Want::By(1)),
        ("ops-anna", stop, "x", LOCKED, &none, Want::By(1)),
        ("ops-anna", stop, "r", ROOT, &none, Want::Denied),
        ("ops-", ping, "x", ROOT, &none, Want::Denied),
        ("xops-anna", ping, "x", ROOT, &none, Want::Denied),
        // sub: here and below, cut off by the reset on ou=locked.
        ("alice", user_attr, "r", ROOT, &none, Want::By(2)),
        ("alice", user_attr, "rw", PEOPLE, &none, Want::By(2)),
        ("alice", user_attr, "rwc", PEOPLE, &none, Want::Denied),
        ("alice", user_attr, "r", LOCKED, &none, Want::ResetBy(6)),
        ("alice", user_attr, "r", "ou=locked,dc=example,dc=net", &none, Want::ResetBy(6)),
        ("alice", group_attr, "r", ROOT, &none, Want::Denied),
        // one: the base itself only.
        ("bob", ping, "x", ROOT, &none, Want::By(3)),
        ("bob", ping, "x", PEOPLE, &none, Want::Denied),
        ("bob", stop, "x", ROOT, &none, Want::Denied),
        // A group member through a role of roles: viewer's psub read survives the reset on
        // ou=locked, manager's own sub entry (cdm on User) does not.
        ("gina", group_attr, "r", LOCKED, &none, Want::By(4)),
        ("gina", "org.clacks.objects.User", "c", LOCKED, &none, Want::ResetBy(6)),
        ("gina", group_attr, "w", ROOT, &none, Want::Denied),
        ("gina", "org.clacks.objects.User", "c", PEOPLE, &none, Want::By(4)),
        ("gina", "org.clacks.objects.User", "cd", ROOT, &none, Want::By(4)),
        ("gina", "org.clacks.objects.Group", "c", ROOT, &none, Want::Denied),
        ("hank", group_attr, "r", ROOT, &none, Want::Denied),
        // Options: every option must match the call's arguments.
        ("carol", update, "x", ROOT, &user_args, Want::By(5)),
        ("carol", update, "x", PEOPLE, &user_args, Want::By(5)),
        ("carol", update, "x", ROOT, &group_args, Want::Denied),
        ("carol", update, "x", ROOT, &shallow_args, Want::Denied),
        ("carol", update, "x", ROOT, &none, Want::Denied),
        // Priorities on one level: the smaller priority is consulted first.
        ("dave", "org.clacks.event.Tick", "r", PRIO, &none, Want::By(8)),
        ("erin", "org.clacks.event.Tick", "r", PRIO, &none, Want::ResetBy(9)),
        ("erin", "org.clacks.event.Tick", "r", "cn=z,ou=prio,dc=example,dc=net", &none, Want::ResetBy(9)),
        // Admins, unknown users, bases outside the root.
        ("root", stop, "rwcdmsx", "dc=elsewhere", &none, Want::Admin),
        ("nobody", ping, "x", ROOT, &none, Want::Denied),
        ("ops-anna", ping, "x", "dc=elsewhere,dc=org", &none, Want::Outside),
    ];
    let mut failures = Vec::new();
    for (user, topic, rights, base, args, want) in &rows {
        let rights = Rights::parse(rights, "row").unwrap();
        let empty = Map::new();
        let args = args.as_object().unwrap_or(&empty);
        let d = e.check(user, topic, rights, Some(base), args);
        let got = match &d.verdict {
            Verdict::Admin => Want::Admin,
            Verdict::Granted(by) => Want::By(by.entry),
            Verdict::Reset(by) => Want::ResetBy(by.entry),
            Verdict::NoEntry => Want::Denied,
            Verdict::OutsideRoot(_) => Want::Outside,
        };
        // The cached answer is the uncached one.
        let fresh = e.check_uncached(user, topic, rights, Some(base), args);
        if got != *want || fresh != *d {
            failures.push(format!(
                "{user} {topic} {rights} @ {base}: want {want:?}, got {d}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "matrix rows failed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_grant_through_roles_names_the_role_entries_it_went_through() {
    let e = engine();
    let d = e.check(
        "gina",
        "org.clacks.objects.Group.attributes.cn",
        Rights::READ,
        None,
        &Map::new(),
    );
    let by = d.decider().unwrap();
    assert_eq!(
        by.via,
        vec![("manager".to_owned(), 20), ("viewer".to_owned(), 22)]
    );
    assert_eq!(
        d.to_string(),
        "allowed by entry 4 on dc=example,dc=net (psub) via role manager entry 20 via role viewer entry 22"
    );
}

#[test]
fn the_reference_agent_acl_answers_as_the_original_documents() {
    let set = file::parse(include_str!("../../../config/acl/agent.acl"), "agent.acl").unwrap();
    let e = AclEngine::new(
        AclConfig {
            domain: "net.example".into(),
            root: "dc=example,dc=net".into(),
            ..AclConfig::default()
        },
        set,
    );
    let none = Map::new();
    let client = "0f3c6a2e-8d1b-4c5e-9a7f-1b2c3d4e5f60";
    // Clients (members named by their UUID) may send their events and list methods, on the
    // base and anywhere below it (psub).
    for (topic, entry) in [
        ("net.example.event.ClientAnnounce", 0),
        ("net.example.event.Inventory", 0),
        ("net.example.command.core.getMethods", 1),
        ("net.example.command.core.sendEvent", 1),
    ] {
        for base in ["dc=example,dc=net", "cn=c1,ou=systems,dc=example,dc=net"] {
            let d = e.check(client, topic, Rights::EXECUTE, Some(base), &none);
            assert_eq!(
                d.decider().map(|b| b.entry),
                Some(entry),
                "{topic} @ {base}: {d}"
            );
            assert!(d.allowed());
        }
    }
    // Nothing else, and nobody else.
    for (user, topic, rights) in [
        (client, "net.example.command.core.stop", Rights::EXECUTE),
        (client, "net.example.event.ClientAnnounce", Rights::READ),
        (client, "net.example.event.NodeLeave", Rights::EXECUTE),
        ("alice", "net.example.event.ClientAnnounce", Rights::EXECUTE),
        (
            "0F3C6A2E-8D1B-4C5E-9A7F-1B2C3D4E5F60",
            "net.example.event.ClientAnnounce",
            Rights::EXECUTE,
        ),
    ] {
        let d = e.check(user, topic, rights, None, &none);
        assert!(!d.allowed(), "{user} {topic} {rights}: {d}");
    }
}
