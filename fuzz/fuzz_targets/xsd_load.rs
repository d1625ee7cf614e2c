//! Fuzz target `xsd_load`: see `clacks_fuzz::bodies::xsd_load`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clacks_fuzz::bodies::xsd_load(data));
