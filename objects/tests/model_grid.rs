//! The change-set grid over our definitions: valid changes yield exactly the expected backend
//! writes, and every rule refuses with an error naming the attribute and the rule.

use clacks_objects::definition::{Backend, Catalog};
use clacks_objects::directory::{MemoryDirectory, MemoryEntry};
use clacks_objects::error::{ErrorKind, Rule};
use clacks_objects::model::{ChangeSet, ObjectInstance, WriteMode, WritePlan};
use clacks_objects::value::Value;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("definitions");
        match Catalog::load(&[dir]) {
            Ok(c) => c,
            Err(e) => panic!("definitions do not load: {e:?}"),
        }
    })
}

const BOSS: &str = "uid=boss,ou=people,dc=example,dc=net";

fn directory() -> MemoryDirectory {
    MemoryDirectory::new()
        .with_entry(MemoryEntry::new(BOSS, "User").with("uid", "boss"))
        .with_entry(
            MemoryEntry::new("cn=staff,ou=groups,dc=example,dc=net", "PosixGroup")
                .with("cn", "staff"),
        )
        .with_pool("uidNumber", 1000)
        .with_pool("gidNumber", 2000)
        .with_role("admins")
}

fn t(s: &str) -> Value {
    Value::text(s)
}

/// `OBJECT BACKEND MODE attr=[v, …] …` per write: the whole plan in comparable lines.
fn summary(plan: &WritePlan) -> Vec<String> {
    plan.writes
        .iter()
        .map(|w| {
            let attrs: Vec<String> = w
                .attributes
                .iter()
                .map(|(k, a)| {
                    let v: Vec<String> = a.values.iter().map(Value::to_text).collect();
                    format!("{k}=[{}]", v.join(", "))
                })
                .collect();
            format!(
                "{} {} {:?} {}",
                w.object,
                w.backend.name(),
                w.mode,
                attrs.join(" ")
            )
            .trim_end()
            .to_string()
        })
        .collect()
}

fn create(
    base: &str,
    changes: ChangeSet,
) -> Result<Vec<String>, (Option<String>, Option<Rule>, String)> {
    let dir = directory();
    let refuse = |e: clacks_objects::error::Error| {
        (e.attribute().map(String::from), e.rule(), e.to_string())
    };
    let mut obj = ObjectInstance::create(catalog(), base).map_err(refuse)?;
    obj.apply(&changes, &dir).map_err(refuse)?;
    obj.writes(&dir).map(|p| summary(&p)).map_err(refuse)
}

fn created(base: &str, changes: ChangeSet) -> Vec<String> {
    match create(base, changes) {
        Ok(s) => s,
        Err(e) => panic!("{base}: {e:?}"),
    }
}

fn john() -> ChangeSet {
    ChangeSet::new()
        .set_text("uid", "jd")
        .set_text("givenName", "John")
        .set_text("sn", "Doe")
}

// ---- valid changes, per definition ----

#[test]
fn user_create_writes_names_and_derived_cn_and_display_name() {
    assert_eq!(
        created("User", john()),
        ["User LDAP Create cn=[John Doe] displayName=[John Doe] givenName=[John] sn=[Doe] uid=[jd]"]
    );
}

#[test]
fn user_create_carries_the_ldap_parameters() {
    let dir = directory();
    let mut obj = ObjectInstance::create(catalog(), "User").map_err(|e| e.to_string());
    let plan = obj.as_mut().map_err(|e| e.clone()).and_then(|o| {
        o.apply(&john(), &dir).map_err(|e| e.to_string())?;
        o.writes(&dir).map_err(|e| e.to_string())
    });
    let plan = plan.unwrap_or_default();
    let params = plan
        .write("User", Backend::Ldap)
        .map(|w| w.params.clone())
        .unwrap_or_default();
    assert_eq!(
        params.get("objectClasses").map(String::as_str),
        Some("inetOrgPerson")
    );
    assert_eq!(params.get("RDN").map(String::as_str), Some("cn,uid"));
}

