//! The only module that touches browser APIs directly: storage, file download and upload, downloads of the
//! app's own data files with progress, scrolling, the document title and the panic hook.

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

pub fn js_error(e: JsValue) -> String {
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

/// Offers `bytes` as a file download.
pub fn download_bytes(filename: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(js_error)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(js_error)?;
    let result = click_link(&url, filename);
    let _ = web_sys::Url::revoke_object_url(&url);
    result
}

/// Offers what a canvas shows as a PNG download.
pub fn download_canvas_png(canvas: &web_sys::HtmlCanvasElement, filename: &str) -> Result<(), String> {
    let url = canvas.to_data_url_with_type("image/png").map_err(js_error)?;
    click_link(&url, filename)
}

/// Offers an SVG drawing as a PNG download, rendered at twice its size on a white background (for slides and
/// reports). The drawing is loaded from a `data:` URL, so the canvas stays exportable (not tainted).
pub fn download_svg_as_png(svg: &str, filename: &str) {
    use wasm_bindgen::closure::Closure;
    let start = || -> Result<(), String> {
        let image = web_sys::HtmlImageElement::new().map_err(js_error)?;
        let filename = filename.to_string();
        let onload = {
            let image = image.clone();
            Closure::once_into_js(move || {
                let draw = || -> Result<(), String> {
                    let (w, h) = (image.natural_width().max(1) * 2, image.natural_height().max(1) * 2);
                    let canvas = offscreen_canvas().ok_or("no canvas")?;
                    canvas.set_width(w);
                    canvas.set_height(h);
                    let ctx: web_sys::CanvasRenderingContext2d =
                        canvas.get_context("2d").map_err(js_error)?.ok_or("no 2D context")?.unchecked_into();
                    ctx.set_fill_style_str("#ffffff");
                    ctx.fill_rect(0.0, 0.0, w as f64, h as f64);
                    ctx.draw_image_with_html_image_element_and_dw_and_dh(&image, 0.0, 0.0, w as f64, h as f64).map_err(js_error)?;
                    download_canvas_png(&canvas, &filename)
                };
                if let Err(e) = draw() {
                    web_sys::console::warn_1(&format!("PNG export failed: {e}").into());
                }
            })
        };
        image.set_onload(Some(onload.unchecked_ref()));
        let encoded: String = js_sys::encode_uri_component(svg).into();
        image.set_src(&format!("data:image/svg+xml;charset=utf-8,{encoded}"));
        Ok(())
    };
    if let Err(e) = start() {
        web_sys::console::warn_1(&format!("PNG export failed: {e}").into());
    }
}

fn click_link(url: &str, filename: &str) -> Result<(), String> {
    let document = window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(js_error)?.unchecked_into();
    a.set_href(url);
    a.set_download(filename);
    a.click();
    Ok(())
}

/// Today's date as `YYYY-MM-DD`, for file names.
/// A new random id for this browser's progress (16 hex digits), which seeds the order of quiz options. It is not
/// a secret and identifies nothing outside this browser, so `Math.random` is enough.
pub fn random_id() -> String {
    let half = || (js_sys::Math::random() * 4_294_967_296.0) as u64 & 0xffff_ffff;
    format!("{:016x}", (half() << 32) | half())
}

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

/// Whether the browser says this computer is offline (`navigator.onLine` is false).
pub fn is_offline() -> bool {
    window().is_some_and(|w| !w.navigator().on_line())
}

/// Why `what` (a file of the site, e.g. "the labs module (radlearn-labs.js)") could not be fetched, in words that
/// help: offline, it is simply not stored in this browser yet, and reloading cannot help.
pub fn unreachable_message(what: &str) -> String {
    if is_offline() {
        format!(
            "this computer is offline and {what} is not stored in this browser yet. The site stores it for offline use on a visit with a connection: connect, open RadLearn once, and it will work offline from then on"
        )
    } else {
        format!("{what} could not be loaded from the site: the connection or the site is down. Check the connection, then try again")
    }
}

/// The browser's Cache Storage (same origin, secure contexts only).
fn cache_storage() -> Result<web_sys::CacheStorage, String> {
    window()
        .ok_or("no browser window")?
        .caches()
        .map_err(|_| "this browser cannot keep files for offline use on this page (it needs https or localhost)".to_string())
}

/// The cache of sample datasets kept for offline use; `static/sw.js` answers from it offline (same name there).
const DATA_CACHE: &str = "radlearn-data";

async fn data_cache() -> Result<web_sys::Cache, String> {
    use wasm_bindgen_futures::JsFuture;
    let cache = JsFuture::from(cache_storage()?.open(DATA_CACHE)).await.map_err(js_error)?;
    cache.dyn_into().map_err(|_| "the browser's cache storage did not open".to_string())
}

/// Keeps the same-origin files `urls` (relative URLs such as `data/…`) for offline use: downloads them and stores them
/// where the service worker finds them offline. All or nothing.
pub async fn keep_offline(urls: &[String]) -> Result<(), String> {
    use wasm_bindgen_futures::JsFuture;
    let cache = data_cache().await?;
    let list = js_sys::Array::new();
    for u in urls {
        list.push(&JsValue::from_str(u));
    }
    JsFuture::from(cache.add_all_with_str_sequence(&list)).await.map(|_| ()).map_err(|e| {
        if is_offline() {
            "this computer is offline: connect to keep this dataset for offline use".to_string()
        } else {
            format!("the files could not be stored ({}); the browser may be short of storage space", js_error(e))
        }
    })
}

/// Whether every one of `urls` is kept for offline use.
pub async fn kept_offline(urls: &[String]) -> bool {
    use wasm_bindgen_futures::JsFuture;
    let Ok(cache) = data_cache().await else { return false };
    for u in urls {
        match JsFuture::from(cache.match_with_str(u)).await {
            Ok(hit) if !hit.is_undefined() => {}
            _ => return false,
        }
    }
    true
}

/// Removes `urls` from the files kept for offline use.
pub async fn forget_offline(urls: &[String]) -> Result<(), String> {
    use wasm_bindgen_futures::JsFuture;
    let cache = data_cache().await?;
    for u in urls {
        JsFuture::from(cache.delete_with_str(u)).await.map_err(js_error)?;
    }
    Ok(())
}

/// Downloads a same-origin file (a relative URL such as `data/…`) as bytes, reporting bytes received and the total
/// (`expected`, else the Content-Length header) after every chunk. `cancelled` is asked between chunks; when it
/// returns true the download stops with the error `"cancelled"`.
pub async fn fetch_bytes(
    url: &str,
    expected: Option<u64>,
    on_progress: impl Fn(u64, Option<u64>),
    cancelled: impl Fn() -> bool,
) -> Result<Vec<u8>, String> {
    use wasm_bindgen_futures::JsFuture;
    let w = window().ok_or("no browser window")?;
    let response: web_sys::Response = JsFuture::from(w.fetch_with_str(url))
        .await
        .map_err(|e| {
            if is_offline() {
                format!("this computer is offline and {url} is not kept for offline use: connect, then open it (the Image Lab's \"Keep for offline use\" stores a sample dataset in this browser)")
            } else {
                format!("the download failed ({}); check the connection and try again", js_error(e))
            }
        })?
        .dyn_into()
        .map_err(|_| "the browser returned something other than a response")?;
    if !response.ok() {
        return Err(format!("the server answered {} for {url}", response.status()));
    }
    let header_total = response.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<u64>().ok());
    let total = expected.or(header_total);
    let capacity = total.and_then(|t| usize::try_from(t).ok()).unwrap_or(0).min(1 << 30);
    let mut bytes = Vec::with_capacity(capacity);
    on_progress(0, total);
    let Some(body) = response.body() else {
        // No stream (very old browsers): read it all at once.
        let buf = JsFuture::from(response.array_buffer().map_err(js_error)?).await.map_err(js_error)?;
        let data = js_sys::Uint8Array::new(&buf).to_vec();
        on_progress(data.len() as u64, total);
        return Ok(data);
    };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    loop {
        if cancelled() {
            let _ = reader.cancel();
            return Err("cancelled".into());
        }
        let chunk = JsFuture::from(reader.read()).await.map_err(|e| format!("the download stopped: {}", js_error(e)))?;
        let done = js_sys::Reflect::get(&chunk, &JsValue::from_str("done")).ok().and_then(|d| d.as_bool()).unwrap_or(true);
        if done {
            break;
        }
        if let Ok(value) = js_sys::Reflect::get(&chunk, &JsValue::from_str("value")) {
            if let Some(array) = value.dyn_ref::<js_sys::Uint8Array>() {
                let start = bytes.len();
                bytes.resize(start + array.length() as usize, 0);
                array.copy_to(&mut bytes[start..]);
            }
        }
        on_progress(bytes.len() as u64, total.map(|t| t.max(bytes.len() as u64)));
    }
    Ok(bytes)
}

