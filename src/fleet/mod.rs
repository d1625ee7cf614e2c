//! Fleet targeting, as users of mco/Choria and Salt expect it: `--all` runs a command on every
//! node that serves it, `--where FACT=VALUE` narrows the nodes by their `host.facts`, `--batch N`
//! runs on N nodes at a time. `clacks call`, `clacks ping` and the shell share it.
//!
//! ```text
//! core.providers P (who serves plugin P, who left: named missing at once; one node's view),
//!   asked three times at once (a frozen node may hold one copy), the first answer wins
//!   → --where: host.facts on each node (call_on), kept when every condition holds
//!   → the call on each node (call_on), N at a time, each with the call's deadline
//!   → FleetResult: per node answered (value, round trip) | failed (error) | missing (silent)
//! ```
//! The JSON form is a CUMULATIVE result (`results`, `responded`, `failed`, `missing`), so
//! scripts read `--all` output and a CUMULATIVE command's output alike.
//!
//! - `facts.rs`: `FACT=VALUE` conditions and how they match.
//! - `report.rs`: one line per node for people.

pub mod facts;
pub mod report;

use clacks_runtime::call::{CallRequest, Params, RpcErrorKind};
use clap::Args;
use futures_util::stream::{self, FuturesUnordered, StreamExt};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::client::{Client, ClientError};
use crate::exit::Exit;
pub use facts::Where;

/// The targeting options of `clacks call` (the shell reads the same words on a line).
#[derive(Args, Debug, Clone, Default, PartialEq)]
pub struct FleetArgs {
    /// Run on every node that serves the command; one line (or JSON entry) per node, naming
    /// those that failed or stayed silent.
    #[arg(long, conflicts_with = "node")]
    pub all: bool,
    /// Only nodes whose `host.facts` has FACT=VALUE (e.g. os=debian, role=db); repeatable, all
    /// must hold; implies --all.
    #[arg(long = "where", value_name = "FACT=VALUE", value_parser = Where::parse, conflicts_with = "node")]
    pub wheres: Vec<Where>,
    /// Run on N nodes at a time (default: all at once); implies --all.
    #[arg(long, value_name = "N", value_parser = parse_batch, conflicts_with = "node")]
    pub batch: Option<usize>,
}

/// `--batch N`: a count of at least 1.
pub fn parse_batch(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("'{text}' is not a number of nodes (1 or more)")),
    }
}

impl FleetArgs {
    /// Whether the call runs on the fleet rather than on one node.
    pub fn active(&self) -> bool {
        self.all || !self.wheres.is_empty() || self.batch.is_some()
    }
}

/// What one node made of the call.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeOutcome {
    /// It answered with a value, after this round trip.
    Answered(Value, Duration),
    /// It answered with an error: the JSON-RPC error object.
    Failed(Value),
    /// It did not answer by the deadline, or it left the domain.
    Missing(String),
}

/// The outcome of a call on the fleet, per node.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetResult {
    /// Node name → outcome, sorted by name.
    pub nodes: BTreeMap<String, NodeOutcome>,
}

impl FleetResult {
    /// The CUMULATIVE shape: `{"results", "responded", "failed", "missing"}`.
    pub fn to_json(&self) -> Value {
        let mut results = Map::new();
        let mut failed = Map::new();
        let (mut responded, mut missing) = (Vec::new(), Vec::new());
        for (node, outcome) in &self.nodes {
            match outcome {
                NodeOutcome::Answered(value, _) => {
                    results.insert(node.clone(), value.clone());
                    responded.push(node.clone());
                }
                NodeOutcome::Failed(error) => {
                    failed.insert(node.clone(), error.clone());
                }
                NodeOutcome::Missing(_) => missing.push(node.clone()),
            }
        }
        json!({"results": results, "responded": responded, "failed": failed, "missing": missing})
    }

    /// 0 when every node answered, 1 when one failed or stayed silent (or none was found).
    pub fn exit(&self) -> Exit {
        let all_answered = self
            .nodes
            .values()
            .all(|o| matches!(o, NodeOutcome::Answered(..)));
        if all_answered && !self.nodes.is_empty() {
            Exit::Ok
        } else {
            Exit::CallFailed
        }
    }
}

