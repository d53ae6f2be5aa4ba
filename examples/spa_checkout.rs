//! The backend half of a single-page checkout: the page posts what `KR.onSubmit` gave it (as
//! JSON) and the backend verifies it with `notification::verify_client_answer`.
//!
//! ```text
//! PASARELA_LYRA_PASSWORD=testpassword_… PASARELA_LYRA_HMAC_KEY=… \
//!     cargo run --example spa_checkout             # serves POST /checkout/result on 127.0.0.1:3001
//! cargo run --example spa_checkout -- --demo       # self-check: an authentic and a forged payload
//! ```
//!
//! The page side (with `@lyracom/embedded-form-glue`):
//!
//! ```text
//! await KR.onSubmit(async (paymentResponse) => {
//!   const r = await fetch('/checkout/result', {method: 'POST',
//!     headers: {'Content-Type': 'application/json'}, body: JSON.stringify(paymentResponse)});
//!   showResult(await r.text());
//!   return false; // stay on the page: no kr-post-url-success redirect
//! });
//! ```
//!
//! What the handler does, and why:
//! * it verifies the **raw JSON body**: the HMAC covers `rawClientAnswer` only, with the
//!   HMAC-SHA-256 key (`hashKey: sha256_hmac`); `clientAnswer` is never trusted;
//! * it accepts only results signed with the HMAC key (what the browser receives): a payload
//!   claiming to be signed with the password is refused here;
//! * it only tells the page what to **show**: the order is updated from the IPN (see
//!   `examples/axum_ipn.rs`), which the gateway sends before the page receives the result.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use pasarela::lyra::notification::{self, Keys, SignedWith, MAX_CLIENT_ANSWER_BYTES};

/// `POST /checkout/result`: 200 with the order status when authentic, 400 otherwise.
async fn result(State(keys): State<Keys>, body: Bytes) -> (StatusCode, String) {
    match notification::verify_client_answer(&body, &keys) {
        Ok(verified) if verified.signed_with() == SignedWith::HmacKey => {
            let status = verified
                .payment()
                .and_then(|p| p.order_status.as_ref().map(ToString::to_string))
                .unwrap_or_else(|| "?".to_owned());
            (StatusCode::OK, format!("VERIFIED orderStatus={status}"))
        }
        Ok(_) => (
            StatusCode::BAD_REQUEST,
            "REJECTED not signed with the HMAC-SHA-256 key".to_owned(),
        ),
        Err(e) => (StatusCode::BAD_REQUEST, format!("REJECTED {}", e.code())),
    }
}

fn app(keys: Keys) -> Router {
    Router::new()
        .route("/checkout/result", post(result))
        .layer(DefaultBodyLimit::max(MAX_CLIENT_ANSWER_BYTES))
        .with_state(keys)
}

#[tokio::main]
async fn main() {
    let demo = std::env::args().any(|a| a == "--demo");
    let keys = Keys::new(
        std::env::var("PASARELA_LYRA_PASSWORD").unwrap_or_else(|_| "testpassword_DEMO".into()),
        std::env::var("PASARELA_LYRA_HMAC_KEY")
            .unwrap_or_else(|_| "0123456789abcdeffedcba9876543210".into()),
    );
    if !demo {
        let addr: SocketAddr = "127.0.0.1:3001".parse().unwrap();
        let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
        println!("POST http://{addr}/checkout/result");
        axum::serve(listener, app(keys)).await.expect("serve");
        return;
    }
    // Self-check, in process: what a page would post after KR.onSubmit, then a forgery.
    let raw = r#"{"shopId":"69876357","orderCycle":"CLOSED","orderStatus":"PAID","transactions":[],"_type":"V4/Payment"}"#;
    let payload = |raw: &str, hash: String| {
        format!(
            r#"{{"clientAnswer":{raw},"rawClientAnswer":{},"hash":"{hash}","hashAlgorithm":"sha256_hmac","hashKey":"sha256_hmac","_type":"V4/Charge/ProcessPaymentAnswer"}}"#,
            serde_json_string(raw)
        )
    };
    let authentic = payload(raw, notification::compute_hash(raw, &keys.hmac_key));
    let forged = payload(
        &raw.replace("PAID", "PAYD"),
        notification::compute_hash(raw, &keys.hmac_key),
    );
    let (status, text) = result(State(keys.clone()), Bytes::from(authentic)).await;
    println!("authentic: {status} {text}");
    assert_eq!(status, StatusCode::OK);
    let (status, text) = result(State(keys), Bytes::from(forged)).await;
    println!("forged:    {status} {text}");
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// `raw` as a JSON string literal.
fn serde_json_string(raw: &str) -> String {
    serde_json::Value::String(raw.to_owned()).to_string()
}
