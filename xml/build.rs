//! Generates the typed event structs (`clacks_xml::events`) from the schemas in `schemas/`,
//! so the Rust types and the XSDs that validate them cannot drift apart.
//!
//! The schemas are read with the crate's own DOM (`src/document`, included by path) and
//! turned into Rust by `build/codegen.rs`; the output goes to `$OUT_DIR/events.rs`, which
//! `src/events/mod.rs` includes. It also writes `$OUT_DIR/builtin_schemas.rs`, the
//! `include_str!` list of every schema file that `src/schema/builtin.rs` embeds, so adding a
//! schema file is all it takes to ship a new event type.

#[allow(dead_code)]
#[path = "src/error.rs"]
mod error;

#[allow(dead_code)]
#[path = "src/document/mod.rs"]
mod document;

#[path = "build/codegen.rs"]
mod codegen;

#[path = "build/naming.rs"]
mod naming;

pub use error::Result;

/// Needed by `src/document` (the `xml` prefix's namespace).
pub const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

fn main() {
    println!("cargo:rerun-if-changed=schemas");
    println!("cargo:rerun-if-changed=build");
    println!("cargo:rerun-if-changed=src/document");
    println!("cargo:rerun-if-changed=src/error.rs");
    let out_dir = match std::env::var("OUT_DIR") {
        Ok(d) => std::path::PathBuf::from(d),
        Err(e) => {
            eprintln!("OUT_DIR is not set: {e}");
            std::process::exit(1);
        }
    };
    let schemas = std::path::Path::new("schemas");
    let write = |name: &str, text: String| {
        std::fs::write(out_dir.join(name), text).map_err(|e| format!("{name}: {e}"))
    };
    let result = codegen::generate(schemas)
        .and_then(|code| write("events.rs", code))
        .and_then(|()| codegen::embed_list(schemas))
        .and_then(|list| write("builtin_schemas.rs", list));
    if let Err(e) = result {
        eprintln!("error generating typed events from schemas/: {e}");
        std::process::exit(1);
    }
}
