//! Fuzz target `xml_document`: see `clacks_fuzz::bodies::xml_document`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clacks_fuzz::bodies::xml_document(data));