#[test]
fn user_with_posix_takes_ids_from_the_pools_and_builds_gecos() {
    let changes = john()
        .extend("PosixUser")
        .set_text("homeDirectory", "/home/jd")
        .set_text("telephoneNumber", "+49 1");
    assert_eq!(
        created("User", changes),
        [
            "User LDAP Create cn=[John Doe] displayName=[John Doe] givenName=[John] sn=[Doe] telephoneNumber=[+49 1] uid=[jd]",
            "PosixUser LDAP Extend gecos=[Doe John,,+49 1,] gidNumber=[2000] homeDirectory=[/home/jd] uidNumber=[1000]",
        ]
    );
}

#[test]
fn posix_ids_set_by_hand_when_auto_ids_is_off() {
    let changes = john()
        .extend("PosixUser")
        .set("autoIDs", vec![Value::Boolean(false)])
        .set("uidNumber", vec![Value::Integer(4711)])
        .set("gidNumber", vec![Value::Integer(100)])
        .set_text("homeDirectory", "/home/jd")
        .add("groupMembership", vec![t("staff")]);
    assert_eq!(
        created("User", changes),
        [
            "User LDAP Create cn=[John Doe] displayName=[John Doe] givenName=[John] sn=[Doe] uid=[jd]",
            "PosixUser LDAP Extend gecos=[Doe John,,,] gidNumber=[100] homeDirectory=[/home/jd] uidNumber=[4711]",
            "PosixUser ObjectHandler Extend groupMembership=[staff]",
        ]
    );
}

#[test]
fn shadow_dates_are_written_as_days() {
    let expire = chrono::NaiveDate::from_ymd_opt(2011, 1, 26).and_then(|d| d.and_hms_opt(12, 0, 0));
    let changes = john()
        .extend("PosixUser")
        .set_text("homeDirectory", "/home/jd")
        .extend("ShadowUser")
        .set(
            "shadowExpire",
            expire.map(Value::Timestamp).into_iter().collect(),
        )
        .set("shadowMax", vec![Value::Integer(90)]);
    let writes = created("User", changes);
    assert_eq!(
        writes.get(2).map(String::as_str),
        Some("ShadowUser LDAP Extend shadowExpire=[15000] shadowMax=[90]")
    );
}

#[test]
fn date_of_birth_is_written_as_text() {
    let birthday =
        chrono::NaiveDate::from_ymd_opt(1975, 4, 30).and_then(|d| d.and_hms_opt(0, 0, 0));
    let changes = john().set(
        "dateOfBirth",
        birthday.map(Value::Timestamp).into_iter().collect(),
    );
    let writes = created("User", changes);
    assert!(writes[0].contains("dateOfBirth=[1975-04-30]"), "{writes:?}");
}

#[test]
fn posix_group_gets_a_gid() {
    let changes = ChangeSet::new()
        .set_text("cn", "staff2")
        .add("memberUid", vec![]);
    assert_eq!(
        created("PosixGroup", changes),
        ["PosixGroup LDAP Create cn=[staff2] gidNumber=[2000]"]
    );
}

#[test]
fn group_of_names_needs_existing_members() {
    let changes = ChangeSet::new()
        .set("cn", vec![t("admins")])
        .set("member", vec![t(BOSS)]);
    assert_eq!(
        created("GroupOfNames", changes),
        [format!(
            "GroupOfNames LDAP Create cn=[admins] member=[{BOSS}]"
        )]
    );
}

