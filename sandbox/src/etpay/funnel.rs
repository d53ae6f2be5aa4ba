//! ETpay's shopper side: the funnel page where a bank transfer is approved or rejected, the
//! control endpoint tests use instead of a browser, and what completing a session does (signed
//! JWT, webhook, redirect).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use pasarela::etpay::notification::sign_for_tests;
use pasarela::Secret;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::App;
use crate::delivery::{Context, ETPAY_WEBHOOK};
use crate::etpay::api::message;
use crate::etpay::pages;
use crate::etpay::state::{Session, TEST_BANKS};
use crate::url_check::shown_url;
use crate::util::{new_token, str_field, unix_now};

/// The funnel page at `/sandbox/etpay/session/{token}`, the control endpoint
/// `POST /sandbox/etpay/pay` and the terms page.
pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route(
            "/sandbox/etpay/session/{token}",
            get(funnel).post(funnel_submit),
        )
        .route("/sandbox/etpay/pay", post(control_pay))
        .route("/sandbox/etpay/terms", get(terms))
}

/// A session that does not exist (or was forgotten).
const UNKNOWN_SESSION: (StatusCode, &str) = (StatusCode::NOT_FOUND, "unknown session");
/// A session that was already completed.
const SESSION_FINISHED: (StatusCode, &str) =
    (StatusCode::CONFLICT, "this session is already finished");

/// `GET /sandbox/etpay/terms`.
async fn terms() -> Html<String> {
    pages::terms_page()
}

/// What the funnel did: the webhook attempt and where the browser goes.
pub(crate) struct Outcome {
    jwt: String,
    claims: Value,
    pub(crate) webhook: Value,
    redirect: Option<String>,
}

/// Completes a session: signs the claims, builds the redirect URL with `jwt=`, and only then
/// marks the session finished (once) and posts the webhook (waits for the first attempt).
/// Everything that can fail happens before the session changes, so a failure never leaves a
/// session completed without an answer.
pub(crate) async fn complete(
    app: &App,
    token: &str,
    outcome: &str,
    bank: Option<&str>,
) -> Result<Outcome, (StatusCode, String)> {
    let session = open_session(app, token).map_err(|(status, text)| (status, text.to_owned()))?;
    let r = &session.request;
    let paid = outcome == "paid";
    let system_error = outcome == "system_error";
    let (claims, key) = if system_error {
        // ETpay's system-error redirect: signed with the session token, no webhook.
        (
            json!({"session_token": session.token, "system_error": true, "iat": unix_now()}),
            Secret::new(session.token.clone()),
        )
    } else {
        (
            payment_claims(&session, bank, paid),
            session.signature_token.clone(),
        )
    };
    let jwt = sign_for_tests(&claims, &key)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let redirect = redirect_url(r, paid, &jwt)?;
    finish_session(app, token).map_err(|(status, text)| (status, text.to_owned()))?;
    let webhook = if system_error {
        json!({"target": null, "status": null, "error": null})
    } else {
        record_and_notify(app, r, &claims, &jwt).await
    };
    Ok(Outcome {
        jwt,
        claims,
        webhook,
        redirect,
    })
}

/// Where the browser goes: the session's completed (or cancellation) URL with `jwt=`; a URL
/// that cannot be a `Location` header is refused before anything changes (the URLs were checked
/// when the session was created, so this is a second line).
fn redirect_url(r: &Value, paid: bool, jwt: &str) -> Result<Option<String>, (StatusCode, String)> {
    let url_field = if paid {
        "payment_completed_url"
    } else {
        "payment_cancellation_url"
    };
    let Some(url) = r[url_field].as_str() else {
        return Ok(None);
    };
    let separator = if url.contains('?') {
        r["concat"].as_str().unwrap_or("&")
    } else {
        "?"
    };
    let redirect = format!("{url}{separator}jwt={jwt}");
    if axum::http::HeaderValue::from_str(&redirect).is_err() {
        return Err((
            StatusCode::BAD_REQUEST,
            format!("invalid {url_field}: not usable as a redirect"),
        ));
    }
    Ok(Some(redirect))
}

/// A session that exists and is not finished yet (a copy; nothing changes).
fn open_session(app: &App, token: &str) -> Result<Session, (StatusCode, &'static str)> {
    let state = app.etpay();
    match state.sessions.get(&token.to_owned()) {
        None => Err(UNKNOWN_SESSION),
        Some(session) if session.done => Err(SESSION_FINISHED),
        Some(session) => Ok(session.clone()),
    }
}

/// Marks a session finished; a session finishes once (checked and set under one lock).
fn finish_session(app: &App, token: &str) -> Result<(), (StatusCode, &'static str)> {
    let mut state = app.etpay();
    let session = state
        .sessions
        .get_mut(&token.to_owned())
        .ok_or(UNKNOWN_SESSION)?;
    if session.done {
        return Err(SESSION_FINISHED);
    }
    session.done = true;
    Ok(())
}

