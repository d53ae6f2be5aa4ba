//! Small helpers of the sandbox that belong to no gateway: clock, identifiers, HTML escaping,
//! reading and merging JSON objects (only the fields the spec declares).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// Seconds since the Unix epoch.
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// ISO 8601 UTC date-time with offset, as Lyra writes them: `2022-01-21T09:28:17+00:00`.
pub(crate) fn iso(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Now, as [`iso`].
pub(crate) fn now_iso() -> String {
    iso(unix_now())
}

/// 32 lowercase hexadecimal characters, the shape of Lyra uuids and ids.
pub(crate) fn new_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// An opaque token of `len` alphanumeric characters (formTokens, ETpay session tokens).
pub(crate) fn new_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A new formToken: opaque, long, unique.
pub(crate) fn new_form_token() -> String {
    format!("{}{}", new_token(24), new_id())
}

/// HTML escaping for element content and double-quoted attributes: the same function the
/// embedded-form snippet uses.
pub(crate) use pasarela::lyra::form::escape_attr as html;

/// A whole HTML page of the sandbox (the title is escaped, the body is not): the stylesheet
/// (`look.rs`), a viewport for phones, and the header with the sandbox's links around `body`.
pub(crate) fn html_page(title: &str, body: &str) -> axum::response::Html<String> {
    axum::response::Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><link rel=\"stylesheet\" href=\"{}\"></head><body>{}<main>{body}</main></body></html>",
        html(title),
        html(&crate::look::style_href()),
        header_nav()
    ))
}

/// The header every sandbox page carries: the dashboard, the notifications (JSON) and the test
/// cards.
fn header_nav() -> String {
    format!(
        "<header class=\"top\"><div class=\"bar\"><a class=\"brand\" href=\"/\">pasarela sandbox\
         <small>test mode</small></a><nav aria-label=\"sandbox\"><a href=\"/\">Dashboard</a>\
         <a href=\"/sandbox/notifications\">Notifications (JSON)</a><a href=\"{}\">Test cards</a></nav>\
         </div></header>",
        crate::look::TEST_CARDS_PATH
    )
}

/// An amount in minor units as its currency writes it (`100.50 PEN`, `12990 CLP`), in a
/// `.money` span for the pages (the currency in its own span, styled apart); an amount in a
/// currency the client does not know is shown in minor units, and says so.
pub(crate) fn money(amount: i64, currency: &str) -> String {
    let code = format!("<span class=\"currency\">{}</span>", html(currency));
    match pasarela::money::format_minor(amount, currency) {
        Some(number) => format!("<span class=\"money\">{} {code}</span>", html(&number)),
        None => format!(
            "<span class=\"money\">{amount} {code} <span class=\"muted\">(minor units)</span></span>"
        ),
    }
}

/// A string field of a JSON object, owned.
pub(crate) fn str_field(object: &Value, name: &str) -> Option<String> {
    object.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// The top-level properties `component` (a request schema of the Lyra spec) declares.
fn declared_properties(component: &str) -> Option<&'static serde_json::Map<String, Value>> {
    pasarela::spec::SpecValidator::lyra()
        .document()
        .pointer(&format!("/components/schemas/{component}/properties"))
        .and_then(Value::as_object)
}

/// The fields of `request` (a JSON object) that `component` declares, so undeclared keys are
/// not kept (the spec is the list, derived, not typed again).
pub(crate) fn declared_fields(request: &Value, component: &str) -> Value {
    let mut kept = Value::Object(serde_json::Map::new());
    merge_declared(&mut kept, request, component);
    kept
}

/// Copies into `target` the fields of `source` that `component` declares (both JSON objects;
/// otherwise nothing happens): repeated updates with new keys never grow `target`.
pub(crate) fn merge_declared(target: &mut Value, source: &Value, component: &str) {
    let declared = declared_properties(component);
    if let (Some(target), Some(source), Some(declared)) =
        (target.as_object_mut(), source.as_object(), declared)
    {
        for (key, value) in source {
            if declared.contains_key(key) {
                target.insert(key.clone(), value.clone());
            }
        }
    }
}

