use std::collections::BTreeMap;

use leptos::prelude::*;

/// One custom header being edited.
#[derive(Clone, Copy)]
pub struct HeaderRow {
    key: usize,
    name: RwSignal<String>,
    value: RwSignal<String>,
}

/// Editable header rows, with the next row key.
#[derive(Clone, Copy)]
pub struct HeaderRows {
    rows: RwSignal<Vec<HeaderRow>>,
    next: StoredValue<usize>,
}

impl HeaderRows {
    pub fn new(initial: &BTreeMap<String, String>) -> Self {
        let this = Self {
            rows: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
        };
        for (name, value) in initial {
            this.push(name.clone(), value.clone());
        }
        this
    }

    /// Fills in the stored values (loaded apart from the endpoint, which carries names only).
    pub fn fill(&self, values: &BTreeMap<String, String>) {
        for row in self.rows.get_untracked() {
            if let Some(value) = values.get(&row.name.get_untracked()) {
                if row.value.get_untracked().is_empty() {
                    row.value.set(value.clone());
                }
            }
        }
    }

    fn push(&self, name: String, value: String) {
        let key = self.next.get_value();
        self.next.set_value(key + 1);
        let row = HeaderRow {
            key,
            name: RwSignal::new(name),
            value: RwSignal::new(value),
        };
        self.rows.update(|rows| rows.push(row));
    }

    fn remove(&self, key: usize) {
        self.rows.update(|rows| rows.retain(|r| r.key != key));
    }

    /// The headers to save: blank rows are left out.
    pub fn collect(&self) -> BTreeMap<String, String> {
        self.rows
            .get_untracked()
            .iter()
            .map(|r| {
                (
                    r.name.get_untracked().trim().to_string(),
                    r.value.get_untracked(),
                )
            })
            .filter(|(name, value)| !name.is_empty() || !value.trim().is_empty())
            .collect()
    }
}

/// Custom headers as name/value rows with Add and Remove.
#[component]
pub fn HeadersEditor(
    rows: HeaderRows,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    view! {
        <fieldset class="field fieldset" class:field-invalid=move || error.get().is_some()
            aria-describedby="webhook-headers-error">
            <legend>"Custom headers"</legend>
            <p class="field-hint">"Sent with every delivery, e.g. an authorization token your receiver expects. Values are encrypted at rest and hidden in the delivery log."</p>
            <ul class="wh-header-rows" data-testid="header-rows">
                <For each=move || rows.rows.get() key=|r| r.key let:row>
                    <li class="wh-header-row">
                        <input type="text" class="mono" placeholder="Header name" aria-label="Header name"
                            autocomplete="off" spellcheck="false" bind:value=row.name/>
                        <input type="text" class="mono" placeholder="Value" aria-label="Header value"
                            autocomplete="off" spellcheck="false" bind:value=row.value/>
                        <button type="button" class="icon-button wh-remove" aria-label="Remove header"
                            on:click=move |_| rows.remove(row.key)>"×"</button>
                    </li>
                </For>
            </ul>
            <button type="button" class="link-button wh-add-header"
                on:click=move |_| rows.push(String::new(), String::new())>"+ Add header"</button>
            <p class="field-error" id="webhook-headers-error" role="alert">{move || error.get()}</p>
        </fieldset>
    }
}
