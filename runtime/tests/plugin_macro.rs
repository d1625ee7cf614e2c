//! Behaviour of `#[plugin]` / `#[command]` as plugin authors and the runtime see it: what
//! `Plugin::commands()` records (names, docs, argument specs, call types, timeouts, rights) and
//! how `Plugin::dispatch()` reads arguments (by position and by name, defaults, `Option`s),
//! reports mistakes (-32602 naming the argument, -32601 for unknown commands, handler errors),
//! injects the `&CallContext` and keeps `&mut self` state between calls; and how an `async fn`
//! command makes a plugin concurrent, served through `Plugin::dispatch_shared`.

use std::sync::Arc;

use clacks_runtime::call::{CallContext, CallError, CallRequest, CallType, Params, RpcErrorKind};
use clacks_runtime::plugin::{plugin, ArgSpec, CommandSpec, Plugin};
use clacks_runtime::serde_json::{json, Value};
use serde::{Deserialize, Serialize};

/// A point, to check that arguments and results may be any serde type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Point {
    x: i32,
    y: i32,
}

/// Counts, greets and fails on demand.
struct Counter {
    total: i64,
    calls: u32,
}

/// Counts things for tests.
///
/// Second paragraph.
#[plugin(name = "counter")]
impl Counter {
    /// Adds `by` to the total.
    ///
    /// Returns the new total.
    #[command]
    fn add(&mut self, #[arg(default = 1)] by: i64) -> i64 {
        self.calls += 1;
        self.total += by;
        self.total
    }

    /// The total so far.
    #[command]
    fn total(&self) -> i64 {
        self.total
    }

    /// Greets someone.
    #[command]
    fn greet(&self, name: String, greeting: Option<String>) -> String {
        format!("{}, {name}!", greeting.unwrap_or_else(|| "Hello".into()))
    }

    /// Where and for whom the call runs.
    #[command]
    fn whoami(&self, ctx: &CallContext, suffix: Option<String>, _verbose: Option<bool>) -> String {
        format!(
            "{}@{}{}",
            ctx.caller(),
            ctx.node(),
            suffix.unwrap_or_default()
        )
    }

    /// The context may come anywhere in the signature.
    #[command]
    fn tagged(&self, tag: String, ctx: &CallContext, #[arg(default = 2)] times: usize) -> String {
        format!("{}:{}", tag.repeat(times), ctx.node())
    }

    /// Fails with `reason` unless it is empty.
    #[command]
    fn fail(&self, reason: String) -> Result<u32, String> {
        if reason.is_empty() {
            Ok(7)
        } else {
            Err(reason)
        }
    }

    /// Fails with an I/O error.
    #[command]
    fn fail_io(&self) -> std::io::Result<()> {
        Err(std::io::Error::other("disk on fire"))
    }

    /// Fails with a ready-made call error, whose kind must survive.
    #[command]
    fn forbidden(&self) -> Result<(), CallError> {
        Err(CallError::new(RpcErrorKind::Forbidden, "no"))
    }

    /// Returns nothing.
    #[command]
    fn reset(&mut self) {
        self.total = 0;
    }

    /// Sums values on every node.
    #[command(name = "sum", call_type = "cumulative", timeout = 2.5, right = "r")]
    fn sum_values(&self, values: Vec<i64>) -> Result<i64, CallError> {
        Ok(values.iter().sum())
    }

    /// Finds something.
    #[command(call_type = "FirstResult", timeout = 10, right = "x")]
    fn find(&self, #[arg(default = String::from("*"))] pattern: String) -> Option<String> {
        (pattern != "none").then_some(pattern)
    }

    /// Mirrors a point.
    #[command]
    fn mirror(&self, p: Point, #[arg(default = Point { x: 0, y: 0 })] origin: Point) -> Point {
        Point {
            x: 2 * origin.x - p.x,
            y: 2 * origin.y - p.y,
        }
    }

