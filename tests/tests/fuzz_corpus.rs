//! The fuzz targets' corpus (`fuzz/corpus/TARGET/`) replayed through the very bodies the fuzzer
//! runs (`fuzz/src/bodies.rs`, included by path), as ordinary tests: every seed, every input
//! the fuzzer kept, and every crash it found (kept in the corpus under the name of its bug)
//! must go through without a panic. The fuzzer proper runs outside the test command
//! (`fuzz/README.md`).

#[allow(dead_code)]
#[path = "../../fuzz/src/bodies.rs"]
mod bodies;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../fuzz/corpus/{target}"));
    let mut inputs: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path.display().to_string(), data)
        })
        .collect();
    inputs.sort();
    inputs
}

/// Runs every input of `target`'s corpus; the failures name their files.
fn replay(target: &str) {
    let body = bodies::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, body)| *body)
        .unwrap_or_else(|| panic!("no fuzz target {target}"));
    let inputs = corpus(target);
    assert!(inputs.len() >= 4, "{target}: only {} inputs", inputs.len());
    let failed: Vec<String> = inputs
        .iter()
        .filter(|(_, data)| catch_unwind(AssertUnwindSafe(|| body(data))).is_err())
        .map(|(name, _)| name.clone())
        .collect();
    assert!(failed.is_empty(), "{target}: panicked on {failed:?}");
}

#[test]
fn json_rpc_reader_survives_its_fuzz_corpus() {
    replay("json_rpc");
}

#[test]
fn bincode_wire_decoder_survives_its_fuzz_corpus() {
    replay("wire");
}

#[test]
fn bincode_wire_decoder_round_trips_what_it_encodes() {
    let codec = clacks_runtime::codec::wire::for_content_type(clacks_runtime::codec::wire::BINCODE)
        .expect("bincode codec");
    for value in [
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "core.ping", "params": []}),
        serde_json::json!([1, -2, 3.5, "x", null, true, {"a": [[]]}, u64::MAX]),
    ] {
        bodies::wire_body(&codec.encode(&value));
    }
}

#[test]
fn xml_parser_survives_its_fuzz_corpus() {
    replay("xml_document");
}

#[test]
fn xsd_loader_survives_its_fuzz_corpus() {
    replay("xsd_load");
}

#[test]
fn event_validation_survives_its_fuzz_corpus() {
    replay("event_validate");
}

#[test]
fn xpath_compile_and_evaluate_survive_their_fuzz_corpus() {
    replay("xpath");
}

#[test]
fn config_loader_survives_its_fuzz_corpus() {
    replay("config");
}
