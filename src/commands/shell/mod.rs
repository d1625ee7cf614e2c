//! `clacks shell`: an interactive shell over HTTP(S) or AMQP(S) (the options of `clacks call`),
//! and its non-interactive forms.
//!
//! ```text
//! clacks shell [--url URL | --amqp URL --domain D] [--node N] [--json] [--timeout S]
//!              [-c LINE | FILE | -] [--keep-going]
//! ```
//!
//! A line is `[--node N | --all | --where FACT=VALUE | --batch N | --json]… METHOD ARG…`, the
//! arguments as `clacks call` reads them, or one of the shell's own commands (`help [METHOD]`,
//! `:node [N]`, `:json [on|off]`, `:refresh`, `quit`).
//!
//! - `line.rs`: reading a line; `state.rs`: running it (the kept connection, the pinned node,
//!   Ctrl-C); `render.rs`: tables, per-node lines, errors; `catalog.rs`: what `core.describe`
//!   and `core.nodes` tell (help, completion); `completion.rs`: Tab; `editor.rs`: the
//!   interactive loop and the history; `script.rs`: `-c` and scripts.
//!
//! Logging in (a password prompt when the gateway asks for one) comes with authentication.

mod catalog;
mod completion;
mod editor;
mod line;
mod render;
mod script;
mod state;

use clap::Args;
use std::io::IsTerminal;
use std::path::PathBuf;

use super::Target;
use crate::exit::{fail, Exit};
use state::Shell;

/// Arguments of `clacks shell`.
#[derive(Args, Debug)]
pub struct ShellArgs {
    #[command(flatten)]
    target: Target,
    /// Pin calls to this node (`:node N` in the shell; `:node` alone unpins).
    #[arg(long)]
    node: Option<String>,
    /// Print each answer as its raw JSON-RPC response (`:json on|off` in the shell).
    #[arg(long)]
    json: bool,
    /// Run this one line and exit: 0 success, 1 call error, 2 usage, 3 unreachable, 4 timeout.
    #[arg(
        short = 'c',
        value_name = "LINE",
        conflicts_with = "script",
        allow_hyphen_values = true
    )]
    command: Option<String>,
    /// In a script, go on after a failing line (the exit code is still the first failure's).
    #[arg(long)]
    keep_going: bool,
    /// A script to run, one line per call (`#` starts a comment); `-` reads standard input.
    script: Option<PathBuf>,
}

/// Runs `clacks shell`.
pub fn run(args: ShellArgs) -> Exit {
    let client = args.target.client();
    let stdin = std::io::stdin();
    let interactive = args.command.is_none() && args.script.is_none() && stdin.is_terminal();
    let shell = Shell::new(client, args.node, args.json, interactive);
    if let Some(line) = &args.command {
        return script::run_one(shell, line);
    }
    match &args.script {
        None if interactive => editor::run(shell),
        None => script::run_lines(shell, stdin.lock(), "<stdin>", args.keep_going),
        Some(path) if path.as_os_str() == "-" => {
            script::run_lines(shell, stdin.lock(), "<stdin>", args.keep_going)
        }
        Some(path) => match std::fs::File::open(path) {
            Ok(file) => {
                let source = path.display().to_string();
                let reader = std::io::BufReader::new(file);
                script::run_lines(shell, reader, &source, args.keep_going)
            }
            Err(e) => fail(Exit::Usage, format!("{}: {e}", path.display())),
        },
    }
}
