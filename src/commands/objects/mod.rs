//! `clacks objects`: the object model from the command line. `check` loads definitions
//! offline (`check`); `get`, `search`, `create`, `update`, `move`, `remove`, `call` and
//! `reindex` call the `objects` plugin's RPC on a node (`rpc`), printing tables (`table`) or,
//! with `--json`, the result as the RPC returned it; exit codes as `clacks call` (0 ok,
//! 1 the call returned an error, 2 usage, 3 unreachable, 4 timeout).

mod check;
mod rpc;
mod table;

use clap::{Args, Subcommand};

use crate::exit::Exit;

/// Arguments of `clacks objects`.
#[derive(Args, Debug)]
pub struct ObjectsArgs {
    #[command(subcommand)]
    command: ObjectsCommand,
}

#[derive(Subcommand, Debug)]
enum ObjectsCommand {
    /// Load object definitions offline and print every fault as FILE:LINE: message.
    Check(check::CheckArgs),
    /// Show one object (by DN or UUID): its attributes, one per line.
    Get(rpc::GetArgs),
    /// Search the object index: one line per object, by DN.
    Search(rpc::SearchArgs),
    /// Create an object of TYPE below PARENT with name=JSON attributes.
    Create(rpc::CreateArgs),
    /// Change an object in one step: --set/--add/--remove name=JSON, --extend/--retract EXT.
    Update(rpc::UpdateArgs),
    /// Move an object (with everything below it) below PARENT.
    Move(rpc::MoveArgs),
    /// Remove an object.
    Remove(rpc::RemoveArgs),
    /// Run a method of an object's definition with name=JSON arguments.
    Call(rpc::CallArgs),
    /// Rebuild the object index and print what it did.
    Reindex(rpc::ReindexArgs),
}

/// Runs `clacks objects`.
pub fn run(args: ObjectsArgs) -> Exit {
    match args.command {
        ObjectsCommand::Check(args) => check::check(args),
        ObjectsCommand::Get(args) => rpc::get(args),
        ObjectsCommand::Search(args) => rpc::search(args),
        ObjectsCommand::Create(args) => rpc::create(args),
        ObjectsCommand::Update(args) => rpc::update(args),
        ObjectsCommand::Move(args) => rpc::move_to(args),
        ObjectsCommand::Remove(args) => rpc::remove(args),
        ObjectsCommand::Call(args) => rpc::call(args),
        ObjectsCommand::Reindex(args) => rpc::reindex(args),
    }
}
