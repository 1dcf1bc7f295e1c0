//! Accessible modal dialog: labelled by its title, traps focus while open, closes on Escape,
//! the close button or a backdrop click, locks page scroll and gives focus back on close.

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;

const FOCUSABLE: &str =
    "a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), \
                         textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

/// Renders `children` in a dialog while `open` is true. `on_close` runs when the user dismisses
/// it; the caller decides whether to set `open` to false.
#[component]
pub fn Modal(
    #[prop(into)] open: Signal<bool>,
    #[prop(into)] title: Signal<String>,
    on_close: Callback<()>,
    /// Optional buttons row under the body.
    #[prop(optional, into)]
    footer: Option<ViewFn>,
    #[prop(optional)] size: Option<&'static str>,
    children: ChildrenFn,
) -> impl IntoView {
    let children = StoredValue::new(children);
    let footer = StoredValue::new(footer);
    view! {
        <Show when=move || open.get()>
            <ModalDialog title on_close size=size.unwrap_or("md") footer=footer.get_value()>
                {children.with_value(|c| c())}
            </ModalDialog>
        </Show>
    }
}

#[component]
fn ModalDialog(
    title: Signal<String>,
    on_close: Callback<()>,
    size: &'static str,
    footer: Option<ViewFn>,
    children: Children,
) -> impl IntoView {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let title_id = format!("modal-title-{id}");
    let labelled_by = title_id.clone();
    let dialog = NodeRef::<html::Div>::new();

    // Effects run only in the browser: remember what had focus, lock page scrolling and move
    // focus into the dialog; the effect's cleanup undoes it all when the dialog closes. (Nothing
    // browser-side may be created outside the effect: the server renders dialogs too.)
    Effect::new(move |_| {
        let Some(el) = dialog.get() else { return };
        let previous = SendWrapper::new(document().active_element());
        set_body_scroll_lock(true);
        let in_body = el
            .query_selector(".modal-body")
            .ok()
            .flatten()
            .and_then(|body| body.dyn_into::<web_sys::HtmlElement>().ok())
            .and_then(|body| focusable_in(&body).into_iter().next());
        match in_body.or_else(|| focusable_in(&el).into_iter().next()) {
            Some(first) => {
                let _ = first.focus();
            }
            None => {
                let _ = el.focus();
            }
        }
        on_cleanup(move || {
            set_body_scroll_lock(false);
            if let Some(el) = previous
                .take()
                .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = el.focus();
            }
        });
    });

    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            ev.prevent_default();
            ev.stop_propagation();
            on_close.run(());
        } else if ev.key() == "Tab" {
            trap_tab(&ev, dialog);
        }
    };

    view! {
        <div class="modal-backdrop" on:mousedown=move |ev| {
            // Only a press on the backdrop itself, not one that started inside the dialog.
            if ev.target() == ev.current_target() {
                on_close.run(());
            }
        }>
            <div
                class=format!("modal modal-{size}")
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                tabindex="-1"
                node_ref=dialog
                on:keydown=on_keydown
            >
                <header class="modal-header">
                    <h2 id=title_id>{move || title.get()}</h2>
                    <button type="button" class="icon-button" aria-label="Close" on:click=move |_| on_close.run(())>
                        "×"
                    </button>
                </header>
                <div class="modal-body">{children()}</div>
                {footer.map(|footer| view! { <footer class="modal-footer">{move || footer.run()}</footer> })}
            </div>
        </div>
    }
}

fn trap_tab(ev: &KeyboardEvent, dialog: NodeRef<html::Div>) {
    let Some(el) = dialog.get() else { return };
    let items = focusable_in(&el);
    let (Some(first), Some(last)) = (items.first(), items.last()) else {
        ev.prevent_default();
        return;
    };
    let active = document().active_element();
    let active_is = |target: &web_sys::HtmlElement| {
        active
            .as_ref()
            .map(|a| a == target.unchecked_ref::<web_sys::Element>())
            .unwrap_or(false)
    };
    if ev.shift_key()
        && (active_is(first)
            || active
                .as_ref()
                .map(|a| a == el.unchecked_ref::<web_sys::Element>())
                .unwrap_or(false))
    {
        ev.prevent_default();
        let _ = last.focus();
    } else if !ev.shift_key() && active_is(last) {
        ev.prevent_default();
        let _ = first.focus();
    }
}

fn focusable_in(el: &web_sys::HtmlElement) -> Vec<web_sys::HtmlElement> {
    let Ok(list) = el.query_selector_all(FOCUSABLE) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.dyn_into::<web_sys::HtmlElement>().ok())
        .collect()
}

fn set_body_scroll_lock(locked: bool) {
    if let Some(body) = document().body() {
        let classes = body.class_list();
        let _ = if locked {
            classes.add_1("modal-open")
        } else {
            classes.remove_1("modal-open")
        };
    }
}