/// Runs `call` on the fleet `fleet` selects. `Err` when the domain cannot be asked who serves
/// the command, or when no node does.
pub async fn run(
    client: &Client,
    call: &CallRequest,
    fleet: &FleetArgs,
) -> Result<FleetResult, ClientError> {
    let (plugin, _) = call
        .split_method()
        .map_err(|e| ClientError::Other(Exit::Usage, e.message().to_owned()))?;
    let (serving, departed) = discover(client, plugin).await?;
    let batch = fleet.batch.unwrap_or(usize::MAX);
    let mut result = FleetResult::default();
    let mut targets = serving;
    if !fleet.wheres.is_empty() {
        let facts_call = CallRequest::new("host.facts", Params::default());
        let facts = on_each(client, &facts_call, &targets, batch).await;
        targets = Vec::new();
        for (node, outcome) in facts {
            match outcome {
                NodeOutcome::Answered(facts, _) => {
                    if fleet.wheres.iter().all(|w| w.holds_for(&facts)) {
                        targets.push(node);
                    }
                }
                NodeOutcome::Failed(error) => {
                    let mut error = error;
                    let message = error["message"].as_str().unwrap_or("").to_owned();
                    error["message"] = json!(format!("its host.facts failed: {message}"));
                    result.nodes.insert(node, NodeOutcome::Failed(error));
                }
                missing => {
                    result.nodes.insert(node, missing);
                }
            }
        }
    } else {
        for node in departed {
            let outcome = NodeOutcome::Missing("left the domain".into());
            result.nodes.entry(node).or_insert(outcome);
        }
    }
    if targets.is_empty() && result.nodes.is_empty() {
        let wheres: Vec<String> = fleet.wheres.iter().map(Where::to_string).collect();
        let narrowed = match wheres.is_empty() {
            true => String::new(),
            false => format!(" where {}", wheres.join(", ")),
        };
        return Err(ClientError::Other(
            Exit::CallFailed,
            format!("no node serves {plugin}{narrowed}"),
        ));
    }
    result
        .nodes
        .extend(on_each(client, call, &targets, batch).await);
    Ok(result)
}

/// How many times at once the domain is asked who serves a plugin.
const DISCOVERY_ASKS: usize = 3;

/// Who serves `plugin` and who left. The question goes to a shared queue, where a frozen node
/// may take it and never answer: it is asked [`DISCOVERY_ASKS`] times at once (competing
/// consumers hand the copies to different nodes) and the first answer wins.
async fn discover(
    client: &Client,
    plugin: &str,
) -> Result<(Vec<String>, Vec<String>), ClientError> {
    let mut asking: FuturesUnordered<_> = (0..DISCOVERY_ASKS)
        .map(|_| ask_who_serves(client, plugin))
        .collect();
    let mut first_error = None;
    while let Some(answer) = asking.next().await {
        match answer {
            Ok(found) => return Ok(found),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| {
        ClientError::Other(Exit::Unreachable, "the domain was not asked".into())
    }))
}

/// Who serves `plugin` and who did but left, from one node's view (`core.providers`); from
/// nodes that lack it, `core.nodes` and then `core.departed` (which the oldest lack too: then
/// nobody left).
async fn ask_who_serves(
    client: &Client,
    plugin: &str,
) -> Result<(Vec<String>, Vec<String>), ClientError> {
    let ask = CallRequest::new("core.providers", Params::Positional(vec![json!(plugin)]));
    let mut session = client.session();
    let answer = session.call(&ask).await;
    session.close().await;
    match answer {
        Ok((found, _)) => {
            let names = |key: &str| {
                serde_json::from_value::<Vec<String>>(found[key].clone()).map_err(|e| {
                    ClientError::Other(
                        Exit::CallFailed,
                        format!("core.providers answered without a list of {key}: {e}"),
                    )
                })
            };
            Ok((names("serving")?, names("departed")?))
        }
        Err(ClientError::Call(e, _)) if e.kind() == RpcErrorKind::MethodNotFound => {
            ask_nodes_then_departed(client, plugin).await
        }
        Err(e) => Err(e),
    }
}

