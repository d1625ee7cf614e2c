//! The domain view: the node's plugins in its live actor tree (with the first view's load time
//! measured and printed), and a restart button that restarts a plugin, after which the tree
//! shows the new restart count.

use super::page::{Page, NODE};
use serde_json::json;

/// The tree item of `path` on the test node.
fn actor(path: &str) -> String {
    format!("section.tree[data-node=\"{NODE}\"] li.actor[data-path=\"{path}\"]")
}

/// When the page showed its first view: milliseconds after its navigation started.
async fn first_view_ms(page: &Page) -> f64 {
    page.browser
        .wait_for(
            "the first view",
            "const m = performance.getEntriesByName('clacks-first-view'); return m.length > 0 && m[0].startTime;",
            vec![],
        )
        .await
        .as_f64()
        .unwrap_or(f64::NAN)
}

pub async fn the_tree_shows_the_nodes_plugins(page: &Page) {
    page.show("domain").await;
    let b = &page.browser;
    let cold = first_view_ms(page).await;
    // Again, in a browser that has started its renderer and seen the node once.
    let url = format!("{}/?again#domain", page.base);
    if let Err(e) = b.session.goto(&url).await {
        panic!("cannot open {url}: {e}");
    }
    let warm = first_view_ms(page).await;
    println!(
        "web_page: first view (nodes and actor trees) shown {cold:.0} ms after navigation to a \
         local node in a fresh browser, {warm:.0} ms when opened again"
    );
    let nodes = page.call("core.nodes", json!([])).await;
    let mut plugins: Vec<String> = nodes["result"][0]["plugins"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    plugins.sort();
    assert!(plugins.len() >= 4, "core, probe, host, events: {nodes}");
    let shown = b
        .js(
            "return [...document.querySelectorAll(arguments[0])].map(li => li.dataset.path.split('/')[2]).sort();",
            vec![json!(format!(
                "section.tree[data-node=\"{NODE}\"] li.actor[data-path^=\"node/plugins/\"]:not([data-path*=\"/actor\"])"
            ))],
        )
        .await;
    assert_eq!(
        shown,
        json!(plugins),
        "the tree shows every plugin of the node"
    );
    for plugin in &plugins {
        let state = b
            .js(
                "return document.querySelector(arguments[0]).dataset.state;",
                vec![json!(actor(&format!("node/plugins/{plugin}")))],
            )
            .await;
        assert_eq!(state, json!("running"), "{plugin}");
    }
    let row = b
        .js(
            "const r = document.querySelector(arguments[0]); return [r.querySelector('.node-status').textContent, r.querySelector('.node-load').textContent];",
            vec![json!(format!("#nodes tr[data-node=\"{NODE}\"]"))],
        )
        .await;
    assert_eq!(row[0], json!("ok"), "{row}");
    assert!(
        row[1].as_str().is_some_and(|l| l.split(" / ").count() == 3),
        "the load from host.load: {row}"
    );
    b.screenshot("domain").await;
}

pub async fn a_restart_button_restarts_a_plugin_and_the_tree_shows_the_new_count(page: &Page) {
    page.show("domain").await;
    let b = &page.browser;
    let probe = actor("node/plugins/probe");
    b.wait_for(
        "the probe plugin in the tree",
        "return document.querySelector(arguments[0]);",
        vec![json!(probe)],
    )
    .await;
    let before = b
        .js(
            "return Number(document.querySelector(arguments[0]).dataset.restarts);",
            vec![json!(probe)],
        )
        .await
        .as_u64()
        .unwrap_or_else(|| panic!("no restart count on {probe}"));
    b.click(&format!("{probe} > .actor-row > button.restart"))
        .await;
    b.wait_for(
        "the restart to be requested",
        "const o = document.querySelector(arguments[0] + ' > .actor-row > .outcome'); return o && o.classList.contains('ok') && o.textContent;",
        vec![json!(probe)],
    )
    .await;
    let after = b
        .wait_for(
            "the new restart count",
            "const li = document.querySelector(arguments[0]); const n = Number(li.dataset.restarts); return n > arguments[1] && li.dataset.state === 'running' && li.classList.contains('restarted') && n;",
            vec![json!(probe), json!(before)],
        )
        .await;
    assert_eq!(after, json!(before + 1), "one restart, counted once");
    let shown = b
        .js(
            "return document.querySelector(arguments[0] + ' > .actor-row .restarts').textContent;",
            vec![json!(probe)],
        )
        .await;
    assert_eq!(shown, json!(format!("↻ {}", before + 1)));
    let tree = page.call("core.actor_tree", json!([])).await;
    let entry = tree["result"]["results"][NODE]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|e| e["path"] == json!("node/plugins/probe"))
                .cloned()
        })
        .unwrap_or_else(|| panic!("no probe in {tree}"));
    assert_eq!(
        entry["total_restarts"],
        json!(before + 1),
        "the node agrees: {entry}"
    );
    b.screenshot("domain-restarted").await;
}
