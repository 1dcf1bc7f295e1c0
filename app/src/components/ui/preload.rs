//! Code a page is likely to need soon, fetched once it has settled.

use std::future::Future;

use leptos::prelude::*;
use send_wrapper::SendWrapper;

/// How long after hydrating a page waits before fetching code it may need: long enough for its
/// own requests to go first on a slow network.
const SETTLE_MS: u32 = 1_000;

/// Runs `load` (typically a `#[lazy]` function asked for nothing) in the browser a moment after
/// the page hydrates, so a dialog whose code is a chunk of its own opens at once when clicked,
/// without its code weighing on the page's first load. Nothing runs on the server.
pub fn preload_after_hydration<F>(load: impl FnOnce() -> F + 'static)
where
    F: Future + 'static,
{
    let load = SendWrapper::new(std::cell::Cell::new(Some(load)));
    Effect::new(move |_| {
        let Some(load) = std::cell::Cell::take(&*load) else {
            return;
        };
        let timer = gloo_timers::callback::Timeout::new(SETTLE_MS, move || {
            leptos::task::spawn_local(async move {
                load().await;
            });
        });
        let timer = SendWrapper::new(timer);
        on_cleanup(move || drop(timer));
    });
}
