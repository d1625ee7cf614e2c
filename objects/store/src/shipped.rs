//! The object definitions shipped with Clacks (`objects/definitions/`), compiled in: what a
//! node uses when `[objects] definition_dirs` names no folder.

use clacks_objects::definition::Catalog;

/// The shipped files: name and text.
pub const FILES: &[(&str, &str)] = &[
    ("acl.xml", include_str!("../../definitions/acl.xml")),
    ("aclrole.xml", include_str!("../../definitions/aclrole.xml")),
    ("country.xml", include_str!("../../definitions/country.xml")),
    (
        "dcobject.xml",
        include_str!("../../definitions/dcobject.xml"),
    ),
    (
        "device-container.xml",
        include_str!("../../definitions/device-container.xml"),
    ),
    (
        "device-ieee802.xml",
        include_str!("../../definitions/device-ieee802.xml"),
    ),
    (
        "device-registered.xml",
        include_str!("../../definitions/device-registered.xml"),
    ),
    ("device.xml", include_str!("../../definitions/device.xml")),
    ("domain.xml", include_str!("../../definitions/domain.xml")),
    (
        "group-container.xml",
        include_str!("../../definitions/group-container.xml"),
    ),
    (
        "group-of-names.xml",
        include_str!("../../definitions/group-of-names.xml"),
    ),
    (
        "group-posix.xml",
        include_str!("../../definitions/group-posix.xml"),
    ),
    (
        "locality.xml",
        include_str!("../../definitions/locality.xml"),
    ),
    (
        "organization.xml",
        include_str!("../../definitions/organization.xml"),
    ),
    ("ou.xml", include_str!("../../definitions/ou.xml")),
    (
        "people-container.xml",
        include_str!("../../definitions/people-container.xml"),
    ),
    (
        "user-posix.xml",
        include_str!("../../definitions/user-posix.xml"),
    ),
    (
        "user-shadow.xml",
        include_str!("../../definitions/user-shadow.xml"),
    ),
    ("user.xml", include_str!("../../definitions/user.xml")),
];

/// The catalog of the shipped definitions (`builtin:NAME.xml` in messages).
pub fn shipped_catalog() -> Result<Catalog, Vec<clacks_objects::Error>> {
    let sources: Vec<(String, String)> = FILES
        .iter()
        .map(|(name, text)| (format!("builtin:{name}"), (*text).to_owned()))
        .collect();
    Catalog::from_sources(&sources)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_definition_is_compiled_in_and_loads() {
        let on_disk = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../definitions"))
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .filter(|e| e.path().extension().is_some_and(|x| x == "xml"))
                    .count()
            })
            .unwrap_or(0);
        assert_eq!(FILES.len(), on_disk);
        let catalog = shipped_catalog().map_err(|e| e[0].to_string());
        assert!(catalog.is_ok_and(|c| c.object("User").is_some()));
    }
}
