//! The ETpay side of the sandbox: `POST /etpay/session/initialize`,
//! `POST /etpay/merchant/check_payment_status`, the funnel page at
//! `/sandbox/etpay/session/{token}` and the control endpoint `POST /sandbox/etpay/pay`.
//!
//! ETpay documents no error bodies; the sandbox answers `{"message": "..."}` with 400 (invalid
//! request) or 401 (wrong merchant credentials), the shape third-party code reads.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::store::Bounded;
use super::util::{html, new_token, unix_now};
use super::App;
use pasarela::etpay::notification::sign_for_tests;
use pasarela::spec::SpecValidator;
use pasarela::Secret;

/// The test banks of the funnel: (code, display name).
pub const TEST_BANKS: &[(&str, &str)] = &[
    ("cl_test", "Banco de prueba"),
    ("cl_estado", "BancoEstado"),
    ("cl_santander", "Banco Santander"),
    ("cl_bci", "Banco BCI"),
];

#[derive(Clone, Debug)]
pub(crate) struct Session {
    token: String,
    signature_token: Secret,
    request: Value,
    done: bool,
}

/// ETpay sessions and the payment results they produced.
#[derive(Debug)]
pub(crate) struct EtpayState {
    sessions: Bounded<String, Session>,
    payments: Bounded<String, Value>,
}

impl EtpayState {
    pub(crate) fn new(capacity: usize) -> Self {
        EtpayState {
            sessions: Bounded::new(capacity),
            payments: Bounded::new(capacity),
        }
    }
}

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/etpay/session/initialize", post(initialize))
        .route(
            "/etpay/merchant/check_payment_status",
            post(check_payment_status),
        )
        .route(
            "/sandbox/etpay/session/{token}",
            get(funnel).post(funnel_submit),
        )
        .route("/sandbox/etpay/pay", post(control_pay))
        .route("/sandbox/etpay/terms", get(terms))
}

fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({"message": text}))).into_response()
}

/// Decodes and validates a request body against its component; checks the API token.
#[allow(clippy::result_large_err)] // the error is the HTTP answer itself
fn checked_request(app: &App, component: &str, body: &[u8]) -> Result<Value, Response> {
    let request: Value = serde_json::from_slice(body)
        .map_err(|e| message(StatusCode::BAD_REQUEST, &format!("invalid JSON: {e}")))?;
    if let Err(violations) = SpecValidator::etpay().validate(component, &request) {
        let first = &violations[0];
        let field = first.instance_path.trim_start_matches('/');
        return Err(message(
            StatusCode::BAD_REQUEST,
            &format!(
                "invalid field {}: {}",
                if field.is_empty() { "(body)" } else { field },
                first.message
            ),
        ));
    }
    let token_ok = request["merchant_api_token"]
        .as_str()
        .is_some_and(|t| Secret::new(t) == app.config.etpay_api_token);
    let code_ok = request
        .get("merchant_code")
        .is_none_or(|c| c.as_str() == Some(app.config.etpay_merchant_code.as_str()));
    if !token_ok || !code_ok {
        return Err(message(
            StatusCode::UNAUTHORIZED,
            "invalid merchant credentials",
        ));
    }
    Ok(request)
}

async fn initialize(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let request = match checked_request(&app, "SessionInitializeRequest", &body) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let session = Session {
        token: new_token(64),
        signature_token: Secret::new(new_token(64)),
        request,
        done: false,
    };
    let answer = json!({
        "token": session.token,
        "signature_token": session.signature_token.expose(),
        "terms_url": format!("{}/sandbox/etpay/terms", app.base_url()),
    });
    app.etpay
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .sessions
        .insert(session.token.clone(), session);
    Json(answer).into_response()
}

async fn check_payment_status(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let request = match checked_request(&app, "CheckPaymentStatusRequest", &body) {
        Ok(request) => request,
        Err(response) => return response,
    };
    let filters: Vec<(&str, &str)> = ["payment_token", "merchant_order_id", "session_token"]
        .into_iter()
        .filter_map(|key| request[key].as_str().map(|v| (key, v)))
        .collect();
    // The spec requires only the API token; with no filter nothing matches (an empty list).
    let state = app.etpay.lock().unwrap_or_else(|e| e.into_inner());
    let found: Vec<Value> = state
        .payments
        .values()
        .filter(|claims| !filters.is_empty() && filters.iter().all(|(k, v)| claims[*k] == *v))
        .cloned()
        .collect();
    Json(found).into_response()
}

async fn terms() -> Html<&'static str> {
    Html("<!DOCTYPE html><html><body><h1>pasarela sandbox</h1><p>ETpay terms are not emulated.</p></body></html>")
}

/// What the funnel did: the webhook attempt and where the browser goes.
struct Outcome {
    jwt: String,
    claims: Value,
    webhook: Value,
    redirect: Option<String>,
}