/// A file the student picked or dropped, with its path inside a picked folder when there is one.
pub struct PickedFile {
    pub name: String,
    pub file: web_sys::File,
}

/// The files of a file list (a file input or a drop), named by their path in a picked folder if any.
pub fn picked_files(list: Option<web_sys::FileList>) -> Vec<PickedFile> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length())
        .filter_map(|i| list.get(i))
        .map(|file| {
            let relative = js_sys::Reflect::get(&file, &JsValue::from_str("webkitRelativePath")).ok().and_then(|v| v.as_string());
            let name = relative.filter(|p| !p.is_empty()).unwrap_or_else(|| file.name());
            PickedFile { name, file }
        })
        .collect()
}

/// The files chosen in an `<input type="file">`, then clears it so that choosing the same files again fires.
pub fn take_input_files(input: &web_sys::HtmlInputElement) -> Vec<PickedFile> {
    let files = picked_files(input.files());
    input.set_value("");
    files
}

/// What a drop brought: file-system entries (files and folders) when the browser gives them, else plain files.
/// Taken during the drop event itself: the browser empties the drop's items once the event handler returns.
pub struct Dropped {
    entries: Vec<JsValue>,
    files: Vec<PickedFile>,
}

/// The items of a drop event, to read with [`dropped_files`].
pub fn drop_items(ev: &web_sys::DragEvent) -> Dropped {
    let Some(dt) = ev.data_transfer() else { return Dropped { entries: Vec::new(), files: Vec::new() } };
    let items = dt.items();
    let entries: Vec<JsValue> = (0..items.length())
        .filter_map(|i| items.get(i))
        .filter(|item| item.kind() == "file")
        .filter_map(|item| {
            let f = js_sys::Reflect::get(&item, &JsValue::from_str("webkitGetAsEntry")).ok()?.dyn_into::<js_sys::Function>().ok()?;
            f.call0(&item).ok().filter(|e| !e.is_null() && !e.is_undefined())
        })
        .collect();
    // Without entries (an older browser, or a drop made by a script), the plain files, folders left out.
    let files = if entries.is_empty() { picked_files(dt.files()) } else { Vec::new() };
    Dropped { entries, files }
}