#[test]
fn tree_objects_write_their_naming_attribute() {
    let m = format!("manager=[{BOSS}]");
    let cases = [
        (
            "OrganizationalUnit",
            "ou",
            "IT",
            false,
            format!("{m} ou=[IT]"),
        ),
        (
            "Organization",
            "o",
            "Example",
            false,
            format!("{m} o=[Example]"),
        ),
        (
            "Locality",
            "l",
            "Paderborn",
            true,
            format!("description=[d] l=[Paderborn] {m}"),
        ),
        (
            "Domain",
            "dc",
            "example",
            true,
            format!("dc=[example] description=[d] {m}"),
        ),
        (
            "DomainComponent",
            "dc",
            "net",
            false,
            format!("dc=[net] {m}"),
        ),
        (
            "Country",
            "c",
            "DE",
            true,
            format!("c=[DE] description=[d] {m}"),
        ),
    ];
    for (base, rdn, value, needs_description, attrs) in cases {
        let mut changes = ChangeSet::new()
            .set_text(rdn, value)
            .set_text("manager", BOSS);
        if needs_description {
            changes = changes.set_text("description", "d");
        }
        assert_eq!(
            created(base, changes),
            [format!("{base} LDAP Create {attrs}")],
            "{base}"
        );
    }
}

#[test]
fn mandatory_description_of_a_locality_is_enforced() {
    let (attr, rule, _) = refused("Locality", ChangeSet::new().set_text("l", "Paderborn"));
    assert_eq!(
        (attr.as_deref(), rule),
        (Some("description"), Some(Rule::Mandatory))
    );
}

#[test]
fn containers_are_created_with_their_fixed_rdn() {
    for (base, rdn) in [
        ("PeopleContainer", "ou=people"),
        ("GroupContainer", "ou=groups"),
        ("DeviceContainer", "ou=devices"),
    ] {
        let dir = directory();
        let obj = ObjectInstance::create(catalog(), base);
        let plan = obj.and_then(|o| o.writes(&dir)).unwrap_or_default();
        assert_eq!(summary(&plan), [format!("{base} LDAP Create")]);
        let params = plan
            .write(base, Backend::Ldap)
            .map(|w| w.params.clone())
            .unwrap_or_default();
        assert_eq!(params.get("FixedRDN").map(String::as_str), Some(rdn));
    }
}

#[test]
fn device_joins_with_registered_device() {
    let changes = ChangeSet::new()
        .set_text("cn", "ws-042")
        .extend("RegisteredDevice")
        .set_text("deviceUUID", "2daf7cbf-75c2-4303-a2b3-4ad3b8d2e1d5")
        .set_text("deviceType", "workstation")
        .extend("Ieee802Device")
        .set("macAddress", vec![t("00:11:22:33:44:55")]);
    assert_eq!(
        created("Device", changes),
        [
            "Device LDAP Create cn=[ws-042]",
            "Ieee802Device LDAP Extend macAddress=[00:11:22:33:44:55]",
            "RegisteredDevice LDAP Extend deviceType=[workstation] deviceUUID=[2daf7cbf-75c2-4303-a2b3-4ad3b8d2e1d5]",
        ]
    );
}

#[test]
fn acl_sets_go_to_sql_as_json_text() {
    let acl = json!([{"priority": 0, "members": ["jd"], "rolename": "admins"}]);
    let changes = john()
        .extend("Acl")
        .set("AclSets", vec![Value::Json(acl.clone())]);
    let writes = created("User", changes);
    assert_eq!(
        writes.get(1),
        Some(&format!("Acl SQL Extend AclSets=[{acl}]"))
    );
}

#[test]
fn acl_role_is_created_in_sql() {
    let role = json!([{"priority": 1, "scope": "sub", "actions": [{"topic": "net.example.objects.*", "acl": "rw"}]}]);
    let changes = ChangeSet::new()
        .set_text("name", "editors")
        .set("AclRoles", vec![Value::Json(role.clone())]);
    assert_eq!(
        created("AclRole", changes),
        [format!(
            "AclRole SQL Create AclRoles=[{role}] name=[editors]"
        )]
    );
}

// ---- updates of stored objects ----

