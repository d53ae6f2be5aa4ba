//! The small pieces of HTML every dashboard section uses: money, state badges, action buttons,
//! tables and sections with their "older ones not shown" line. The class names are the ones the
//! stylesheet (`style.css`) and the browser test rely on (see the contract): `section.card`,
//! `table.rows`, `span.state.state-*`, `button.action`, `.money`, `.muted`.
//!
//! What comes from the state (order ids, metadata, URLs, merchants' answers) is attacker-chosen:
//! every such value goes through [`html`] here or in the caller.

use crate::util::html;
pub(super) use crate::util::money;

/// An optional amount (a stored request may lack one).
pub(super) fn maybe_money(amount: Option<i64>, currency: Option<&str>) -> String {
    match (amount, currency) {
        (Some(amount), Some(currency)) => money(amount, currency),
        (Some(amount), None) => format!("<span class=\"money\">{amount}</span>"),
        _ => muted("–"),
    }
}

/// A state badge: `<span class="state state-{class}">{label}</span>`; `class` is lowercased and
/// kept to `[a-z0-9_-]`.
pub(super) fn badge_as(class: &str, label: &str) -> String {
    let class: String = class
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("<span class=\"state state-{class}\">{}</span>", html(label))
}

/// A badge whose class is its own status (`PAID` → `state-paid`).
pub(super) fn badge(status: &str) -> String {
    badge_as(status, status)
}

/// Greyed text (escaped).
pub(super) fn muted(text: &str) -> String {
    format!("<span class=\"muted\">{}</span>", html(text))
}

/// An optional text, escaped, in `<code>`; a dash when absent.
pub(super) fn code_or_dash(text: Option<&str>) -> String {
    match text {
        Some(text) => format!("<code>{}</code>", html(text)),
        None => muted("–"),
    }
}

/// The start of a long identifier, with the whole one as a tooltip.
pub(super) fn short_id(id: &str) -> String {
    let shown: String = id.chars().take(12).collect();
    let ellipsis = if shown.len() < id.len() { "…" } else { "" };
    format!(
        "<code title=\"{}\">{}{ellipsis}</code>",
        html(id),
        html(&shown)
    )
}

/// A path segment percent-encoded (the identifiers the sandbox mints are alphanumeric; anything
/// else is encoded rather than trusted).
pub(super) fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A form posting to `action` with one submit button `<button name="{name}" class="action">`,
/// plus hidden fields and extra controls (already HTML) before the button.
pub(super) fn action_form(
    action: &str,
    name: &str,
    label: &str,
    hidden: &[(&str, &str)],
    controls: &str,
) -> String {
    let hidden: String = hidden
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html(k),
                html(v)
            )
        })
        .collect();
    format!(
        "<form method=\"post\" action=\"{}\" class=\"inline\">{hidden}{controls}\
         <button type=\"submit\" class=\"action\" name=\"{}\" value=\"1\">{}</button></form>",
        html(action),
        html(name),
        html(label)
    )
}

/// A `table.rows` with these column headings; `rows` is HTML.
pub(super) fn table(headings: &[&str], rows: &str) -> String {
    let head: String = headings
        .iter()
        .map(|h| format!("<th>{}</th>", html(h)))
        .collect();
    format!("<table class=\"rows\"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
}

/// A `section.card` with its heading, a one-line explanation, the body (HTML, or "none yet"
/// when `empty`) and how many older entries were left out.
pub(super) fn section(
    id: &str,
    title: &str,
    intro: &str,
    body: &str,
    empty: bool,
    hidden: usize,
) -> String {
    let body = if empty {
        "<p class=\"muted\">None yet.</p>".to_owned()
    } else {
        body.to_owned()
    };
    let footer = if hidden > 0 {
        format!("<p class=\"muted\">{hidden} older not shown.</p>")
    } else {
        String::new()
    };
    format!(
        "<section class=\"card\" id=\"{}\"><h2>{}</h2><p class=\"muted\">{}</p>{body}{footer}</section>",
        html(id),
        html(title),
        html(intro)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_uses_the_currency_decimals() {
        let pen = "<span class=\"money\">12.50 <span class=\"currency\">PEN</span></span>";
        assert_eq!(money(1250, "PEN"), pen);
        let clp = "<span class=\"money\">2000 <span class=\"currency\">CLP</span></span>";
        assert_eq!(money(2000, "CLP"), clp);
        let unknown = money(5, "<x>");
        assert!(
            unknown.contains("5 <span class=\"currency\">&lt;x&gt;</span>"),
            "{unknown}"
        );
        assert!(unknown.contains("(minor units)"), "{unknown}");
    }

    #[test]
    fn badges_and_segments_cannot_break_out() {
        assert_eq!(
            badge("PAID"),
            "<span class=\"state state-paid\">PAID</span>"
        );
        assert_eq!(
            badge("a\" onmouseover=\"x"),
            "<span class=\"state state-a--onmouseover--x\">a&quot; onmouseover=&quot;x</span>"
        );
        assert_eq!(segment("ab/../c d"), "ab%2F%2E%2E%2Fc%20d");
    }
}
