use chrono::{DateTime, Datelike, FixedOffset, Offset, Timelike, Utc};
use leptos::prelude::*;

/// How much of a moment to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeStyle {
    /// "Mar 4, 2025, 15:05:09 UTC+1": logs, where seconds matter.
    #[default]
    Seconds,
    /// "Mar 4, 2025, 15:05 UTC+1".
    Minutes,
    /// "Mar 4, 15:05 UTC+1": recent things (notifications).
    Short,
}

/// A moment in the browser's time zone, with its UTC offset, the same everywhere in the app.
/// The server does not know the browser's zone, so the page first shows UTC and the browser
/// switches to its own time once hydrated.
#[component]
pub fn LocalTime(at: DateTime<Utc>, #[prop(optional)] style: TimeStyle) -> impl IntoView {
    let text = RwSignal::new(format_at(at, None, style));
    // Effects run in the browser only.
    Effect::new(move |_| text.set(format_at(at, browser_offset(at), style)));
    view! { <time datetime=at.to_rfc3339()>{move || text.get()}</time> }
}

/// The browser's zone as a label ("UTC+1"), for inputs that take its local time. Browser only.
pub fn browser_zone_label() -> String {
    // The browser's clock: chrono's `Utc::now` has none on wasm32-unknown-unknown.
    let now = DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default();
    offset_label(browser_offset(now).unwrap_or(Utc.fix()))
}

/// The browser's UTC offset at `at` (daylight saving included).
fn browser_offset(at: DateTime<Utc>) -> Option<FixedOffset> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    // getTimezoneOffset is UTC minus local, in minutes.
    let minutes = -(date.get_timezone_offset() as i32);
    FixedOffset::east_opt(minutes * 60)
}

pub fn format_at(at: DateTime<Utc>, offset: Option<FixedOffset>, style: TimeStyle) -> String {
    let offset = offset.unwrap_or(Utc.fix());
    let local = at.with_timezone(&offset);
    // Written out rather than with chrono's `format`: its strftime parser and formatter would
    // otherwise be in every page's wasm (this component is in the shell).
    let month = MONTHS[local.month0() as usize % 12];
    let (day, year, hour, minute) = (local.day(), local.year(), local.hour(), local.minute());
    let zone = offset_label(offset);
    match style {
        TimeStyle::Seconds => {
            let second = local.second();
            format!("{month} {day}, {year}, {hour:02}:{minute:02}:{second:02} {zone}")
        }
        TimeStyle::Minutes => format!("{month} {day}, {year}, {hour:02}:{minute:02} {zone}"),
        TimeStyle::Short => format!("{month} {day}, {hour:02}:{minute:02} {zone}"),
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// How a calendar day names its month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonthName {
    /// "Mar 4, 2025".
    Short,
    /// "March 4, 2025".
    Long,
}

/// The UTC calendar day of `at`, the same on the server and in the browser. Written out, as
/// [`format_at`] is: chrono's strftime would put its parser and tables in the shared wasm.
pub fn calendar_day(at: DateTime<Utc>, month: MonthName) -> String {
    let names = match month {
        MonthName::Short => &MONTHS,
        MonthName::Long => &MONTH_NAMES,
    };
    let name = names[at.month0() as usize % 12];
    format!("{name} {}, {}", at.day(), at.year())
}

/// "UTC", "UTC+1", "UTC-8", "UTC+5:30".
pub fn offset_label(offset: FixedOffset) -> String {
    let seconds = offset.local_minus_utc();
    if seconds == 0 {
        return "UTC".into();
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.abs() / 60;
    match minutes % 60 {
        0 => format!("UTC{sign}{}", minutes / 60),
        m => format!("UTC{sign}{}:{m:02}", minutes / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn calendar_days_are_utc_with_the_month_short_or_long() {
        let at = Utc.with_ymd_and_hms(2025, 9, 30, 23, 59, 59).unwrap();
        assert_eq!(calendar_day(at, MonthName::Short), "Sep 30, 2025");
        assert_eq!(calendar_day(at, MonthName::Long), "September 30, 2025");
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(calendar_day(at, MonthName::Short), "Jan 1, 2026");
        assert_eq!(calendar_day(at, MonthName::Long), "January 1, 2026");
    }

    #[test]
    fn formats_in_the_given_offset_with_its_label() {
        let at = Utc.with_ymd_and_hms(2025, 3, 4, 23, 5, 9).unwrap();
        assert_eq!(
            format_at(at, FixedOffset::east_opt(0), TimeStyle::Seconds),
            "Mar 4, 2025, 23:05:09 UTC"
        );
        assert_eq!(
            format_at(at, FixedOffset::east_opt(3600), TimeStyle::Minutes),
            "Mar 5, 2025, 00:05 UTC+1"
        );
        assert_eq!(
            format_at(at, FixedOffset::west_opt(8 * 3600), TimeStyle::Short),
            "Mar 4, 15:05 UTC-8"
        );
        assert_eq!(
            format_at(at, FixedOffset::east_opt(19800), TimeStyle::Short),
            "Mar 5, 04:35 UTC+5:30"
        );
        assert_eq!(
            format_at(at, FixedOffset::west_opt(9000), TimeStyle::Short),
            "Mar 4, 20:35 UTC-2:30"
        );
        let new_year = Utc.with_ymd_and_hms(2025, 12, 31, 23, 0, 5).unwrap();
        assert_eq!(
            format_at(new_year, FixedOffset::east_opt(7200), TimeStyle::Seconds),
            "Jan 1, 2026, 01:00:05 UTC+2"
        );
        assert_eq!(
            format_at(new_year, FixedOffset::east_opt(0), TimeStyle::Seconds),
            "Dec 31, 2025, 23:00:05 UTC"
        );
    }
}