/// Completes a session: signs the claims, posts the webhook (waits for the first attempt) and
/// builds the redirect URL with `jwt=`.
async fn complete(
    app: &App,
    token: &str,
    outcome: &str,
    bank: &str,
) -> Result<Outcome, (StatusCode, String)> {
    let session = {
        let mut state = app.etpay.lock().unwrap_or_else(|e| e.into_inner());
        let session = state
            .sessions
            .get_mut(&token.to_owned())
            .ok_or((StatusCode::NOT_FOUND, "unknown session".to_owned()))?;
        if session.done {
            return Err((
                StatusCode::CONFLICT,
                "this session is already finished".to_owned(),
            ));
        }
        session.done = true;
        session.clone()
    };
    let r = &session.request;
    let paid = outcome == "paid";
    let (claims, key) = if outcome == "system_error" {
        // ETpay's system-error redirect: signed with the session token, no webhook.
        (
            json!({"session_token": session.token, "system_error": true, "iat": unix_now()}),
            Secret::new(session.token.clone()),
        )
    } else {
        let bank_name = TEST_BANKS
            .iter()
            .find(|(code, _)| *code == bank)
            .map_or("Banco de prueba", |(_, name)| *name);
        let claims = json!({
            "session_token": session.token,
            "merchant_account_bank": "cl_estado", "merchant_account_type": "cuenta_vista", "merchant_account": "19687526",
            "merchant_name": "pasarela sandbox merchant", "merchant_currency": "CLP",
            "merchant_order_id": r["merchant_order_id"], "merchant_amount": r["order_amount"],
            "user_bank": bank_name, "user_rut": r.get("user_rut").cloned().unwrap_or(json!("111111111")),
            "user_account": "Cuenta Corriente 12345678", "payment_token": new_token(64),
            "payment_status": paid, "payment_process": "auto", "iat": unix_now(),
        });
        (claims, session.signature_token.clone())
    };
    let jwt = sign_for_tests(&claims, &key)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let mut webhook = json!({"target": null, "status": null, "error": null});
    if outcome != "system_error" {
        app.etpay
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .payments
            .insert(
                claims["payment_token"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                claims.clone(),
            );
        let target = r["payment_webhook_url"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| app.config.etpay_webhook_url.clone());
        match target {
            Some(target) => {
                let body = serde_json::to_vec(&json!({"payment": jwt})).unwrap_or_default();
                let (_, first) =
                    app.delivery
                        .start("etpay-webhook", target.clone(), "application/json", body);
                let attempt = first.await.ok();
                webhook = json!({"target": target, "status": attempt.as_ref().and_then(|a| a.status), "error": attempt.and_then(|a| a.error)});
            }
            None => {
                webhook["error"] = json!(
                    "no webhook URL: set payment_webhook_url or the sandbox's --etpay-webhook-url"
                )
            }
        }
    }
    let url_field = if paid {
        "payment_completed_url"
    } else {
        "payment_cancellation_url"
    };
    let redirect = r[url_field].as_str().map(|url| {
        let separator = if url.contains('?') {
            r["concat"].as_str().unwrap_or("&")
        } else {
            "?"
        };
        format!("{url}{separator}jwt={jwt}")
    });
    Ok(Outcome {
        jwt,
        claims,
        webhook,
        redirect,
    })
}

async fn funnel(State(app): State<Arc<App>>, Path(token): Path<String>) -> Response {
    let request = {
        let state = app.etpay.lock().unwrap_or_else(|e| e.into_inner());
        match state.sessions.get(&token) {
            Some(session) if !session.done => session.request.clone(),
            Some(_) => {
                return (StatusCode::CONFLICT, "this session is already finished").into_response()
            }
            None => return (StatusCode::NOT_FOUND, "unknown session").into_response(),
        }
    };
    let amount = request["order_amount"].as_i64().unwrap_or(0);
    let banks: String = TEST_BANKS
        .iter()
        .enumerate()
        .map(|(i, (code, name))| {
            format!(
                "<label><input type=\"radio\" name=\"bank\" value=\"{code}\"{}> {}</label><br>",
                if i == 0 { " checked" } else { "" },
                html(name)
            )
        })
        .collect();
    Html(format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>ETpay sandbox</title></head><body>\
         <h1>Pagar ${} CLP</h1><p>Orden {}</p><form method=\"post\" action=\"/sandbox/etpay/session/{}\">{banks}\
         <button type=\"submit\" name=\"outcome\" value=\"paid\" id=\"approve\">Aprobar transferencia</button>\
         <button type=\"submit\" name=\"outcome\" value=\"rejected\" id=\"reject\">Rechazar</button></form></body></html>",
        html(&pasarela::money::format_minor(amount, "CLP").unwrap_or_default()),
        html(request["merchant_order_id"].as_str().unwrap_or("")),
        html(&token)
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
struct FunnelChoice {
    bank: Option<String>,
    outcome: String,
}

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
    match complete(
        &app,
        &token,
        outcome,
        choice.bank.as_deref().unwrap_or("cl_test"),
    )
    .await
    {
        Ok(Outcome {
            redirect: Some(url),
            ..
        }) => Redirect::to(&url).into_response(),
        Ok(done) => Html(format!(
            "<!DOCTYPE html><html><body><h1>{outcome}</h1><pre>{}</pre></body></html>",
            html(&done.claims.to_string())
        ))
        .into_response(),
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
    match complete(&app, &request.token, &request.outcome, request.bank.as_deref().unwrap_or("cl_test")).await {
        Ok(done) => Json(json!({"jwt": done.jwt, "claims": done.claims, "webhook": done.webhook, "redirect": done.redirect})).into_response(),
        Err((status, text)) => message(status, &text),
    }
}
