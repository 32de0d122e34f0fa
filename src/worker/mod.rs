//! The worker module (`radlearn-worker`, `src/bin/worker.rs`): a Web Worker that decodes images, computes features and
//! runs the Model Lab's jobs with the engine, so the page stays responsive. [`protocol`]: the messages (shared by both
//! sides); [`wire`]: volumes and masks as they travel; [`session`]: the worker's side; [`client`]: the page's one
//! client (job ids, progress, Stop, a typed `Cancelled`), with [`decoder`]'s typed calls for image decoding.

pub mod client;
pub mod decoder;
pub mod protocol;
pub mod session;
pub mod wire;
