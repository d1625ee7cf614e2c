//! `clacks dead-letters list|replay`: the calls the domain gave up on (`D.command.dead` on a
//! broker), through `core.dead_letters` and `core.replay_dead_letters` on any node.

use clacks_runtime::call::{CallRequest, Params};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::Target;
use crate::client::ClientError;
use crate::exit::{fail, Exit};

/// Arguments of `clacks dead-letters`.
#[derive(Args, Debug)]
pub struct DeadLettersArgs {
    #[command(flatten)]
    target: Target,
    /// Print the JSON the node answered.
    #[arg(long)]
    json: bool,
    #[command(subcommand)]
    action: Action,
}

/// What to do with the dead letters.
#[derive(Subcommand, Debug)]
enum Action {
    /// List them (oldest first) with their reason; they stay where they are.
    List {
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Publish the ones with these ids again as new calls, and remove them from the dead
    /// letters.
    Replay {
        /// Ids as `list` prints them.
        #[arg(required = true)]
        ids: Vec<String>,
    },
}

/// Runs `clacks dead-letters`.
pub fn run(args: DeadLettersArgs) -> Exit {
    let client = args.target.client();
    let (method, params) = match &args.action {
        Action::List { limit } => ("core.dead_letters", json!({ "limit": limit })),
        Action::Replay { ids } => ("core.replay_dead_letters", json!({ "ids": ids })),
    };
    let params = match Params::from_json(Some(params)) {
        Ok(params) => params,
        Err(e) => return fail(Exit::Usage, e.to_string()),
    };
    let call = CallRequest::new(method, params);
    let outcome = actix_rt::System::new().block_on(async move { client.call(&call).await });
    let answer = match outcome {
        Ok((answer, _)) => answer,
        Err(error) => {
            let exit = error.exit();
            return match error {
                ClientError::Call(err, _) => fail(exit, format!("{method} failed: {err}")),
                ClientError::Other(_, message) => fail(exit, message),
            };
        }
    };
    if args.json {
        println!("{answer}");
        return Exit::Ok;
    }
    match args.action {
        Action::List { .. } => print_list(&answer),
        Action::Replay { ids } => {
            let done: Vec<&str> = answer
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for id in &ids {
                let state = if done.contains(&id.as_str()) {
                    "replayed"
                } else {
                    "not found"
                };
                println!("{id}\t{state}");
            }
            if done.len() < ids.len() {
                return fail(
                    Exit::CallFailed,
                    format!("{} of {} not found", ids.len() - done.len(), ids.len()),
                );
            }
        }
    }
    Exit::Ok
}

fn print_list(answer: &Value) {
    let letters = answer.as_array().map(Vec::as_slice).unwrap_or_default();
    if letters.is_empty() {
        println!("no dead letters");
        return;
    }
    for letter in letters {
        let text = |key: &str| letter[key].as_str().unwrap_or("-").to_owned();
        println!(
            "{}\t{}\tcaller {}\tkey {}\t{}",
            text("id"),
            text("method"),
            text("caller"),
            text("routing_key"),
            text("reason")
        );
    }
}
