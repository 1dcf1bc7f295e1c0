//! Renders a provider's settings schema (the catalogue's JSON Schema subset) as a form over a
//! JSON object: checkboxes, selects (static or from the provider's API), text, numbers and a
//! field-mapping table, grouped under the schema's `x-group` headings.

use leptos::prelude::*;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::components::ui::server_data;
use crate::integrations::list_options;

#[component]
pub fn SettingsForm(
    schema: Value,
    connection_id: Uuid,
    values: RwSignal<Map<String, Value>>,
    /// (field, message) of the last refused save.
    error: Signal<Option<(String, String)>>,
) -> impl IntoView {
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let mut last_group = String::new();
    let mut rows = Vec::new();
    for (name, prop) in properties {
        let group = prop
            .get("x-group")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !group.is_empty() && group != last_group {
            rows.push(view! { <h3 class="settings-group">{group.clone()}</h3> }.into_any());
        }
        last_group = group;
        let is_required = required.contains(&name);
        rows.push(
            view! { <SettingField name prop required=is_required connection_id values error/> }
                .into_any(),
        );
    }
    view! { <div class="settings-form">{rows}</div> }
}

#[component]
fn SettingField(
    name: String,
    prop: Value,
    required: bool,
    connection_id: Uuid,
    values: RwSignal<Map<String, Value>>,
    error: Signal<Option<(String, String)>>,
) -> impl IntoView {
    let title = prop
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or(&name)
        .to_string();
    let description = prop
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    let kind = prop
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string")
        .to_string();
    let id = format!("setting-{name}");
    let field_error = {
        let name = name.clone();
        Signal::derive(move || error.get().filter(|(f, _)| *f == name).map(|(_, m)| m))
    };
    let current = {
        let name = name.clone();
        move || values.with(|v| v.get(&name).cloned())
    };
    let set = {
        let name = name.clone();
        move |value: Value| {
            values.update(|v| {
                v.insert(name.clone(), value);
            })
        }
    };
    let control = match kind.as_str() {
        "boolean" => {
            let set = set.clone();
            return view! {
                <div class="field field-check">
                    <label>
                        <input type="checkbox" id=id.clone()
                            prop:checked=move || current().and_then(|v| v.as_bool()).unwrap_or(false)
                            on:change=move |ev| set(Value::Bool(event_target_checked(&ev)))/>
                        <span>{title.clone()}</span>
                    </label>
                    {description.map(|d| view! { <p class="field-hint">{d}</p> })}
                    <p class="field-error" role="alert">{move || field_error.get()}</p>
                </div>
            }
            .into_any();
        }
        "object" => view! { <FieldMapping prop=prop.clone() current=Signal::derive(current.clone()) set=Callback::new(set.clone())/> }.into_any(),
        "integer" => {
            let set = set.clone();
            view! {
                <input type="number" id=id.clone()
                    prop:value=move || current().map(|v| v.to_string()).unwrap_or_default()
                    on:change=move |ev| {
                        let text = event_target_value(&ev);
                        set(text.trim().parse::<i64>().map(Value::from).unwrap_or(Value::String(text)));
                    }/>
            }
            .into_any()
        }
        _ => match (prop.get("x-options-source").and_then(Value::as_str), prop.get("enum").and_then(Value::as_array)) {
            (Some(source), _) => view! {
                <RemoteSelect id=id.clone() source=source.to_string() connection_id current=Signal::derive(current.clone()) set=Callback::new(set.clone())/>
            }
            .into_any(),
            (None, Some(options)) => {
                let labels = prop.get("x-enum-labels").and_then(Value::as_array).cloned().unwrap_or_default();
                let options: Vec<(String, String)> = options
                    .iter()
                    .enumerate()
                    .filter_map(|(i, v)| {
                        let value = v.as_str()?.to_string();
                        let label = labels.get(i).and_then(Value::as_str).unwrap_or(&value).to_string();
                        Some((value, label))
                    })
                    .collect();
                let set = set.clone();
                view! {
                    <select id=id.clone() on:change=move |ev| set(Value::String(event_target_value(&ev)))>
                        {(!required).then(|| view! { <option value="">"—"</option> })}
                        {options.into_iter().map(|(value, label)| {
                            let selected = {
                                let value = value.clone();
                                let current = current.clone();
                                move || current().and_then(|c| c.as_str().map(|c| c == value)).unwrap_or(false)
                            };
                            view! { <option value=value selected=selected>{label}</option> }
                        }).collect_view()}
                    </select>
                }
                .into_any()
            }
            _ => {
                let set = set.clone();
                let input_type = match prop.get("format").and_then(Value::as_str) {
                    Some("email") => "email",
                    Some("uri") => "url",
                    _ => "text",
                };
                view! {
                    <input type=input_type id=id.clone()
                        prop:value=move || current().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
                        on:input=move |ev| set(Value::String(event_target_value(&ev)))/>
                }
                .into_any()
            }
        },
    };
    view! {
        <div class="field" class:field-invalid=move || field_error.get().is_some()>
            <label for=id class:required=required>{title}</label>
            {control}
            {description.map(|d| view! { <p class="field-hint">{d}</p> })}
            <p class="field-error" role="alert">{move || field_error.get()}</p>
        </div>
    }
    .into_any()
}

