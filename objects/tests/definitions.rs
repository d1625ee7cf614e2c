//! Our own definitions (`objects/definitions/`) load, and give the types and extensions the
//! original shipped for users, groups, the directory tree, ACLs and managed machines.

use clacks_objects::definition::Catalog;
use std::path::PathBuf;

fn load() -> Catalog {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("definitions");
    match Catalog::load(&[dir]) {
        Ok(c) => c,
        Err(errors) => {
            let all: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            panic!("our definitions do not load:\n{}", all.join("\n"))
        }
    }
}

#[test]
fn our_definitions_load_without_notes() {
    let catalog = load();
    assert_eq!(catalog.notes(), [] as [String; 0]);
    let bases: Vec<&str> = catalog
        .base_types()
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(
        bases,
        [
            "AclRole",
            "Country",
            "Device",
            "DeviceContainer",
            "Domain",
            "DomainComponent",
            "GroupContainer",
            "GroupOfNames",
            "Locality",
            "Organization",
            "OrganizationalUnit",
            "PeopleContainer",
            "PosixGroup",
            "User",
        ]
    );
}

#[test]
fn extensions_extend_what_the_original_extended() {
    let catalog = load();
    let names = |base: &str| -> Vec<String> {
        catalog
            .extensions_of(base)
            .iter()
            .map(|o| o.name.clone())
            .collect()
    };
    assert_eq!(names("User"), ["Acl", "PosixUser", "ShadowUser"]);
    assert_eq!(
        names("Device"),
        ["Acl", "Ieee802Device", "RegisteredDevice"]
    );
    assert_eq!(names("PosixGroup"), ["Acl"]);
}

#[test]
fn our_definitions_are_valid_under_the_original_schema() {
    use clacks_xml::{Document, SchemaSet};
    let original = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference/clacks/objects/object.xsd");
    let mut schema = SchemaSet::new();
    if let Err(e) = schema.add_file(&original) {
        panic!("the original object.xsd does not load: {e}");
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("definitions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    assert_eq!(files.len(), 19);
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        let checked = Document::parse(&text).and_then(|doc| schema.validate(&doc));
        assert!(checked.is_ok(), "{}: {checked:?}", f.display());
    }
}
