//! # clacks: the node as a library, and the `clacks` binary
//!
//! `clacks node` is a thin user of [`NodeRunner`], and so can be any program that wants a
//! node with plugins of its own: the runner does the layering of the configuration, the
//! choice of transport (in-process, or AMQP when a broker is configured), the HTTP gateway
//! bound under the loopback rule, the signals, the waits for the domain and the plugins, the
//! ready line and the exit codes.
//!
//! ```no_run
//! use clacks::{Exit, NodeRunner};
//!
//! fn main() -> std::process::ExitCode {
//!     // Takes the flags of `clacks node`: --config, --name, --domain, --http, --amqp, …
//!     let runner = match NodeRunner::from_args(std::env::args_os()) {
//!         Ok(runner) => runner,
//!         Err(exit) => return exit.into(),
//!     };
//!     let plugins = clacks_plugins::standard(runner.settings());
//!     // .plugin(MyPlugin::definition()) adds a plugin of your own.
//!     let exit: Exit = runner.plugins(plugins).run();
//!     exit.into()
//! }
//! ```
//!
//! `examples/greeter-node/` builds such a binary with the README's greeter plugin.
//!
//! ## Layout
//! - [`exit`]: the exit codes scripts branch on (0 ok, 1 failed, 2 usage or config, 3
//!   unreachable, 4 timeout) and `clacks: MESSAGE` on stderr.
//! - `logging`: the tracing subscriber on stderr (`RUST_LOG`, `--log`, `log.level`).
//! - `runner/`: [`NodeRunner`] (`mod.rs`: checks, start, start-up, run, exit), [`NodeArgs`]
//!   and the configuration layers (`args.rs`), the gateway's listener (`listener.rs`) and the
//!   signals (`signals.rs`).
//!
//! The binary (`main.rs`) adds `commands/` (one file per subcommand) and `client.rs` (the
//! JSON-RPC client of `call`, `describe`, `tree`, `emit`, `generate`).
//!
//! ## Data flow of `clacks node`
//! ```text
//! NodeArgs → settings (defaults, file, CLACKS_… variables, flags) → logging
//!   → NodeBuilder::check (settings, name, each plugin's table): exit 2 naming the key
//!   → bind the gateway (loopback unless --insecure-public) → NodeBuilder::start
//!   → wait to join the domain, then for the plugins → ready line
//!   → SIGTERM / Ctrl-C (also during start-up): shutdown, exit 0 | root supervisor gave up: exit 1
//! ```

#![warn(missing_docs)]

pub mod exit;
mod logging;
mod runner;

pub use exit::Exit;
pub use runner::{NodeArgs, NodeRunner};
