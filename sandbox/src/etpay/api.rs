//! ETpay's merchant API: `POST /etpay/session/initialize` and
//! `POST /etpay/merchant/check_payment_status`, with their credential and schema checks.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use pasarela::spec::SpecValidator;
use pasarela::Secret;
use serde_json::{json, Value};

use crate::app::App;
use crate::blocking::off_workers;
use crate::etpay::state::Session;

/// `POST /etpay/session/initialize` and `POST /etpay/merchant/check_payment_status`.
pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/etpay/session/initialize", post(initialize))
        .route(
            "/etpay/merchant/check_payment_status",
            post(check_payment_status),
        )
}

/// An error answer: `{"message": text}`.
pub(super) fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({"message": text}))).into_response()
}

/// Decodes and validates a request body against its component (off the async workers when
/// it is large); checks the API token. The body's type was checked by `guard.rs`.
#[allow(clippy::result_large_err)] // the error is the HTTP answer itself
pub(super) async fn checked(
    app: &Arc<App>,
    component: &'static str,
    body: Bytes,
) -> Result<Value, Response> {
    let app = app.clone();
    off_workers(body.len(), move || checked_request(&app, component, &body))
        .await
        .unwrap_or_else(|| Err(StatusCode::SERVICE_UNAVAILABLE.into_response()))
}

/// The answer to a body type a page can send cross-site without a preflight (`guard.rs`
/// refuses those on the whole API): 415 with ETpay's error shape.
pub(super) fn body_type_refused(media: &str) -> Response {
    message(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        &format!("unsupported Content-Type {media}: send application/json"),
    )
}

/// The synchronous part of [`checked`]; prefer `checked`, which keeps large bodies off the
/// async workers.
#[allow(clippy::result_large_err)] // the error is the HTTP answer itself
pub(super) fn checked_request(app: &App, component: &str, body: &[u8]) -> Result<Value, Response> {
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

/// `POST /etpay/session/initialize`.
async fn initialize(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let request = match checked(&app, "SessionInitializeRequest", body).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let session = match Session::open(&request) {
        Ok(session) => session,
        Err(text) => return message(StatusCode::BAD_REQUEST, &text),
    };
    let answer = json!({
        "token": session.token,
        "signature_token": session.signature_token.expose(),
        "terms_url": format!("{}/sandbox/etpay/terms", app.base_url()),
    });
    app.etpay().sessions.insert(session.token.clone(), session);
    Json(answer).into_response()
}

/// `POST /etpay/merchant/check_payment_status`.
async fn check_payment_status(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let request = match checked(&app, "CheckPaymentStatusRequest", body).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    let filters: Vec<(&str, &str)> = ["payment_token", "merchant_order_id", "session_token"]
        .into_iter()
        .filter_map(|key| request[key].as_str().map(|v| (key, v)))
        .collect();
    // The spec requires only the API token; with no filter nothing matches (an empty list).
    let found: Vec<Value> = app
        .etpay()
        .payments
        .values()
        .filter(|claims| !filters.is_empty() && filters.iter().all(|(k, v)| claims[*k] == *v))
        .cloned()
        .collect();
    Json(found).into_response()
}
