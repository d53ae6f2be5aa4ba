//! The shopper's side of Lyra, emulated: the payment page of a formToken, a stand-in for the
//! embedded-form JavaScript, and the control endpoint tests use instead of a browser.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::App;
use crate::lyra::cards::{test_card, CardOutcome, TestCard, TEST_CARDS};
use crate::lyra::model::{
    asks_manual_validation, FormEntry, FormPurpose, FormRefusal, DEFAULT_CURRENCY,
};
use crate::lyra::pages;
use crate::lyra::payment::{browser_return_fields, pay_form, send_ipn, Paid};
use crate::url_check::{check_url, shown_url};
use crate::util::{html, str_field};

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
        .route("/sandbox/lyra/js-pay", post(js_pay).options(js_preflight))
        .route(
            "/sandbox/lyra/js-form/{form_token}",
            get(js_form).options(js_preflight),
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

impl ReturnUrls {
    /// Both URLs pass [`check_url`] (they end up in a form's `action`), or the page's error.
    fn check(&self) -> Result<(), (StatusCode, String)> {
        for (name, url) in [
            ("kr-post-url-success", &self.post_url_success),
            ("kr-post-url-refused", &self.post_url_refused),
        ] {
            if let Some(problem) = url.as_deref().and_then(|u| check_url(u).err()) {
                return Err((
                    StatusCode::BAD_REQUEST,
                    format!("invalid {name}: {problem}"),
                ));
            }
        }
        Ok(())
    }
}

fn live_entry(app: &App, form_token: &str) -> Result<FormEntry, (StatusCode, String)> {
    match app.lyra().live_form(form_token) {
        Some(entry) if !entry.used => Ok(entry.clone()),
        Some(_) => Err(refusal_page(FormRefusal::Used)),
        None => Err(refusal_page(FormRefusal::NotFound)),
    }
}

/// The pages' answer to a formToken that cannot be paid.
fn refusal_page(refusal: FormRefusal) -> (StatusCode, String) {
    match refusal {
        FormRefusal::Used => (
            StatusCode::CONFLICT,
            "this formToken was already paid (INT_906)".into(),
        ),
        FormRefusal::NotFound => (
            StatusCode::NOT_FOUND,
            "formToken not found or expired (INT_903)".into(),
        ),
    }
}

/// The answer to a card number that is no test card.
const UNKNOWN_CARD: &str = "unknown test card";

/// A hidden form field.
fn hidden_input(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        html(name),
        html(value)
    )
}

async fn form_page(
    State(app): State<Arc<App>>,
    Path(form_token): Path<String>,
    Query(urls): Query<ReturnUrls>,
) -> Response {
    if let Err(e) = urls.check() {
        return e.into_response();
    }
    let entry = match live_entry(&app, &form_token) {
        Ok(entry) => entry,
        Err(e) => return e.into_response(),
    };
    let hidden = |name: &str, value: &Option<String>| {
        value
            .as_ref()
            .map(|v| hidden_input(name, v))
            .unwrap_or_default()
    };
    pages::payment_page(&pages::PaymentPage {
        form_token: &form_token,
        amount: entry.amount,
        currency: &entry.currency,
        order_id: entry.order_id.as_deref(),
        form_action: &entry.form_action,
        hidden: hidden("kr-post-url-success", &urls.post_url_success)
            + &hidden("kr-post-url-refused", &urls.post_url_refused),
    })
    .into_response()
}

#[derive(Debug, Deserialize)]
struct CardChoice {
    card: String,
    #[serde(flatten)]
    urls: ReturnUrls,
}

