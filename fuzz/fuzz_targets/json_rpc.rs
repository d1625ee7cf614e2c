//! Fuzz target `json_rpc`: see `clacks_fuzz::bodies::json_rpc_body`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clacks_fuzz::bodies::json_rpc_body(data));
