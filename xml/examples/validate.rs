//! Validates event files against the built-in schemas (plus any `--schemas DIR`) and prints
//! `file:line:column: message` for each failure, as a command-line tool would.

use clacks_xml::{Document, SchemaSet};
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut set = match SchemaSet::builtin() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    if args.first().map(String::as_str) == Some("--schemas") && args.len() > 1 {
        let dir = args.remove(1);
        args.remove(0);
        set = match SchemaSet::from_dir(Path::new(&dir)) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        };
    }
    let mut failed = false;
    for file in args {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{file}: {e}");
                failed = true;
                continue;
            }
        };
        match Document::parse(&text).and_then(|d| set.validate_event(&d)) {
            Ok(info) => println!("{file}: valid {}", info.name),
            Err(e) => {
                println!("{file}:{e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
