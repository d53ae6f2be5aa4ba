//! ETpay Direct Debit: `POST /etpay/dd/start-session`, the first (and only publicly documented)
//! call of a subscription. It checks the body against the spec and the merchant credentials
//! like the payment API, then answers a fresh token pair.
//!
//! Nothing is remembered: no documented call reads a Direct Debit session back, so keeping
//! one would only be memory to bound.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use crate::app::App;
use crate::etpay::api::checked;
use crate::util::new_token;

/// `POST /etpay/dd/start-session`.
pub(super) fn routes() -> Router<Arc<App>> {
    Router::new().route("/etpay/dd/start-session", post(start_session))
}

/// `POST /etpay/dd/start-session`: 400 for a body the spec refuses (a `validation_type` other
/// than `merchant_credentials` included), 401 for wrong credentials, else the tokens.
async fn start_session(State(app): State<Arc<App>>, body: Bytes) -> Response {
    if let Err(response) = checked(&app, "DirectDebitStartSessionRequest", body).await {
        return response;
    }
    Json(json!({
        "token": new_token(64),
        "signature_token": new_token(64),
        "terms_url": format!("{}/sandbox/etpay/terms", app.base_url()),
    }))
    .into_response()
}
