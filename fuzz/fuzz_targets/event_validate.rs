//! Fuzz target `event_validate`: see `clacks_fuzz::bodies::event_validate`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| clacks_fuzz::bodies::event_validate(data));
