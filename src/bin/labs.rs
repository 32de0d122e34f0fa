//! Builds the labs module (`radlearn-labs`, `src/labs/`): the Image Lab, the Model Lab and their lesson exercises, loaded by the page
//! the first time one is shown (see `radlearn_web::labs`). Trunk builds it like the feature worker (no-modules
//! script, not loaded with the page) but with the page's size profile.

use wasm_bindgen::prelude::*;

/// Mounts a lab view into `host`; see `radlearn_web::labs::mount`.
#[wasm_bindgen]
pub fn mount(host: web_sys::HtmlElement, request: String, on_record: js_sys::Function) -> Result<u32, JsError> {
    radlearn_web::labs::mount(host, &request, on_record).map_err(|e| JsError::new(&e))
}

/// Unmounts what `mount` returned `id` for.
#[wasm_bindgen]
pub fn unmount(id: u32) {
    radlearn_web::labs::unmount(id);
}

fn main() {
    radlearn_web::platform::install_panic_hook();
}
