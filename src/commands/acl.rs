//! `clacks acl check [--acl-file FILE] USER TOPIC RIGHTS [--base DN] [--arg NAME=VALUE]…
//! [--json]`: the tool an operator debugs ACLs with. With `--acl-file` it evaluates offline
//! (the file in the original's JSON format, the root, admins and groups from `[acl]` of
//! `--config FILE` or the defaults); without, it asks a node (`acl.check`). Prints
//! `allowed` or `denied` with the entry that decided. Exit 0 allowed, 1 denied, 2 usage or file
//! error (3 and 4 as for every client command when the node is not reached).

use clacks_runtime::acl::{file, AclEngine, Rights};
use clacks_runtime::call::{CallRequest, Params};
use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

use super::Target;
use crate::client::ClientError;
use crate::exit::{fail, Exit};

/// Arguments of `clacks acl`.
#[derive(Args, Debug)]
pub struct AclArgs {
    #[command(subcommand)]
    command: AclCommand,
}

#[derive(Subcommand, Debug)]
enum AclCommand {
    /// May USER have RIGHTS on TOPIC? Offline with --acl-file, else asks a node.
    Check(CheckArgs),
}

/// Arguments of `clacks acl check`.
#[derive(Args, Debug)]
struct CheckArgs {
    /// Evaluate this ACL file (the original's JSON format) offline instead of asking a node.
    #[arg(long, value_name = "FILE")]
    acl_file: Option<PathBuf>,
    /// Offline: the configuration whose [acl] root, admins and groups to use.
    #[arg(long, value_name = "FILE", env = "CLACKS_CONFIG")]
    config: Option<PathBuf>,
    /// The DN checked (default: the ACL root, [acl] base).
    #[arg(long, value_name = "DN")]
    base: Option<String>,
    /// A call argument options are matched against (VALUE as JSON, else as a string);
    /// repeatable.
    #[arg(long = "arg", value_name = "NAME=VALUE", value_parser = parse_arg)]
    args: Vec<(String, Value)>,
    /// Print the decision as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    target: Target,
    /// The user name.
    user: String,
    /// The topic, e.g. org.clacks.command.core.ping.
    topic: String,
    /// The rights asked, letters of rwcdmsx (all must be granted).
    rights: String,
}

fn parse_arg(text: &str) -> Result<(String, Value), String> {
    let (name, value) = text
        .split_once('=')
        .filter(|(n, _)| !n.is_empty())
        .ok_or_else(|| format!("'{text}' is not NAME=VALUE"))?;
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
    Ok((name.to_owned(), value))
}

/// Runs `clacks acl`.
pub fn run(args: AclArgs) -> Exit {
    match args.command {
        AclCommand::Check(args) => check(args),
    }
}

fn check(args: CheckArgs) -> Exit {
    if let Err(e) = Rights::parse(&args.rights, "RIGHTS") {
        return fail(Exit::Usage, e);
    }
    let call_args: Map<String, Value> = args.args.iter().cloned().collect();
    let decision = match &args.acl_file {
        Some(path) => match offline(&args, path, &call_args) {
            Ok(d) => d,
            Err(message) => return fail(Exit::Usage, message),
        },
        None => match ask_node(&args, &call_args) {
            Ok(d) => d,
            Err(exit) => return exit,
        },
    };
    let allowed = decision["allowed"].as_bool().unwrap_or(false);
    if args.json {
        println!("{decision}");
    } else {
        println!("{}", decision["message"].as_str().unwrap_or(""));
    }
    if allowed {
        Exit::Ok
    } else {
        Exit::CallFailed
    }
}

/// The decision of the file at `path`, under the `[acl]` settings of `--config`.
fn offline(
    args: &CheckArgs,
    path: &std::path::Path,
    call_args: &Map<String, Value>,
) -> Result<Value, String> {
    let env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(n, v)| Some((n.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let settings = clacks_runtime::config::load(args.config.as_deref(), env, &[])
        .map_err(|e| e.to_string())?;
    let set = file::load(path).map_err(|e| e.to_string())?;
    let mut config = settings.acl_config();
    // Offline there is no local caller: only the configured admins are admins.
    config.admins = settings.acl.admins.iter().cloned().collect();
    let engine = AclEngine::new(config, set);
    let rights = Rights::parse(&args.rights, "RIGHTS").map_err(|e| e.to_string())?;
    let decision = engine.check_uncached(
        &args.user,
        &args.topic,
        rights,
        args.base.as_deref(),
        call_args,
    );
    Ok(decision.to_json())
}

/// The decision `acl.check` of a node gives.
fn ask_node(args: &CheckArgs, call_args: &Map<String, Value>) -> Result<Value, Exit> {
    let client = args.target.client();
    let mut params = Map::new();
    params.insert("user".into(), json!(args.user));
    params.insert("topic".into(), json!(args.topic));
    params.insert("rights".into(), json!(args.rights));
    params.insert("base".into(), json!(args.base));
    params.insert("args".into(), Value::Object(call_args.clone()));
    let call = CallRequest::new("acl.check", Params::Named(params));
    let outcome = actix_rt::System::new().block_on(client.call(&call));
    match outcome {
        Ok((result, _)) => Ok(result),
        Err(error) => {
            let exit = error.exit();
            Err(match error {
                ClientError::Call(err, _) => fail(exit, format!("acl.check failed: {err}")),
                ClientError::Other(_, message) => fail(exit, message),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arg_is_json_when_it_parses_and_a_string_otherwise() {
        assert_eq!(parse_arg("n=1").unwrap(), ("n".into(), json!(1)));
        assert_eq!(parse_arg("t=User").unwrap(), ("t".into(), json!("User")));
        assert!(parse_arg("=x").is_err());
        assert!(parse_arg("x").is_err());
    }
}
