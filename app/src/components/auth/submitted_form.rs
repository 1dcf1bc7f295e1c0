use leptos::ev::SubmitEvent;
use wasm_bindgen::JsCast;
use web_sys::{FormData, HtmlFormElement};

/// The fields of a submitted form, read from the page as the browser would post them, so what
/// was typed before the page's script loaded counts too. Leptos' `ActionForm` does the same
/// through serde_qs, whose parser made up a sixth of the sign-in page's wasm.
pub struct SubmittedForm(Option<FormData>);

impl SubmittedForm {
    pub fn from_event(ev: &SubmitEvent) -> Self {
        let form = ev
            .target()
            .and_then(|target| target.dyn_into::<HtmlFormElement>().ok());
        Self(form.and_then(|form| FormData::new_with_form(&form).ok()))
    }

    /// The field's text; empty when the form has no such field.
    pub fn text(&self, name: &str) -> String {
        self.0
            .as_ref()
            .and_then(|data| data.get(name).as_string())
            .unwrap_or_default()
    }
}
