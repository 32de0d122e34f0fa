//! Builds the page's module (`radlearn-web`, the course shell in `src/page/`): install the panic hook and mount. Everything else
//! lives in the library (`src/lib.rs`) so that components can be tested with wasm-bindgen-test.

fn main() {
    radlearn_web::start();
}
