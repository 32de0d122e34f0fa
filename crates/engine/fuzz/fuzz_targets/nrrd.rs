#![no_main]
//! NRRD reader, attached and detached.
use libfuzzer_sys::fuzz_target;
use radlearn_engine::{io::nrrd, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let opts = LoadOptions::with_max_bytes(64 << 20);
    let _ = nrrd::read(data, &opts);
    let mid = data.len() / 2;
    let _ = nrrd::read_detached(&data[..mid], &data[mid..], &opts);
});
