//! What the shell knows of the domain, read from `core.describe` (the OpenRPC document) and
//! `core.nodes`: command names and their argument names for completion, and the text of
//! `help METHOD` (signature, call type, right, timeout, docs).

use serde_json::Value;
use std::collections::BTreeMap;

use super::line::{COMMANDS, OPTIONS};
use crate::commands::describe::signature;

/// Commands and nodes of the domain.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// `plugin.command` → its OpenRPC method object.
    methods: BTreeMap<String, Value>,
    /// Node names.
    nodes: Vec<String>,
}

impl Catalog {
    /// From a `core.describe` answer and a `core.nodes` answer (either may be `Null`).
    pub fn new(describe: &Value, nodes: &Value) -> Catalog {
        let methods = describe["methods"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| Some((m["name"].as_str()?.to_owned(), m.clone())))
            .collect();
        let mut nodes: Vec<String> = nodes
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n["name"].as_str().map(str::to_owned))
            .collect();
        nodes.sort();
        Catalog { methods, nodes }
    }

    /// Whether nothing was read (the domain could not be asked).
    pub fn is_empty(&self) -> bool {
        self.methods.is_empty()
    }

    /// Command names starting with `prefix`.
    pub fn methods_starting(&self, prefix: &str) -> Vec<String> {
        self.methods
            .keys()
            .filter(|m| m.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// Node names starting with `prefix`.
    pub fn nodes_starting(&self, prefix: &str) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| n.starts_with(prefix))
            .cloned()
            .collect()
    }

    /// The argument names of `method`, in order.
    pub fn params(&self, method: &str) -> Vec<String> {
        self.methods
            .get(method)
            .and_then(|m| m["params"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect()
    }

    /// `help`, `help METHOD` or `help PLUGIN`; `None` when nothing is called that.
    pub fn help(&self, topic: Option<&str>) -> Option<String> {
        let Some(topic) = topic else {
            return Some(self.overview());
        };
        if let Some(method) = self.methods.get(topic) {
            return Some(method_help(method));
        }
        let prefix = format!("{topic}.");
        let plugin: Vec<&Value> = self
            .methods
            .iter()
            .filter(|(name, _)| name.starts_with(&prefix))
            .map(|(_, m)| m)
            .collect();
        if plugin.is_empty() {
            return None;
        }
        Some(
            plugin
                .iter()
                .map(|m| {
                    let name = m["name"].as_str().unwrap_or("?");
                    let summary = m["summary"].as_str().unwrap_or("");
                    format!("{name:<24} {summary}")
                })
                .collect::<Vec<_>>()
                .join("\n"),
        )
    }

    fn overview(&self) -> String {
        let mut plugins: Vec<&str> = self
            .methods
            .keys()
            .filter_map(|m| m.split('.').next())
            .collect();
        plugins.dedup();
        let plugins = match plugins.is_empty() {
            true => "(none known: :refresh asks the domain again)".to_owned(),
            false => plugins.join(", "),
        };
        format!(
            "METHOD ARG…            call a command: ARG is JSON, name=JSON, or a bare word (a string)\n\
             [OPTION…] METHOD ARG…  options: {}\n\
             help METHOD|PLUGIN     signature, right and docs\n\
             :node [N]              pin calls to node N (none: any node)\n\
             :json [on|off]         raw JSON-RPC responses\n\
             :refresh               read the domain's commands and nodes again\n\
             quit, Ctrl-D           leave; Ctrl-C cancels a running call\n\
             shell commands: {}\n\
             plugins: {plugins}",
            OPTIONS.join(" "),
            COMMANDS.join(" ")
        )
    }
}

/// Signature, then call type, right and timeout, then the docs.
fn method_help(method: &Value) -> String {
    let mut facts = vec![format!(
        "call type {}",
        method["x-call-type"].as_str().unwrap_or("NORMAL")
    )];
    match method["x-right"].as_str() {
        Some(right) => facts.push(format!("right {right}")),
        None => facts.push("no right needed".into()),
    }
    if let Some(ms) = method["x-timeout-ms"].as_u64() {
        facts.push(format!("timeout {}s", ms as f64 / 1000.0));
    }
    let docs = method["description"]
        .as_str()
        .or(method["summary"].as_str())
        .unwrap_or("")
        .trim();
    let mut text = format!("{}\n  {}", signature(method), facts.join(", "));
    if !docs.is_empty() {
        text.push_str("\n\n");
        text.push_str(
            &docs
                .lines()
                .map(|l| format!("  {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn catalog() -> Catalog {
        Catalog::new(
            &json!({"methods": [
                {"name": "core.ping", "summary": "Answers.", "description": "Answers with the node.",
                 "params": [], "result": {"x-rust-type": "Value"}, "x-call-type": "NORMAL",
                 "x-timeout-ms": 10000},
                {"name": "core.restart", "summary": "Restarts.", "description": "Restarts an actor.",
                 "params": [{"name": "path", "required": true, "schema": {}, "x-rust-type": "String"}],
                 "result": {"x-rust-type": "Value"}, "x-call-type": "NORMAL", "x-right": "x"}
            ]}),
            &json!([{"name": "n2"}, {"name": "n1"}]),
        )
    }

    #[test]
    fn help_for_a_method_shows_signature_right_and_docs() {
        let text = catalog().help(Some("core.restart")).unwrap();
        assert!(
            text.starts_with("core.restart(path: String) -> Value\n"),
            "{text}"
        );
        assert!(text.contains("right x"), "{text}");
        assert!(text.contains("Restarts an actor."), "{text}");
        let ping = catalog().help(Some("core.ping")).unwrap();
        assert!(
            ping.contains("timeout 10s") && ping.contains("no right needed"),
            "{ping}"
        );
    }

    #[test]
    fn help_for_a_plugin_lists_its_commands_and_unknown_topics_have_none() {
        let text = catalog().help(Some("core")).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        assert!(catalog().help(Some("nothing")).is_none());
        assert!(catalog().help(None).unwrap().contains("plugins: core"));
    }

    #[test]
    fn names_for_completion() {
        let c = catalog();
        assert_eq!(c.methods_starting("core.pi"), ["core.ping"]);
        assert_eq!(c.params("core.restart"), ["path"]);
        assert_eq!(c.nodes_starting(""), ["n1", "n2"]);
    }
}
