//! Rights on the page: a user who may look but not act sees the tree, and pressing restart or
//! stop shows the node's refusal (`-32003 forbidden`) on the button, and nothing happens.
//!
//! The identity is the node's HTTP caller (`[http] user`, here `viewer`), with the embedded
//! default's local-admin shortcut off and an ACL set that grants `viewer` the read-side
//! commands and events but not `core.restart` / `core.stop`.

use super::page::Page;
use clacks_tests::cluster::node_with_gateway;
use serde_json::json;

const NODE: &str = "web-viewer";

/// `viewer` may call the commands the page reads with and subscribe to events; nothing else.
const VIEWER_ACL: &str = r#"{
  "roles": {},
  "acl": {
    "dc=example,dc=net": [{"acls": [
      {"id": 1, "priority": 0, "scope": "psub", "members": ["^viewer$"],
       "actions": [
         {"topic": ".*\\.command\\.(core\\.(nodes|actor_tree|describe|ping)|host\\.load|probe\\..*)", "acls": "x", "options": {}},
         {"topic": ".*\\.event\\..*", "acls": "r", "options": {}}
       ]}
    ]}]
  }
}"#;

pub async fn a_user_without_the_right_sees_the_buttons_refused(page: &Page) {
    let acl_file =
        std::env::temp_dir().join(format!("clacks-web-viewer-{}.acl", std::process::id()));
    if let Err(e) = std::fs::write(&acl_file, VIEWER_ACL) {
        panic!("cannot write {}: {e}", acl_file.display());
    }
    let acl_path = acl_file.display().to_string();
    let (node, rpc_url) = node_with_gateway(
        NODE,
        &[
            ("http.user", "viewer"),
            ("acl.local_admin", "false"),
            ("acl.file", &acl_path),
        ],
        vec![clacks_plugins::host::HostPlugin::definition()],
    );
    let base = rpc_url.trim_end_matches("/rpc").to_owned();
    let b = &page.browser;
    let url = format!("{base}/#domain");
    if let Err(e) = b.session.goto(&url).await {
        panic!("cannot open {url}: {e}");
    }
    let probe =
        format!("section.tree[data-node=\"{NODE}\"] li.actor[data-path=\"node/plugins/probe\"]");
    b.wait_for(
        "the viewer's tree",
        "return document.querySelector(arguments[0]);",
        vec![json!(probe)],
    )
    .await;
    b.click(&format!("{probe} > .actor-row > button.restart"))
        .await;
    let refusal = b
        .wait_for(
            "the restart refused",
            "const o = document.querySelector(arguments[0] + ' > .actor-row > .outcome'); const btn = document.querySelector(arguments[0] + ' > .actor-row > button.restart'); return o.classList.contains('refused') && btn.classList.contains('refused') && o.textContent;",
            vec![json!(probe)],
        )
        .await;
    assert!(
        refusal
            .as_str()
            .is_some_and(|r| r.starts_with("restart refused")),
        "{refusal}"
    );
    // Stop asks for a second click; then it is refused the same way.
    let stop = format!("{probe} > .actor-row > button.stop");
    b.click(&stop).await;
    b.click(&stop).await;
    b.wait_for(
        "the stop refused",
        "const btn = document.querySelector(arguments[0] + ' > .actor-row > button.stop'); return btn.classList.contains('refused') && document.querySelector(arguments[0] + ' > .actor-row > .outcome').textContent.startsWith('stop refused');",
        vec![json!(probe)],
    )
    .await;
    b.screenshot("domain-refused").await;
    let probe_entry = node
        .tree()
        .snapshot()
        .into_iter()
        .find(|a| a.path == "node/plugins/probe")
        .unwrap_or_else(|| panic!("no probe plugin on {NODE}"));
    assert_eq!(
        (probe_entry.state.as_str(), probe_entry.total_restarts),
        ("running", 0),
        "nothing ran for the refused buttons"
    );
    // The node refuses it, not only the page.
    let answer = clacks_tests::http::post(
        &rpc_url,
        "application/json",
        json!({"jsonrpc": "2.0", "id": 1, "method": "core.restart", "params": ["node/plugins/probe"]}).to_string(),
    )
    .await;
    assert_eq!(
        answer.body["error"]["code"],
        json!(-32003),
        "{}",
        answer.body
    );
    node.shutdown().await;
    let _ = std::fs::remove_file(&acl_file);
}
