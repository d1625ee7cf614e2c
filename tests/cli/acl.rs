//! `clacks acl check` offline, on the original's reference file (`config/acl/agent.acl`) and
//! on broken files: the decision with its deciding entry, and the exit codes 0, 1, 2.

use super::{clacks, stderr, stdout};

const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config/acl/agent.acl");
const CLIENT: &str = "0f3c6a2e-8d1b-4c5e-9a7f-1b2c3d4e5f60";

fn scratch(test: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("clacks-acl-cli-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn an_allowed_check_prints_the_deciding_entry_and_exits_0() {
    let out = clacks(&[
        "acl",
        "check",
        "--acl-file",
        REFERENCE,
        CLIENT,
        "net.example.event.ClientAnnounce",
        "x",
        "--base",
        "cn=c1,ou=systems,dc=example,dc=net",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        "allowed by entry 0 on dc=example,dc=net (psub)"
    );
}

#[test]
fn a_denied_check_exits_1_and_json_names_the_verdict() {
    let out = clacks(&[
        "acl",
        "check",
        "--acl-file",
        REFERENCE,
        "--json",
        CLIENT,
        "net.example.command.core.stop",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["allowed"], false);
    assert_eq!(v["verdict"], "no_entry");
    let granted = clacks(&[
        "acl",
        "check",
        "--acl-file",
        REFERENCE,
        "--json",
        CLIENT,
        "net.example.command.core.getMethods",
        "x",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&granted)).unwrap();
    assert_eq!(
        (v["allowed"].clone(), v["entry"]["id"].clone()),
        (true.into(), 1.into())
    );
}

#[test]
fn options_are_matched_against_arg_values() {
    let dir = scratch("options");
    let file = dir.join("opts.acl");
    std::fs::write(
        &file,
        r#"{"acl": {"dc=example,dc=net": [{"acls": [{"id": 3, "priority": 0, "scope": "sub",
            "members": ["^carol$"], "actions": [{"topic": "^org\\.clacks\\.command\\.objects\\.update$",
            "acls": "x", "options": {"type": "^User$"}}]}]}]}}"#,
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let topic = "org.clacks.command.objects.update";
    let ok = clacks(&[
        "acl",
        "check",
        "--acl-file",
        file,
        "carol",
        topic,
        "x",
        "--arg",
        "type=User",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}{}", stdout(&ok), stderr(&ok));
    let no = clacks(&[
        "acl",
        "check",
        "--acl-file",
        file,
        "carol",
        topic,
        "x",
        "--arg",
        "type=Group",
    ]);
    assert_eq!(no.status.code(), Some(1), "{}", stdout(&no));
}

/// `clacks ARGS` exits 2 (usage or file error) and says `words` on stderr.
fn exits_2_saying(args: &[&str], words: &str) {
    let out = clacks(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    assert!(stderr(&out).contains(words), "{args:?}: {}", stderr(&out));
}

#[test]
fn a_broken_file_or_bad_rights_exit_2_naming_what_is_wrong() {
    let dir = scratch("broken");
    let file = dir.join("bad.acl");
    std::fs::write(
        &file,
        r#"{"acl": {"dc=x": [{"acls": [{"scope": "deep", "members": ["u"], "actions": []}]}]}}"#,
    )
    .unwrap();
    fn check<'a>(file: &'a str, rights: &'a str) -> [&'a str; 7] {
        ["acl", "check", "--acl-file", file, "u", "t", rights]
    }
    let file = file.to_str().unwrap();
    exits_2_saying(&check(file, "r"), "invalid scope \"deep\"");
    exits_2_saying(&check("/nonexistent.acl", "r"), "/nonexistent.acl");
    exits_2_saying(&check(REFERENCE, "rq"), "invalid right 'q'");
    exits_2_saying(&["acl", "check", "u", "t"], "Usage");
}

#[test]
fn without_a_file_the_node_decides_through_acl_check() {
    let node = super::start_node("acl-cli1", &[]);
    // The embedded default: its local caller (anonymous) is an admin; `mallory` is named
    // neither by `[acl] admins` nor by the harness ACL set the node runs with.
    let denied = clacks(&[
        "acl",
        "check",
        "--url",
        node.url(),
        "mallory",
        "org.clacks.command.core.ping",
        "x",
    ]);
    assert_eq!(denied.status.code(), Some(1), "{}", stderr(&denied));
    assert_eq!(stdout(&denied).trim(), "denied: no ACL entry grants it");
    let admin = clacks(&[
        "acl",
        "check",
        "--url",
        node.url(),
        "--json",
        "anonymous",
        "org.clacks.command.core.stop",
        "x",
    ]);
    assert_eq!(admin.status.code(), Some(0), "{}", stderr(&admin));
    let v: serde_json::Value = serde_json::from_str(&stdout(&admin)).unwrap();
    assert_eq!(v["verdict"], "admin");
}
