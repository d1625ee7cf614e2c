//! The event schemas shipped with the crate, embedded at compile time so a binary needs no
//! schema files at run time.
//!
//! The files live in `xml/schemas/`; `build.rs` lists them (as `include_str!` entries) and
//! also generates the typed event structs from the same files, so the embedded schemas, the
//! structs and the folder cannot drift apart.

/// (file name, text) of every built-in schema, sorted by file name.
pub(crate) const SCHEMAS: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/builtin_schemas.rs"));
