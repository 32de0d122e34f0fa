#![no_main]
//! DICOM file reader, series assembly and RTSTRUCT rasterisation onto a small grid.
use libfuzzer_sys::fuzz_target;
use radlearn_engine::io::dicom::{self, DicomFile};
use radlearn_engine::{Geometry, LoadOptions, Volume};

fuzz_target!(|data: &[u8]| {
    let opts = LoadOptions::with_max_bytes(64 << 20);
    match dicom::read_file(data, &opts) {
        Ok(DicomFile::RtStruct(rt)) => {
            if let Some(v) = Volume::new(Geometry::new([8, 8, 4], [1.0; 3]), vec![0.0; 256]) {
                for name in rt.names() {
                    let _ = rt.rasterise(&name, &v);
                }
            }
        }
        Ok(DicomFile::Image(_)) => {
            let _ = dicom::read_set(&[data, data], &opts);
        }
        Err(_) => {}
    }
});
