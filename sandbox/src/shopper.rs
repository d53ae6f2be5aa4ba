//! The shopper's side of Lyra, emulated: the payment page of a formToken, a stand-in for the
//! embedded-form JavaScript, and the control endpoint tests use instead of a browser.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::lyra_model::{test_card, CardOutcome, FormEntry, FormPurpose, TestCard, TEST_CARDS};
use super::util::{html, new_form_token};
use super::{App, Paid};

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/sandbox/lyra/form/{form_token}",
            get(form_page).post(form_submit),
        )
        .route(
            "/sandbox/lyra/order/{payment_order_id}",
            get(payment_order_page),
        )
        .route("/sandbox/lyra/pay", post(control_pay))
        .route(
            "/sandbox/lyra/js-pay",
            post(js_pay).options(js_pay_preflight),
        )
        .route(
            "/static/js/krypton-client/V4.0/stable/kr-payment-form.min.js",
            get(form_script),
        )
        .route("/static/js/krypton-client/V4.0/ext/{file}", get(theme_file))
}

/// Where the browser goes after paying, as given to the page or the script.
#[derive(Debug, Default, Deserialize)]
struct ReturnUrls {
    #[serde(rename = "kr-post-url-success")]
    post_url_success: Option<String>,
    #[serde(rename = "kr-post-url-refused")]
    post_url_refused: Option<String>,
}

fn live_entry(app: &App, form_token: &str) -> Result<FormEntry, (StatusCode, String)> {
    let state = app.lyra.lock().unwrap_or_else(|e| e.into_inner());
    match state.live_form(form_token) {
        Some(entry) if !entry.used => Ok(entry.clone()),
        Some(_) => Err((
            StatusCode::CONFLICT,
            "this formToken was already paid (INT_906)".into(),
        )),
        None => Err((
            StatusCode::NOT_FOUND,
            "formToken not found or expired (INT_903)".into(),
        )),
    }
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{}</title></head><body>{body}</body></html>",
        html(title)
    ))
}

async fn form_page(
    State(app): State<Arc<App>>,
    Path(form_token): Path<String>,
    Query(urls): Query<ReturnUrls>,
) -> Response {
    let entry = match live_entry(&app, &form_token) {
        Ok(entry) => entry,
        Err(e) => return e.into_response(),
    };
    let amount = pasarela::money::format_minor(entry.amount, &entry.currency)
        .unwrap_or_else(|| entry.amount.to_string());
    let options: String = TEST_CARDS
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "<label><input type=\"radio\" name=\"card\" value=\"{}\"{}> <code>{}</code> {} — {}</label><br>",
                c.pan, if i == 0 { " checked" } else { "" }, c.pan, c.brand, html(c.label)
            )
        })
        .collect();
    let hidden = |name: &str, value: &Option<String>| {
        value
            .as_ref()
            .map(|v| {
                format!(
                    "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
                    html(v)
                )
            })
            .unwrap_or_default()
    };
    page(
        "Sandbox payment",
        &format!(
            "<h1>Pay {} {}</h1><p>Order {}</p><form method=\"post\" action=\"/sandbox/lyra/form/{}\">{options}{}{}\
             <button type=\"submit\" id=\"pay\">Pagar</button></form>",
            html(&amount), html(&entry.currency), html(entry.order_id.as_deref().unwrap_or("-")), html(&form_token),
            hidden("kr-post-url-success", &urls.post_url_success), hidden("kr-post-url-refused", &urls.post_url_refused)
        ),
    )
    .into_response()
}

#[derive(Debug, Deserialize)]
struct CardChoice {
    card: String,
    #[serde(flatten)]
    urls: ReturnUrls,
}

/// Pays and waits for the first IPN attempt, as the platform does before releasing the browser.
async fn pay_and_notify(
    app: &App,
    entry: FormEntry,
    card: &'static TestCard,
    form_token: &str,
) -> (Paid, Value) {
    let paid = app.pay(entry, card, Some(form_token));
    let ipn = match app.send_ipn(&paid) {
        Some((target, first)) => {
            let attempt = first.await.ok();
            json!({
                "target": target,
                "status": attempt.as_ref().and_then(|a| a.status),
                "error": attempt.as_ref().and_then(|a| a.error.clone()),
            })
        }
        None => {
            json!({"target": null, "status": null, "error": "no notification URL: set ipnTargetUrl or the sandbox's --lyra-notification-url"})
        }
    };
    (paid, ipn)
}

