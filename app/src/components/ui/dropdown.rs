use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Closes a popup (`open` set to false) on a click outside `container` or on Escape.
pub fn close_on_outside_click(container: NodeRef<html::Div>, open: RwSignal<bool>) {
    let click = window_event_listener(leptos::ev::click, move |ev| {
        if !open.get_untracked() {
            return;
        }
        let inside = match (container.get_untracked(), ev.target()) {
            (Some(el), Some(target)) => target
                .dyn_into::<web_sys::Node>()
                .map(|node| el.contains(Some(&node)))
                .unwrap_or(false),
            _ => false,
        };
        if !inside {
            open.set(false);
        }
    });
    let key = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && open.get_untracked() {
            open.set(false);
        }
    });
    on_cleanup(move || {
        click.remove();
        key.remove();
    });
}
