//! Fleet targeting on a 3-node domain on the real broker, called as the domain's caller user:
//! `clacks call --all` names every node, `--where` with a fact only one node has runs there
//! alone, `--batch` still reaches all, `clacks ping` times each node, and a stopped node is
//! named missing once the deadline passes.

use serde_json::{json, Value};

use super::deployed::{Deployed, Here};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn call_all_names_every_node_where_narrows_and_a_stopped_node_is_missing() {
    let domain = Deployed::create("fleet");
    let n1 = domain.node("n1", "off", &[]);
    let _n2 = domain.node("n2", "off", &[("CLACKS_PLUGINS__HOST__FACTS__ROLE", "db")]);
    let n3 = domain.node("n3", "off", &[]);
    domain.wait_for_nodes(3);

    let all = domain.clacks(&["call", "--all", "host.load"]);
    assert_eq!(
        all.status.code(),
        Some(0),
        "{}{}",
        text(&all.stdout),
        text(&all.stderr)
    );
    let lines: Vec<String> = text(&all.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (line, node) in lines.iter().zip(["n1", "n2", "n3"]) {
        assert!(line.starts_with(&format!("{node}  {{\"load\"")), "{line}");
    }
    assert!(
        text(&all.stderr).contains("3 nodes: 3 responded, 0 failed, 0 missing"),
        "{}",
        text(&all.stderr)
    );

    // One node, as the caller user (its private queue is exclusive to the node's connection).
    let one = domain.clacks(&["call", "--node", "n2", "core.ping"]);
    assert_eq!(one.status.code(), Some(0), "{}", text(&one.stderr));
    assert!(text(&one.stdout).contains("\"node\": \"n2\""));

    let db = domain.clacks(&["call", "--where", "role=db", "--json", "host.load"]);
    assert_eq!(db.status.code(), Some(0), "{}", text(&db.stderr));
    let db: Value = serde_json::from_slice(&db.stdout).unwrap();
    assert_eq!(db["responded"], json!(["n2"]), "{db}");
    assert_eq!((&db["missing"], &db["failed"]), (&json!([]), &json!({})));

    let batched = domain.clacks(&["call", "--all", "--batch", "1", "--json", "core.ping"]);
    let batched: Value = serde_json::from_slice(&batched.stdout).unwrap();
    assert_eq!(batched["responded"], json!(["n1", "n2", "n3"]), "{batched}");

    let ping = domain.clacks(&["ping"]);
    assert_eq!(ping.status.code(), Some(0), "{}", text(&ping.stderr));
    let printed = text(&ping.stdout);
    let timed: Vec<&str> = printed
        .lines()
        .filter(|l| l.contains(" time=") && l.ends_with(" ms"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(timed, ["n1", "n2", "n3"], "{printed}");

    // The shell over AMQP, one line and fleet options on it.
    let shell = domain.clacks(&["shell", "-c", "--where role=db --json host.load"]);
    assert_eq!(shell.status.code(), Some(0), "{}", text(&shell.stderr));
    let shell: Value = serde_json::from_slice(&shell.stdout).unwrap();
    assert_eq!(shell["responded"], json!(["n2"]), "{shell}");

    n3.signal("-STOP");
    let stopped = domain.clacks(&["call", "--all", "--timeout", "3", "--json", "host.load"]);
    assert_eq!(stopped.status.code(), Some(1), "a node missing exits 1");
    let stopped: Value = serde_json::from_slice(&stopped.stdout).unwrap();
    assert_eq!(stopped["missing"], json!(["n3"]), "{stopped}");
    assert_eq!(stopped["responded"], json!(["n1", "n2"]), "{stopped}");
    // By now the nodes are evicting n3, each on its own status tick: asked `core.nodes` and
    // `core.departed`, one node that already dropped n3 could answer the first and one that
    // had not yet the second, so n3 was in neither (3 of 5 runs). `core.providers` answers
    // both from one node's view: n3 is serving (then missing: silent) or departed.
    let named = domain.clacks(&["call", "--all", "--timeout", "3", "host.load"]);
    assert!(
        text(&named.stdout).contains("n3  missing:"),
        "{}",
        text(&named.stdout)
    );
    assert!(
        text(&named.stderr).contains("1 missing (n3)"),
        "{}",
        text(&named.stderr)
    );
    drop(n3);
    drop(n1);
}