/// The most files read from a dropped folder: a DICOM series has hundreds, a whole disk is a mistake.
const MAX_DROPPED_FILES: usize = 5000;

/// Calls `obj.method(onSuccess, onError)` (the callback style of the file-system entry API) and awaits the result.
async fn call_back(obj: &JsValue, method: &str) -> Result<JsValue, String> {
    let f = js_sys::Reflect::get(obj, &JsValue::from_str(method))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or_else(|| format!("this browser cannot read dropped folders ({method} is missing); use “Choose a folder…”"))?;
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        if let Err(e) = f.call2(obj, &resolve, &reject) {
            let _ = reject.call1(&JsValue::NULL, &e);
        }
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.map_err(|e| format!("the browser could not read a dropped item ({})", js_error(e)))
}

/// The files of a drop, the contents of dropped folders included (recursively), each named by its path in the drop.
pub async fn dropped_files(dropped: Dropped) -> Result<Vec<PickedFile>, String> {
    let Dropped { mut entries, mut files } = dropped;
    let flag = |e: &JsValue, key: &str| js_sys::Reflect::get(e, &JsValue::from_str(key)).ok().and_then(|v| v.as_bool()).unwrap_or(false);
    while let Some(entry) = entries.pop() {
        if files.len() > MAX_DROPPED_FILES {
            return Err(format!("the dropped folders hold more than {MAX_DROPPED_FILES} files; drop the folder of one series"));
        }
        if flag(&entry, "isDirectory") {
            let reader = js_sys::Reflect::get(&entry, &JsValue::from_str("createReader"))
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .and_then(|f| f.call0(&entry).ok())
                .ok_or("this browser cannot list a dropped folder; use “Choose a folder…”")?;
            // readEntries returns the folder's entries in batches, then an empty list.
            loop {
                let batch = js_sys::Array::from(&call_back(&reader, "readEntries").await?);
                if batch.length() == 0 {
                    break;
                }
                entries.extend(batch.iter());
            }
        } else if flag(&entry, "isFile") {
            let file: web_sys::File = call_back(&entry, "file").await?.dyn_into().map_err(|_| "a dropped item is not a file")?;
            let path = js_sys::Reflect::get(&entry, &JsValue::from_str("fullPath")).ok().and_then(|v| v.as_string());
            let name = path.map(|p| p.trim_start_matches('/').to_string()).filter(|p| !p.is_empty()).unwrap_or_else(|| file.name());
            files.push(PickedFile { name, file });
        }
    }
    Ok(files)
}

/// Reads a file the student picked as bytes.
pub async fn read_file_bytes(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buf = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("the browser could not read it ({}); if it is a folder, use “Choose a folder…” instead", js_error(e)))?;
    Ok(js_sys::Uint8Array::new(&buf).to_vec())
}

/// Waits long enough for the browser to paint (e.g. a "Decoding…" message before a long computation).
pub async fn let_browser_paint() {
    let p = js_sys::Promise::new(&mut |resolve, _| match window() {
        Some(w) => {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20);
        }
        None => {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

/// A detached canvas, to hold a slice at its own resolution before it is drawn scaled.
pub fn offscreen_canvas() -> Option<web_sys::HtmlCanvasElement> {
    window()?.document()?.create_element("canvas").ok()?.dyn_into().ok()
}

/// Device pixels per CSS pixel.
pub fn device_pixel_ratio() -> f64 {
    window().map(|w| w.device_pixel_ratio()).filter(|r| r.is_finite() && *r > 0.0).unwrap_or(1.0)
}

/// Milliseconds since the page started, for timing renders.
pub fn now_ms() -> f64 {
    window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_else(js_sys::Date::now)
}
