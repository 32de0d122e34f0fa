#![no_main]
//! Format sniffing and every reader on the same bytes.
use libfuzzer_sys::fuzz_target;
use radlearn_engine::{io::load::all_readers, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let _ = all_readers(data, &LoadOptions::with_max_bytes(64 << 20));
});