    /// A keyword argument name.
    #[command]
    fn kind(&self, r#type: String, limit: Option<u8>) -> Value {
        json!({"type": r#type, "limit": limit})
    }

    /// Compiled out: neither described nor callable.
    #[cfg(not(test))]
    #[command]
    fn gone(&self) -> u32 {
        0
    }

    /// Compiled in.
    #[cfg(test)]
    #[command]
    fn kept(&self) -> u32 {
        1
    }

    /// Not a command: an ordinary method stays as written.
    fn helper(&self) -> i64 {
        self.total * 10
    }
}

fn ctx(method: &str, params: &Params) -> CallContext {
    let request = CallRequest::new(method, params.clone()).with_caller("alice");
    CallContext::new(Arc::from("node-1"), Arc::new(request))
}

fn call<P: Plugin>(plugin: &mut P, command: &str, params: Value) -> Result<Value, CallError> {
    let params = Params::from_json(Some(params))?;
    let ctx = ctx(&format!("{}.{command}", P::name()), &params);
    plugin.dispatch(&ctx, command, &params)
}

fn counter() -> Counter {
    Counter { total: 0, calls: 0 }
}

fn spec(name: &str) -> CommandSpec {
    Counter::commands()
        .into_iter()
        .find(|c| c.command == name)
        .unwrap_or_else(|| panic!("no command {name}"))
}

#[test]
fn plugin_name_and_doc_come_from_the_attribute_and_the_doc_comment() {
    assert_eq!(Counter::name(), "counter");
    assert_eq!(
        Counter::doc(),
        "Counts things for tests.\n\nSecond paragraph."
    );
}

#[test]
fn commands_are_listed_in_source_order_without_compiled_out_ones() {
    let names: Vec<String> = Counter::commands().into_iter().map(|c| c.command).collect();
    assert_eq!(
        names,
        [
            "add",
            "total",
            "greet",
            "whoami",
            "tagged",
            "fail",
            "fail_io",
            "forbidden",
            "reset",
            "sum",
            "find",
            "mirror",
            "kind",
            "kept"
        ]
    );
    assert!(Counter::commands().iter().all(|c| c.plugin == "counter"));
}

#[test]
fn spec_records_doc_args_and_return() {
    let add = spec("add");
    assert_eq!(add.method(), "counter.add");
    assert_eq!(add.doc, "Adds `by` to the total.\n\nReturns the new total.");
    assert_eq!(
        add.args,
        vec![ArgSpec {
            name: "by".into(),
            rust_type: "i64".into(),
            schema: json!({"type": "integer"}),
            required: false,
            default: Some(json!(1)),
        }]
    );
    assert_eq!(add.returns, "i64");
    assert_eq!(add.returns_schema, json!({"type": "integer"}));
    assert_eq!(add.call_type, CallType::Normal);
    assert_eq!(add.timeout_ms, None);
    assert_eq!(add.right, None);

    let greet = spec("greet");
    assert_eq!(greet.args.len(), 2);
    assert_eq!(greet.args[0].name, "name");
    assert!(greet.args[0].required);
    assert_eq!(greet.args[0].default, None);
    assert_eq!(greet.args[1].name, "greeting");
    assert_eq!(greet.args[1].rust_type, "Option<String>");
    assert_eq!(greet.args[1].schema, json!({"type": ["string", "null"]}));
    assert!(!greet.args[1].required);
    assert_eq!(greet.returns, "String");
}

#[test]
fn context_parameters_are_not_arguments_and_underscores_are_dropped() {
    let whoami = spec("whoami");
    let names: Vec<&str> = whoami.args.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["suffix", "verbose"]);
    let tagged = spec("tagged");
    let names: Vec<&str> = tagged.args.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["tag", "times"]);
    assert_eq!(tagged.args[1].default, Some(json!(2)));
    let kind = spec("kind");
    assert_eq!(kind.args[0].name, "type");
    assert_eq!(kind.args[1].rust_type, "Option<u8>");
}

#[test]
fn result_returns_are_unwrapped_and_unit_is_null() {
    assert_eq!(spec("fail").returns, "u32");
    assert_eq!(spec("fail_io").returns, "()");
    assert_eq!(spec("fail_io").returns_schema, json!({"type": "null"}));
    assert_eq!(spec("reset").returns, "()");
    assert_eq!(spec("find").returns, "Option<String>");
    assert_eq!(spec("mirror").returns, "Point");
    assert_eq!(spec("mirror").returns_schema, json!({}));
    assert_eq!(
        spec("mirror").args[1].default,
        Some(json!({"x": 0, "y": 0}))
    );
}

#[test]
fn command_attribute_sets_name_call_type_timeout_and_right() {
    let sum = spec("sum");
    assert_eq!(sum.doc, "Sums values on every node.");
    assert_eq!(sum.call_type, CallType::Cumulative);
    assert_eq!(sum.timeout_ms, Some(2500));
    assert_eq!(sum.right.as_deref(), Some("r"));
    assert_eq!(sum.args[0].rust_type, "Vec<i64>");
    assert_eq!(sum.args[0].schema["items"]["type"], "integer");
    let find = spec("find");
    assert_eq!(find.call_type, CallType::FirstResult);
    assert_eq!(find.timeout_ms, Some(10_000));
    assert_eq!(find.right.as_deref(), Some("x"));
    assert_eq!(find.args[0].default, Some(json!("*")));
    // Renamed: the method name is not a command.
    let mut c = counter();
    assert_eq!(
        call(&mut c, "sum_values", json!([[1]])).unwrap_err().code(),
        -32601
    );
    assert_eq!(call(&mut c, "sum", json!([[1, 2, 3]])).unwrap(), json!(6));
}

