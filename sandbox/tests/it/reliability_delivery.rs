//! Notification delivery when the merchant's endpoint never answers in time: what
//! `tests/sandbox_lyra.rs` does not cover yet (it covers 500 then success, connection resets and
//! a slow-but-successful merchant). Every attempt times out, is recorded as `timeout`, the
//! sandbox gives up after the configured attempts, and the API is not slowed meanwhile.

use std::time::Duration;

use crate::support::{Reply, TestServer};
use base64::Engine as _;
use pasarela_sandbox::{defaults, DeliveryPolicy, Sandbox, SandboxConfig};
use serde_json::{json, Value};

fn auth() -> String {
    let credentials = format!("{}:{}", defaults::SHOP_ID, defaults::PASSWORD);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    )
}

async fn call(http: &reqwest::Client, base: &str, ws: &str, body: Value) -> Value {
    let response = http
        .post(format!("{base}/api-payment/V4/{ws}"))
        .header("authorization", auth())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let envelope: Value = response.json().await.unwrap();
    assert_eq!(envelope["status"], "SUCCESS", "{envelope:#}");
    envelope["answer"].clone()
}

async fn notifications(http: &reqwest::Client, base: &str) -> Vec<Value> {
    http.get(format!("{base}/sandbox/notifications"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_merchant_that_never_answers_in_time_gets_every_attempt_then_is_given_up() {
    pasarela::install_default_tls_provider();
    // Answers only after 30 s: far past the attempt timeout.
    let hanging = TestServer::start(|_| {
        Reply::Delay(
            Duration::from_secs(30),
            Box::new(Reply::status(200, "text/plain", "late")),
        )
    })
    .await;
    let policy = DeliveryPolicy {
        attempts: 3,
        first_backoff: Duration::from_millis(20),
        attempt_timeout: Duration::from_millis(300),
    };
    let config = SandboxConfig {
        lyra_notification_url: Some(hanging.base_url.clone()),
        delivery: policy,
        ..SandboxConfig::default()
    };
    let sandbox = Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();

    let form = call(
        &http,
        &base,
        "Charge/CreatePayment",
        json!({"amount": 2500, "currency": "PEN", "orderId": "hanging-1"}),
    )
    .await;
    let paid: Value = http
        .post(format!("{base}/sandbox/lyra/pay"))
        .json(&json!({"formToken": form["formToken"], "outcome": "paid"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        paid["ipn"]["error"], "timeout",
        "the first attempt is reported: {paid:#}"
    );
    assert!(paid["ipn"]["status"].is_null());

    // While the retries run, the API answers.
    let echo = call(
        &http,
        &base,
        "Charge/SDKTest",
        json!({"value": "not blocked"}),
    )
    .await;
    assert_eq!(echo["value"], "not blocked");

    let mut list = Vec::new();
    for _ in 0..500 {
        list = notifications(&http, &base).await;
        if list.first().is_some_and(|n| n["gave_up"] == true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let record = list.first().expect("the IPN is listed");
    assert_eq!(record["gave_up"], true, "{record:#}");
    assert_eq!(record["delivered"], false);
    assert_eq!(record["kind"], "lyra-ipn");
    let attempts = record["attempts"].as_array().unwrap();
    assert_eq!(
        attempts.len(),
        3,
        "exactly the configured attempts: {record:#}"
    );
    assert!(
        attempts
            .iter()
            .all(|a| a["error"] == "timeout" && a["status"].is_null()),
        "{record:#}"
    );
    // Each attempt reached the merchant (and was abandoned there), none more.
    assert_eq!(hanging.requests().len(), 3);
    assert!(hanging
        .requests()
        .iter()
        .all(|r| r.method == "POST" && r.body.starts_with(b"kr-hash=")));
    sandbox.shutdown().await;
}
