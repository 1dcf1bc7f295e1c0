//! A page's code comes in pieces (wasm chunks: each page's, each area's dialogs) fetched when
//! first needed. When one cannot be fetched (a deploy replaced the files this page was built
//! with, or the connection dropped), the lazy loader panics, which stops the page's script for
//! good: links and buttons would do nothing. The panic hook turns that into a fresh load, which
//! gets the current build, of the page the admin was going to; at most once a minute, so an
//! outage cannot become a reload loop; within that minute it shows a notice with a link instead.

use std::panic::PanicHookInfo;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlAnchorElement, MouseEvent, Storage, Window};

/// What the lazy loader panics with when a chunk failed to load (wasm_split_macros 0.2.2, the
/// `expect` on its load callback; Leptos' `#[lazy]` and lazy routes do not ask for `fallible`).
const LOAD_FAILED: &str = "load callback should succeed";
/// Session storage: when this tab last reloaded for a failed load (milliseconds since 1970).
const LAST_RELOAD_KEY: &str = "plugboard.reloaded-for-code-at";
const RELOAD_AT_MOST_EVERY_MS: f64 = 60_000.0;
/// Session storage: "<milliseconds since 1970> <URL>" of the last link into the app the admin
/// followed. The router changes the address only once the new page's code is in, so a failed
/// load leaves the old address: this is where the admin was going.
const FOLLOWED_LINK_KEY: &str = "plugboard.followed-link";
/// A link followed longer ago than this is not what a failed load was for.
const FOLLOWED_LINK_FRESH_MS: f64 = 10_000.0;

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
    let _ = remember_followed_links();
}

fn session_storage(window: &Window) -> Option<Storage> {
    window.session_storage().ok().flatten()
}

/// Notes each plain click on a link into the app (before the router handles it).
fn remember_followed_links() -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let on_click = Closure::<dyn FnMut(MouseEvent)>::new(|event: MouseEvent| {
        let modified = event.ctrl_key() || event.meta_key() || event.shift_key() || event.alt_key();
        if event.button() != 0 || modified {
            return; // a new tab or window: this page stays where it is
        }
        let link = event
            .target()
            .and_then(|target| target.dyn_into::<Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten())
            .and_then(|element| element.dyn_into::<HtmlAnchorElement>().ok());
        let (Some(link), Some(window)) = (link, web_sys::window()) else {
            return;
        };
        let Ok(origin) = window.location().origin() else {
            return;
        };
        let href = link.href();
        if !link.target().is_empty() || !href.starts_with(&format!("{origin}/")) {
            return;
        }
        if let Some(storage) = session_storage(&window) {
            let now = js_sys::Date::now() as i64;
            let _ = storage.set_item(FOLLOWED_LINK_KEY, &format!("{now} {href}"));
        }
    });
    document.add_event_listener_with_callback_and_bool(
        "click",
        on_click.as_ref().unchecked_ref(),
        true,
    )?;
    // Listens as long as the page lives.
    on_click.forget();
    Ok(())
}

fn recover() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let now = js_sys::Date::now();
    let storage = session_storage(&window);
    let stored = |key: &str| {
        storage
            .as_ref()
            .and_then(|s| s.get_item(key).ok().flatten())
    };
    let last_reload = stored(LAST_RELOAD_KEY).and_then(|at| at.parse::<i64>().ok());
    let reloaded_lately = last_reload.is_some_and(|at| now - (at as f64) < RELOAD_AT_MOST_EVERY_MS);
    let destination = stored(FOLLOWED_LINK_KEY).and_then(|link| {
        let (at, href) = link.split_once(' ')?;
        let at = at.parse::<i64>().ok()?;
        (now - (at as f64) < FOLLOWED_LINK_FRESH_MS).then(|| href.to_string())
    });
    if !reloaded_lately {
        if let Some(storage) = &storage {
            let _ = storage.set_item(LAST_RELOAD_KEY, &(now as i64).to_string());
        }
        let location = window.location();
        let loading = match &destination {
            Some(href) => location.assign(href),
            None => location.reload(),
        };
        if loading.is_ok() {
            return;
        }
    }
    let _ = show_notice(&window, destination);
}

/// A notice in the toasts' place, built with the DOM alone: nothing of the app runs any more.
/// The markup is fixed; only the link's address is set, as an attribute.
fn show_notice(window: &Window, destination: Option<String>) -> Result<(), JsValue> {
    let document: Document = window
        .document()
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let region = document.create_element("div")?;
    region.set_class_name("toasts");
    region.set_attribute("role", "alert")?;
    region.set_attribute("data-testid", "code-load-failed")?;
    // `rel="external"`: a full load, which the router (its click handler may still be
    // attached) leaves alone.
    region.set_inner_html(
        "<div class=\"toast toast-error\"><span>Part of this page could not be loaded: \
         Plugboard may have been updated, or the connection dropped. Reload the page to go \
         on.</span><a class=\"button button-secondary button-sm\" rel=\"external\">Reload</a></div>",
    );
    let href = match destination {
        Some(href) => href,
        None => window.location().href()?,
    };
    if let Some(reload) = region.query_selector("a")? {
        reload.set_attribute("href", &href)?;
    }
    if let Some(body) = document.body() {
        body.append_child(&region)?;
    }
    Ok(())
}
