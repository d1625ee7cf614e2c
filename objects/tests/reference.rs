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
