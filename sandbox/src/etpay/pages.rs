//! The HTML of ETpay's shopper pages (`funnel.rs` serves them): the funnel with its bank choice,
//! the result when the session has no return URL, and the terms. All go through [`html_page`]
//! and its stylesheet; the field names (`bank`, `outcome`) and ids (`approve`, `reject`) are
//! what the browser posts and what tests use, so they do not change with the look.

use axum::response::Html;

use crate::etpay::state::TEST_BANKS;
use crate::util::{html, html_page, money};

/// The test banks as a list of radio choices (`name="bank"`), the first one checked.
fn bank_choices() -> String {
    let banks: String = TEST_BANKS
        .iter()
        .enumerate()
        .map(|(i, (code, name))| {
            format!(
                "<label class=\"choice\"><input type=\"radio\" name=\"bank\" value=\"{code}\"{}>\
                 <span class=\"what\">{}</span><span class=\"why\"><code>{code}</code></span></label>",
                if i == 0 { " checked" } else { "" },
                html(name)
            )
        })
        .collect();
    format!("<fieldset class=\"choices\"><legend>Elige tu banco</legend>{banks}</fieldset>")
}

/// `GET /sandbox/etpay/session/{token}`: amount (CLP, no decimals), order and the bank choice.
pub(crate) fn funnel_page(token: &str, order_id: &str, amount: i64) -> Html<String> {
    html_page(
        "ETpay sandbox",
        &format!(
            "<div class=\"narrow\"><section class=\"card\" id=\"funnel\">\
             <p class=\"muted\">ETpay · transferencia bancaria <span class=\"badge-test\">TEST</span></p>\
             <h1 class=\"amount-big\">Pagar {}</h1>\
             <dl class=\"facts\"><dt>Orden</dt><dd id=\"order-id\">{}</dd></dl>\
             <form method=\"post\" action=\"/sandbox/etpay/session/{}\">{}\
             <div class=\"actions\">\
             <button type=\"submit\" name=\"outcome\" value=\"paid\" id=\"approve\">Aprobar transferencia</button>\
             <button type=\"submit\" name=\"outcome\" value=\"rejected\" id=\"reject\" class=\"danger\">Rechazar</button>\
             </div></form></section><p class=\"muted\">No money moves: the sandbox emulates the bank. \
             Approving sends the signed webhook and returns to the shop.</p></div>",
            money(amount, "CLP"),
            html(order_id),
            html(token),
            bank_choices()
        ),
    )
}

/// The page after the funnel when the session has no return URL: the outcome and the claims.
pub(crate) fn result_page(outcome: &str, claims: &str) -> Html<String> {
    let badge = if outcome == "paid" {
        "paid"
    } else {
        "rejected"
    };
    html_page(
        "ETpay result",
        &format!(
            "<div class=\"narrow\"><section class=\"card\" id=\"result\">\
             <h1>{}</h1><p><span class=\"state state-{badge}\">{}</span></p>\
             <p class=\"muted\">The session has no return URL, so the browser stays here. The signed claims:</p>\
             <pre>{}</pre></section></div>",
            html(outcome),
            html(outcome),
            html(claims)
        ),
    )
}

/// `GET /sandbox/etpay/terms`.
pub(crate) fn terms_page() -> Html<String> {
    html_page(
        "ETpay terms",
        "<div class=\"narrow\"><section class=\"card\"><h1>Terms</h1>\
         <p class=\"muted\">ETpay terms are not emulated.</p></section></div>",
    )
}
