//! The `clacks objects` commands that call the `objects` plugin: each builds the RPC's named
//! parameters from its arguments, calls the node (`--url` / `--amqp`, as `clacks call`),
//! and prints the result as a table or, with `--json`, as the JSON the RPC returned (the whole
//! JSON-RPC error response on stdout when it fails). Attributes are `name=JSON` words (a
//! bare word that is not JSON is text; `name=[…]` several values).

use clacks_runtime::call::{CallRequest, Params};
use clap::Args;
use serde_json::{json, Map, Value};

use super::table;
use crate::client::ClientError;
use crate::commands::call::parse_params;
use crate::commands::Target;
use crate::exit::{fail, Exit};

/// Options every object command takes.
#[derive(Args, Debug)]
pub struct Common {
    #[command(flatten)]
    target: Target,
    /// Print the result as JSON (errors: the whole JSON-RPC response, on stdout).
    #[arg(long)]
    json: bool,
}

/// Calls `method` with `params` and prints the result with `render` (or as JSON).
fn invoke(
    common: &Common,
    method: &str,
    params: Map<String, Value>,
    render: impl Fn(&Value) -> Vec<String>,
) -> Exit {
    let call = CallRequest::new(method, Params::Named(params));
    let client = common.target.client();
    let outcome = actix_rt::System::new().block_on(async move { client.call(&call).await });
    match outcome {
        Ok((result, _)) => {
            if common.json {
                println!("{result}");
            } else {
                for line in render(&result) {
                    println!("{line}");
                }
            }
            Exit::Ok
        }
        Err(error) => {
            let exit = error.exit();
            match error {
                ClientError::Call(err, response) => {
                    if common.json {
                        println!("{response}");
                    }
                    let data = &response["error"]["data"];
                    fail(exit, format!("{method} failed: {err}\n  data: {data}"))
                }
                ClientError::Other(_, message) => fail(exit, message),
            }
        }
    }
}

/// `name=JSON` words as an object; anything else is a usage error naming `what`.
fn named(words: &[String], what: &str) -> Result<Map<String, Value>, String> {
    if words.is_empty() {
        return Ok(Map::new());
    }
    match parse_params(words) {
        Ok(Params::Named(map)) => Ok(map),
        Ok(Params::Positional(_)) => Err(format!("{what}: give name=JSON words (e.g. sn=Doe)")),
        Err(e) => Err(format!("{what}: {e}")),
    }
}

/// Arguments of `clacks objects get`.
#[derive(Args, Debug)]
pub struct GetArgs {
    #[command(flatten)]
    common: Common,
    /// Only these attributes (comma-separated).
    #[arg(long, value_delimiter = ',')]
    attrs: Option<Vec<String>>,
    /// The object: a DN or a UUID.
    #[arg(value_name = "DN|UUID")]
    reference: String,
}

/// `clacks objects get`.
pub fn get(args: GetArgs) -> Exit {
    let mut params = Map::new();
    params.insert("ref".into(), json!(args.reference));
    if let Some(attrs) = &args.attrs {
        params.insert("attrs".into(), json!(attrs));
    }
    invoke(&args.common, "objects.get", params, table::object)
}

/// Arguments of `clacks objects search`.
#[derive(Args, Debug)]
pub struct SearchArgs {
    #[command(flatten)]
    common: Common,
    /// Where to search: a DN (the default is the shipped configuration's objects base).
    #[arg(long, default_value = "dc=example,dc=net")]
    base: String,
    /// base (the base only), one (directly below it) or sub (the base and all below).
    #[arg(long, default_value = "sub", value_parser = ["base", "one", "sub"])]
    scope: String,
    /// Attributes to show as columns (and return; comma-separated).
    #[arg(long, value_delimiter = ',')]
    attrs: Option<Vec<String>>,
    /// Objects per page (at most 1000).
    #[arg(long)]
    limit: Option<usize>,
    /// Continue after this cursor (printed on stderr when there are more).
    #[arg(long)]
    cursor: Option<String>,
    /// The query, a JSON object: {"_type": "User", "sn": "Doe"}, with $in, $regex, $gt, $lt,
    /// $and, $or, $not (default: everything).
    #[arg(value_name = "QUERY", default_value = "{}")]
    query: String,
}

