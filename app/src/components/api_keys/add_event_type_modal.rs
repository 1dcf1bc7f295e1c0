use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use serde_json::Value;

use crate::components::ui::{field_error, form_error, use_toasts, FormField, Modal};
use crate::error::AppError;
use crate::events::create_event_type;

/// The example payload as typed: empty, or a JSON object.
fn parse_example(text: &str) -> Result<Option<Value>, AppError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(value) if value.is_object() => Ok(Some(value)),
        Ok(_) => Err(AppError::bad_request(
            "example",
            "The example payload must be a JSON object, e.g. {\"id\": 1}.",
        )),
        Err(e) => Err(AppError::bad_request(
            "example",
            format!("This is not valid JSON: {e}."),
        )),
    }
}

/// Adds a company event type: a dotted name, a description and a sample payload.
#[component]
pub fn AddEventTypeModal(open: RwSignal<bool>, on_added: Callback<()>) -> impl IntoView {
    let toasts = use_toasts();
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let example = RwSignal::new(String::new());
    let invalid = RwSignal::new(None::<AppError>);
    let action = Action::new(|(n, d, e): &(String, String, Option<Value>)| {
        create_event_type(n.clone(), d.clone(), e.clone())
    });
    let error = Signal::derive(move || {
        invalid
            .get()
            .or_else(|| action.value().get().and_then(|r| r.err()))
    });
    let reset = move || {
        name.set(String::new());
        description.set(String::new());
        example.set(String::new());
        invalid.set(None);
        action.value().set(None);
    };
    Effect::new(move |_| {
        if let Some(Ok(added)) = action.value().get() {
            toasts.success(format!("Event type {} added.", added.name));
            reset();
            open.set(false);
            on_added.run(());
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        match parse_example(&example.get_untracked()) {
            Ok(parsed) => {
                invalid.set(None);
                action.dispatch((name.get_untracked(), description.get_untracked(), parsed));
            }
            Err(e) => invalid.set(Some(e)),
        }
    };
    let close = Callback::new(move |_| {
        reset();
        open.set(false);
    });
    let fe = move |field: &'static str| Signal::derive(move || field_error(error.get(), field));
    let example_error = fe("example");
    view! {
        <Modal open=open title="Add event type".to_string() on_close=close size="md">
            <form class="form" on:submit=on_submit novalidate>
                <FormField id="event-name" label="Name" value=name required=true
                    hint="Lower-case words joined by dots, e.g. invoice.paid." error=fe("name")/>
                <FormField id="event-description" label="Description" value=description
                    hint="What happened, for the people subscribing to it." error=fe("description")/>
                <div class="field" class:field-invalid=move || example_error.get().is_some()>
                    <label for="event-example">"Example payload"</label>
                    <textarea id="event-example" class="mono" rows="6" spellcheck="false"
                        placeholder="{\n  \"invoice_id\": \"inv_1042\",\n  \"amount\": 4200\n}"
                        aria-describedby="event-example-hint event-example-error"
                        prop:value=move || example.get() on:input=move |ev| example.set(event_target_value(&ev))></textarea>
                    <p class="field-hint" id="event-example-hint">"A JSON object, sent in test deliveries and shown in the docs. Optional."</p>
                    <p class="field-error" id="event-example-error" role="alert">{move || example_error.get()}</p>
                </div>
                <p class="form-error" role="alert">{move || form_error(error.get(), &["name", "description", "example"])}</p>
                <div class="modal-actions">
                    <button type="button" class="button button-secondary" on:click=move |_| close.run(())>"Cancel"</button>
                    <button type="submit" class="button button-primary" disabled=move || action.pending().get()>"Add event type"</button>
                </div>
            </form>
        </Modal>
    }
}

#[cfg(test)]
mod tests {
    use super::parse_example;

    #[test]
    fn example_is_empty_or_a_json_object() {
        assert_eq!(parse_example("  ").unwrap(), None);
        assert!(parse_example("{\"a\": 1}").unwrap().unwrap().is_object());
        assert_eq!(parse_example("[1]").unwrap_err().field(), Some("example"));
        assert_eq!(parse_example("{oops").unwrap_err().field(), Some("example"));
    }
}
