//! `clacks call [--node N | --all | --where FACT=VALUE… | --batch N] [--timeout S] METHOD [ARG…]`:
//! ARG is a JSON value, or `name=JSON` for a named argument (not both kinds in one call); a bare
//! word that is not JSON is a string; a lone JSON object is the named arguments themselves.
//! `--all`, `--where` and `--batch` run the call on the fleet (`crate::fleet`).

use clacks_runtime::call::{CallRequest, Params};
use clap::Args;
use serde_json::{Map, Value};

use super::Target;
use crate::client::ClientError;
use crate::exit::{fail, Exit};
use crate::fleet::{self, report, FleetArgs};
use crate::paint::Paint;

/// Arguments of `clacks call`.
#[derive(Args, Debug)]
pub struct CallArgs {
    #[command(flatten)]
    target: Target,
    /// Run on this node only (call_on) instead of letting the domain choose.
    #[arg(long)]
    node: Option<String>,
    #[command(flatten)]
    fleet: FleetArgs,
    /// Print the whole JSON-RPC response on one line (errors too, on stdout); with --all, the
    /// CUMULATIVE result.
    #[arg(long)]
    json: bool,
    /// The command, `plugin.command`.
    method: String,
    /// Arguments: JSON values by position, or name=JSON by name. A bare word is a string; a
    /// lone JSON object is the named arguments.
    args: Vec<String>,
}

/// A JSON value, or the text itself as a string when it is not JSON.
fn json_or_string(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// `name=value` with an identifier name, as a named argument.
fn split_named(arg: &str) -> Option<(&str, &str)> {
    let (name, value) = arg.split_once('=')?;
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some((name, value))
}

/// Builds the params from command-line words. A lone JSON object is taken as the named
/// arguments (`'{"path": "node/plugins/host"}'`); to pass one object by position, name it
/// (`data='{"a": 1}'`).
pub fn parse_params(args: &[String]) -> Result<Params, String> {
    if let [only] = args {
        if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(only) {
            return Ok(Params::Named(map));
        }
    }
    let named: Vec<Option<(&str, &str)>> = args.iter().map(|a| split_named(a)).collect();
    let count = named.iter().filter(|n| n.is_some()).count();
    if count == 0 {
        return Ok(Params::Positional(
            args.iter().map(|a| json_or_string(a)).collect(),
        ));
    }
    if count != args.len() {
        return Err(
            "mix of positional and name=value arguments; use one kind per call \
             (quote a string containing '=' as JSON, e.g. '\"a=b\"')"
                .to_owned(),
        );
    }
    let mut map = Map::new();
    for (name, value) in named.into_iter().flatten() {
        if map.insert(name.to_owned(), json_or_string(value)).is_some() {
            return Err(format!("argument '{name}' given twice"));
        }
    }
    Ok(Params::Named(map))
}

/// Runs `clacks call`.
pub fn run(args: CallArgs) -> Exit {
    let params = match parse_params(&args.args) {
        Ok(p) => p,
        Err(e) => return fail(Exit::Usage, e),
    };
    let mut call = CallRequest::new(args.method.clone(), params);
    call.node = args.node.clone();
    let client = args.target.client();
    if args.fleet.active() {
        return run_on_fleet(&client, &call, &args.fleet, args.json);
    }
    let outcome = actix_rt::System::new().block_on(async move { client.call(&call).await });
    match outcome {
        Ok((result, response)) => {
            if args.json {
                println!("{response}");
            } else {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&result).unwrap_or_default()
                );
            }
            Exit::Ok
        }
        Err(error) => {
            let exit = error.exit();
            match error {
                ClientError::Call(err, response) => {
                    if args.json {
                        println!("{response}");
                    }
                    let data = &response["error"]["data"];
                    fail(
                        exit,
                        format!("{} failed: {err}\n  data: {data}", args.method),
                    )
                }
                ClientError::Other(_, message) => fail(exit, message),
            }
        }
    }
}

/// `--all`: one line per node on stdout and the summary on stderr, or the CUMULATIVE JSON.
fn run_on_fleet(
    client: &crate::client::Client,
    call: &CallRequest,
    targeting: &FleetArgs,
    json: bool,
) -> Exit {
    let outcome = actix_rt::System::new().block_on(fleet::run(client, call, targeting));
    match outcome {
        Ok(result) => {
            if json {
                println!("{}", result.to_json());
            } else {
                for line in report::lines(&result, Paint::stdout()) {
                    println!("{line}");
                }
                eprintln!("{}", report::summary(&result));
            }
            result.exit()
        }
        Err(error) => {
            let exit = error.exit();
            match error {
                ClientError::Call(err, _) => fail(exit, format!("finding the nodes failed: {err}")),
                ClientError::Other(_, message) => fail(exit, message),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn positional_words_are_json_or_strings() {
        let p = parse_params(&words(&["1", "hello", "[1,2]", "\"a=b\""])).unwrap();
        assert_eq!(
            p,
            Params::Positional(vec![json!(1), json!("hello"), json!([1, 2]), json!("a=b")])
        );
    }

    #[test]
    fn named_words_make_named_params() {
        let p = parse_params(&words(&["path=node/plugins", "n=3"])).unwrap();
        assert_eq!(
            p,
            Params::Named(
                json!({"path": "node/plugins", "n": 3})
                    .as_object()
                    .unwrap()
                    .clone()
            )
        );
    }

    #[test]
    fn a_lone_json_object_is_the_named_arguments() {
        let p = parse_params(&words(&[r#"{"path": "node/plugins/host"}"#])).unwrap();
        assert_eq!(
            p,
            Params::Named(
                json!({"path": "node/plugins/host"})
                    .as_object()
                    .unwrap()
                    .clone()
            )
        );
        let two = parse_params(&words(&[r#"{"a": 1}"#, "2"])).unwrap();
        assert_eq!(two, Params::Positional(vec![json!({"a": 1}), json!(2)]));
    }

    #[test]
    fn mixing_kinds_and_repeating_names_are_usage_errors() {
        assert!(parse_params(&words(&["1", "a=2"])).is_err());
        assert!(parse_params(&words(&["a=1", "a=2"])).is_err());
    }
}