/// An auto-submitting form that posts the signed browser-return fields to the merchant.
fn auto_post(url: &str, fields: &[(String, String)]) -> Html<String> {
    let inputs: String = fields
        .iter()
        .map(|(k, v)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                html(k),
                html(v)
            )
        })
        .collect();
    page(
        "Returning to the shop",
        &format!(
            "<form id=\"kr-return\" method=\"post\" action=\"{}\">{inputs}<noscript><button type=\"submit\">Continue</button></noscript></form>\
             <script>document.getElementById('kr-return').submit();</script>",
            html(url)
        ),
    )
}

async fn form_submit(
    State(app): State<Arc<App>>,
    Path(form_token): Path<String>,
    Form(choice): Form<CardChoice>,
) -> Response {
    let entry = match live_entry(&app, &form_token) {
        Ok(entry) => entry,
        Err(e) => return e.into_response(),
    };
    let Some(card) = test_card(&choice.card) else {
        return (StatusCode::BAD_REQUEST, "unknown test card").into_response();
    };
    let (paid, _) = pay_and_notify(&app, entry, card, &form_token).await;
    let fields = app.browser_return_fields(&paid);
    let target = if paid.refused {
        choice
            .urls
            .post_url_refused
            .or(choice.urls.post_url_success)
    } else {
        choice.urls.post_url_success
    };
    match target {
        Some(url) => auto_post(&url, &fields).into_response(),
        None => page(
            "Payment result",
            &format!(
                "<h1>{}</h1><pre>{}</pre>",
                if paid.refused { "Refused" } else { "Paid" },
                html(&paid.raw_answer)
            ),
        )
        .into_response(),
    }
}

async fn payment_order_page(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let mut state = app.lyra.lock().unwrap_or_else(|e| e.into_inner());
    let Some(order) = state.payment_orders.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "payment order not found (PSP_1000)").into_response();
    };
    if order.status != "RUNNING" {
        return page(
            "Payment order",
            &format!("<h1>This payment order is {}</h1>", html(order.status)),
        )
        .into_response();
    }
    let r = &order.request;
    let entry = FormEntry {
        purpose: FormPurpose::PaymentOrder(id),
        amount: r["amount"].as_i64().unwrap_or(0),
        currency: r["currency"].as_str().unwrap_or("PEN").to_owned(),
        order_id: r["orderId"].as_str().map(str::to_owned),
        form_action: "PAYMENT".into(),
        customer: Value::Null,
        metadata: Value::Null,
        ipn_target_url: None,
        payment_method_token: None,
        manual_validation: r["transactionOptions"]["cardOptions"]["manualValidation"] == "YES",
        created: std::time::Instant::now(),
        used: false,
    };
    let form_token = new_form_token();
    state.form_tokens.insert(form_token.clone(), entry);
    drop(state);
    axum::response::Redirect::to(&format!("/sandbox/lyra/form/{form_token}")).into_response()
}

/// `POST /sandbox/lyra/pay` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ControlPay {
    form_token: String,
    /// `paid` or `refused` (or a test card number in `card`).
    outcome: Option<String>,
    card: Option<String>,
}

fn error_json(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

async fn control_pay(State(app): State<Arc<App>>, Json(request): Json<ControlPay>) -> Response {
    let entry = match live_entry(&app, &request.form_token) {
        Ok(entry) => entry,
        Err((status, message)) => return error_json(status, &message),
    };
    let card = match (request.card.as_deref(), request.outcome.as_deref()) {
        (Some(pan), _) => test_card(pan),
        (None, Some("paid") | None) => TEST_CARDS
            .iter()
            .find(|c| c.outcome == CardOutcome::Authorised),
        (None, Some("captured")) => TEST_CARDS
            .iter()
            .find(|c| c.outcome == CardOutcome::Captured),
        (None, Some("refused")) => TEST_CARDS
            .iter()
            .find(|c| c.outcome == CardOutcome::Refused),
        (None, Some("to_validate")) => TEST_CARDS
            .iter()
            .find(|c| c.outcome == CardOutcome::ToValidate),
        (None, Some(_)) => None,
    };
    let Some(card) = card else {
        return error_json(
            StatusCode::BAD_REQUEST,
            "outcome must be paid, captured, refused or to_validate, or card a test card number",
        );
    };
    let (paid, ipn) = pay_and_notify(&app, entry, card, &request.form_token).await;
    let fields: serde_json::Map<String, Value> = app
        .browser_return_fields(&paid)
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Json(json!({
        "orderStatus": paid.payment["orderStatus"],
        "krAnswer": paid.raw_answer,
        "ipn": ipn,
        "browserReturn": fields,
    }))
    .into_response()
}

/// The stand-in script posts here.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsPay {
    form_token: String,
    public_key: String,
    card: String,
}

