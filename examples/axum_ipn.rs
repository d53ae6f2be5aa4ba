//! A Lyra IPN endpoint with axum: verify, store the raw answer, answer 200 fast.
//!
//! ```text
//! PASARELA_LYRA_PASSWORD=testpassword_… PASARELA_LYRA_HMAC_KEY=… \
//!     cargo run --example axum_ipn               # serves POST /ipn on 127.0.0.1:3000
//! cargo run --example axum_ipn -- --demo         # self-check: posts signed and tampered IPNs
//! ```
//!
//! What the handler does, and why (see `pasarela::lyra::notification`):
//! * it verifies the **raw body** (never a re-encoded form): `kr-hash` covers `kr-answer` as
//!   posted;
//! * it accepts only results signed with the shop **password**: that is what an IPN is. A
//!   browser return (signed with the HMAC key) posted here is refused;
//! * it stores the raw `kr-answer` (what the gateway signed) and derives the order state from
//!   it: `is_paid()` / `is_final()`;
//! * it is idempotent on transaction `uuid` + `detailedStatus`: Lyra sends several IPNs per
//!   order and retries failed deliveries, so a repeat is acknowledged without processing;
//! * anything that fails verification gets **400 and changes nothing**.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use pasarela::lyra::notification::{self, Keys, SignedWith, TransactionKey, MAX_BODY_BYTES};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The merchant's state. A real shop would use its database, with a unique index on
/// (uuid, detailedStatus) doing the deduplication.
#[derive(Debug, Default)]
struct Store {
    /// Raw kr-answer of every processed IPN, in arrival order.
    raw_answers: Vec<String>,
    /// Transaction states already processed.
    seen: HashSet<TransactionKey>,
    /// orderId → (paid, final), from the latest IPN.
    orders: HashMap<String, (bool, bool)>,
}

#[derive(Clone)]
struct AppState {
    keys: Arc<Keys>,
    store: Arc<Mutex<Store>>,
}

async fn ipn(State(state): State<AppState>, body: Bytes) -> (StatusCode, &'static str) {
    let verified = match notification::verify(&body, &state.keys) {
        Ok(verified) => verified,
        Err(e) if e.is_authentic() => {
            // Signed by Lyra but not decodable by this crate's types: keep it for a human and
            // acknowledge, otherwise the gateway retries it forever.
            if let notification::NotificationError::UndecodableAnswer { raw_answer, .. } = e {
                state.store.lock().unwrap().raw_answers.push(raw_answer);
            }
            return (StatusCode::OK, "stored for review");
        }
        Err(e) => {
            // Log the reason (never the body: it holds personal data), change nothing.
            eprintln!("rejected IPN: {e}");
            return (StatusCode::BAD_REQUEST, "invalid notification");
        }
    };
    if verified.signed_with() != SignedWith::Password {
        return (StatusCode::BAD_REQUEST, "not an IPN");
    }

    let mut store = state.store.lock().unwrap();
    let keys = verified.idempotency_keys();
    if !keys.is_empty() && keys.iter().all(|key| store.seen.contains(key)) {
        return (StatusCode::OK, "already processed");
    }
    store.seen.extend(keys);
    store.raw_answers.push(verified.raw_answer().to_owned());
    if let Some(order_id) = verified.payment().and_then(|p| p.order_id()) {
        store.orders.insert(
            order_id.to_owned(),
            (verified.is_paid(), verified.is_final()),
        );
    }
    // Slow work (e-mails, fulfilment) belongs in a background job: answer now.
    (StatusCode::OK, "OK")
}

fn app(state: AppState) -> Router {
    Router::new()
        .route("/ipn", post(ipn))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|arg| arg == "--demo") {
        demo().await;
        return;
    }
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    let keys = Keys::new(env("PASARELA_LYRA_PASSWORD"), env("PASARELA_LYRA_HMAC_KEY"));
    if keys.password.is_empty() {
        eprintln!("set PASARELA_LYRA_PASSWORD (the shop password signs IPNs)");
        std::process::exit(2);
    }
    let state = AppState {
        keys: Arc::new(keys),
        store: Arc::default(),
    };
    let listener = TcpListener::bind("127.0.0.1:3000")
        .await
        .expect("bind 127.0.0.1:3000");
    println!("IPN endpoint on http://127.0.0.1:3000/ipn");
    axum::serve(listener, app(state)).await.expect("server");
}

/// Serves on an ephemeral port and checks the behaviour end to end.
async fn demo() {
    let keys = Keys::new("testpassword_DEMO", "0123456789abcdeffedcba9876543210");
    let state = AppState {
        keys: Arc::new(keys.clone()),
        store: Arc::default(),
    };
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let router = app(state.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let answer = r#"{"shopId":"69876357","orderCycle":"CLOSED","orderStatus":"PAID","orderDetails":{"orderTotalAmount":990,"orderCurrency":"EUR","orderId":"myOrderId-475882","_type":"V4/OrderDetails"},"transactions":[{"uuid":"1c8356b0e24442b2acc579cf1ae4d814","amount":990,"currency":"EUR","status":"PAID","detailedStatus":"AUTHORISED","_type":"V4/PaymentTransaction"}],"_type":"V4/Payment"}"#;
    let ipn_body = notification::sign(answer, SignedWith::Password, &keys);
    let tampered = String::from_utf8(ipn_body.clone())
        .expect("form bodies are ASCII")
        .replace("orderTotalAmount%22%3A990", "orderTotalAmount%22%3A1");
    assert!(tampered.as_bytes() != ipn_body.as_slice());
    let browser_return = notification::sign(answer, SignedWith::HmacKey, &keys);

    assert_eq!(post_ipn(addr, &ipn_body).await, (200, "OK".to_owned()));
    assert_eq!(
        post_ipn(addr, &ipn_body).await,
        (200, "already processed".to_owned())
    );
    assert_eq!(post_ipn(addr, tampered.as_bytes()).await.0, 400);
    assert_eq!(post_ipn(addr, &browser_return).await.0, 400);
    assert_eq!(post_ipn(addr, b"").await.0, 400);

    let store = state.store.lock().unwrap();
    assert_eq!(
        store.raw_answers,
        [answer.to_owned()],
        "only the first IPN was stored"
    );
    assert_eq!(store.orders.get("myOrderId-475882"), Some(&(true, true)));
    println!("demo OK: valid IPN stored once, repeat acknowledged, tampered/browser/empty → 400");
}

/// A minimal HTTP/1.1 POST (keeps the example free of an HTTP client dependency).
async fn post_ipn(addr: SocketAddr, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /ipn HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("write");
    stream.write_all(body).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let text = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    (status, text)
}