/// The claims of a payment's JWT (signed with the session's signature token). An unknown or
/// missing bank is the first test bank.
fn payment_claims(session: &Session, bank: Option<&str>, paid: bool) -> Value {
    let r = &session.request;
    let (_, bank_name) = TEST_BANKS
        .iter()
        .find(|(code, _)| Some(*code) == bank)
        .unwrap_or(&TEST_BANKS[0]);
    json!({
        "session_token": session.token,
        "merchant_account_bank": "cl_estado", "merchant_account_type": "cuenta_vista", "merchant_account": "19687526",
        "merchant_name": "pasarela sandbox merchant", "merchant_currency": "CLP",
        "merchant_order_id": r["merchant_order_id"], "merchant_amount": r["order_amount"],
        "user_bank": bank_name, "user_rut": r.get("user_rut").cloned().unwrap_or(json!("111111111")),
        "user_account": "Cuenta Corriente 12345678", "payment_token": new_token(64),
        "payment_status": paid, "payment_process": "auto", "iat": unix_now(),
    })
}

/// Records the payment for `check_payment_status` and posts the webhook; returns what the first
/// attempt gave.
async fn record_and_notify(app: &App, r: &Value, claims: &Value, jwt: &str) -> Value {
    let payment_token = claims["payment_token"].as_str().unwrap_or_default();
    app.etpay()
        .payments
        .insert(payment_token.to_owned(), claims.clone());
    let target = r["payment_webhook_url"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| app.config.etpay_webhook_url.clone());
    let Some(target) = target else {
        return json!({
            "target": null, "status": null,
            "error": "no webhook URL: set payment_webhook_url or the sandbox's --etpay-webhook-url"
        });
    };
    let body = serde_json::to_vec(&json!({"payment": jwt})).unwrap_or_default();
    let context = Context {
        order_id: str_field(r, "merchant_order_id"),
        subject: str_field(claims, "session_token"),
    };
    let (id, first) = app.delivery.start(
        ETPAY_WEBHOOK,
        target.clone(),
        "application/json",
        body,
        context,
    );
    let attempt = first.await.ok();
    json!({"notification": id, "target": shown_url(&target), "status": attempt.as_ref().and_then(|a| a.status), "error": attempt.and_then(|a| a.error)})
}

/// `GET /sandbox/etpay/session/{token}`: the bank choice.
async fn funnel(State(app): State<Arc<App>>, Path(token): Path<String>) -> Response {
    let request = {
        let state = app.etpay();
        match state.sessions.get(&token) {
            Some(session) if !session.done => session.request.clone(),
            Some(_) => return SESSION_FINISHED.into_response(),
            None => return UNKNOWN_SESSION.into_response(),
        }
    };
    let amount = request["order_amount"].as_i64().unwrap_or(0);
    let order_id = request["merchant_order_id"].as_str().unwrap_or("");
    pages::funnel_page(&token, order_id, amount).into_response()
}

#[derive(Debug, Deserialize)]
struct FunnelChoice {
    bank: Option<String>,
    outcome: String,
}

/// `POST /sandbox/etpay/session/{token}`: the shopper's choice.
async fn funnel_submit(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    Form(choice): Form<FunnelChoice>,
) -> Response {
    let outcome = if choice.outcome == "paid" {
        "paid"
    } else {
        "rejected"
    };
    match complete(&app, &token, outcome, choice.bank.as_deref()).await {
        Ok(Outcome {
            redirect: Some(url),
            ..
        }) => Redirect::to(&url).into_response(),
        Ok(done) => pages::result_page(outcome, &done.claims.to_string()).into_response(),
        Err((status, text)) => (status, text).into_response(),
    }
}

/// `POST /sandbox/etpay/pay` body.
#[derive(Debug, Deserialize)]
struct ControlPay {
    token: String,
    /// `paid`, `rejected` or `system_error`.
    outcome: String,
    bank: Option<String>,
}

/// `POST /sandbox/etpay/pay`.
async fn control_pay(State(app): State<Arc<App>>, Json(request): Json<ControlPay>) -> Response {
    if !matches!(
        request.outcome.as_str(),
        "paid" | "rejected" | "system_error"
    ) {
        return message(
            StatusCode::BAD_REQUEST,
            "outcome must be paid, rejected or system_error",
        );
    }
    let bank = request.bank.as_deref();
    match complete(&app, &request.token, &request.outcome, bank).await {
        Ok(done) => Json(json!({
            "jwt": done.jwt, "claims": done.claims, "webhook": done.webhook, "redirect": done.redirect
        }))
        .into_response(),
        Err((status, text)) => message(status, &text),
    }
}
