#![no_main]
//! PNG and JPEG reader.
use libfuzzer_sys::fuzz_target;
use radlearn_engine::{io::raster, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let _ = raster::read(data, &LoadOptions::with_max_bytes(64 << 20));
});
