//! The HTML of the Lyra shopper pages (`shopper.rs` serves them): the payment page of a
//! formToken with its test-card choice, the result page, the auto-posting return and a closed
//! payment order. All go through [`html_page`] and its stylesheet; the field names (`card`,
//! `kr-post-url-*`) and ids (`pay`, `kr-return`) are what the shopper's browser posts and what
//! tests use, so they do not change with the look.

use axum::response::Html;

use crate::lyra::cards::{CardOutcome, TEST_CARDS};
use crate::util::{html, html_page, money};

/// A test card's outcome as a state badge (`PAID · AUTHORISED`, `REFUSED`…).
pub(crate) fn card_outcome_badge(outcome: CardOutcome) -> &'static str {
    match outcome {
        CardOutcome::Authorised => "<span class=\"state state-paid\">paid · authorised</span>",
        CardOutcome::Captured => "<span class=\"state state-paid\">paid · captured</span>",
        CardOutcome::Refused => "<span class=\"state state-refused\">refused</span>",
        CardOutcome::ToValidate => "<span class=\"state state-running\">to validate</span>",
    }
}

/// What the payment page shows of a formToken.
pub(crate) struct PaymentPage<'a> {
    pub form_token: &'a str,
    pub amount: i64,
    pub currency: &'a str,
    pub order_id: Option<&'a str>,
    /// `formAction` (`PAYMENT`, `REGISTER_PAY`…).
    pub form_action: &'a str,
    /// Hidden `kr-post-url-success` / `kr-post-url-refused` fields, already rendered.
    pub hidden: String,
}

/// The test cards as a list of radio choices (`name="card"`), the first one checked.
fn card_choices() -> String {
    let cards: String = TEST_CARDS
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "<label class=\"choice\"><input type=\"radio\" name=\"card\" value=\"{}\"{}>\
                 <span class=\"what\"><code>{}</code> {}</span>{}<span class=\"why\">{}</span></label>",
                c.pan,
                if i == 0 { " checked" } else { "" },
                c.pan,
                c.brand,
                card_outcome_badge(c.outcome),
                html(c.label)
            )
        })
        .collect();
    format!("<fieldset class=\"choices\"><legend>Choose a test card</legend>{cards}</fieldset>")
}

/// `GET /sandbox/lyra/form/{formToken}`: amount, order and the test-card choice.
pub(crate) fn payment_page(page: &PaymentPage<'_>) -> Html<String> {
    let order = page.order_id.unwrap_or("-");
    let action = if page.form_action == "PAYMENT" {
        String::new()
    } else {
        format!(
            "<dt>Action</dt><dd><code>{}</code></dd>",
            html(page.form_action)
        )
    };
    html_page(
        "Sandbox payment",
        &format!(
            "<div class=\"narrow\"><section class=\"card\" id=\"payment\">\
             <p class=\"muted\">Lyra payment page <span class=\"badge-test\">TEST</span></p>\
             <h1 class=\"amount-big\">Pay {}</h1>\
             <dl class=\"facts\"><dt>Order</dt><dd id=\"order-id\">{}</dd>{action}</dl>\
             <form method=\"post\" action=\"/sandbox/lyra/form/{}\">{}{}\
             <div class=\"actions\"><button type=\"submit\" id=\"pay\">Pagar</button></div></form>\
             </section><p class=\"muted\">No card is charged: the sandbox emulates the gateway. \
             Each card always gives the outcome shown.</p></div>",
            money(page.amount, page.currency),
            html(order),
            html(page.form_token),
            card_choices(),
            page.hidden
        ),
    )
}

/// The page after paying when no return URL was given: the outcome and the `kr-answer`.
pub(crate) fn result_page(refused: bool, order_status: &str, raw_answer: &str) -> Html<String> {
    let (title, badge) = if refused {
        ("Refused", "refused")
    } else {
        ("Paid", "paid")
    };
    html_page(
        "Payment result",
        &format!(
            "<div class=\"narrow\"><section class=\"card\" id=\"result\"><h1>{title}</h1>\
             <p>Order status <span class=\"state state-{badge}\">{}</span></p>\
             <p class=\"muted\">No <code>kr-post-url-success</code> was given, so the browser stays here. \
             The signed answer (<code>kr-answer</code>):</p><pre>{}</pre></section></div>",
            html(order_status),
            html(raw_answer)
        ),
    )
}

/// An auto-submitting form that posts `inputs` (hidden fields, already rendered) to the
/// merchant's return URL.
pub(crate) fn auto_post(url: &str, inputs: &str) -> Html<String> {
    html_page(
        "Returning to the shop",
        &format!(
            "<div class=\"narrow\"><section class=\"card\"><p class=\"muted\">Returning to the shop…</p>\
             <form id=\"kr-return\" method=\"post\" action=\"{}\">{inputs}<noscript><button type=\"submit\">Continue</button></noscript></form>\
             </section></div><script>document.getElementById('kr-return').submit();</script>",
            html(url)
        ),
    )
}

/// A payment order that can no longer be paid.
pub(crate) fn payment_order_closed(status: &str) -> Html<String> {
    html_page(
        "Payment order",
        &format!(
            "<div class=\"narrow\"><section class=\"card\"><h1>This payment order is {}</h1>\
             <p><span class=\"state state-{}\">{}</span></p></section></div>",
            html(status),
            html(&status.to_ascii_lowercase()),
            html(status)
        ),
    )
}