fn stored_user() -> BTreeMap<String, Vec<Value>> {
    BTreeMap::from([
        ("uid".to_string(), vec![t("jd")]),
        ("givenName".to_string(), vec![t("John")]),
        ("sn".to_string(), vec![t("Doe")]),
        ("cn".to_string(), vec![t("John Doe")]),
        ("displayName".to_string(), vec![t("John Doe")]),
        (
            "userPassword".to_string(),
            vec![t("{CRYPT}!$1$saltsalt$qjXMvbEw8oaL.CzflDtaK/")],
        ),
        ("uidNumber".to_string(), vec![Value::Integer(1000)]),
        ("gidNumber".to_string(), vec![Value::Integer(2000)]),
        ("homeDirectory".to_string(), vec![t("/home/jd")]),
        ("gecos".to_string(), vec![t("Doe John,,,")]),
        ("shadowLastChange".to_string(), vec![Value::Integer(15000)]),
    ])
}

fn load(extensions: &[&str], stored: BTreeMap<String, Vec<Value>>) -> ObjectInstance<'static> {
    let exts: Vec<String> = extensions.iter().map(|s| s.to_string()).collect();
    match ObjectInstance::load(
        catalog(),
        "User",
        &exts,
        "uid=jd,ou=people,dc=example,dc=net",
        stored,
        &directory(),
    ) {
        Ok(o) => o,
        Err(e) => panic!("{e}"),
    }
}

