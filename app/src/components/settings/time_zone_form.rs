use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::company::{list_time_zones, set_time_zone};
use crate::components::ui::{field_error, form_error, server_data, use_toasts};

/// The company's time zone: the clock daily summaries go out by.
#[component]
pub fn TimeZoneForm(initial: String, on_saved: Callback<()>) -> impl IntoView {
    let zone = RwSignal::new(initial);
    let toasts = use_toasts();
    let zones = server_data(|| (), |_| list_time_zones());
    let action = Action::new(|zone: &String| set_time_zone(zone.clone()));
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            toasts.success("Time zone saved.");
            on_saved.run(());
        }
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        action.dispatch(zone.get_untracked());
    };
    view! {
        <section class="card">
            <h2 class="section-title">"Time zone"</h2>
            <p class="muted">"Daily summaries go out at the hour their integration's settings pick, on this clock."</p>
            <form class="form form-inline" method="post" on:submit=on_submit novalidate>
                <div class="field">
                    <label for="company-time-zone">"Time zone"</label>
                    <select id="company-time-zone" name="time_zone"
                        prop:value=move || zone.get()
                        on:change=move |ev| zone.set(event_target_value(&ev))>
                        <Transition fallback=move || view! { <option value=zone.get_untracked()>{zone.get_untracked()}</option> }>
                            {move || zones.get().and_then(Result::ok).map(|list| list.zones.into_iter().map(|name| {
                                let selected = name == zone.get_untracked();
                                view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
                            }).collect_view())}
                        </Transition>
                    </select>
                    <p class="field-error" role="alert">{move || field_error(error.get(), "time_zone")}</p>
                </div>
                <button type="submit" class="button button-primary" disabled=move || action.pending().get()>"Save time zone"</button>
            </form>
            <p class="form-error" role="alert">{move || form_error(error.get(), &["time_zone"])}</p>
        </section>
    }
}
