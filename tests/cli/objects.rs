//! `clacks objects check` as an administrator runs it: our definitions and the original's
//! load, a faulty file is reported as FILE:LINE: message with exit 1, an unreadable path
//! exits 2, and `--json` prints the resolved model.

use super::{clacks, stderr, stdout};

const OURS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/objects/definitions");
const REFERENCE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/reference/clacks/objects"
);

fn scratch(test: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("clacks-cli-objects-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

#[test]
fn our_definitions_load_and_are_listed() {
    let out = clacks(&["objects", "check", OURS]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("User: object type (LDAP, "), "{text}");
    assert!(
        text.contains("extensions Acl, PosixUser, ShadowUser"),
        "{text}"
    );
    assert!(
        text.contains("ShadowUser: extension (LDAP, 7 attributes, 0 foreign) of User"),
        "{text}"
    );
    assert_eq!(
        text.lines().last(),
        Some("19 files: 14 object types, 5 extensions")
    );
}

#[test]
fn the_original_definitions_load_with_notes_on_plugin_types() {
    let out = clacks(&["objects", "check", REFERENCE]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(
        stdout(&out).lines().last(),
        Some("15 files: 12 object types, 3 extensions")
    );
    assert!(stderr(&out).contains("note: "), "{}", stderr(&out));
}

#[test]
fn an_unknown_condition_is_reported_with_file_and_line() {
    let dir = scratch("unknown");
    let file = dir.join("thing.xml");
    let xml = "<Objects xmlns=\"http://www.gonicus.de/Objects\">\n<Object>\n<Name>Thing</Name>\n<Description>d</Description>\n<Backend>LDAP</Backend>\n<Attributes>\n<Attribute>\n<Name>a</Name>\n<Type>String</Type>\n<Validators>\n<Condition><Name>IsPrime</Name></Condition>\n</Validators>\n</Attribute>\n</Attributes>\n</Object>\n</Objects>\n";
    std::fs::write(&file, xml).expect("write definition");
    let path = file.display().to_string();
    let out = clacks(&["objects", "check", &path]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out).trim(),
        format!("{path}:11: unknown condition 'IsPrime'")
    );
    let json = clacks(&["objects", "check", "--json", &path]);
    assert_eq!(json.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&json)).expect("JSON faults");
    assert_eq!(v["ok"], false);
    assert_eq!(v["faults"][0]["line"], 11);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreadable_path_exits_2() {
    let out = clacks(&["objects", "check", "/nonexistent/clacks-definitions"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot read"), "{}", stderr(&out));
}

#[test]
fn json_prints_the_resolved_model() {
    let out = clacks(&["objects", "check", "--json", OURS]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON model");
    assert_eq!(v["ok"], true);
    let objects = v["objects"].as_array().cloned().unwrap_or_default();
    let posix = objects
        .iter()
        .find(|o| o["name"] == "PosixUser")
        .cloned()
        .unwrap_or_default();
    assert_eq!(posix["base_object"], false);
    let uid = posix["attributes"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["name"] == "uid").cloned());
    assert_eq!(
        uid.map(|u| u["owner"].clone()),
        Some(serde_json::json!("User"))
    );
}

#[test]
fn without_paths_the_configured_definition_dirs_are_checked() {
    let dir = scratch("config");
    let config = dir.join("clacks.toml");
    std::fs::write(
        &config,
        format!("[objects]\ndefinition_dirs = [{OURS:?}]\n"),
    )
    .expect("config");
    let config = config.display().to_string();
    let out = clacks(&["objects", "check", "--config", &config]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).lines().last(),
        Some("19 files: 14 object types, 5 extensions")
    );
    // Nothing configured and nothing given: a usage error.
    let empty = dir.join("empty.toml");
    std::fs::write(&empty, "").expect("config");
    let out = clacks(&["objects", "check", "--config", &empty.display().to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("objects.definition_dirs"),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
