//! Procedural macros for Clacks plugins: `#[plugin]` turns an ordinary `impl` block into a
//! plugin whose methods marked `#[command]` are callable as `plugin.command` over JSON-RPC
//! (DESIGN.md §3). The macro records each command's signature, doc comment, call type, timeout
//! and ACL right, so the registry can describe every command (`core.describe`, OpenRPC) without
//! the author writing any of it twice.
//!
//! # Example
//!
//! ```ignore
//! use clacks_runtime::call::{CallContext, CallError};
//! use clacks_runtime::plugin::plugin; // re-export of clacks_macros::plugin
//!
//! /// Counts things.
//! pub struct Counter {
//!     total: i64,
//! }
//!
//! /// A counter that remembers its total between calls.
//! #[plugin(name = "counter")]
//! impl Counter {
//!     /// Adds `by` (default 1) and returns the new total.
//!     #[command]
//!     fn add(&mut self, #[arg(default = 1)] by: i64) -> i64 {
//!         self.total += by;
//!         self.total
//!     }
//!
//!     /// The total, as seen by every node.
//!     #[command(call_type = "cumulative", timeout = 5, right = "r")]
//!     fn total(&self, ctx: &CallContext, label: Option<String>) -> Result<String, CallError> {
//!         Ok(format!("{}@{}: {}", label.unwrap_or_default(), ctx.node(), self.total))
//!     }
//!
//!     // Not a command: an ordinary method, left alone.
//!     fn reset(&mut self) {
//!         self.total = 0;
//!     }
//! }
//! ```
//!
//! The impl block is kept as written (minus the `#[command]` and `#[arg]` attributes, which only
//! `#[plugin]` understands) and the macro adds, in outline:
//!
//! ```ignore
//! impl ::clacks_runtime::plugin::Plugin for Counter {
//!     fn name() -> &'static str { "counter" }
//!     fn doc() -> &'static str { "A counter that remembers its total between calls." }
//!     fn commands() -> Vec<CommandSpec> {
//!         // counter.add: args [by: i64, not required, default 1], returns "i64", NORMAL
//!         // counter.total: args [label: Option<String>], returns "String", CUMULATIVE,
//!         //                timeout_ms Some(5000), right Some("r")
//!     }
//!     fn dispatch(&mut self, ctx: &CallContext, command: &str, params: &Params)
//!         -> Result<Value, CallError>
//!     {
//!         match command {
//!             "add" => {
//!                 let args = ArgReader::new("counter.add", params, &["by"])?;
//!                 let by: i64 = match args.get::<i64>(0)? { Some(v) => v, None => 1 };
//!                 to_result("counter.add", self.add(by))
//!             }
//!             "total" => {
//!                 let args = ArgReader::new("counter.total", params, &["label"])?;
//!                 let label: Option<String> = args.get::<Option<String>>(0)?.unwrap_or(None);
//!                 match self.total(ctx, label) {
//!                     Ok(v) => to_result("counter.total", v),
//!                     Err(e) => Err(Into::<CallError>::into(e)),
//!                 }
//!             }
//!             _ => Err(CallError::method_not_found(&format!("counter.{command}"))),
//!         }
//!     }
//! }
//! ```
//!
//! # Rules
//!
//! - `#[plugin(name = "...")]` is required; the name is identifier-like (letters, digits, `_`,
//!   `-`) without dots. `doc = "..."` overrides the impl block's doc comment as the plugin doc.
//! - `#[command]` takes optional `call_type` (`"normal"`, `"firstresult"`, `"cumulative"`, any
//!   case), `timeout` (seconds, integer or float), `right` (ACL letters among `rwcdmsx`) and
//!   `name` (renames the command).
//! - A command method takes `&self` or `&mut self` (the plugin's actor serves one call at a
//!   time), is not `unsafe` or generic over types, and names each argument with a plain
//!   identifier; a leading `_` is dropped from the argument name.
//! - A command may be an `async fn`. A plugin with at least one makes the plugin *concurrent*:
//!   its actor shares it (`Arc`) and runs each async call's future on the plugin's own thread
//!   beside the others (up to the plugin's in-flight limit), so **every command of such a plugin
//!   takes `&self`** and keeps mutable state in interior-mutable fields (`Mutex`, atomics, or
//!   `Cell`/`RefCell` never borrowed across an `.await`; the futures stay on the plugin's thread
//!   and need not be `Send`). Arguments are read before the future starts, so bad ones are
//!   -32602 at once. For such a plugin the macro also generates `concurrent()` (true) and
//!   `dispatch_shared(self: Arc<Self>, …)`, whose arm for an async command returns
//!   `Reply::Pending(Box::pin(async move { self.method(args).await … }))`.
//! - A `&CallContext` parameter (any path ending in `CallContext`) receives the call's context
//!   and is not an argument. Other arguments are owned `serde` types: `Option<…>` arguments may
//!   be left out (or `null`); `#[arg(default = EXPR)]` supplies a value when left out (the
//!   expression must have the argument's type and be `Serialize`; it is also recorded in the
//!   spec, so it cannot use `self`).
//! - A return type whose last segment is `Result` reports `Err(e)` as the call's error through
//!   `Into<CallError>` (`String`, `&str`, `io::Error` and `CallError` itself convert); any other
//!   return type is serialized with `serde`; no return type means `null`.
//! - Bad arguments are -32602, an unknown command -32601 and a handler error whatever the
//!   conversion to `CallError` makes it (-32603 for strings and I/O errors).
//! - Types are recognised by their last path segment, since a macro sees only tokens.
//! - Generated code refers to `::clacks_runtime::…` (including its `serde_json` re-export), so a
//!   plugin crate depends on `clacks-runtime` only.
//!
//! Do not import `command` next to `plugin`: `#[plugin]` consumes the `#[command]` attributes
//! before name resolution, so the import would be unused. The exported `#[command]` exists only
//! to explain the mistake when it is used outside a `#[plugin]` block.

#![warn(missing_docs)]

use proc_macro::TokenStream;

mod attrs;
mod command;
mod dispatch;
mod errors;
mod expand;
mod types;

/// Makes an inherent `impl` block a Clacks plugin: implements
/// `::clacks_runtime::plugin::Plugin` for the type, with one command per method marked
/// `#[command]`. See the [crate documentation](crate) for the attribute arguments and rules.
#[proc_macro_attribute]
pub fn plugin(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::plugin(args.into(), item.into()).into()
}

/// Marks a method of a `#[plugin]` impl block as a command. `#[plugin]` reads and removes it;
/// reaching this macro means it was used elsewhere, which is an error.
#[proc_macro_attribute]
pub fn command(_args: TokenStream, item: TokenStream) -> TokenStream {
    let err = syn::Error::new(
        proc_macro2::Span::call_site(),
        "#[command] must be used on a method inside an impl block marked #[plugin(name = \"…\")]",
    )
    .to_compile_error();
    // The item is kept so that the error above is the only one reported.
    let item = proc_macro2::TokenStream::from(item);
    quote::quote!(#err #item).into()
}
