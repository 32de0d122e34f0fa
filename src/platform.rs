//! The only module that touches browser APIs directly: storage, file download and upload,
//! scrolling, the document title and the panic hook.

use wasm_bindgen::{JsCast, JsValue};

/// Key of the saved progress in `localStorage`.
pub const PROGRESS_KEY: &str = "radlearn.progress";
/// Prefix of backups of saved progress that could not be read.
pub const BACKUP_PREFIX: &str = "radlearn.progress.backup.";

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn local_storage() -> Result<web_sys::Storage, String> {
    window()
        .ok_or("no browser window")?
        .local_storage()
        .map_err(|_| "this browser blocks local storage (private mode or site settings)".to_string())?
        .ok_or_else(|| "this browser has no local storage".to_string())
}

fn js_error(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())).or_else(|| e.as_string()).unwrap_or_else(|| format!("{e:?}"))
}

/// Reads the saved progress text, if any.
pub fn load_progress() -> Result<Option<String>, String> {
    local_storage()?.get_item(PROGRESS_KEY).map_err(js_error)
}

/// Saves the progress text.
pub fn save_progress(text: &str) -> Result<(), String> {
    local_storage()?.set_item(PROGRESS_KEY, text).map_err(|e| format!("the browser refused to store it: {}", js_error(e)))
}

/// Keeps a copy of unreadable saved progress under a new key, unless an identical backup
/// exists already (so reloading does not pile up copies); returns the key.
pub fn save_backup(text: &str) -> Result<String, String> {
    let storage = local_storage()?;
    let n = storage.length().map_err(js_error)?;
    for i in 0..n {
        if let Some(key) = storage.key(i).ok().flatten().filter(|k| k.starts_with(BACKUP_PREFIX)) {
            if storage.get_item(&key).ok().flatten().as_deref() == Some(text) {
                return Ok(key);
            }
        }
    }
    let key = format!("{BACKUP_PREFIX}{}", js_sys::Date::now() as u64);
    storage.set_item(&key, text).map_err(js_error)?;
    Ok(key)
}

/// Offers `text` as a file download.
pub fn download(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(js_error)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(js_error)?.unchecked_into();
    a.set_href(&url);
    a.set_download(filename);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Today's date as `YYYY-MM-DD`, for file names.
pub fn today() -> String {
    let d = js_sys::Date::new_0();
    format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
}

/// Reads a file the student picked as text.
pub async fn read_file(file: web_sys::File) -> Result<String, String> {
    let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.map_err(js_error)?;
    text.as_string().ok_or_else(|| "the file is not text".to_string())
}

/// The current `location.hash`.
pub fn current_hash() -> String {
    window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// Sets the document title.
pub fn set_title(title: &str) {
    if let Some(d) = window().and_then(|w| w.document()) {
        d.set_title(title);
    }
}

/// Scrolls to the element with `id` and moves keyboard focus there; to the top if `None`.
pub fn scroll_to(id: Option<&str>) {
    let Some(w) = window() else { return };
    match id.and_then(|id| w.document()?.get_element_by_id(id)) {
        Some(el) => {
            el.scroll_into_view();
            if let Some(h) = el.dyn_ref::<web_sys::HtmlElement>() {
                let _ = h.focus();
            }
        }
        None => w.scroll_to_with_x_and_y(0.0, 0.0),
    }
}

/// Runs `f` after the browser has laid out the current changes.
pub fn after_render(f: impl FnOnce() + 'static) {
    let cb = wasm_bindgen::closure::Closure::once_into_js(f);
    if let Some(w) = window() {
        let _ = w.request_animation_frame(cb.unchecked_ref());
    }
}

/// Removes the "Loading…" placeholder of `index.html`.
pub fn remove_loading_placeholder() {
    if let Some(el) = window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("loading")) {
        el.remove();
    }
}

/// Logs panics to the console and shows them in a banner built with plain DOM calls, so the
/// message appears even if the reactive system is in a bad state. WebAssembly has no
/// unwinding on stable Rust, so a panic cannot be caught where it happens: instead, widgets
/// return errors as values, and saved progress is written on every answer, so a panic loses
/// nothing but the widget's current state.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let Some(doc) = window().and_then(|w| w.document()) else { return };
        let banner = match doc.get_element_by_id("panic-banner") {
            Some(b) => b,
            None => {
                let Ok(b) = doc.create_element("div") else { return };
                b.set_id("panic-banner");
                let _ = b.set_attribute("role", "alert");
                let _ = b.set_attribute("data-testid", "panic-banner");
                if let Some(body) = doc.body() {
                    let _ = body.prepend_with_node_1(&b);
                }
                b
            }
        };
        banner.set_text_content(Some(&format!("{} {info}", crate::strings::ui().page_crashed)));
    }));
}
