//! Data a component loads in the browser only, after hydration, outside any Suspense.
//!
//! Leptos' `LocalResource` does the same loading, but a read of one under a `<Suspense>` or
//! `<Transition>` on the server makes that boundary give up: it sends its fallback, leaves its
//! children to the browser, and keeps its reactive effect alive to walk those children again
//! whenever its tasks change, until the request's owner is gone. The walk then races the end
//! of the page on another thread and reads values the finished page already disposed, which
//! panics a server thread ("Tried to access a reactive value that has already been disposed").
//! This loads into a plain signal instead: the server renders the "not loaded yet" state, the
//! browser hydrates the same state and then loads, and no boundary is involved.

use std::future::Future;

use leptos::prelude::*;

/// Browser-loaded data: `None` until the first load answers (always `None` on the server).
pub struct BrowserData<T: Send + Sync + 'static> {
    value: RwSignal<Option<T>>,
    load: Callback<()>,
}

impl<T: Send + Sync + 'static> Clone for BrowserData<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for BrowserData<T> {}

impl<T: Clone + Send + Sync + 'static> BrowserData<T> {
    /// The last answer, tracked.
    pub fn get(&self) -> Option<T> {
        self.value.get()
    }

    /// Loads again; the value stays as it is until the new answer comes.
    pub fn refetch(&self) {
        self.load.run(());
    }
}

/// Calls `fetcher` in the browser once the component is mounted (and on each
/// [`BrowserData::refetch`]); the latest call's answer wins. The fetcher runs untracked.
pub fn browser_data<T, Fut>(fetcher: impl Fn() -> Fut + Send + Sync + 'static) -> BrowserData<T>
where
    T: Send + Sync + 'static,
    Fut: Future<Output = T> + 'static,
{
    let value = RwSignal::new(None);
    let latest = StoredValue::new(0u64);
    let load = Callback::new(move |_: ()| {
        latest.update_value(|n| *n += 1);
        let this_call = latest.get_value();
        let answer = untrack(&fetcher);
        leptos::task::spawn_local(async move {
            let answer = answer.await;
            // Closed (the component is gone) or asked again meanwhile: not ours to show.
            if latest.try_get_value() == Some(this_call) {
                value.try_set(Some(answer));
            }
        });
    });
    // Effects run only in the browser.
    Effect::new(move |_| load.run(()));
    BrowserData { value, load }
}
