//! `clacks objects get|search|create|update|move|remove|call|reindex` against a real
//! `clacks node` (embedded object store, seeded base): tables and `--json`, and the exit
//! codes of `clacks call` (1 when the call fails, 2 for usage, 3 when unreachable).

use super::{clacks, start_node, stderr, stdout};
use std::process::Output;
use std::time::Duration;

const BASE: &str = "dc=example,dc=net";
const PEOPLE: &str = "ou=people,dc=example,dc=net";

fn objects(url: &str, args: &[&str]) -> Output {
    let mut all = vec!["objects", args[0], "--url", url];
    all.extend(&args[1..]);
    clacks(&all)
}

/// The value a `NAME  VALUE` table gives `name`.
fn field(table: &str, name: &str) -> Option<String> {
    table.lines().find_map(|l| {
        let rest = l.strip_prefix(name)?;
        (rest.starts_with(' ') || rest.is_empty()).then(|| rest.trim().to_owned())
    })
}

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout {} stderr {}",
        stdout(out),
        stderr(out)
    );
    stdout(out)
}

#[test]
fn object_commands_print_tables_json_and_exit_codes() {
    let node = start_node("cliobjects", &[]);
    let url = node.url();
    // The backend connects and seeds after the node is ready: -32004 until then.
    let mut up = false;
    for _ in 0..500 {
        if objects(url, &["get", BASE]).status.code() == Some(0) {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(up, "the object backend did not come up");

    let created = ok(&objects(
        url,
        &[
            "create",
            "User",
            PEOPLE,
            "uid=jd",
            "givenName=Jane",
            "sn=Doe",
        ],
    ));
    let dn = format!("cn=Jane Doe,{PEOPLE}");
    assert_eq!(field(&created, "dn"), Some(dn.clone()), "{created}");
    assert_eq!(field(&created, "sn").as_deref(), Some("Doe"), "{created}");
    assert_eq!(
        field(&created, "revision").as_deref(),
        Some("1"),
        "{created}"
    );

    let table = objects(
        url,
        &[
            "search",
            "--attrs",
            "sn,uid",
            r#"{"_type": "User", "sn": "Doe"}"#,
        ],
    );
    let lines: Vec<String> = ok(&table).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].starts_with("DN") && lines[0].ends_with("TYPE  sn   uid"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with(&dn) && lines[1].ends_with("User  Doe  jd"),
        "{lines:?}"
    );
    assert_eq!(stderr(&table).trim(), "1 objects");
    let json = ok(&objects(
        url,
        &["search", "--json", "--scope", "one", "--base", PEOPLE, "{}"],
    ));
    let page: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(page["objects"][0]["dn"], dn.as_str());
    assert_eq!(page["cursor"], serde_json::Value::Null);

    let got = ok(&objects(url, &["get", "--json", "--attrs", "sn", &dn]));
    let got: serde_json::Value = serde_json::from_str(&got).expect("JSON");
    assert_eq!(got["attrs"], serde_json::json!({"sn": ["Doe"]}));

    let updated = ok(&objects(
        url,
        &["update", "--set", "sn=Roe", "--if-revision", "1", &dn],
    ));
    assert_eq!(field(&updated, "sn").as_deref(), Some("Roe"), "{updated}");
    // cn, the naming attribute, is built from sn: the DN follows.
    let dn = format!("cn=Jane Roe,{PEOPLE}");
    assert_eq!(field(&updated, "dn"), Some(dn.clone()), "{updated}");
    let stale = objects(
        url,
        &["update", "--set", "sn=Poe", "--if-revision", "1", &dn],
    );
    assert_eq!(stale.status.code(), Some(1), "{}", stderr(&stale));
    assert!(
        stderr(&stale).contains("stale revision"),
        "{}",
        stderr(&stale)
    );
    let stale_json = objects(
        url,
        &[
            "update",
            "--json",
            "--set",
            "sn=Poe",
            "--if-revision",
            "1",
            &dn,
        ],
    );
    assert_eq!(stale_json.status.code(), Some(1));
    let response: serde_json::Value = serde_json::from_str(&stdout(&stale_json)).expect("JSON");
    assert_eq!(response["error"]["data"]["reason"], "conflict");
    let nothing = objects(url, &["update", &dn]);
    assert_eq!(nothing.status.code(), Some(2), "{}", stderr(&nothing));
    let unnamed = objects(url, &["create", "User", PEOPLE, "Doe"]);
    assert_eq!(unnamed.status.code(), Some(2), "{}", stderr(&unnamed));
    let bad_query = objects(url, &["search", "[1]"]);
    assert_eq!(bad_query.status.code(), Some(2), "{}", stderr(&bad_query));

    ok(&objects(
        url,
        &["create", "OrganizationalUnit", BASE, "ou=staff"],
    ));
    ok(&objects(
        url,
        &["create", "OrganizationalUnit", BASE, "ou=other"],
    ));
    let moved = ok(&objects(
        url,
        &[
            "move",
            &format!("ou=staff,{BASE}"),
            &format!("ou=other,{BASE}"),
        ],
    ));
    assert!(
        moved.contains(&format!("ou=staff,ou=other,{BASE}")),
        "{moved}"
    );

    let unserved = objects(url, &["call", &dn, "lock"]);
    assert_eq!(unserved.status.code(), Some(1));
    assert!(
        stderr(&unserved).contains("lockAccountPassword"),
        "{}",
        stderr(&unserved)
    );
    let report = ok(&objects(url, &["reindex"]));
    assert!(
        report.lines().any(|l| l.starts_with("objects ")),
        "{report}"
    );

    let removed = ok(&objects(url, &["remove", &dn]));
    assert_eq!(removed.trim(), format!("removed {dn}"));
    let gone = objects(url, &["get", &dn]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(stderr(&gone).contains("not_found"), "{}", stderr(&gone));

    let unreachable = clacks(&["objects", "get", "--url", "http://127.0.0.1:1/rpc", BASE]);
    assert_eq!(
        unreachable.status.code(),
        Some(3),
        "{}",
        stderr(&unreachable)
    );
}

#[test]
fn object_commands_explain_themselves() {
    let help = clacks(&["objects", "--help"]);
    let text = stdout(&help);
    assert_eq!(help.status.code(), Some(0));
    for sub in [
        "check", "get", "search", "create", "update", "move", "remove", "call", "reindex",
    ] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(sub)),
            "{sub}: {text}"
        );
    }
    let search = stdout(&clacks(&["objects", "search", "--help"]));
    assert!(
        search.contains("$regex") && search.contains("--cursor"),
        "{search}"
    );
}
