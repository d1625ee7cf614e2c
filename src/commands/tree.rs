//! `clacks tree [--node N]`: the actor tree of every node (a CUMULATIVE `core.actor_tree`), or
//! of one node, drawn with box characters; each actor is named by its full path, the one
//! `core.restart` and `core.stop` take (`clacks call --node N core.restart PATH`); `--json`
//! prints the raw result.

use clacks_runtime::call::{CallRequest, Params};
use clacks_runtime::supervision::ActorInfo;
use clap::Args;
use serde_json::Value;
use std::collections::BTreeMap;

use super::Target;
use crate::client::ClientError;
use crate::exit::{fail, Exit};

/// Arguments of `clacks tree`.
#[derive(Args, Debug)]
pub struct TreeArgs {
    #[command(flatten)]
    target: Target,
    /// Only this node.
    #[arg(long)]
    node: Option<String>,
    /// Print the raw JSON result.
    #[arg(long)]
    json: bool,
}

fn describe(actor: &ActorInfo) -> String {
    let mut parts = vec![actor.kind.clone(), actor.state.clone()];
    parts.push(format!(
        "restarts {}/{}s",
        actor.restarts,
        actor.window_ms as f64 / 1000.0
    ));
    if let Some(m) = actor.mailbox {
        parts.push(format!("mailbox {m}"));
    }
    if let Some(up) = actor.uptime_ms {
        parts.push(format!("up {:.1}s", up as f64 / 1000.0));
    }
    if let Some(err) = &actor.last_error {
        parts.push(format!("last error: {err}"));
    }
    parts.join("  ")
}

/// Draws one node's actors (sorted by path) as a tree, each line naming the actor's path.
pub fn draw(actors: &[ActorInfo]) -> String {
    let mut out = String::new();
    let paths: Vec<Vec<&str>> = actors.iter().map(|a| a.path.split('/').collect()).collect();
    for (i, actor) in actors.iter().enumerate() {
        let parts = &paths[i];
        let depth = parts.len() - 1;
        // For each ancestor level, is there a later sibling (then draw a vertical bar)?
        let mut prefix = String::new();
        for level in 1..=depth {
            let later_sibling = paths[i + 1..].iter().any(|p| {
                p.len() > level && p[..level] == parts[..level] && p[level] != parts[level]
            });
            if level == depth {
                prefix.push_str(if later_sibling {
                    "├── "
                } else {
                    "└── "
                });
            } else {
                prefix.push_str(if later_sibling { "│   " } else { "    " });
            }
        }
        out.push_str(&format!("{prefix}{}  {}\n", actor.path, describe(actor)));
    }
    out
}

fn actors(value: &Value) -> Result<Vec<ActorInfo>, String> {
    let mut list: Vec<ActorInfo> = serde_json::from_value(value.clone())
        .map_err(|e| format!("unexpected actor_tree answer: {e}"))?;
    list.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(list)
}

/// Runs `clacks tree`.
pub fn run(args: TreeArgs) -> Exit {
    let client = args.target.client();
    let mut call = CallRequest::new("core.actor_tree", Params::default());
    call.node = args.node.clone();
    let outcome = actix_rt::System::new().block_on(async move { client.call(&call).await });
    let result = match outcome {
        Ok((result, _)) => result,
        Err(error) => {
            let exit = error.exit();
            return match error {
                ClientError::Call(err, _) => fail(exit, format!("core.actor_tree failed: {err}")),
                ClientError::Other(_, message) => fail(exit, message),
            };
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&result).unwrap_or_default()
        );
        return Exit::Ok;
    }
    let mut per_node = BTreeMap::new();
    match &args.node {
        Some(node) => {
            per_node.insert(node.clone(), result);
        }
        None => {
            if let Some(results) = result["results"].as_object() {
                per_node.extend(results.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            for (node, err) in result["failed"].as_object().into_iter().flatten() {
                eprintln!("clacks: node {node} failed to answer: {}", err["message"]);
            }
            for node in result["missing"].as_array().into_iter().flatten() {
                eprintln!("clacks: node {node} did not answer in time");
            }
        }
    }
    for (node, value) in per_node {
        match actors(&value) {
            Ok(list) => print!("{node}\n{}", draw(&list)),
            Err(e) => return fail(Exit::CallFailed, format!("node {node}: {e}")),
        }
    }
    Exit::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(path: &str) -> ActorInfo {
        ActorInfo {
            path: path.into(),
            kind: "k".into(),
            state: "running".into(),
            restarts: 0,
            total_restarts: 0,
            window_ms: 5000,
            mailbox: None,
            uptime_ms: None,
            last_error: None,
        }
    }

    #[test]
    fn draws_branches_and_last_children_named_by_their_paths() {
        let list: Vec<ActorInfo> = ["node", "node/a", "node/a/x", "node/b"]
            .iter()
            .map(|p| actor(p))
            .collect();
        let drawn = draw(&list);
        // Each line is PREFIX NAME, two spaces, then the kind ("k").
        let names: Vec<&str> = drawn
            .lines()
            .map(|l| l.split("  k  ").next().unwrap())
            .collect();
        assert_eq!(
            names,
            ["node", "├── node/a", "│   └── node/a/x", "└── node/b"]
        );
    }
}
