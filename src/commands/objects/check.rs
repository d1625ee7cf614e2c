//! `clacks objects check [DIR|FILE…] [--config FILE] [--json]`: loads object definitions
//! offline — the tool an administrator runs on definitions before deploying them. Without
//! paths it checks the folders of `objects.definition_dirs` (defaults, `--config FILE` and
//! `CLACKS_…` variables, as a node reads them). Exit 0 when all load, printing the object
//! types and extensions found (`--json`: the resolved model); otherwise one `FILE:LINE:
//! message` per fault on standard output and exit 1; an unreadable path, or no folders to
//! check, exits 2, as for `clacks validate`.

use clacks_objects::definition::{describe, Catalog};
use clacks_objects::error::{Error, ErrorKind};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

use crate::exit::{fail, Exit};

/// Arguments of `clacks objects check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Print the resolved model (or the faults) as JSON.
    #[arg(long)]
    json: bool,
    /// Without paths: the configuration file whose objects.definition_dirs to check.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Definition folders (their *.xml files) or files; default: objects.definition_dirs.
    #[arg(value_name = "DIR|FILE")]
    paths: Vec<PathBuf>,
}

fn fault_json(e: &Error) -> serde_json::Value {
    json!({"file": e.file(), "line": e.line(), "message": e.message(), "kind": format!("{:?}", e.kind())})
}

/// The folders of `objects.definition_dirs`, as a node with `--config FILE` reads them.
fn configured_dirs(config: Option<&std::path::Path>) -> Result<Vec<PathBuf>, String> {
    let env: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(n, v)| Some((n.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    let settings = clacks_runtime::config::load(config, env, &[]).map_err(|e| e.to_string())?;
    if settings.objects.definition_dirs.is_empty() {
        return Err("no definitions to check: give DIR|FILE or set objects.definition_dirs".into());
    }
    Ok(settings.objects.definition_dirs)
}

/// Runs `clacks objects check`.
pub fn check(args: CheckArgs) -> Exit {
    let paths = if args.paths.is_empty() {
        match configured_dirs(args.config.as_deref()) {
            Ok(dirs) => dirs,
            Err(e) => return fail(Exit::Usage, e),
        }
    } else {
        args.paths.clone()
    };
    let catalog = match Catalog::load(&paths) {
        Ok(c) => c,
        Err(errors) => {
            let (io, faults): (Vec<&Error>, Vec<&Error>) =
                errors.iter().partition(|e| e.kind() == ErrorKind::Io);
            if args.json {
                let all: Vec<_> = errors.iter().map(fault_json).collect();
                println!("{}", json!({"ok": false, "faults": all}));
            } else {
                for e in &faults {
                    println!("{e}");
                }
            }
            for e in &io {
                fail(Exit::Usage, e);
            }
            return if io.is_empty() {
                Exit::CallFailed
            } else {
                Exit::Usage
            };
        }
    };
    for note in catalog.notes() {
        eprintln!("clacks: note: {note}");
    }
    if args.json {
        let mut model = describe(&catalog);
        model["ok"] = json!(true);
        println!("{model}");
        return Exit::Ok;
    }
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let (mut types, mut extensions) = (0, 0);
    for o in catalog.objects() {
        let attrs = count(o.attributes.len(), "attribute");
        if o.base_object {
            types += 1;
            let exts: Vec<String> = catalog
                .extensions_of(&o.name)
                .iter()
                .map(|e| e.name.clone())
                .collect();
            let exts = if exts.is_empty() {
                String::new()
            } else {
                format!("; extensions {}", exts.join(", "))
            };
            println!(
                "{}: object type ({}, {attrs}){exts}",
                o.name,
                o.backend.name()
            );
        } else {
            extensions += 1;
            println!(
                "{}: extension ({}, {attrs}, {} foreign) of {}",
                o.name,
                o.backend.name(),
                o.foreign.len(),
                o.extends.join(", ")
            );
        }
    }
    println!(
        "{}: {}, {}",
        count(catalog.files().len(), "file"),
        count(types, "object type"),
        count(extensions, "extension")
    );
    Exit::Ok
}
