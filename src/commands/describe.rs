//! `clacks describe [METHOD…]`: every command of the domain with its signature, call type and
//! first doc line; `--json` prints the OpenRPC document of `core.describe`.

use clacks_runtime::call::{CallRequest, Params};
use clap::Args;
use serde_json::Value;

use super::Target;
use crate::client::ClientError;
use crate::exit::{fail, Exit};

/// Arguments of `clacks describe`.
#[derive(Args, Debug)]
pub struct DescribeArgs {
    #[command(flatten)]
    target: Target,
    /// Print the OpenRPC document.
    #[arg(long)]
    json: bool,
    /// Only these methods (or plugins, e.g. `core`).
    filter: Vec<String>,
}

/// `name(param: Type, opt?: Type = default) -> Result` of one OpenRPC method.
pub fn signature(method: &Value) -> String {
    let params: Vec<String> = method["params"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    let name = p["name"].as_str().unwrap_or("?");
                    let ty = p["x-rust-type"].as_str().unwrap_or("?");
                    let optional = if p["required"].as_bool() == Some(true) {
                        ""
                    } else {
                        "?"
                    };
                    match p["schema"].get("default") {
                        Some(d) => format!("{name}{optional}: {ty} = {d}"),
                        None => format!("{name}{optional}: {ty}"),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    format!(
        "{}({}) -> {}",
        method["name"].as_str().unwrap_or("?"),
        params.join(", "),
        method["result"]["x-rust-type"].as_str().unwrap_or("?")
    )
}

fn wanted(filter: &[String], name: &str) -> bool {
    filter.is_empty()
        || filter
            .iter()
            .any(|f| f == name || name.split('.').next() == Some(f.as_str()))
}

/// Runs `clacks describe`.
pub fn run(args: DescribeArgs) -> Exit {
    let client = args.target.client();
    let call = CallRequest::new("core.describe", Params::default());
    let outcome = actix_rt::System::new().block_on(async move { client.call(&call).await });
    let doc = match outcome {
        Ok((doc, _)) => doc,
        Err(error) => {
            let exit = error.exit();
            return match error {
                ClientError::Call(err, _) => fail(exit, format!("core.describe failed: {err}")),
                ClientError::Other(_, message) => fail(exit, message),
            };
        }
    };
    let methods: Vec<&Value> = doc["methods"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter(|m| wanted(&args.filter, m["name"].as_str().unwrap_or("")))
                .collect()
        })
        .unwrap_or_default();
    if args.json {
        let mut doc = doc.clone();
        doc["methods"] = Value::Array(methods.into_iter().cloned().collect());
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Exit::Ok;
    }
    if methods.is_empty() {
        return fail(
            Exit::CallFailed,
            format!("no command matches {:?}", args.filter),
        );
    }
    for m in methods {
        let mut extras = vec![m["x-call-type"].as_str().unwrap_or("NORMAL").to_owned()];
        if let Some(t) = m["x-timeout-ms"].as_u64() {
            extras.push(format!("timeout {}s", t as f64 / 1000.0));
        }
        if let Some(r) = m["x-right"].as_str() {
            extras.push(format!("right {r}"));
        }
        println!("{}  [{}]", signature(m), extras.join(", "));
        if let Some(summary) = m["summary"].as_str().filter(|s| !s.is_empty()) {
            println!("    {summary}");
        }
    }
    Exit::Ok
}
