//! `clacks ping [--where FACT=VALUE]… [--batch N] [--json]`: `core.ping` on every node of the
//! domain, one line per node with its round-trip time, the silent and failing ones named, and
//! the minimum, average and maximum. Exit 0 when every node answered, 1 otherwise.

use clacks_runtime::call::{CallRequest, Params};
use clap::Args;
use serde_json::json;
use std::time::Duration;

use super::Target;
use crate::client::ClientError;
use crate::exit::{fail, Exit};
use crate::fleet::{self, report, FleetArgs, FleetResult, NodeOutcome, Where};
use crate::paint::Paint;

/// Arguments of `clacks ping`.
#[derive(Args, Debug)]
pub struct PingArgs {
    #[command(flatten)]
    target: Target,
    /// Only nodes whose `host.facts` has FACT=VALUE; repeatable.
    #[arg(long = "where", value_name = "FACT=VALUE", value_parser = Where::parse)]
    wheres: Vec<Where>,
    /// Ping N nodes at a time (default: all at once).
    #[arg(long, value_name = "N", value_parser = fleet::parse_batch)]
    batch: Option<usize>,
    /// A CUMULATIVE result whose values are `{"rtt_ms": …}`.
    #[arg(long)]
    json: bool,
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `NODE  time=1.23 ms` lines (failures and silence as `--all` prints them).
pub fn lines(result: &FleetResult, paint: Paint) -> Vec<String> {
    let width = result.nodes.keys().map(|n| n.len()).max().unwrap_or(0);
    result
        .nodes
        .iter()
        .map(|(node, outcome)| match outcome {
            NodeOutcome::Answered(_, rtt) => {
                format!(
                    "{}  time={:.2} ms",
                    paint.bold(&format!("{node:<width$}")),
                    millis(*rtt)
                )
            }
            _ => {
                let mut one = FleetResult::default();
                one.nodes.insert(node.clone(), outcome.clone());
                let line = report::lines(&one, paint).concat();
                let padded = format!("{node:<width$}");
                line.replacen(node.as_str(), &padded, 1)
            }
        })
        .collect()
}

/// `min/avg/max = a/b/c ms` over the nodes that answered.
pub fn statistics(result: &FleetResult) -> Option<String> {
    let times: Vec<f64> = result
        .nodes
        .values()
        .filter_map(|o| match o {
            NodeOutcome::Answered(_, rtt) => Some(millis(*rtt)),
            _ => None,
        })
        .collect();
    let min = times.iter().copied().reduce(f64::min)?;
    let max = times.iter().copied().reduce(f64::max)?;
    let avg = times.iter().sum::<f64>() / times.len() as f64;
    Some(format!(
        "round trip min/avg/max = {min:.2}/{avg:.2}/{max:.2} ms"
    ))
}

/// Runs `clacks ping`.
pub fn run(args: PingArgs) -> Exit {
    let client = args.target.client();
    let call = CallRequest::new("core.ping", Params::default());
    let targeting = FleetArgs {
        all: true,
        wheres: args.wheres,
        batch: args.batch,
    };
    let outcome = actix_rt::System::new().block_on(fleet::run(&client, &call, &targeting));
    let result = match outcome {
        Ok(result) => result,
        Err(error) => {
            let exit = error.exit();
            return match error {
                ClientError::Call(err, _) => fail(exit, format!("finding the nodes failed: {err}")),
                ClientError::Other(_, message) => fail(exit, message),
            };
        }
    };
    if args.json {
        let mut value = result.to_json();
        for (node, outcome) in &result.nodes {
            if let NodeOutcome::Answered(_, rtt) = outcome {
                value["results"][node] = json!({"rtt_ms": millis(*rtt)});
            }
        }
        println!("{value}");
    } else {
        for line in lines(&result, Paint::stdout()) {
            println!("{line}");
        }
        eprintln!("{}", report::summary(&result));
        if let Some(stats) = statistics(&result) {
            eprintln!("{stats}");
        }
    }
    result.exit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_node_prints_its_round_trip_and_the_silent_are_named() {
        let mut r = FleetResult::default();
        r.nodes.insert(
            "n1".into(),
            NodeOutcome::Answered(json!({}), Duration::from_micros(1500)),
        );
        r.nodes.insert(
            "n10".into(),
            NodeOutcome::Answered(json!({}), Duration::from_micros(2500)),
        );
        r.nodes.insert(
            "n2".into(),
            NodeOutcome::Missing("no answer by the deadline".into()),
        );
        assert_eq!(
            lines(&r, Paint::off()),
            [
                "n1   time=1.50 ms",
                "n10  time=2.50 ms",
                "n2   missing: no answer by the deadline"
            ]
        );
        assert_eq!(
            statistics(&r).unwrap(),
            "round trip min/avg/max = 1.50/2.00/2.50 ms"
        );
    }
}