/// The UTC year and month (1–12) of a Unix time.
pub(crate) fn year_month(unix: u64) -> (i64, u32) {
    let date = iso(unix);
    let year = date[..4].parse().unwrap_or(1970);
    let month = date[5..7].parse().unwrap_or(1);
    (year, month)
}

/// How many characters of a free-form value (metadata, an order id, a merchant's answer) a
/// listing keeps.
pub(crate) const SHOWN_JSON_CHARS: usize = 160;

/// `text` cut to `chars` characters, with `…` when it was longer.
pub(crate) fn cut(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// `value` as compact JSON cut to [`SHOWN_JSON_CHARS`] characters; `None` for null. Only the
/// start of the value is read, so a 64 KiB object costs no more than a short one.
pub(crate) fn short_json(value: &Value) -> Option<String> {
    if value.is_null() {
        return None;
    }
    let mut out = String::new();
    json_head(value, &mut out, SHOWN_JSON_CHARS);
    Some(cut(&out, SHOWN_JSON_CHARS))
}

/// Appends compact JSON of `value` to `out` until `out` holds more than `limit` bytes.
fn json_head(value: &Value, out: &mut String, limit: usize) {
    if out.len() > limit {
        return;
    }
    match value {
        Value::String(s) => string_head(s, out, limit),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if out.len() > limit {
                    return;
                }
                if i > 0 {
                    out.push(',');
                }
                json_head(item, out, limit);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if out.len() > limit {
                    return;
                }
                if i > 0 {
                    out.push(',');
                }
                string_head(key, out, limit);
                out.push(':');
                json_head(item, out, limit);
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Appends a JSON string of the first `limit` characters of `s` (escaped by serde_json).
fn string_head(s: &str, out: &mut String, limit: usize) {
    let head = match s.char_indices().nth(limit) {
        Some((end, _)) => &s[..end],
        None => s,
    };
    out.push_str(&serde_json::to_string(head).unwrap_or_default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_match_known_instants() {
        assert_eq!(iso(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(iso(1_642_757_297), "2022-01-21T09:28:17+00:00");
        assert_eq!(iso(951_782_400), "2000-02-29T00:00:00+00:00");
    }

    #[test]
    fn only_declared_fields_are_kept_or_merged() {
        let request = serde_json::json!({"amount": 100, "currency": "PEN", "x-unknown": "y"});
        let mut kept = declared_fields(&request, "CreatePaymentOrderRequest");
        assert_eq!(kept, serde_json::json!({"amount": 100, "currency": "PEN"}));
        let update = serde_json::json!({"amount": 50, "new-key": "z".repeat(1000)});
        merge_declared(&mut kept, &update, "PaymentOrderUpdateRequest");
        assert_eq!(kept, serde_json::json!({"amount": 50, "currency": "PEN"}));
    }

    #[test]
    fn short_json_is_cut_after_the_shown_characters() {
        assert_eq!(short_json(&Value::Null), None);
        assert_eq!(
            short_json(&serde_json::json!({"a": 1})).as_deref(),
            Some("{\"a\":1}")
        );
        let value = serde_json::json!({"a": [1, "x\"y", null, {"b": true}], "c": 2.5});
        assert_eq!(short_json(&value), Some(value.to_string()));
        let long = serde_json::json!({"note": "é".repeat(100_000)});
        let shown = short_json(&long).unwrap();
        assert_eq!(shown.chars().count(), SHOWN_JSON_CHARS + 1);
        assert!(
            shown.starts_with("{\"note\":\"éé") && shown.ends_with('…'),
            "{shown}"
        );
    }

    #[test]
    fn ids_have_the_gateway_shape() {
        let id = new_id();
        assert_eq!(id.len(), 32);
        assert!(id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_ne!(new_id(), id);
        assert_eq!(new_token(64).len(), 64);
    }
}