#[test]
fn positional_and_named_calls_read_the_same_arguments() {
    let mut c = counter();
    assert_eq!(
        call(&mut c, "greet", json!(["Ann"])).unwrap(),
        json!("Hello, Ann!")
    );
    assert_eq!(
        call(&mut c, "greet", json!(["Ann", "Hi"])).unwrap(),
        json!("Hi, Ann!")
    );
    assert_eq!(
        call(&mut c, "greet", json!(["Ann", null])).unwrap(),
        json!("Hello, Ann!")
    );
    assert_eq!(
        call(&mut c, "greet", json!({"greeting": "Yo", "name": "Bo"})).unwrap(),
        json!("Yo, Bo!")
    );
    assert_eq!(
        call(&mut c, "greet", json!({"name": "Bo"})).unwrap(),
        json!("Hello, Bo!")
    );
    assert_eq!(
        call(&mut c, "kind", json!({"type": "disk"})).unwrap(),
        json!({"type": "disk", "limit": null})
    );
    assert_eq!(
        call(
            &mut c,
            "mirror",
            json!({"p": {"x": 1, "y": 2}, "origin": {"x": 1, "y": 1}})
        )
        .unwrap(),
        json!({"x": 1, "y": 0})
    );
    assert_eq!(
        call(&mut c, "mirror", json!([{"x": 1, "y": 2}])).unwrap(),
        json!({"x": -1, "y": -2})
    );
}

#[test]
fn defaults_fill_in_missing_arguments() {
    let mut c = counter();
    assert_eq!(call(&mut c, "add", json!([])).unwrap(), json!(1));
    assert_eq!(call(&mut c, "add", json!({})).unwrap(), json!(2));
    assert_eq!(call(&mut c, "add", Value::Null).unwrap(), json!(3));
    assert_eq!(call(&mut c, "add", json!([10])).unwrap(), json!(13));
    assert_eq!(call(&mut c, "add", json!({"by": -3})).unwrap(), json!(10));
    assert_eq!(call(&mut c, "find", json!([])).unwrap(), json!("*"));
    assert_eq!(call(&mut c, "find", json!(["none"])).unwrap(), Value::Null);
}

#[test]
fn mut_self_state_is_kept_across_calls() {
    let mut c = counter();
    call(&mut c, "add", json!([5])).unwrap();
    call(&mut c, "add", json!([6])).unwrap();
    assert_eq!(call(&mut c, "total", json!([])).unwrap(), json!(11));
    assert_eq!(c.calls, 2);
    assert_eq!(c.helper(), 110);
    assert_eq!(call(&mut c, "reset", json!([])).unwrap(), Value::Null);
    assert_eq!(call(&mut c, "total", json!([])).unwrap(), json!(0));
}

#[test]
fn the_call_context_is_injected() {
    let mut c = counter();
    assert_eq!(
        call(&mut c, "whoami", json!([])).unwrap(),
        json!("alice@node-1")
    );
    assert_eq!(
        call(&mut c, "whoami", json!(["!"])).unwrap(),
        json!("alice@node-1!")
    );
    assert_eq!(
        call(&mut c, "whoami", json!({"suffix": "?"})).unwrap(),
        json!("alice@node-1?")
    );
    assert_eq!(
        call(&mut c, "tagged", json!(["ab"])).unwrap(),
        json!("abab:node-1")
    );
    assert_eq!(
        call(&mut c, "tagged", json!({"tag": "x", "times": 3})).unwrap(),
        json!("xxx:node-1")
    );
}

fn invalid_params(result: Result<Value, CallError>) -> CallError {
    let err = result.expect_err("expected an error");
    assert_eq!(err.code(), -32602, "{err}");
    assert_eq!(err.kind(), RpcErrorKind::InvalidParams, "{err}");
    err
}