/// The stand-in script runs on the merchant's origin and calls the sandbox's, so `js-pay`
/// answers CORS (a JSON POST is preflighted), as the real gateway does for its form.
const JS_PAY_CORS: [(header::HeaderName, &str); 3] = [
    (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
    (header::ACCESS_CONTROL_ALLOW_METHODS, "POST, OPTIONS"),
    (header::ACCESS_CONTROL_ALLOW_HEADERS, "content-type"),
];

async fn js_pay_preflight() -> Response {
    (StatusCode::NO_CONTENT, JS_PAY_CORS).into_response()
}

async fn js_pay(State(app): State<Arc<App>>, Json(request): Json<JsPay>) -> Response {
    (JS_PAY_CORS, js_pay_answer(&app, request).await).into_response()
}

async fn js_pay_answer(app: &App, request: JsPay) -> Response {
    if request.public_key != app.config.public_key {
        return error_json(StatusCode::FORBIDDEN, "invalid public key (INT_904)");
    }
    let entry = match live_entry(app, &request.form_token) {
        Ok(entry) => entry,
        Err((status, message)) => return error_json(status, &message),
    };
    let Some(card) = test_card(&request.card) else {
        return error_json(StatusCode::BAD_REQUEST, "unknown test card");
    };
    let (paid, _) = pay_and_notify(app, entry, card, &request.form_token).await;
    let fields: serde_json::Map<String, Value> = app
        .browser_return_fields(&paid)
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    Json(json!({"refused": paid.refused, "fields": fields})).into_response()
}

/// A stand-in for Lyra's `kr-payment-form.min.js`: renders the test cards inside
/// `.kr-smart-form`, pays through the sandbox and posts the signed result to
/// `kr-post-url-success` (or `kr-post-url-refused`), like the real form.
async fn form_script(State(app): State<Arc<App>>) -> Response {
    let cards: Vec<Value> = TEST_CARDS
        .iter()
        .map(|c| json!({"pan": c.pan, "brand": c.brand, "label": c.label}))
        .collect();
    let script = FORM_SCRIPT
        .replace("__CARDS__", &Value::Array(cards).to_string())
        .replace("__ORIGIN__", app.base_url());
    (
        [(
            header::CONTENT_TYPE,
            "application/javascript; charset=utf-8",
        )],
        script,
    )
        .into_response()
}

async fn theme_file(Path(file): Path<String>) -> Response {
    let content_type = if file.ends_with(".css") {
        "text/css"
    } else {
        "application/javascript"
    };
    (
        [(header::CONTENT_TYPE, content_type)],
        "/* pasarela sandbox: themes are not emulated */\n",
    )
        .into_response()
}

const FORM_SCRIPT: &str = r#"/* pasarela sandbox stand-in for kr-payment-form.min.js */
(function () {
  var origin = "__ORIGIN__";
  var cards = __CARDS__;
  var script = document.currentScript || document.querySelector('script[kr-public-key]');
  function attr(name) { return script ? script.getAttribute(name) : null; }
  function post(url, fields) {
    var form = document.createElement('form');
    form.method = 'POST'; form.action = url;
    Object.keys(fields).forEach(function (k) {
      var input = document.createElement('input');
      input.type = 'hidden'; input.name = k; input.value = fields[k];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }
  function render(container) {
    var token = container.getAttribute('kr-form-token');
    var html = '<div class="kr-sandbox"><p>pasarela sandbox: choose a test card</p><select class="kr-sandbox-card">';
    cards.forEach(function (c) { html += '<option value="' + c.pan + '">' + c.pan + ' ' + c.brand + ' - ' + c.label + '</option>'; });
    html += '</select> <button type="button" class="kr-payment-button">Pagar</button><p class="kr-sandbox-message"></p></div>';
    container.innerHTML = html;
    container.querySelector('.kr-payment-button').addEventListener('click', function () {
      var pan = container.querySelector('.kr-sandbox-card').value;
      fetch(origin + '/sandbox/lyra/js-pay', {
        method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({formToken: token, publicKey: attr('kr-public-key'), card: pan})
      }).then(function (r) { return r.json(); }).then(function (result) {
        var message = container.querySelector('.kr-sandbox-message');
        if (result.error) { message.textContent = result.error; return; }
        var success = attr('kr-post-url-success'), refused = attr('kr-post-url-refused');
        var target = result.refused ? (refused || null) : success;
        if (target) { post(target, result.fields); }
        else { message.textContent = result.refused ? 'Payment refused, choose another card.' : 'Payment accepted.'; }
      }).catch(function (e) { container.querySelector('.kr-sandbox-message').textContent = 'the sandbox could not be reached: ' + e; });
    });
  }
  function start() { document.querySelectorAll('.kr-smart-form[kr-form-token]').forEach(render); }
  if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
})();
"#;
