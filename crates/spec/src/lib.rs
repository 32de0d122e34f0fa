//! What a lesson may ask of the RadLearn engine: the synthetic cohort's parameters ([`cohort::CohortSpec`], with its
//! ranges and check) and the model kinds ([`model::ModelKind`]). The course crate checks lessons with these and the
//! engine re-exports them where they belong (`ml::cohort`, `ml::model`), so both use one definition.
//!
//! A crate of its own, with serde as its only dependency, because the lesson compiler runs in the web app's build
//! script: depending on the engine there compiled the whole engine (DICOM, JPEG 2000, FFT, linfa) natively once
//! per build profile.

pub mod cohort;
pub mod model;
