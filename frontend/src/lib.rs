#![recursion_limit = "512"]
//! The browser bundle: hydrates the server-rendered page.

mod code_load_failure;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    code_load_failure::install_panic_hook();
    let Some(body) = leptos::prelude::document().body() else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        // Loads the first page's code (its wasm chunk, app/src/routes.rs) and hydrates the page.
        leptos::mount::hydrate_from_async(body.clone(), app::App)
            .await
            .forget();
        // A marker for end-to-end tests and the page benchmark (and nothing else): the page,
        // its lazily loaded route included, is interactive from here on.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
