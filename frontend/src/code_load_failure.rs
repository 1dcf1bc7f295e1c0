//! A page's code comes in pieces (wasm chunks: each page's, each area's dialogs) fetched when
//! first needed. When one cannot be fetched (a deploy replaced the files this page was built
//! with, or the connection dropped), the lazy loader panics, which stops the page's script for
//! good: links and buttons would do nothing. The panic hook turns that into a reload, which
//! gets the current build, at most once a minute so an outage cannot become a reload loop;
//! within that minute it shows a notice with a link that reloads the page.

use std::panic::PanicHookInfo;

use web_sys::{Document, Window};

/// What the lazy loader panics with when a chunk failed to load (wasm_split_macros 0.2.2, the
/// `expect` on its load callback; Leptos' `#[lazy]` and lazy routes do not ask for `fallible`).
const LOAD_FAILED: &str = "load callback should succeed";
/// Session storage: when this tab last reloaded for a failed load (milliseconds since 1970).
const LAST_RELOAD_KEY: &str = "plugboard.reloaded-for-code-at";
const RELOAD_AT_MOST_EVERY_MS: f64 = 60_000.0;

/// Logs every panic to the console, and recovers from a failed chunk load.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info: &PanicHookInfo| {
        console_error_panic_hook::hook(info);
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied());
        if message.is_some_and(|message| message.contains(LOAD_FAILED)) {
            recover();
        }
    }));
}

fn recover() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let now = js_sys::Date::now();
    let storage = window.session_storage().ok().flatten();
    let last_reload = storage
        .as_ref()
        .and_then(|s| s.get_item(LAST_RELOAD_KEY).ok().flatten())
        .and_then(|at| at.parse::<i64>().ok());
    let reloaded_lately = last_reload.is_some_and(|at| now - (at as f64) < RELOAD_AT_MOST_EVERY_MS);
    if !reloaded_lately {
        if let Some(storage) = &storage {
            let _ = storage.set_item(LAST_RELOAD_KEY, &(now as i64).to_string());
        }
        if window.location().reload().is_ok() {
            return;
        }
    }
    show_notice(&window);
}

/// A notice in the toasts' place, built with the DOM alone: nothing of the app runs any more.
fn show_notice(window: &Window) {
    let Some(document) = window.document() else {
        return;
    };
    let _ = try_show_notice(window, &document);
}

fn try_show_notice(window: &Window, document: &Document) -> Result<(), wasm_bindgen::JsValue> {
    let region = document.create_element("div")?;
    region.set_class_name("toasts");
    region.set_attribute("role", "alert")?;
    region.set_attribute("data-testid", "code-load-failed")?;
    let notice = document.create_element("div")?;
    notice.set_class_name("toast toast-error");
    let text = document.create_element("span")?;
    text.set_text_content(Some(
        "Part of this page could not be loaded: Plugboard may have been updated, or the \
         connection dropped. Reload the page to go on.",
    ));
    let reload = document.create_element("a")?;
    reload.set_class_name("button button-secondary button-sm");
    reload.set_attribute("href", &window.location().href()?)?;
    // A full load: the router, whose click handler may still be attached, leaves these alone.
    reload.set_attribute("rel", "external")?;
    reload.set_text_content(Some("Reload"));
    notice.append_child(&text)?;
    notice.append_child(&reload)?;
    region.append_child(&notice)?;
    if let Some(body) = document.body() {
        body.append_child(&region)?;
    }
    Ok(())
}