#[test]
fn wrong_arguments_are_invalid_params_naming_the_argument() {
    let mut c = counter();
    // Wrong type, by position and by name.
    let err = invalid_params(call(&mut c, "greet", json!([42])));
    assert!(err.message().contains("counter.greet"), "{err}");
    assert!(err.message().contains("'name'"), "{err}");
    assert_eq!(err.data("argument"), Some(&json!("name")));
    let err = invalid_params(call(&mut c, "add", json!({"by": "many"})));
    assert_eq!(err.data("argument"), Some(&json!("by")));
    let err = invalid_params(call(&mut c, "greet", json!(["Ann", 5])));
    assert_eq!(err.data("argument"), Some(&json!("greeting")));
    let err = invalid_params(call(&mut c, "kind", json!(["disk", 300])));
    assert_eq!(err.data("argument"), Some(&json!("limit")));
    let err = invalid_params(call(&mut c, "mirror", json!([{"x": 1}])));
    assert_eq!(err.data("argument"), Some(&json!("p")));
    // Missing required argument.
    let err = invalid_params(call(&mut c, "greet", json!([])));
    assert!(err.message().contains("missing argument 'name'"), "{err}");
    assert_eq!(err.data("argument"), Some(&json!("name")));
    let err = invalid_params(call(&mut c, "greet", json!({"greeting": "Hi"})));
    assert!(err.message().contains("'name'"), "{err}");
    // Too many positional arguments, also for commands without any.
    let err = invalid_params(call(&mut c, "greet", json!(["a", "b", "c"])));
    assert!(err.message().contains("at most 2"), "{err}");
    let err = invalid_params(call(&mut c, "total", json!([1])));
    assert!(err.message().contains("at most 0"), "{err}");
    // Unknown names.
    let err = invalid_params(call(&mut c, "greet", json!({"name": "a", "nmae": "b"})));
    assert!(err.message().contains("'nmae'"), "{err}");
    let err = invalid_params(call(&mut c, "whoami", json!({"ctx": 1})));
    assert!(err.message().contains("'ctx'"), "{err}");
    // The context parameter does not count as an argument.
    let err = invalid_params(call(&mut c, "whoami", json!(["a", true, "c"])));
    assert!(err.message().contains("at most 2"), "{err}");
    assert_eq!(
        call(&mut c, "whoami", json!({"verbose": true})).unwrap(),
        json!("alice@node-1")
    );
    // Nothing ran.
    assert_eq!(c.calls, 0);
}

#[test]
fn unknown_commands_are_method_not_found() {
    let mut c = counter();
    let err = call(&mut c, "nope", json!([])).unwrap_err();
    assert_eq!(err.code(), -32601);
    assert_eq!(err.data("method"), Some(&json!("counter.nope")));
    assert_eq!(call(&mut c, "gone", json!([])).unwrap_err().code(), -32601);
    assert_eq!(
        call(&mut c, "helper", json!([])).unwrap_err().code(),
        -32601
    );
    assert_eq!(call(&mut c, "kept", json!([])).unwrap(), json!(1));
}

#[test]
fn handler_errors_become_call_errors() {
    let mut c = counter();
    assert_eq!(call(&mut c, "fail", json!([""])).unwrap(), json!(7));
    let err = call(&mut c, "fail", json!(["boom"])).unwrap_err();
    assert_eq!(err.code(), -32603);
    assert_eq!(err.kind(), RpcErrorKind::Internal);
    assert_eq!(err.data("reason"), Some(&json!("boom")));
    let err = call(&mut c, "fail_io", json!([])).unwrap_err();
    assert_eq!(err.code(), -32603);
    assert!(err.message().contains("disk on fire"), "{err}");
    let err = call(&mut c, "forbidden", json!([])).unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Forbidden);
}

#[test]
fn plugins_work_as_trait_objects() {
    let mut boxed: Box<dyn Plugin> = Box::new(counter());
    let params = Params::Positional(vec![json!(4)]);
    let result = boxed.dispatch(&ctx("counter.add", &params), "add", &params);
    assert_eq!(result.unwrap(), json!(4));
}

/// Holds one value of any type.
struct Holder<T> {
    value: T,
}

#[plugin(name = "holder-2", doc = "Explicit doc wins.")]
impl<T> Holder<T>
where
    T: Serialize + for<'de> Deserialize<'de> + Clone + Send + 'static,
{
    /// The value.
    #[command(call_type = "normal")]
    fn get(&self) -> T {
        self.value.clone()
    }

    /// Replaces the value, returning the old one.
    #[command]
    fn set(&mut self, value: T) -> T {
        std::mem::replace(&mut self.value, value)
    }
}

