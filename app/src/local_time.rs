//! Dates in the marketer's own time zone. The server renders UTC (it does not know the
//! browser's zone); once the page is live in the browser, the same instants are shown, and
//! `datetime-local` inputs read and written, in the browser's zone (through `js_sys::Date`).

use domain::dates::{format_rfc3339, format_utc};
use leptos::prelude::*;

/// An instant, in UTC on the server and in the browser's zone after hydration.
#[component]
pub fn LocalTime(ms: i64) -> impl IntoView {
    let text = RwSignal::new(format_utc(ms));
    Effect::new(move |_| text.set(browser::format(ms)));
    view! { <time datetime=format_rfc3339(ms)>{text}</time> }
}

/// The browser's time zone, e.g. `Europe/Paris` (empty until hydrated).
pub fn zone_signal() -> ReadSignal<String> {
    once_in_browser(browser::zone)
}

/// The browser's offset from UTC now, in minutes east (`-300` in New York in winter); empty
/// until hydrated.
pub fn utc_offset_signal() -> ReadSignal<String> {
    once_in_browser(|| browser::utc_offset_minutes().to_string())
}

/// A value only the browser knows: empty on the server, read once the page is hydrated.
fn once_in_browser(read: fn() -> String) -> ReadSignal<String> {
    let (value, set_value) = signal(String::new());
    Effect::new(move |_| set_value.set(read()));
    value
}

/// An RFC 3339 instant as a `datetime-local` value in the browser's zone (`2026-12-01T09:00`).
/// Call in the browser only (an effect).
pub fn to_local_input(rfc3339: Option<&str>) -> String {
    rfc3339
        .and_then(domain::dates::parse_rfc3339_ms)
        .map(browser::input_value)
        .unwrap_or_default()
}

/// A `datetime-local` value in the browser's zone as an RFC 3339 instant; empty is none. A
/// value the browser cannot read is passed on for the server to refuse by name.
pub fn from_local_input(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    Some(browser::instant_of(value).map_or_else(|| value.to_owned(), format_rfc3339))
}

#[cfg(target_arch = "wasm32")]
mod browser {
    use js_sys::{Array, Date, Intl, Object, Reflect};
    use wasm_bindgen::JsValue;

    fn date(ms: i64) -> Date {
        Date::new(&JsValue::from_f64(ms as f64))
    }

    fn fields(d: &Date) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes()
        )
    }

    pub fn input_value(ms: i64) -> String {
        fields(&date(ms))
    }

    pub fn format(ms: i64) -> String {
        let d = date(ms);
        let options = Object::new();
        let _ = Reflect::set(&options, &"timeZoneName".into(), &"short".into());
        let with_zone: String = d
            .to_locale_time_string_with_options("en-US", &options)
            .into();
        let zone = with_zone.rsplit(' ').next().unwrap_or_default().to_owned();
        format!("{} {zone}", fields(&d).replace('T', " "))
    }

    pub fn utc_offset_minutes() -> i64 {
        -(Date::new_0().get_timezone_offset() as i64)
    }

    pub fn zone() -> String {
        let options = Intl::DateTimeFormat::new(&Array::new(), &Object::new()).resolved_options();
        Reflect::get(&options, &"timeZone".into())
            .ok()
            .and_then(|z| z.as_string())
            .unwrap_or_default()
    }

    /// `2026-12-01T09:00` (optionally with seconds) in the browser's zone, as ms.
    pub fn instant_of(value: &str) -> Option<i64> {
        let number = |range: std::ops::Range<usize>| value.get(range)?.parse::<i32>().ok();
        let (y, mo, d) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (h, mi) = (number(11..13)?, number(14..16)?);
        let s = if value.len() >= 19 {
            number(17..19)?
        } else {
            0
        };
        let date = Date::new_with_year_month_day_hr_min_sec(y as u32, mo - 1, d, h, mi, s);
        let ms = date.get_time();
        (!ms.is_nan()).then_some(ms as i64)
    }
}

/// On the server nothing runs in the browser's zone: these keep UTC (never called while
/// rendering: only effects call them).
#[cfg(not(target_arch = "wasm32"))]
mod browser {
    pub fn input_value(ms: i64) -> String {
        domain::dates::format_rfc3339(ms).chars().take(16).collect()
    }

    pub fn format(ms: i64) -> String {
        domain::dates::format_utc(ms)
    }

    pub fn zone() -> String {
        "UTC".into()
    }

    pub fn utc_offset_minutes() -> i64 {
        0
    }

    pub fn instant_of(value: &str) -> Option<i64> {
        domain::dates::parse_rfc3339_ms(&format!("{}:00Z", &value.get(..16)?))
    }
}
