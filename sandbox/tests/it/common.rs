//! Helpers shared by the sandbox's tests: starting a sandbox on a free loopback port, the test
//! shop's Basic credentials, and posting Lyra web services.

use base64::Engine as _;
use pasarela_sandbox::{defaults, Sandbox, SandboxConfig};
use serde_json::{json, Value};

/// `Basic base64(shop:password)`.
pub(crate) fn basic_auth(shop: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{shop}:{password}"))
    )
}

/// The `Authorization` value of the sandbox's default test shop.
pub(crate) fn auth() -> String {
    basic_auth(defaults::SHOP_ID, defaults::PASSWORD)
}

/// A sandbox on a free loopback port.
pub(crate) async fn start(config: SandboxConfig) -> Sandbox {
    pasarela::install_default_tls_provider();
    Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// Posts a Lyra web service; returns the whole envelope.
pub(crate) async fn envelope(http: &reqwest::Client, base: &str, ws: &str, body: Value) -> Value {
    let response = http
        .post(format!("{base}/api-payment/V4/{ws}"))
        .header("authorization", auth())
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{ws}");
    response.json().await.unwrap()
}

/// Posts a Lyra web service that must succeed; returns its answer.
pub(crate) async fn call(http: &reqwest::Client, base: &str, ws: &str, body: Value) -> Value {
    let envelope = envelope(http, base, ws, body).await;
    assert_eq!(envelope["status"], "SUCCESS", "{ws}: {envelope:#}");
    envelope["answer"].clone()
}

/// `Charge/CreatePayment` with `body`, which must succeed; its formToken.
pub(crate) async fn create_payment(http: &reqwest::Client, base: &str, body: Value) -> String {
    let answer = call(http, base, "Charge/CreatePayment", body).await;
    answer["formToken"].as_str().unwrap().to_owned()
}

/// `POST /sandbox/lyra/pay` with the outcome `paid`: the HTTP status and the answer.
pub(crate) async fn control_pay(
    http: &reqwest::Client,
    base: &str,
    form_token: &str,
) -> (u16, Value) {
    control_pay_with(http, base, form_token, "paid").await
}

/// `POST /sandbox/lyra/pay` with `outcome` (`paid`, `captured`, `refused`, `to_validate`): the
/// HTTP status and the answer.
pub(crate) async fn control_pay_with(
    http: &reqwest::Client,
    base: &str,
    form_token: &str,
    outcome: &str,
) -> (u16, Value) {
    let response = http
        .post(format!("{base}/sandbox/lyra/pay"))
        .json(&json!({"formToken": form_token, "outcome": outcome}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}
