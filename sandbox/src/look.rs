//! The sandbox's look: the one stylesheet its pages link (`style.css`, served at
//! `GET /sandbox/style.css`) and the test-cards reference page the header links to.
//!
//! The stylesheet is hand-written and compiled in (no build step, no external fonts or CDNs:
//! the sandbox works offline). Pages link it with a `?v=` of its content hash, so a browser may
//! keep it for a day and still sees a new version at once.

use std::sync::Arc;

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::app::App;
use crate::etpay::TEST_BANKS;
use crate::lyra::cards::TEST_CARDS;
use crate::lyra::pages::card_outcome_badge;
use crate::util::{html, html_page};

/// The stylesheet's path.
pub(crate) const STYLE_PATH: &str = "/sandbox/style.css";
/// The test cards page's path.
pub(crate) const TEST_CARDS_PATH: &str = "/sandbox/test-cards";

/// The stylesheet.
const STYLE: &str = include_str!("style.css");

/// FNV-1a 64 of the stylesheet, computed at compile time: the `?v=` of its links.
const STYLE_HASH: u64 = {
    let bytes = STYLE.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
};

/// The `href` pages link the stylesheet with.
pub(crate) fn style_href() -> String {
    format!("{STYLE_PATH}?v={STYLE_HASH:016x}")
}

/// `GET /sandbox/style.css` and `GET /sandbox/test-cards`.
pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(STYLE_PATH, get(style))
        .route(TEST_CARDS_PATH, get(test_cards))
}

/// The stylesheet, cacheable for a day (links carry its hash, so a change is seen at once).
async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        STYLE,
    )
        .into_response()
}

/// The test cards (and ETpay's test banks) with what each does.
async fn test_cards() -> Html<String> {
    let cards: String = TEST_CARDS
        .iter()
        .map(|c| {
            format!(
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"muted\">{}</td></tr>",
                c.pan,
                c.brand,
                card_outcome_badge(c.outcome),
                html(c.label)
            )
        })
        .collect();
    let banks: String = TEST_BANKS
        .iter()
        .map(|(code, name)| {
            format!(
                "<tr><td><code>{code}</code></td><td>{}</td></tr>",
                html(name)
            )
        })
        .collect();
    html_page(
        "Test cards · pasarela sandbox",
        &format!(
            "<h1>Test cards</h1>\
             <section class=\"card\" id=\"test-cards\"><h2>Lyra test cards</h2>\
             <p class=\"muted\">Pick one on the payment page, type it in the embedded form (any future expiry, \
             any 3-digit code), or give it as <code>card</code> to <code>POST /sandbox/lyra/pay</code>.</p>\
             <table class=\"rows\"><thead><tr><th>Number</th><th>Brand</th><th>Outcome</th><th>What happens</th></tr></thead>\
             <tbody>{cards}</tbody></table></section>\
             <section class=\"card\" id=\"test-banks\"><h2>ETpay test banks</h2>\
             <p class=\"muted\">The funnel's bank choice; every bank approves or rejects as the shopper (or \
             <code>POST /sandbox/etpay/pay</code>) decides.</p>\
             <table class=\"rows\"><thead><tr><th>Code</th><th>Bank</th></tr></thead><tbody>{banks}</tbody></table></section>"
        ),
    )
}
