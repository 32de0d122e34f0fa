#![no_main]
//! NIfTI reader (single file and .hdr/.img pair split at a fuzzed point) under a small memory budget.
use libfuzzer_sys::fuzz_target;
use radlearn_engine::{io::nifti, LoadOptions};

fuzz_target!(|data: &[u8]| {
    let opts = LoadOptions::with_max_bytes(64 << 20);
    let _ = nifti::read(data, &opts);
    if let Some((&cut, rest)) = data.split_first() {
        let at = (cut as usize * rest.len()) / 255;
        let (hdr, img) = rest.split_at(at.min(rest.len()));
        let _ = nifti::read_pair(hdr, img, &opts);
    }
});
