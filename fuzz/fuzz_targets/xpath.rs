//! Fuzz target `xpath`: see `clacks_fuzz::bodies::xpath`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clacks_fuzz::bodies::xpath(data));