/// Pays (at most once per formToken) and waits for the first IPN attempt, as the platform does
/// before releasing the browser.
async fn pay_and_notify(
    app: &App,
    card: &'static TestCard,
    form_token: &str,
) -> Result<(Paid, Value), FormRefusal> {
    let paid = pay_form(app, form_token, card)?;
    let ipn = match send_ipn(app, &paid) {
        Some((id, target, first)) => {
            let attempt = first.await.ok();
            json!({
                "notification": id,
                "target": shown_url(&target),
                "status": attempt.as_ref().and_then(|a| a.status),
                "error": attempt.as_ref().and_then(|a| a.error.clone()),
            })
        }
        None => {
            json!({"target": null, "status": null, "error": "no notification URL: set ipnTargetUrl or the sandbox's --lyra-notification-url"})
        }
    };
    Ok((paid, ipn))
}

/// The signed browser-return fields as a JSON object (for the control and script endpoints).
fn browser_return_object(app: &App, paid: &Paid) -> Value {
    browser_return_fields(app, paid)
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// An auto-submitting form that posts the signed browser-return fields to the merchant.
fn auto_post(url: &str, fields: &[(String, String)]) -> Html<String> {
    let inputs: String = fields.iter().map(|(k, v)| hidden_input(k, v)).collect();
    pages::auto_post(url, &inputs)
}

async fn form_submit(
    State(app): State<Arc<App>>,
    Path(form_token): Path<String>,
    Form(choice): Form<CardChoice>,
) -> Response {
    // Checked before paying: a refused URL never half-completes a payment.
    if let Err(e) = choice.urls.check() {
        return e.into_response();
    }
    let Some(card) = test_card(&choice.card) else {
        return (StatusCode::BAD_REQUEST, UNKNOWN_CARD).into_response();
    };
    let (paid, _) = match pay_and_notify(&app, card, &form_token).await {
        Ok(done) => done,
        Err(refusal) => return refusal_page(refusal).into_response(),
    };
    let fields = browser_return_fields(&app, &paid);
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
        None => pages::result_page(
            paid.refused,
            paid.payment["orderStatus"].as_str().unwrap_or("?"),
            &paid.raw_answer,
        )
        .into_response(),
    }
}

async fn payment_order_page(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let mut state = app.lyra();
    let Some(order) = state.payment_orders.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "payment order not found (PSP_1000)").into_response();
    };
    if order.status != "RUNNING" {
        return pages::payment_order_closed(order.status).into_response();
    }
    let r = &order.request;
    let amount = r["amount"].as_i64().unwrap_or(0);
    let currency = str_field(r, "currency").unwrap_or_else(|| DEFAULT_CURRENCY.to_owned());
    let entry = FormEntry {
        order_id: str_field(r, "orderId"),
        manual_validation: asks_manual_validation(r),
        ..FormEntry::new(FormPurpose::PaymentOrder(id), amount, currency, "PAYMENT")
    };
    let form_token = state.mint_form(entry);
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
    let card = match (request.card.as_deref(), request.outcome.as_deref()) {
        (Some(pan), _) => test_card(pan),
        (None, Some("paid") | None) => TestCard::with_outcome(CardOutcome::Authorised),
        (None, Some("captured")) => TestCard::with_outcome(CardOutcome::Captured),
        (None, Some("refused")) => TestCard::with_outcome(CardOutcome::Refused),
        (None, Some("to_validate")) => TestCard::with_outcome(CardOutcome::ToValidate),
        (None, Some(_)) => None,
    };
    let Some(card) = card else {
        return error_json(
            StatusCode::BAD_REQUEST,
            "outcome must be paid, captured, refused or to_validate, or card a test card number",
        );
    };
    let (paid, ipn) = match pay_and_notify(&app, card, &request.form_token).await {
        Ok(done) => done,
        Err(refusal) => {
            let (status, message) = refusal_page(refusal);
            return error_json(status, &message);
        }
    };
    let fields = browser_return_object(&app, &paid);
    Json(json!({
        "orderStatus": paid.payment["orderStatus"],
        "krAnswer": paid.raw_answer,
        "ipn": ipn,
        "browserReturn": fields,
    }))
    .into_response()
}