/// `clacks objects search`.
pub fn search(args: SearchArgs) -> Exit {
    let query: Value = match serde_json::from_str(&args.query) {
        Ok(q @ Value::Object(_)) => q,
        Ok(_) => {
            return fail(
                Exit::Usage,
                "QUERY must be a JSON object, e.g. '{\"sn\": \"Doe\"}'",
            )
        }
        Err(e) => return fail(Exit::Usage, format!("QUERY is not JSON: {e}")),
    };
    let mut params = Map::new();
    params.insert("base".into(), json!(args.base));
    params.insert("scope".into(), json!(args.scope));
    params.insert("query".into(), query);
    if let Some(attrs) = &args.attrs {
        params.insert("attrs".into(), json!(attrs));
    }
    if let Some(limit) = args.limit {
        params.insert("limit".into(), json!(limit));
    }
    if let Some(cursor) = &args.cursor {
        params.insert("cursor".into(), json!(cursor));
    }
    let columns = args.attrs.clone().unwrap_or_default();
    invoke(&args.common, "objects.search", params, move |page| {
        let count = page["objects"].as_array().map_or(0, Vec::len);
        match page["cursor"].as_str() {
            Some(c) => eprintln!("{count} objects; more with --cursor '{c}'"),
            None => eprintln!("{count} objects"),
        }
        table::objects(page, &columns)
    })
}

/// Arguments of `clacks objects create`.
#[derive(Args, Debug)]
pub struct CreateArgs {
    #[command(flatten)]
    common: Common,
    /// Extensions to activate (repeat or comma-separate).
    #[arg(long = "extension", value_delimiter = ',')]
    extensions: Vec<String>,
    /// The object type (objects.types lists them).
    #[arg(value_name = "TYPE")]
    object_type: String,
    /// The DN to create it below.
    #[arg(value_name = "PARENT")]
    parent: String,
    /// Attributes as name=JSON words.
    #[arg(value_name = "NAME=VALUE")]
    attrs: Vec<String>,
}

/// `clacks objects create`.
pub fn create(args: CreateArgs) -> Exit {
    let attrs = match named(&args.attrs, "attributes") {
        Ok(a) => a,
        Err(e) => return fail(Exit::Usage, e),
    };
    let mut params = Map::new();
    params.insert("type".into(), json!(args.object_type));
    params.insert("parent".into(), json!(args.parent));
    params.insert("attrs".into(), Value::Object(attrs));
    if !args.extensions.is_empty() {
        params.insert("extensions".into(), json!(args.extensions));
    }
    invoke(&args.common, "objects.create", params, table::object)
}

/// Arguments of `clacks objects update`.
#[derive(Args, Debug)]
pub struct UpdateArgs {
    #[command(flatten)]
    common: Common,
    /// Replace an attribute's values: name=JSON (repeat).
    #[arg(long, value_name = "NAME=VALUE")]
    set: Vec<String>,
    /// Add values: name=JSON (repeat).
    #[arg(long, value_name = "NAME=VALUE")]
    add: Vec<String>,
    /// Remove values: name=JSON (repeat).
    #[arg(long, value_name = "NAME=VALUE")]
    remove: Vec<String>,
    /// Activate an extension (repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    extend: Vec<String>,
    /// Retract an extension (repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    retract: Vec<String>,
    /// Only if the object is still at this revision.
    #[arg(long)]
    if_revision: Option<i64>,
    /// The object: a DN or a UUID.
    #[arg(value_name = "DN|UUID")]
    reference: String,
}

