//! `clacks emit FILE|-…`: publishes each file's event (standard input for `-`) through a
//! node's `events.publish`, over the HTTP gateway or, with `--amqp URL --domain D`, over AMQP
//! (the shared [`Target`] and client decide). The node validates first: an invalid event is
//! reported as `FILE:LINE:COLUMN: message` and exits 1; an unreadable file exits 2; an
//! unreachable node 3.

use clacks_runtime::call::{CallRequest, Params, RpcErrorKind};
use clap::Args;
use serde_json::Value;
use std::io::Read;

use super::Target;
use crate::client::{Client, ClientError};
use crate::exit::{fail, Exit};

/// Arguments of `clacks emit`.
#[derive(Args, Debug)]
pub struct EmitArgs {
    #[command(flatten)]
    target: Target,
    /// Print each JSON-RPC result on one line.
    #[arg(long)]
    json: bool,
    /// Files holding one event each (an `<Event>` envelope or a bare event); `-` reads
    /// standard input.
    #[arg(required = true, value_name = "FILE|-")]
    files: Vec<String>,
}

/// The text of `file`, or standard input for `-`.
pub fn read_event(file: &str) -> Result<String, String> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("-: cannot read standard input: {e}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(file).map_err(|e| format!("{file}: cannot read: {e}"))
}

/// `FILE:LINE:COLUMN: message` for an `invalid_event` error's data.
pub fn located(file: &str, message: &str, data: &Value) -> String {
    let line = data.get("line").and_then(Value::as_u64).unwrap_or(0);
    let column = data.get("column").and_then(Value::as_u64).unwrap_or(0);
    let detail = data
        .get("detail")
        .and_then(Value::as_str)
        .unwrap_or(message);
    if line > 0 {
        format!("{file}:{line}:{column}: {detail}")
    } else {
        format!("{file}: {detail}")
    }
}

async fn publish(client: &Client, xml: String) -> Result<(Value, Value), ClientError> {
    let call = CallRequest::new(
        "events.publish",
        Params::Positional(vec![Value::String(xml)]),
    );
    client.call(&call).await
}

/// Runs `clacks emit`.
pub fn run(args: EmitArgs) -> Exit {
    let client = args.target.client();
    actix_rt::System::new().block_on(async move {
        let mut worst = Exit::Ok;
        for file in &args.files {
            let xml = match read_event(file) {
                Ok(xml) => xml,
                Err(e) => {
                    worst = fail(Exit::Usage, e);
                    continue;
                }
            };
            match publish(&client, xml).await {
                Ok((result, response)) => {
                    if args.json {
                        println!("{response}");
                    } else {
                        let event = result["event"].as_str().unwrap_or("?");
                        let node = result["node"].as_str().unwrap_or("?");
                        println!("{file}: {event} published by {node}");
                    }
                }
                Err(ClientError::Call(err, response)) => {
                    if args.json {
                        println!("{response}");
                    }
                    let data = &response["error"]["data"];
                    if err.kind() == RpcErrorKind::InvalidEvent {
                        eprintln!("{}", located(file, err.message(), data));
                    } else {
                        eprintln!("clacks: {file}: events.publish failed: {err}\n  data: {data}");
                    }
                    if worst == Exit::Ok {
                        worst = Exit::CallFailed;
                    }
                }
                Err(ClientError::Other(exit, message)) => return fail(exit, message),
            }
        }
        worst
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn invalid_event_errors_print_file_line_column() {
        let data = json!({"line": 3, "column": 5, "detail": "element <X>: unexpected"});
        assert_eq!(
            located("a.xml", "m", &data),
            "a.xml:3:5: element <X>: unexpected"
        );
        assert_eq!(located("a.xml", "m", &json!({})), "a.xml: m");
    }
}
