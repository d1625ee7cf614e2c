//! Compatibility with the original project's event schemas and examples, read from
//! `../shared/reference/clacks/events` beside the repository (never copied into it).

use clacks_xml::{Document, ErrorKind, SchemaSet};
use std::path::PathBuf;

fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/clacks/events")
}

fn reference_set() -> SchemaSet {
    SchemaSet::from_dir(&reference_dir()).expect("every reference XSD loads")
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_reference_xsd_loads_into_one_set() {
    let set = reference_set();
    let xsd_count = std::fs::read_dir(reference_dir())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "xsd")
        })
        .count();
    assert_eq!(set.files().len(), xsd_count);
    for name in [
        "Inventory",
        "NodeStatus",
        "NodeCapabilities",
        "ClientAnnounce",
        "ClientPoll",
    ] {
        assert!(
            set.has_event(name),
            "{name} missing from {:?}",
            set.event_names()
        );
    }
}

#[test]
fn every_reference_xsd_loads_on_its_own() {
    for entry in std::fs::read_dir(reference_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "xsd") {
            let mut set = SchemaSet::new();
            set.add_file(&path).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// Each `checked/*-valid.xml` validates and each `*-invalid.xml` fails, as xmllint judged.
fn judge_checked_examples(set: &SchemaSet, label: &str) {
    let dir = reference_dir().join("checked");
    let mut judged = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".xml") {
            continue;
        }
        let doc = Document::parse(&read(&path)).unwrap();
        let result = set.validate_event(&doc);
        if name.ends_with("-invalid.xml") {
            let err = result.expect_err(&format!("{label}: {name} must be rejected"));
            assert_eq!(err.kind(), ErrorKind::Invalid, "{label}: {name}: {err}");
            assert!(
                err.line() > 0 && err.element().is_some(),
                "{label}: {name}: {err}"
            );
        } else {
            assert!(
                result.is_ok(),
                "{label}: {name} must validate: {}",
                result.unwrap_err()
            );
        }
        judged += 1;
    }
    assert!(judged >= 8, "{label}: only {judged} examples found");
}

#[test]
fn checked_examples_are_judged_as_named_by_the_reference_schemas() {
    judge_checked_examples(&reference_set(), "reference schemas");
}

#[test]
fn checked_examples_are_judged_as_named_by_our_schemas() {
    judge_checked_examples(&SchemaSet::builtin().unwrap(), "built-in schemas");
}

fn assert_original_example_rejected(set: &SchemaSet, file: &str) {
    let doc = Document::parse(&read(&reference_dir().join(file))).unwrap();
    let err = set.validate_event(&doc).expect_err(file);
    assert_eq!(err.kind(), ErrorKind::Invalid, "{file}: {err}");
    // The first child of <event:Inventory> (line 7) is in the wrong namespace where the
    // schema expects <Checksum>.
    assert_eq!(err.line(), 7, "{file}: {err}");
    assert!(
        err.element().is_some_and(|e| e.ends_with("DeviceID")),
        "{file}: {err}"
    );
    assert!(err.message().contains("<Checksum>"), "{file}: {err}");
    assert!(
        err.message()
            .contains("http://www.gonicus.de/Events/Inventory"),
        "{file}: {err}"
    );
}

#[test]
fn original_example_valid_is_rejected_naming_element_and_line() {
    assert_original_example_rejected(&reference_set(), "example-valid.xml");
    assert_original_example_rejected(&SchemaSet::builtin().unwrap(), "example-valid.xml");
}

#[test]
fn original_example_invalid_is_rejected_naming_element_and_line() {
    assert_original_example_rejected(&reference_set(), "example-invalid.xml");
    assert_original_example_rejected(&SchemaSet::builtin().unwrap(), "example-invalid.xml");
}

#[test]
fn builtin_plus_reference_folder_judges_the_checked_examples_as_builtin_alone() {
    let mut set = SchemaSet::builtin().unwrap();
    set.load_dir(&reference_dir())
        .unwrap_or_else(|e| panic!("the reference folder loads beside the builtins: {e}"));
    judge_checked_examples(&set, "built-in plus reference folder");
    // Where the reference copy differs from ours, ours wins and the warning names both.
    for warning in set.warnings() {
        assert!(warning.contains("builtin:"), "{warning}");
    }
}