fn update(obj: &mut ObjectInstance<'static>, changes: ChangeSet) -> Vec<String> {
    let dir = directory();
    match obj.apply(&changes, &dir).and_then(|()| obj.writes(&dir)) {
        Ok(plan) => summary(&plan),
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn loading_runs_the_in_filters() {
    let obj = load(&["PosixUser", "ShadowUser"], stored_user());
    assert_eq!(obj.values("passwordMethod"), [t("crypt/md5")]);
    assert_eq!(obj.values("isLocked"), [Value::Boolean(true)]);
    assert_eq!(obj.values("autoDisplayName"), [Value::Boolean(true)]);
    assert_eq!(obj.values("autoGECOS"), [Value::Boolean(true)]);
    let day = chrono::NaiveDate::from_ymd_opt(2011, 1, 26).and_then(|d| d.and_hms_opt(0, 0, 0));
    assert_eq!(
        obj.values("shadowLastChange"),
        day.map(Value::Timestamp).as_slice()
    );
}

#[test]
fn changing_the_family_name_rewrites_what_depends_on_it() {
    let mut obj = load(&["PosixUser"], stored_user());
    assert_eq!(
        update(&mut obj, ChangeSet::new().set_text("sn", "Smith")),
        [
            "User LDAP Update cn=[John Smith] displayName=[John Smith] sn=[Smith]",
            "PosixUser LDAP Update gecos=[Smith John,,,]",
        ]
    );
}

#[test]
fn a_hand_made_display_name_is_kept() {
    let mut stored = stored_user();
    stored.insert("displayName".into(), vec![t("Johnny")]);
    let mut obj = load(&[], stored);
    assert_eq!(obj.values("autoDisplayName"), [Value::Boolean(false)]);
    assert_eq!(
        update(&mut obj, ChangeSet::new().set_text("sn", "Smith")),
        ["User LDAP Update cn=[John Smith] sn=[Smith]"]
    );
}

#[test]
fn an_unchanged_update_writes_nothing() {
    let mut obj = load(&["PosixUser"], stored_user());
    assert_eq!(
        update(&mut obj, ChangeSet::new().set_text("sn", "Doe")),
        [] as [String; 0]
    );
}

#[test]
fn retracting_an_extension_removes_its_attributes() {
    let mut obj = load(&["PosixUser"], stored_user());
    assert_eq!(
        update(&mut obj, ChangeSet::new().retract("PosixUser")),
        ["PosixUser LDAP Retract gecos=[] gidNumber=[] homeDirectory=[] uidNumber=[]"]
    );
}

#[test]
fn extending_a_stored_user() {
    let mut stored = stored_user();
    for a in ["uidNumber", "gidNumber", "homeDirectory", "gecos"] {
        stored.remove(a);
    }
    let mut obj = load(&[], stored);
    assert_eq!(
        update(&mut obj, ChangeSet::new().extend("PosixUser").set_text("homeDirectory", "/home/jd")),
        ["PosixUser LDAP Extend gecos=[Doe John,,,] gidNumber=[2000] homeDirectory=[/home/jd] uidNumber=[1000]"]
    );
}

// ---- every rule refuses, naming attribute and rule ----

fn refused(base: &str, changes: ChangeSet) -> (Option<String>, Option<Rule>, String) {
    match create(base, changes) {
        Ok(w) => panic!("{base}: accepted, writes {w:?}"),
        Err(e) => e,
    }
}

#[test]
fn each_rule_refuses_naming_the_attribute_and_the_rule() {
    let cases: Vec<(&str, ChangeSet, &str, Rule)> = vec![
        (
            "User",
            john().set("homePhone", vec![Value::Integer(5)]),
            "homePhone",
            Rule::WrongType,
        ),
        (
            "User",
            ChangeSet::new()
                .set_text("uid", "jd")
                .set_text("givenName", "John"),
            "sn",
            Rule::Mandatory,
        ),
        ("User", john().set("sn", vec![]), "sn", Rule::Mandatory),
        (
            "User",
            john().set_text("cn", "Johnny"),
            "cn",
            Rule::ReadOnly,
        ),
        (
            "User",
            john().set("sn", vec![t("Doe"), t("Smith")]),
            "sn",
            Rule::MultiValue,
        ),
        (
            "User",
            john().add("homePhone", vec![t("1"), t("2")]),
            "homePhone",
            Rule::MultiValue,
        ),
        (
            "User",
            john().set_text("displayName", "JD"),
            "displayName",
            Rule::BlockedBy,
        ),
        (
            "User",
            john()
                .extend("PosixUser")
                .set("uidNumber", vec![Value::Integer(5)]),
            "uidNumber",
            Rule::BlockedBy,
        ),
        (
            "User",
            john().extend("ShadowUser"),
            "ShadowUser",
            Rule::RequiresExtension,
        ),
        (
            "User",
            john().set("telephoneNumber", vec![t("call me")]),
            "telephoneNumber",
            Rule::Validator,
        ),
        (
            "User",
            john().set_text("manager", "uid=ghost,dc=example"),
            "manager",
            Rule::Validator,
        ),
        (
            "User",
            john()
                .extend("PosixUser")
                .set("autoIDs", vec![Value::Boolean(false)])
                .set("uidNumber", vec![Value::Integer(70000)]),
            "uidNumber",
            Rule::Validator,
        ),
        (
            "User",
            john().set_text("favouriteColour", "blue"),
            "favouriteColour",
            Rule::UnknownAttribute,
        ),
        (
            "User",
            john().set_text("homeDirectory", "/home/jd"),
            "homeDirectory",
            Rule::UnknownAttribute,
        ),
        (
            "User",
            john().set_text("gender", "X"),
            "gender",
            Rule::AllowedValues,
        ),
        (
            "User",
            john().extend("RegisteredDevice"),
            "RegisteredDevice",
            Rule::Extension,
        ),
        (
            "User",
            john().extend("PosixUser").extend("PosixUser"),
            "PosixUser",
            Rule::Extension,
        ),
        (
            "User",
            john().retract("PosixUser"),
            "PosixUser",
            Rule::Extension,
        ),
        (
            "User",
            john()
                .extend("PosixUser")
                .set_text("homeDirectory", "/h")
                .extend("ShadowUser")
                .retract("PosixUser"),
            "PosixUser",
            Rule::RequiresExtension,
        ),
        (
            "User",
            john()
                .extend("PosixUser")
                .set("autoIDs", vec![Value::Boolean(false)])
                .set_text("homeDirectory", "/h"),
            "gidNumber",
            Rule::Mandatory,
        ),
        (
            "PosixGroup",
            ChangeSet::new()
                .set_text("cn", "g")
                .add("memberUid", vec![t("nobody")]),
            "memberUid",
            Rule::Validator,
        ),
        (
            "GroupOfNames",
            ChangeSet::new()
                .set("cn", vec![t("g")])
                .set("member", vec![t("cn=ghost")]),
            "member",
            Rule::Validator,
        ),
        (
            "Country",
            ChangeSet::new()
                .set_text("c", "Germany")
                .set_text("description", "d"),
            "c",
            Rule::Validator,
        ),
        (
            "Device",
            ChangeSet::new().set_text("cn", "-bad-"),
            "cn",
            Rule::Validator,
        ),
        (
            "Device",
            ChangeSet::new()
                .set_text("cn", "ws")
                .extend("RegisteredDevice")
                .set_text("deviceUUID", "not-a-uuid"),
            "deviceUUID",
            Rule::Validator,
        ),
        (
            "User",
            john()
                .extend("Acl")
                .set("AclSets", vec![Value::Json(json!([{"priority": 0}]))]),
            "AclSets",
            Rule::Validator,
        ),
    ];
    for (base, changes, attribute, rule) in cases {
        let (attr, got_rule, message) = refused(base, changes);
        assert_eq!(attr.as_deref(), Some(attribute), "{message}");
        assert_eq!(got_rule, Some(rule), "{message}");
        assert!(
            message.starts_with(&format!("'{attribute}' refused ({rule}): ")),
            "{message}"
        );
    }
}

#[test]
fn a_refused_change_set_leaves_the_object_unchanged() {
    let dir = directory();
    let mut obj = load(&[], stored_user());
    let r = obj.apply(
        &ChangeSet::new().set_text("sn", "Smith").set_text("cn", "x"),
        &dir,
    );
    assert!(r.is_err_and(|e| e.kind() == ErrorKind::Refused));
    assert_eq!(obj.values("sn"), [t("Doe")]);
    assert!(obj.writes(&dir).is_ok_and(|p| p.writes.is_empty()));
}

#[test]
fn exhausted_id_pool_refuses_with_the_filter_rule() {
    let dir = MemoryDirectory::new()
        .with_pool("uidNumber", 65501)
        .with_pool("gidNumber", 1);
    let obj = ObjectInstance::create(catalog(), "User").and_then(|mut o| {
        o.apply(
            &john().extend("PosixUser").set_text("homeDirectory", "/h"),
            &dir,
        )?;
        o.writes(&dir)
    });
    let e = obj.err();
    assert!(
        e.as_ref().is_some_and(|e| e.attribute() == Some("autoIDs")
            && e.rule() == Some(Rule::Filter)
            && e.message()
                .contains("ID pool for attribute uidNumber is empty")),
        "{e:?}"
    );
}

#[test]
fn methods_become_command_calls() {
    let obj = load(&[], stored_user());
    let params = BTreeMap::from([("notify_message".to_string(), t("hello"))]);
    let call = obj.method_call("notify", &params);
    let call = call.map(|c| {
        (
            c.command,
            c.args.iter().map(Value::to_text).collect::<Vec<_>>(),
        )
    });
    assert_eq!(
        call.ok(),
        Some((
            "notifyUser".to_string(),
            vec!["jd".to_string(), String::new(), "hello".into(), "60".into()]
        ))
    );
    let lock = obj.method_call("lock", &BTreeMap::new()).map(|c| c.args);
    assert_eq!(
        lock.ok(),
        Some(vec![t("uid=jd,ou=people,dc=example,dc=net")])
    );
    let missing = obj.method_call("changePassword", &BTreeMap::new());
    assert!(missing
        .is_err_and(|e| e.attribute() == Some("password") && e.rule() == Some(Rule::Mandatory)));
    assert!(obj.method_call("explode", &BTreeMap::new()).is_err());
}

#[test]
fn write_modes_follow_the_object_state() {
    let dir = directory();
    let obj = ObjectInstance::create(catalog(), "User").and_then(|mut o| {
        o.apply(
            &john().extend("PosixUser").set_text("homeDirectory", "/h"),
            &dir,
        )?;
        o.writes(&dir)
    });
    let modes: Vec<WriteMode> = obj
        .map(|p| p.writes.iter().map(|w| w.mode).collect())
        .unwrap_or_default();
    assert_eq!(modes, [WriteMode::Create, WriteMode::Extend]);
}