/// The stand-in script posts here (`POST /sandbox/lyra/js-pay`). Its `Debug` masks the card
/// number and leaves out the security code (card data is never printed whole).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsPay {
    form_token: String,
    public_key: Option<String>,
    card: String,
    /// `MM/YY` as typed; checked again here (the script checks first).
    expiry: Option<String>,
    security_code: Option<String>,
}

impl std::fmt::Debug for JsPay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsPay")
            .field("form_token", &self.form_token)
            .field("card", &pasarela::lyra::card_data::mask_pan(&self.card))
            .field("expiry", &self.expiry)
            .field(
                "security_code",
                &self.security_code.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

/// How many refused attempts one formToken allows before `kr-post-url-refused` (the real form
/// lets the shopper retry after a refusal; 3 is UNCONFIRMED, Lyra's default is configurable).
pub(crate) const MAX_FORM_ATTEMPTS: u32 = 3;

/// The stand-in script runs on the merchant's origin and calls the sandbox's, so its endpoints
/// answer CORS for that origin (a JSON POST is preflighted), as the real gateway does for its
/// form. The origin is echoed (`*` when the request names none).
fn cors(headers: &HeaderMap) -> [(header::HeaderName, HeaderValue); 4] {
    let origin = headers
        .get(header::ORIGIN)
        .cloned()
        .unwrap_or(HeaderValue::from_static("*"));
    [
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, origin),
        (
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, OPTIONS"),
        ),
        (
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        ),
        (header::VARY, HeaderValue::from_static("Origin")),
    ]
}

async fn js_preflight(headers: HeaderMap) -> Response {
    (StatusCode::NO_CONTENT, cors(&headers)).into_response()
}

/// A Lyra-shaped error for the script (`errorCode`, `errorMessage`, `detailedErrorCode`…).
fn kr_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({"error": {
            "errorCode": code,
            "errorMessage": message,
            "detailedErrorCode": null,
            "detailedErrorMessage": null,
        }})),
    )
        .into_response()
}

/// The formToken as the script may use it, or the error it shows.
fn js_entry(
    app: &App,
    form_token: &str,
    public_key: Option<&str>,
) -> Result<FormEntry, Box<Response>> {
    if public_key.is_some_and(|key| key != app.config.public_key) {
        return Err(Box::new(kr_error(
            StatusCode::FORBIDDEN,
            "INT_904",
            "invalid public key",
        )));
    }
    match app.lyra().live_form(form_token) {
        Some(entry) if !entry.used => Ok(entry.clone()),
        Some(_) => Err(Box::new(js_refusal(FormRefusal::Used))),
        None => Err(Box::new(js_refusal(FormRefusal::NotFound))),
    }
}

