//! Waiting for a notification in your tests (the README's example): a merchant's own axum IPN
//! endpoint, a payment paid through the control endpoint, and
//! `sandbox.notifications().wait_for(…)` instead of polling `GET /sandbox/notifications`.
//! Then what the waiting API does when nothing matches, and how it hands out "the next one".

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use pasarela::lyra::notification::verify;
use pasarela_sandbox::{DeliveryPolicy, NotificationFilter, NotificationKind, SandboxConfig};
use serde_json::{json, Value};

use crate::common::{call, control_pay, start};
use crate::support::{Reply, TestServer};

/// The merchant's app under test: its IPN endpoint verifies the signature and records the
/// orders it was told about.
async fn merchant_app(
    keys: pasarela::lyra::notification::Keys,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let orders = Arc::new(Mutex::new(Vec::new()));
    let seen = orders.clone();
    let app = Router::new().route(
        "/ipn",
        post(move |body: Bytes| async move {
            let Ok(ipn) = verify(&body, &keys) else {
                return StatusCode::BAD_REQUEST;
            };
            let answer: Value = serde_json::from_str(ipn.raw_answer()).unwrap_or_default();
            let order = answer["orderDetails"]["orderId"]
                .as_str()
                .unwrap_or_default();
            seen.lock().unwrap().push(order.to_owned());
            StatusCode::OK
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ipn", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, orders)
}

#[tokio::test]
async fn a_merchant_test_waits_for_its_ipn_instead_of_polling(
) -> Result<(), Box<dyn std::error::Error>> {
    let keys = SandboxConfig::default().lyra_keys();
    let (ipn_url, orders) = merchant_app(keys).await;
    let sandbox = start(SandboxConfig {
        lyra_notification_url: Some(ipn_url.clone()),
        ..SandboxConfig::default()
    })
    .await;
    let (base, http) = (sandbox.base_url().to_owned(), reqwest::Client::new());

    let form = call(
        &http,
        &base,
        "Charge/CreatePayment",
        json!({"amount": 1500, "currency": "PEN", "orderId": "order-42"}),
    )
    .await;
    control_pay(&http, &base, form["formToken"].as_str().unwrap()).await;

    let ipn = sandbox
        .notifications()
        .wait_for(
            NotificationFilter::to(&ipn_url)
                .order_id("order-42")
                .delivered(),
            Duration::from_secs(5),
        )
        .await?;
    assert_eq!(ipn.attempts.last().and_then(|a| a.status), Some(200));
    assert_eq!(*orders.lock().unwrap(), ["order-42"]);
    sandbox.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_wait_that_times_out_says_what_it_saw() {
    let failing = TestServer::start(|_| Reply::status(500, "text/plain", "boom")).await;
    let sandbox = start(SandboxConfig {
        lyra_notification_url: Some(format!("{}/ipn", failing.base_url)),
        delivery: DeliveryPolicy {
            attempts: 2,
            first_backoff: Duration::from_millis(10),
            attempt_timeout: Duration::from_millis(500),
        },
        ..SandboxConfig::default()
    })
    .await;
    let (base, http) = (sandbox.base_url().to_owned(), reqwest::Client::new());
    let form = call(
        &http,
        &base,
        "Charge/CreatePayment",
        json!({"amount": 700, "currency": "PEN", "orderId": "failing-1"}),
    )
    .await;
    control_pay(&http, &base, form["formToken"].as_str().unwrap()).await;

    let notifications = sandbox.notifications();
    // Waiting for the failure works (the retries are spent)…
    let gave_up = notifications
        .wait_for(
            NotificationFilter::to(&failing.base_url).gave_up(),
            Duration::from_secs(10),
        )
        .await
        .expect("the sandbox gives up after two attempts");
    assert_eq!(gave_up.attempts.len(), 2);
    // …and waiting for a delivery times out with what it saw.
    let error = sandbox
        .notifications()
        .wait_for(
            NotificationFilter::to(&failing.base_url)
                .kind(NotificationKind::LyraIpn)
                .delivered(),
            Duration::from_millis(300),
        )
        .await
        .expect_err("never delivered");
    assert_eq!(error.seen().len(), 1);
    assert_eq!(error.seen()[0].id, gave_up.id);
    assert_eq!(error.total(), 1);
    let message = error.to_string();
    for expected in [
        "delivered",
        "failing-1",
        "2 attempt(s)",
        "gave up",
        "HTTP 500",
    ] {
        assert!(message.contains(expected), "{expected:?} in {message}");
    }
    // Nothing to another target: said so.
    let error = sandbox
        .notifications()
        .wait_for(
            NotificationFilter::to("http://127.0.0.1:1/"),
            Duration::from_millis(50),
        )
        .await
        .expect_err("nothing goes there");
    assert!(error.seen().is_empty());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_handle_returns_each_notification_once_then_waits_for_the_next() {
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "OK")).await;
    let sandbox = start(SandboxConfig {
        lyra_notification_url: Some(merchant.base_url.clone()),
        ..SandboxConfig::default()
    })
    .await;
    let (base, http) = (sandbox.base_url().to_owned(), reqwest::Client::new());
    let notifications = sandbox.notifications();
    let filter = NotificationFilter::to(&merchant.base_url).delivered();

    // A payment made while the test is already waiting.
    let waiting = tokio::spawn({
        let (notifications, filter) = (notifications.clone(), filter.clone());
        async move {
            notifications
                .wait_for(filter, Duration::from_secs(10))
                .await
        }
    });
    let form = call(
        &http,
        &base,
        "Charge/CreatePayment",
        json!({"amount": 100, "currency": "PEN", "orderId": "first"}),
    )
    .await;
    control_pay(&http, &base, form["formToken"].as_str().unwrap()).await;
    let first = waiting.await.unwrap().expect("the first IPN");
    assert_eq!(first.order_id.as_deref(), Some("first"));

    // The same handle does not return it twice…
    assert!(notifications
        .wait_for(filter.clone(), Duration::from_millis(100))
        .await
        .is_err());
    // …a second payment is the next one, and a new handle starts from the oldest again.
    let form = call(
        &http,
        &base,
        "Charge/CreatePayment",
        json!({"amount": 200, "currency": "PEN", "orderId": "second"}),
    )
    .await;
    control_pay(&http, &base, form["formToken"].as_str().unwrap()).await;
    let second = notifications
        .wait_for(filter.clone(), Duration::from_secs(10))
        .await
        .expect("the second IPN");
    assert_eq!(second.order_id.as_deref(), Some("second"));
    let again = sandbox
        .notifications()
        .wait_for(filter.clone(), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(again.id, first.id);

    // Resending through the handle: the same bytes again; the same handle waits for the new
    // round's delivery.
    let round = notifications.resend(first.id).unwrap();
    let resent = notifications
        .wait_for(filter.round(round), Duration::from_secs(10))
        .await
        .unwrap();
    assert_eq!(resent.id, first.id);
    assert!(resent.attempts[1].resend);
    let received = merchant.requests();
    assert_eq!(received.len(), 3);
    assert_eq!(received[2].body, received[0].body);
    sandbox.shutdown().await;
}
