//! `clacks validate [--schemas DIR]… [--no-builtin] FILE…`: checks event files offline
//! against the built-in schemas plus the given folders (the same set a node builds from
//! `events.schema_dirs`), the tool a plugin author runs on examples. Exit 0 when every file is
//! valid; otherwise one `FILE:LINE:COLUMN: message` per faulty file on standard output and
//! exit 1; an unreadable file or a schema folder that does not load exits 2. An event declared
//! by two schema files is a warning on standard error naming both (the first wins, as on a
//! node); it does not change the exit code.

use clacks_runtime::events::{check, EventSchemas};
use clap::Args;
use std::path::PathBuf;

use crate::exit::{fail, Exit};

/// Arguments of `clacks validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    /// A folder of extra event schemas (*.xsd); may be repeated.
    #[arg(long = "schemas", value_name = "DIR")]
    schemas: Vec<PathBuf>,
    /// Validate against the given folders only, without the built-in schemas.
    #[arg(long)]
    no_builtin: bool,
    /// Also print `FILE: valid EVENT` for every valid file.
    #[arg(long, short)]
    verbose: bool,
    /// Event files: an `<Event>` envelope holding one event, or a bare event element.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// `FILE:LINE:COLUMN: message` (or `FILE: message` without a position).
fn fault(file: &str, err: &clacks_xml::Error) -> String {
    if err.line() > 0 {
        format!("{file}:{}:{}: {}", err.line(), err.column(), err.message())
    } else {
        format!("{file}: {}", err.message())
    }
}

/// Runs `clacks validate`.
pub fn run(args: ValidateArgs) -> Exit {
    if args.no_builtin && args.schemas.is_empty() {
        return fail(Exit::Usage, "--no-builtin needs at least one --schemas DIR");
    }
    let schemas = match EventSchemas::load(!args.no_builtin, &args.schemas) {
        Ok(s) => s,
        Err(e) => return fail(Exit::Usage, format!("schemas do not load: {e}")),
    };
    // A duplicate event is the node's warning too: reported, not a failure.
    for warning in schemas.warnings() {
        eprintln!("clacks: warning: {warning}");
    }
    let mut outcome = Exit::Ok;
    for path in &args.files {
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                fail(Exit::Usage, format!("{file}: cannot read: {e}"));
                outcome = Exit::Usage;
                continue;
            }
        };
        match check(&text, schemas.set(), true) {
            Ok(event) => {
                if args.verbose {
                    println!("{file}: valid {}", event.name);
                }
            }
            Err(err) => {
                println!("{}", fault(&file, &err));
                if outcome == Exit::Ok {
                    outcome = Exit::CallFailed;
                }
            }
        }
    }
    outcome
}
