//! Schema sets that compose: a file's stem names its event, its helper declarations stay in
//! the file, the first registration of an event wins and a later different one is a warning.

use super::*;
use crate::envelope;
use std::path::PathBuf;

fn folder(label: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clacks-sets-{label}-{}", std::process::id()));
    std::fs::remove_dir_all(&dir).ok();
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    dir
}

/// An event file declaring `event` with helper types `Kind` (an enumeration of `kinds`) and
/// `PhoneNumber`, as two of the original's plugin schemas each did.
fn phone_schema(event: &str, kinds: &[&str]) -> String {
    let values: String = kinds
        .iter()
        .map(|k| format!(r#"<xs:enumeration value="{k}"/>"#))
        .collect();
    format!(
        r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:e="http://www.gonicus.de/Events" targetNamespace="http://www.gonicus.de/Events" elementFormDefault="qualified">
  <xs:simpleType name="Kind"><xs:restriction base="xs:string">{values}</xs:restriction></xs:simpleType>
  <xs:simpleType name="PhoneNumber"><xs:restriction base="xs:string"><xs:pattern value="[0-9+]+"/></xs:restriction></xs:simpleType>
  <xs:element name="{event}"><xs:complexType><xs:sequence>
    <xs:element name="Kind" type="e:Kind"/><xs:element name="From" type="e:PhoneNumber"/>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"#
    )
}

fn event(xml: &str) -> Document {
    Document::parse(&envelope::wrap(xml)).unwrap()
}

#[test]
fn files_sharing_helper_type_names_load_and_each_uses_its_own_types() {
    let dir = folder(
        "helpers",
        &[
            ("CallStart.xsd", phone_schema("CallStart", &["in", "out"])),
            (
                "CallEnd.xsd",
                phone_schema("CallEnd", &["in", "out", "missed"]),
            ),
        ],
    );
    let set = SchemaSet::from_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(set.warnings().is_empty(), "{:?}", set.warnings());
    let missed = |name: &str| {
        event(&format!(
            "<{name}><Kind>missed</Kind><From>+49</From></{name}>"
        ))
    };
    assert!(set.validate_event(&missed("CallEnd")).is_ok());
    let err = set.validate_event(&missed("CallStart")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Invalid, "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_plugin_schema_with_a_builtin_helper_name_loads_beside_the_builtins() {
    let dir = folder(
        "builtin-helper",
        &[("Dial.xsd", phone_schema("Dial", &["in"]))],
    );
    let mut set = SchemaSet::builtin().unwrap();
    set.load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert!(set.has_event("Dial") && set.has_event("PhoneCall"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_duplicate_event_is_a_warning_naming_both_files_and_the_first_wins() {
    let dir = folder(
        "duplicate",
        &[
            ("Ring.xsd", phone_schema("Ring", &["in"])),
            ("ZRing.xsd", phone_schema("Ring", &["in", "out"])),
        ],
    );
    let set = SchemaSet::from_dir(&dir).unwrap();
    let [warning] = set.warnings() else {
        panic!("{:?}", set.warnings())
    };
    assert!(
        warning.contains("Ring.xsd") && warning.contains("ZRing.xsd"),
        "{warning}"
    );
    assert!(warning.contains("'Ring'"), "{warning}");
    assert!(set.event_sources()["Ring"].ends_with("/Ring.xsd"));
    let out = event("<Ring><Kind>out</Kind><From>1</From></Ring>");
    assert!(
        set.validate_event(&out).is_err(),
        "the first file's types apply"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_identical_copy_of_an_event_file_is_silent() {
    let text = phone_schema("Ring", &["in"]);
    let dir = folder("identical", &[("Ring.xsd", text.clone())]);
    let other = folder("identical-2", &[("Ring.xsd", text)]);
    let mut set = SchemaSet::from_dir(&dir).unwrap();
    set.load_dir(&other).unwrap();
    assert!(set.warnings().is_empty(), "{:?}", set.warnings());
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&other).ok();
}

#[test]
fn only_a_listed_stem_replaces_a_builtin_event() {
    let leave = r#"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.gonicus.de/Events" elementFormDefault="qualified">
  <xs:element name="NodeLeave"><xs:complexType><xs:sequence><xs:element name="Why" type="xs:string"/></xs:sequence></xs:complexType></xs:element>
</xs:schema>"#;
    let dir = folder("override", &[("NodeLeave.xsd", leave.to_owned())]);
    let why = event("<NodeLeave><Why>bye</Why></NodeLeave>");
    let mut kept = SchemaSet::builtin().unwrap();
    kept.load_dir(&dir).unwrap();
    assert!(kept.validate_event(&why).is_err());
    assert_eq!(kept.warnings().len(), 1, "{:?}", kept.warnings());
    let mut replaced = SchemaSet::builtin().unwrap();
    replaced
        .load_dir_overriding(&dir, &["NodeLeave".to_owned()])
        .unwrap();
    assert!(replaced.validate_event(&why).is_ok());
    assert!(replaced.warnings().is_empty(), "{:?}", replaced.warnings());
    std::fs::remove_dir_all(&dir).ok();
}
