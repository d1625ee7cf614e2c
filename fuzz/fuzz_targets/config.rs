//! Fuzz target `config`: see `clacks_fuzz::bodies::config`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clacks_fuzz::bodies::config(data));
