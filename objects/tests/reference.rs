//! The original project's definitions (`shared/reference/clacks/objects/`, beside the
//! checkout) load: every file, with every object type and extension the original shipped.

use clacks_objects::definition::Catalog;
use std::path::PathBuf;

fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/clacks/objects")
}

fn load() -> Catalog {
    match Catalog::load(&[reference_dir()]) {
        Ok(c) => c,
        Err(errors) => {
            let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            panic!("reference definitions do not load:\n{}", all.join("\n"))
        }
    }
}

#[test]
fn every_reference_definition_loads() {
    let catalog = load();
    assert_eq!(catalog.files().len(), 15);
    let names: Vec<&str> = catalog.objects().map(|o| o.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Acl",
            "AclRole",
            "Country",
            "Domain",
            "DomainComponent",
            "GroupContainer",
            "GroupOfNames",
            "Locality",
            "Organization",
            "OrganizationalUnit",
            "PeopleContainer",
            "PosixGroup",
            "PosixUser",
            "ShadowUser",
            "User",
        ]
    );
}

#[test]
fn user_extensions_are_posix_shadow_and_acl() {
    let catalog = load();
    let ext: Vec<&str> = catalog
        .extensions_of("User")
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(ext, ["Acl", "PosixUser", "ShadowUser"]);
    let shadow = catalog.object("ShadowUser");
    assert!(shadow.is_some_and(|s| s.requires == ["PosixUser"]));
}

#[test]
fn user_attributes_keep_their_rules() {
    let catalog = load();
    let user = catalog.object("User");
    let cn = user.and_then(|u| u.attribute("cn"));
    assert!(cn.is_some_and(|cn| cn.readonly
        && cn.depends_on == ["sn", "givenName"]
        && cn.out_filter.len() == 1));
    let phone = user.and_then(|u| u.attribute("telephoneNumber"));
    assert!(phone.is_some_and(|p| p.multivalue && p.validator.is_some()));
    let methods: Vec<&str> = user
        .map(|u| u.methods.iter().map(|m| m.name.as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        methods,
        [
            "lock",
            "unlock",
            "notify",
            "changePassword",
            "changePasswordMethod"
        ]
    );
}

#[test]
fn notes_name_the_plugin_types_the_reference_does_not_ship() {
    let catalog = load();
    assert!(catalog
        .notes()
        .iter()
        .any(|n| n.contains("'Acl' extends 'SambaDomain'")));
}

#[test]
fn reference_user_with_posix_account_yields_the_original_writes() {
    use clacks_objects::definition::Backend;
    use clacks_objects::directory::MemoryDirectory;
    use clacks_objects::model::{ChangeSet, ObjectInstance};
    use clacks_objects::value::Value;

    let catalog = load();
    let dir = MemoryDirectory::new()
        .with_pool("uidNumber", 1000)
        .with_pool("gidNumber", 1000);
    let changes = ChangeSet::new()
        .set_text("uid", "jd")
        .set_text("givenName", "John")
        .set_text("sn", "Doe")
        .extend("PosixUser")
        .set_text("homeDirectory", "/home/jd");
    let plan = ObjectInstance::create(&catalog, "User").and_then(|mut user| {
        user.apply(&changes, &dir)?;
        user.writes(&dir)
    });
    let plan = match plan {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let text = |object: &str, attribute: &str| -> Option<String> {
        let w = plan.write(object, Backend::Ldap)?;
        w.attributes.get(attribute).map(|a| {
            a.values
                .iter()
                .map(Value::to_text)
                .collect::<Vec<_>>()
                .join(",")
        })
    };
    // cn: Clear + ConcatString('%(givenName)s %(sn)s', 'left'); uid: SetBackends(NULL, LDAP).
    assert_eq!(text("User", "cn").as_deref(), Some("John Doe"));
    assert_eq!(text("User", "uid").as_deref(), Some("jd"));
    assert_eq!(text("User", "displayName").as_deref(), Some("John Doe"));
    assert_eq!(text("PosixUser", "uidNumber").as_deref(), Some("1000"));
    assert_eq!(text("PosixUser", "gecos").as_deref(), Some("Doe John,,,"));
    let ldap = plan
        .write("User", Backend::Ldap)
        .map(|w| w.params.clone())
        .unwrap_or_default();
    assert_eq!(
        ldap.get("objectClasses").map(String::as_str),
        Some("inetOrgPerson")
    );
}
