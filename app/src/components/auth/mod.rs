mod setup_form;
mod sign_in_form;
mod sign_in_page;
mod submitted_form;

pub use sign_in_page::SignInPage;

use leptos::prelude::window;

/// After signing in, a full page load: the new session cookie and CSRF token apply everywhere.
pub fn go_to(path: &str) {
    let _ = window().location().assign(path);
}
