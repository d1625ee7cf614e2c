//! The node under test and what every scenario shares: one node with the core, probe, host and
//! events plugins and its gateway on a free loopback port, statistics every second (so the
//! charts fill quickly), and the browser.

use super::browser::Browser;
use clacks_runtime::NodeHandle;
use clacks_tests::cluster::node_with_gateway;
use clacks_tests::http::post;
use serde_json::{json, Value};

/// The node's name.
pub const NODE: &str = "web1";

pub struct Page {
    pub browser: Browser,
    pub node: NodeHandle,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
    /// The node's `/rpc`.
    pub rpc_url: String,
}

impl Page {
    pub async fn start() -> Page {
        let (node, rpc_url) = node_with_gateway(
            NODE,
            &[("stats.interval", "1")],
            vec![
                clacks_plugins::host::HostPlugin::definition(),
                clacks_plugins::events::EventsPlugin::definition(),
            ],
        );
        let base = rpc_url.trim_end_matches("/rpc").to_owned();
        let browser = Browser::start().await;
        Page {
            browser,
            node,
            base,
            rpc_url,
        }
    }

    pub async fn stop(self) {
        self.browser.quit().await;
        self.node.shutdown().await;
    }

    /// Calls `method` over HTTP as a plain client (not through the page); the whole answer.
    pub async fn call(&self, method: &str, params: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        post(&self.rpc_url, "application/json", body.to_string())
            .await
            .body
    }

    /// Opens the page at `view` (`domain`, `commands`, `events`, `charts`), or switches to it
    /// when the page is already open.
    pub async fn show(&self, view: &str) {
        let open = self
            .browser
            .js(
                "return Boolean(document.body && document.body.dataset.firstView);",
                vec![],
            )
            .await;
        if open == json!(true) {
            self.browser
                .click(&format!("nav button[data-view=\"{view}\"]"))
                .await;
        } else {
            let url = format!("{}/#{view}", self.base);
            if let Err(e) = self.browser.session.goto(&url).await {
                panic!("cannot open {url}: {e}");
            }
        }
        self.browser
            .wait_for(
                &format!("the {view} view"),
                "const s = document.getElementById('view-' + arguments[0]); return s && !s.hidden;",
                vec![json!(view)],
            )
            .await;
    }

    /// Every request the page made (document, assets, calls, streams) went to the node itself.
    pub async fn assert_only_own_origin(&self) {
        let seen = self
            .browser
            .js(
                "return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)];",
                vec![],
            )
            .await;
        let urls: Vec<&str> = seen
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert!(urls.len() > 3, "the page made requests: {urls:?}");
        for url in &urls {
            assert!(
                url.starts_with(&format!("{}/", self.base)),
                "a request beyond the node {}: {url}",
                self.base
            );
        }
    }
}