/// `clacks objects update`.
pub fn update(args: UpdateArgs) -> Exit {
    let mut changes = Map::new();
    for (key, words) in [
        ("set", &args.set),
        ("add", &args.add),
        ("remove", &args.remove),
    ] {
        match named(words, &format!("--{key}")) {
            Ok(map) if map.is_empty() => {}
            Ok(map) => {
                changes.insert(key.into(), Value::Object(map));
            }
            Err(e) => return fail(Exit::Usage, e),
        }
    }
    for (key, names) in [("extend", &args.extend), ("retract", &args.retract)] {
        if !names.is_empty() {
            changes.insert(key.into(), json!(names));
        }
    }
    if changes.is_empty() {
        return fail(
            Exit::Usage,
            "nothing to change: give --set, --add, --remove, --extend or --retract",
        );
    }
    let mut params = Map::new();
    params.insert("ref".into(), json!(args.reference));
    params.insert("changes".into(), Value::Object(changes));
    if let Some(r) = args.if_revision {
        params.insert("if_revision".into(), json!(r));
    }
    invoke(&args.common, "objects.update", params, table::object)
}

/// Arguments of `clacks objects move`.
#[derive(Args, Debug)]
pub struct MoveArgs {
    #[command(flatten)]
    common: Common,
    /// The object: a DN or a UUID.
    #[arg(value_name = "DN|UUID")]
    reference: String,
    /// The DN to move it below.
    #[arg(value_name = "PARENT")]
    parent: String,
}

/// `clacks objects move`.
pub fn move_to(args: MoveArgs) -> Exit {
    let mut params = Map::new();
    params.insert("ref".into(), json!(args.reference));
    params.insert("parent".into(), json!(args.parent));
    invoke(&args.common, "objects.move", params, table::object)
}

/// Arguments of `clacks objects remove`.
#[derive(Args, Debug)]
pub struct RemoveArgs {
    #[command(flatten)]
    common: Common,
    /// The object: a DN or a UUID.
    #[arg(value_name = "DN|UUID")]
    reference: String,
}

/// `clacks objects remove`.
pub fn remove(args: RemoveArgs) -> Exit {
    let mut params = Map::new();
    params.insert("ref".into(), json!(args.reference));
    invoke(&args.common, "objects.remove", params, |o| {
        vec![format!("removed {}", o["dn"].as_str().unwrap_or_default())]
    })
}

/// Arguments of `clacks objects call`.
#[derive(Args, Debug)]
pub struct CallArgs {
    #[command(flatten)]
    common: Common,
    /// The object: a DN or a UUID.
    #[arg(value_name = "DN|UUID")]
    reference: String,
    /// The method, as the object's definition names it.
    #[arg(value_name = "METHOD")]
    method: String,
    /// The method's parameters as name=JSON words.
    #[arg(value_name = "NAME=VALUE")]
    args: Vec<String>,
}

/// `clacks objects call`.
pub fn call(args: CallArgs) -> Exit {
    let method_args = match named(&args.args, "method parameters") {
        Ok(a) => a,
        Err(e) => return fail(Exit::Usage, e),
    };
    let mut params = Map::new();
    params.insert("ref".into(), json!(args.reference));
    params.insert("method".into(), json!(args.method));
    params.insert("args".into(), Value::Object(method_args));
    invoke(&args.common, "objects.call", params, |result| {
        vec![serde_json::to_string_pretty(result).unwrap_or_default()]
    })
}

/// Arguments of `clacks objects reindex`.
#[derive(Args, Debug)]
pub struct ReindexArgs {
    #[command(flatten)]
    common: Common,
}

/// `clacks objects reindex`.
pub fn reindex(args: ReindexArgs) -> Exit {
    invoke(&args.common, "objects.reindex", Map::new(), table::counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_words_must_be_named() {
        let words = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let map = named(
            &words(&["sn=Doe", "uidNumber=1000", "mail=[\"a@x\",\"b@x\"]"]),
            "attributes",
        );
        assert_eq!(
            map.map(Value::Object),
            Ok(json!({"sn": "Doe", "uidNumber": 1000, "mail": ["a@x", "b@x"]}))
        );
        assert!(named(&words(&["Doe"]), "attributes").is_err_and(|e| e.contains("name=JSON")));
        assert!(named(&words(&["sn=a", "sn=b"]), "attributes").is_err_and(|e| e.contains("twice")));
    }
}
