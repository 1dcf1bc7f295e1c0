//! Browser-only helpers (the local clock). They touch `window`, so call them only
//! from event handlers and effects, never while rendering on the server.

use chrono::{DateTime, Utc};
use wasm_bindgen::JsValue;

/// A `datetime-local` value ("2025-03-04T14:05") for `hours_ago` hours before now, in the
/// browser's time zone.
pub fn local_input_hours_ago(hours_ago: f64) -> String {
    let at = js_sys::Date::new(&JsValue::from_f64(
        js_sys::Date::now() - hours_ago * 3_600_000.0,
    ));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        at.get_full_year(),
        at.get_month() + 1,
        at.get_date(),
        at.get_hours(),
        at.get_minutes()
    )
}

/// Reads a `datetime-local` value as the browser's local time.
pub fn parse_local_input(value: &str) -> Option<DateTime<Utc>> {
    if value.is_empty() {
        return None;
    }
    let millis = js_sys::Date::new(&JsValue::from_str(value)).get_time();
    if millis.is_nan() {
        return None;
    }
    DateTime::from_timestamp_millis(millis as i64)
}
