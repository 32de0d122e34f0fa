// Starts RadLearn's labs module (radlearn-labs.js, which the page loads just before this script; see src/page/lab_host.rs) and
// hands its exports to the page as a promise. A classic script, because the module's script declares its
// `wasm_bindgen` with `let`, which only other scripts can see.
window.radlearnLabs = wasm_bindgen({ module_or_path: './radlearn-labs_bg.wasm' }).then(() => wasm_bindgen);