/// [`ask_who_serves`] of nodes older than `core.providers`: two questions, which two nodes
/// whose views differ around an eviction may answer (a node just evicted can be in neither).
async fn ask_nodes_then_departed(
    client: &Client,
    plugin: &str,
) -> Result<(Vec<String>, Vec<String>), ClientError> {
    let mut session = client.session();
    let nodes = session
        .call(&CallRequest::new("core.nodes", Params::default()))
        .await;
    let departed = match &nodes {
        Ok(_) => {
            let ask = CallRequest::new("core.departed", Params::Positional(vec![json!(plugin)]));
            Some(session.call(&ask).await)
        }
        Err(_) => None,
    };
    session.close().await;
    let (nodes, _) = nodes?;
    let departed = match departed {
        Some(Ok((departed, _))) => serde_json::from_value::<Vec<String>>(departed).ok(),
        // Older nodes lack core.departed: nobody is named as having left.
        Some(Err(ClientError::Call(e, _))) if e.kind() == RpcErrorKind::MethodNotFound => None,
        // Unanswered (a frozen node took the question): this ask does not count, so a node
        // that left is not silently dropped from the result; another ask answers.
        Some(Err(e)) => return Err(e),
        None => None,
    };
    let serving = nodes
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["plugins"].get(plugin).is_some())
        .filter_map(|n| n["name"].as_str().map(str::to_owned))
        .collect();
    Ok((serving, departed.unwrap_or_default()))
}

/// `call` on each of `nodes` (call_on), `batch` at a time.
async fn on_each(
    client: &Client,
    call: &CallRequest,
    nodes: &[String],
    batch: usize,
) -> Vec<(String, NodeOutcome)> {
    stream::iter(nodes.iter().cloned())
        .map(|node| async move {
            let outcome = on_node(client, call, &node).await;
            (node, outcome)
        })
        .buffer_unordered(batch)
        .collect()
        .await
}

/// `call` on `node`, timing the call alone (the connection is made first).
async fn on_node(client: &Client, call: &CallRequest, node: &str) -> NodeOutcome {
    let mut session = client.session();
    let mut call = call.clone();
    call.node = Some(node.to_owned());
    let outcome = match session.connect().await {
        Ok(()) => {
            let started = Instant::now();
            let answer = session.call(&call).await;
            answer.map(|(value, _)| (value, started.elapsed()))
        }
        Err(e) => Err(e),
    };
    session.close().await;
    match outcome {
        Ok((value, took)) => NodeOutcome::Answered(value, took),
        Err(ClientError::Call(err, _)) if err.kind() == RpcErrorKind::Timeout => {
            NodeOutcome::Missing("no answer by the deadline".into())
        }
        Err(ClientError::Call(_, response)) => NodeOutcome::Failed(response["error"].clone()),
        Err(ClientError::Other(Exit::Timeout, _)) => {
            NodeOutcome::Missing("no answer by the deadline".into())
        }
        Err(ClientError::Other(_, message)) => NodeOutcome::Failed(json!({
            "code": RpcErrorKind::Unavailable.code(),
            "message": message,
            "data": {"kind": "unavailable", "node": node},
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fleet() -> FleetResult {
        let mut r = FleetResult::default();
        r.nodes.insert(
            "a".into(),
            NodeOutcome::Answered(json!(1), Duration::from_millis(3)),
        );
        r.nodes.insert(
            "b".into(),
            NodeOutcome::Failed(json!({"code": -32002, "message": "down"})),
        );
        r.nodes
            .insert("c".into(), NodeOutcome::Missing("silent".into()));
        r
    }

    #[test]
    fn the_json_form_is_a_cumulative_result() {
        assert_eq!(
            fleet().to_json(),
            json!({
                "results": {"a": 1},
                "responded": ["a"],
                "failed": {"b": {"code": -32002, "message": "down"}},
                "missing": ["c"]
            })
        );
    }

    #[test]
    fn exit_is_ok_only_when_every_node_answered() {
        assert_eq!(fleet().exit(), Exit::CallFailed);
        let mut all = fleet();
        all.nodes.retain(|n, _| n == "a");
        assert_eq!(all.exit(), Exit::Ok);
        assert_eq!(FleetResult::default().exit(), Exit::CallFailed);
    }

    #[test]
    fn where_and_batch_imply_all() {
        let mut args = FleetArgs::default();
        assert!(!args.active());
        args.batch = Some(2);
        assert!(args.active());
        assert!(parse_batch("0").is_err());
    }
}