/// A select whose options come from the provider (e.g. Slack channels), fetched on open.
#[component]
fn RemoteSelect(
    id: String,
    source: String,
    connection_id: Uuid,
    current: Signal<Option<Value>>,
    set: Callback<Value>,
) -> impl IntoView {
    let options = server_data(
        move || (),
        move |_| list_options(connection_id, source.clone()),
    );
    view! {
        <Suspense fallback=|| view! { <select disabled=true><option>"Loading..."</option></select> }>
            {
                let id = id.clone();
                move || options.get().map(|res| match res {
                    Ok(list) => view! {
                        <select id=id.clone() on:change=move |ev| set.run(Value::String(event_target_value(&ev)))>
                            <option value="">"Choose..."</option>
                            {list.into_iter().map(|o| {
                                let value = o.value.clone();
                                let selected = move || current.get().and_then(|c| c.as_str().map(|c| c == value)).unwrap_or(false);
                                view! { <option value=o.value selected=selected>{o.label}</option> }
                            }).collect_view()}
                        </select>
                    }.into_any(),
                    Err(e) => view! { <p class="field-error" role="alert">{e.to_string()}</p> }.into_any(),
                })
            }
        </Suspense>
    }
}

/// Plugboard field -> provider field, one row per Plugboard field the schema lists.
#[component]
fn FieldMapping(
    prop: Value,
    current: Signal<Option<Value>>,
    set: Callback<Value>,
) -> impl IntoView {
    let sources: Vec<String> = prop
        .get("x-source-fields")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    view! {
        <table class="mapping-table">
            <thead><tr><th scope="col">"Plugboard field"</th><th scope="col">"Provider field"</th></tr></thead>
            <tbody>
                {sources.into_iter().map(|source| {
                    let key = source.clone();
                    let value = {
                        let key = key.clone();
                        move || current.get().and_then(|m| m.get(&key).and_then(|v| v.as_str().map(str::to_string))).unwrap_or_default()
                    };
                    view! {
                        <tr>
                            <td><code>{source.clone()}</code></td>
                            <td>
                                <input type="text" aria-label=format!("Provider field for {source}") prop:value=value
                                    on:input=move |ev| {
                                        let mut map = current.get_untracked().and_then(|m| m.as_object().cloned()).unwrap_or_default();
                                        let text = event_target_value(&ev);
                                        if text.trim().is_empty() { map.remove(&key); } else { map.insert(key.clone(), Value::String(text)); }
                                        set.run(Value::Object(map));
                                    }/>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
