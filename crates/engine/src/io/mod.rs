//! Bytes in and out: the image readers (each from bytes, never panicking, with a typed error a student can act on
//! and the memory budget checked before any allocation), NIfTI writing, format sniffing and the one way to open an
//! image with its masks ([`open`]).

pub mod codec;
pub mod dicom;
pub mod error;
pub mod load;
pub mod nifti;
pub mod nrrd;
pub mod open;
pub mod raster;
