//! The ETpay half of `pasarela demo`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use pasarela::sandbox::Sandbox;

use super::demo::{Shared, Transcript};

/// The merchant's ETpay webhook.
pub(super) async fn webhook(State(inbox): State<Shared>, _body: Bytes) -> StatusCode {
    inbox.lock().unwrap().etpay_rejected += 1;
    StatusCode::BAD_REQUEST
}

/// Initialize → pay → verify the webhook → check_payment_status.
pub(super) async fn flow(t: &mut Transcript, _sandbox: &Sandbox, _inbox: &Shared) {
    t.fail("ETpay", "the ETpay sandbox is not available yet");
}
