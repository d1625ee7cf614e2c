//! `clacks`: the one binary. `clacks node` runs a node; `call`, `shell`, `ping`, `describe` and
//! `tree` talk to a running node over its HTTP JSON-RPC gateway (or over AMQP). Exit codes
//! follow PROTOCOL.md: 0 success, 1 the call returned an error, 2 usage or config error, 3
//! cannot reach the node, 4 timeout.
//!
//! Layout: `commands/` holds one file (or folder: `shell/`) per subcommand; `client.rs` the
//! JSON-RPC client; `fleet/` the `--all`/`--where`/`--batch` targeting; `paint.rs` colour on
//! terminals only. The node itself, the exit codes and the logging live in the library
//! (`lib.rs`, [`clacks`]), so that other programs can run a node with plugins of their own.

#![warn(missing_docs)]

mod client;
mod commands;
mod fleet;
mod paint;

// `crate::exit` for the commands: the exit codes are the library's.
use clacks::exit;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Clacks: an actor-model infrastructure service framework.
///
/// Start a node with `clacks node`, then call its commands with `clacks call core.ping`.
#[derive(Parser)]
#[command(
    name = "clacks",
    version,
    propagate_version = true,
    arg_required_else_help = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a node: its plugins, supervision tree and HTTP JSON-RPC gateway.
    Node(clacks::NodeArgs),
    /// Call a command in the domain (or on every node: --all, --where) and print its result.
    Call(commands::call::CallArgs),
    /// An interactive shell (completion, help, history); `-c LINE` or a script file without one.
    Shell(commands::shell::ShellArgs),
    /// Ping every node of the domain and print its round-trip time.
    Ping(commands::ping::PingArgs),
    /// List every command of the domain with its signature and docs.
    Describe(commands::describe::DescribeArgs),
    /// Draw the actor tree of the domain's nodes.
    Tree(commands::tree::TreeArgs),
    /// Publish event files (validated by the node) into the domain.
    Emit(commands::emit::EmitArgs),
    /// Print the domain's events as they arrive, optionally filtered by XPath.
    Listen(commands::listen::ListenArgs),
    /// Check event files against the event schemas, offline.
    Validate(commands::validate::ValidateArgs),
    /// Generate events (a scripted PBX's PhoneCall events) and publish or print them.
    Generate(commands::generate::GenerateArgs),
    /// Object definitions: `objects check DIR|FILE…` loads and checks them offline.
    Objects(commands::objects::ObjectsArgs),
    /// The calls the domain gave up on: `dead-letters list`, `dead-letters replay ID…`.
    DeadLetters(commands::dead_letters::DeadLettersArgs),
    /// ACLs: `acl check USER TOPIC RIGHTS` says who may do what, and which entry decided.
    Acl(commands::acl::AclArgs),
    /// Administer a domain on its broker: `domain teardown` removes its durable queues and exchanges.
    Domain(commands::domain::DomainArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return exit::from_clap(&err).into(),
    };
    let exit = match cli.command {
        Command::Node(args) => commands::node::run(args),
        Command::Call(args) => commands::call::run(args),
        Command::Shell(args) => commands::shell::run(args),
        Command::Ping(args) => commands::ping::run(args),
        Command::Describe(args) => commands::describe::run(args),
        Command::Tree(args) => commands::tree::run(args),
        Command::Emit(args) => commands::emit::run(args),
        Command::Listen(args) => commands::listen::run(args),
        Command::Validate(args) => commands::validate::run(args),
        Command::Generate(args) => commands::generate::run(args),
        Command::Objects(args) => commands::objects::run(args),
        Command::DeadLetters(args) => commands::dead_letters::run(args),
        Command::Domain(args) => commands::domain::run(args),
        Command::Acl(args) => commands::acl::run(args),
    };
    exit.into()
}