#[test]
fn generic_plugins_and_explicit_docs() {
    assert_eq!(Holder::<String>::name(), "holder-2");
    assert_eq!(Holder::<String>::doc(), "Explicit doc wins.");
    let specs = Holder::<u8>::commands();
    assert_eq!(specs[0].returns, "T");
    assert_eq!(specs[0].returns_schema, json!({}));
    assert_eq!(specs[1].args[0].rust_type, "T");
    let mut h = Holder { value: 1u8 };
    assert_eq!(call(&mut h, "set", json!([2])).unwrap(), json!(1));
    assert_eq!(call(&mut h, "get", json!([])).unwrap(), json!(2));
    assert_eq!(
        call(&mut h, "set", json!(["x"])).unwrap_err().code(),
        -32602
    );
}

/// No commands at all.
struct Empty;

#[plugin(name = "empty")]
impl Empty {}

#[test]
fn a_plugin_without_commands_has_no_commands_and_no_doc() {
    assert!(Empty::commands().is_empty());
    assert_eq!(Empty::doc(), "");
    assert_eq!(call(&mut Empty, "x", json!([])).unwrap_err().code(), -32601);
}

/// Looks things up after a round trip: a concurrent plugin.
struct Lookup {
    hits: std::sync::atomic::AtomicU64,
}

#[plugin(name = "lookup")]
impl Lookup {
    /// Finds `key`, `times` times, after a round trip.
    #[command(timeout = 3)]
    async fn find(
        &self,
        ctx: &CallContext,
        key: String,
        #[arg(default = 1)] times: usize,
    ) -> Result<String, CallError> {
        tokio::task::yield_now().await;
        self.hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if key.is_empty() {
            return Err(CallError::invalid_params("an empty key"));
        }
        Ok(format!("{key}@{}", ctx.node()).repeat(times))
    }

    /// Forgets everything (returns nothing).
    #[command]
    async fn forget(&self) {
        self.hits.store(0, std::sync::atomic::Ordering::SeqCst);
    }

    /// Hits so far: a synchronous command of a concurrent plugin.
    #[command]
    fn hits(&self) -> u64 {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// Serves `command` through `dispatch_shared`, awaiting an async command's future.
async fn call_shared(
    plugin: &Arc<Lookup>,
    command: &str,
    params: Value,
) -> Result<Value, CallError> {
    let params = Params::from_json(Some(params))?;
    let ctx = ctx(&format!("lookup.{command}"), &params);
    match plugin.clone().dispatch_shared(&ctx, command, &params)? {
        clacks_runtime::plugin::Reply::Ready(value) => Ok(value),
        clacks_runtime::plugin::Reply::Pending(future) => future.await,
    }
}

fn lookup() -> Arc<Lookup> {
    Arc::new(Lookup {
        hits: std::sync::atomic::AtomicU64::new(0),
    })
}

#[test]
fn async_commands_are_described_like_sync_ones() {
    let specs = Lookup::commands();
    let find = &specs[0];
    assert_eq!(find.command, "find");
    assert_eq!(find.timeout_ms, Some(3000));
    assert_eq!(find.returns, "String");
    let args: Vec<&str> = find.args.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(args, ["key", "times"], "the context is not an argument");
    assert_eq!(specs[1].returns, "()");
}

#[test]
fn only_plugins_with_async_commands_are_concurrent() {
    assert!(lookup().concurrent());
    assert!(!counter().concurrent());
}

#[actix_rt::test]
async fn async_commands_read_arguments_at_once_and_run_when_awaited() {
    let plugin = lookup();
    let found = call_shared(&plugin, "find", json!({"key": "k", "times": 2})).await;
    assert_eq!(found.unwrap(), json!("k@node-1k@node-1"));
    assert_eq!(
        call_shared(&plugin, "hits", json!([])).await.unwrap(),
        json!(1)
    );
    let err = call_shared(&plugin, "find", json!([])).await.unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::InvalidParams);
    assert_eq!(err.data("argument"), Some(&json!("key")));
    let err = call_shared(&plugin, "find", json!([""])).await.unwrap_err();
    assert_eq!(
        err.kind(),
        RpcErrorKind::InvalidParams,
        "the handler's own error"
    );
    assert_eq!(
        call_shared(&plugin, "forget", json!([])).await.unwrap(),
        Value::Null
    );
    assert_eq!(
        call_shared(&plugin, "hits", json!([])).await.unwrap(),
        json!(0)
    );
    let err = call_shared(&plugin, "nothing", json!([]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::MethodNotFound);
}

#[test]
fn dispatch_with_mut_self_serves_sync_commands_but_not_async_ones() {
    let mut plugin = Lookup {
        hits: std::sync::atomic::AtomicU64::new(5),
    };
    assert_eq!(call(&mut plugin, "hits", json!([])).unwrap(), json!(5));
    let err = call(&mut plugin, "find", json!(["k"])).unwrap_err();
    assert_eq!(err.kind(), RpcErrorKind::Internal);
}
