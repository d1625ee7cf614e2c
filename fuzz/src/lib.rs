//! The bodies of the fuzz targets, as a library so each `fuzz_targets/*.rs` is one line and the
//! workspace's corpus replay (`tests/tests/fuzz_corpus.rs`) runs the very same code.

#![warn(missing_docs)]

pub mod bodies;
