//! Fuzz target `wire`: see `clacks_fuzz::bodies::wire_body`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clacks_fuzz::bodies::wire_body(data));