/// The script's answer to a formToken that cannot be paid.
fn js_refusal(refusal: FormRefusal) -> Response {
    match refusal {
        FormRefusal::Used => kr_error(
            StatusCode::CONFLICT,
            "PSP_108",
            "this formToken was already used",
        ),
        FormRefusal::NotFound => kr_error(
            StatusCode::NOT_FOUND,
            "PSP_108",
            "formToken not found or expired",
        ),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsFormQuery {
    public_key: Option<String>,
}

/// `GET /sandbox/lyra/js-form/{formToken}`: what the script shows before paying.
async fn js_form(
    State(app): State<Arc<App>>,
    Path(form_token): Path<String>,
    Query(query): Query<JsFormQuery>,
    headers: HeaderMap,
) -> Response {
    let answer = match js_entry(&app, &form_token, query.public_key.as_deref()) {
        Ok(entry) => {
            let amount = pasarela::money::format_minor(entry.amount, &entry.currency)
                .unwrap_or_else(|| entry.amount.to_string());
            Json(json!({
                "amount": entry.amount,
                "currency": entry.currency,
                "amountLabel": format!("{amount} {}", entry.currency),
                "orderId": entry.order_id,
                "attemptsLeft": MAX_FORM_ATTEMPTS.saturating_sub(entry.refusals),
            }))
            .into_response()
        }
        Err(error) => *error,
    };
    (cors(&headers), answer).into_response()
}

/// Decodes the body itself: axum's `Json` rejection would quote the offending value, which may
/// be a card number or a security code.
async fn js_pay(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let answer = match serde_json::from_slice::<JsPay>(&body) {
        Ok(request) => js_pay_answer(&app, request).await,
        Err(_) => kr_error(StatusCode::BAD_REQUEST, "CLIENT_300", "invalid request"),
    };
    (cors(&headers), answer).into_response()
}

/// True for an `MM/YY` (or `MM/YYYY`) expiry that is not in the past.
fn expiry_ok(expiry: &str) -> bool {
    let Some((month, year)) = expiry.split_once('/') else {
        return false;
    };
    let (Ok(month), Ok(mut year)) = (month.trim().parse::<u32>(), year.trim().parse::<i64>())
    else {
        return false;
    };
    if year < 100 {
        year += 2000;
    }
    let (now_year, now_month) = crate::util::year_month(crate::util::unix_now());
    (1..=12).contains(&month) && (year, month) >= (now_year, now_month)
}

async fn js_pay_answer(app: &App, request: JsPay) -> Response {
    if let Err(error) = js_entry(app, &request.form_token, request.public_key.as_deref()) {
        return *error;
    }
    let Some(card) = test_card(&request.card) else {
        return kr_error(
            StatusCode::BAD_REQUEST,
            "CLIENT_301",
            "invalid card number (not a sandbox test card)",
        );
    };
    if request.expiry.as_deref().is_some_and(|e| !expiry_ok(e)) {
        return kr_error(StatusCode::BAD_REQUEST, "CLIENT_302", "invalid expiry date");
    }
    if request
        .security_code
        .as_deref()
        .is_some_and(|c| !(3..=4).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_digit()))
    {
        return kr_error(
            StatusCode::BAD_REQUEST,
            "CLIENT_303",
            "invalid security code",
        );
    }
    let (paid, _) = match pay_and_notify(app, card, &request.form_token).await {
        Ok(done) => done,
        Err(refusal) => return js_refusal(refusal),
    };
    // A refusal leaves the formToken usable for another attempt, as the real form does.
    let attempts_left = if paid.refused {
        let mut state = app.lyra();
        match state.form_tokens.get_mut(&request.form_token) {
            Some(entry) => {
                entry.refusals += 1;
                entry.used = entry.refusals >= MAX_FORM_ATTEMPTS;
                MAX_FORM_ATTEMPTS.saturating_sub(entry.refusals)
            }
            None => 0,
        }
    } else {
        0
    };
    let fields = browser_return_object(app, &paid);
    // What `KR.onSubmit` receives: the answer signed like the browser return (HMAC-SHA-256 key).
    let response = json!({
        "_type": "V4/Charge/ProcessPaymentAnswer",
        "clientAnswer": paid.payment,
        "rawClientAnswer": paid.raw_answer,
        "hash": fields["kr-hash"],
        "hashAlgorithm": fields["kr-hash-algorithm"],
        "hashKey": fields["kr-hash-key"],
        "serverDate": paid.payment["serverDate"],
    });
    let error = paid.refused.then(|| {
        let tx = &paid.payment["transactions"][0];
        json!({
            "errorCode": tx["errorCode"],
            "errorMessage": tx["errorMessage"],
            "detailedErrorCode": tx["detailedErrorCode"],
            "detailedErrorMessage": tx["detailedErrorMessage"],
        })
    });
    Json(json!({
        "refused": paid.refused,
        "attemptsLeft": attempts_left,
        "response": response,
        "fields": fields,
        "error": error,
    }))
    .into_response()
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

/// The stand-in script; `__CARDS__` and `__ORIGIN__` are filled in when served.
const FORM_SCRIPT: &str = include_str!("kr-payment-form.js");
