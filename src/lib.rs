//! RadLearn web app: a thin Leptos (client-side rendered) shell over `radlearn-course`
//! (compiled lessons, grading, saved progress) and `radlearn-engine` (imaging).
//!
//! Only [`platform`] touches browser storage, files and the panic hook; components get plain
//! values and signals. Routing uses the URL hash (`#/lesson/<slug>/<anchor>`) so that every
//! route reloads from any static file server, in any sub-folder, with no server configuration.

// One folder per wasm module it ships in (each bin links only what it calls): `page` in radlearn-web (src/main.rs),
// `labs` in radlearn-labs (src/bin/labs.rs), `worker` in radlearn-worker (src/bin/worker.rs); `platform` (browser
// APIs) and `strings` (the interface's text) are shared by all three.
pub mod labs;
pub mod page;
pub mod platform;
pub mod strings;
pub mod worker;

/// Mounts the app on `<body>`.
pub fn start() {
    platform::install_panic_hook();
    platform::remove_loading_placeholder();
    leptos::mount::mount_to_body(page::app::App);
}

/// Diagnostics: panics on purpose, so that tests (and curious instructors, from the browser
/// console: `wasmBindings.radlearnSelfTestPanic()`) can check that a crash is reported in the
/// page and that the rest of the page keeps working.
#[wasm_bindgen::prelude::wasm_bindgen(js_name = radlearnSelfTestPanic)]
pub fn self_test_panic() {
    panic!("self-test: a deliberate panic, requested from the browser console");
}
