//! Browser-only helpers: fetching a JSON document and copying text. They touch `window`, so
//! call them only from event handlers, effects or local resources (never while rendering on
//! the server).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn describe(err: JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// GETs `url` (same origin, with cookies) and parses the body as JSON.
pub async fn fetch_json(url: &str) -> Result<serde_json::Value, String> {
    let window = web_sys::window().ok_or("No browser window.")?;
    let response = JsFuture::from(window.fetch_with_str(url))
        .await
        .map_err(|e| format!("Could not reach the server: {}", describe(e)))?;
    let response: web_sys::Response = response.dyn_into().map_err(describe)?;
    if !response.ok() {
        return Err(format!("The server answered {}.", response.status()));
    }
    let text = JsFuture::from(response.text().map_err(describe)?)
        .await
        .map_err(describe)?
        .as_string()
        .unwrap_or_default();
    serde_json::from_str(&text).map_err(|e| format!("Unreadable answer from the server: {e}"))
}

/// Puts `text` on the clipboard. Browsers offer the clipboard only to secure pages (https or
/// localhost).
pub async fn copy_text(text: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("No browser window.")?;
    let navigator = window.navigator();
    let available = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
        .map(|c| !c.is_undefined() && !c.is_null())
        .unwrap_or(false);
    if !available {
        return Err(
            "Copying needs a secure (https) page: select the text and copy it by hand.".into(),
        );
    }
    JsFuture::from(navigator.clipboard().write_text(text))
        .await
        .map(|_| ())
        .map_err(|e| format!("Could not copy: {}", describe(e)))
}
