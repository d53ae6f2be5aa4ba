//! Issue 16, URLs: http(s) only, no control characters, checked when first received and
//! answered with the gateway's error (Lyra INT_902 naming the field, ETpay 400 `message`);
//! `kr-post-url-*` never reach a form's `action` unchecked; credentials in a URL never show
//! (answers, `/sandbox/notifications`), and long URLs are cut where they are shown.

use std::time::Duration;

use pasarela_sandbox::{defaults, DeliveryPolicy, SandboxConfig};
use serde_json::{json, Value};

use crate::common::{call, control_pay, envelope, start};

const BAD_URLS: &[&str] = &[
    "javascript:alert(document.domain)",
    "file:///etc/passwd",
    "gopher://127.0.0.1:25/_HELO",
    "ftp://example.com/ipn",
    "http://127.0.0.1:9/ipn\r\nX-Injected: 1",
    "not a url",
];

#[tokio::test]
async fn a_bad_ipn_target_url_is_refused_at_create_payment() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    for url in BAD_URLS {
        let answer = envelope(
            &http,
            &base,
            "Charge/CreatePayment",
            json!({"amount": 990, "currency": "PEN", "ipnTargetUrl": url}),
        )
        .await;
        assert_eq!(answer["status"], "ERROR", "{url:?} was accepted");
        assert_eq!(answer["answer"]["errorCode"], "INT_902");
        let detail = answer["answer"]["detailedErrorMessage"].as_str().unwrap();
        assert!(detail.contains("name=ipnTargetUrl"), "{detail}");
    }
    call(
        &http,
        &base,
        "Charge/CreatePayment",
        json!({"amount": 990, "currency": "PEN", "ipnTargetUrl": "https://shop.example/ipn"}),
    )
    .await;
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_javascript_return_url_never_lands_in_a_form_action() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let form = call(
        &http,
        &base,
        "Charge/CreatePayment",
        json!({"amount": 990, "currency": "PEN", "orderId": "js-return"}),
    )
    .await;
    let form_token = form["formToken"].as_str().unwrap().to_owned();
    let page_url = format!("{base}/sandbox/lyra/form/{form_token}");
    for name in ["kr-post-url-success", "kr-post-url-refused"] {
        let page = http
            .get(&page_url)
            .query(&[(name, "javascript:alert(document.domain)")])
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 400, "{name}");
        let submit = http
            .post(&page_url)
            .form(&[
                ("card", pasarela_sandbox::TEST_CARDS[0].pan),
                (name, "javascript:alert(document.domain)"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(submit.status(), 400, "{name}");
        let body = submit.text().await.unwrap();
        assert!(!body.contains("action=\"javascript"), "{body}");
    }
    // Nothing was paid: the formToken still pays once, with a good return URL.
    let submit = http
        .post(&page_url)
        .form(&[
            ("card", pasarela_sandbox::TEST_CARDS[0].pan),
            ("kr-post-url-success", "https://shop.example/ok"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(submit.status(), 200);
    assert!(submit
        .text()
        .await
        .unwrap()
        .contains("action=\"https://shop.example/ok\""));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn credentials_in_an_ipn_url_never_show_and_long_urls_are_cut() {
    let config = SandboxConfig {
        delivery: DeliveryPolicy {
            attempts: 1,
            first_backoff: Duration::from_millis(10),
            attempt_timeout: Duration::from_millis(500),
        },
        ..SandboxConfig::default()
    };
    let sandbox = start(config).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    let long_path = "p".repeat(3000);
    for target in [
        "http://merchant:s3cretpw@127.0.0.1:9/ipn".to_owned(),
        format!("http://127.0.0.1:9/{long_path}"),
    ] {
        let form = call(
            &http,
            &base,
            "Charge/CreatePayment",
            json!({"amount": 990, "currency": "PEN", "ipnTargetUrl": target}),
        )
        .await;
        let (status, paid) = control_pay(&http, &base, form["formToken"].as_str().unwrap()).await;
        assert_eq!(status, 200);
        let shown = paid["ipn"]["target"].as_str().unwrap();
        assert!(!shown.contains("s3cretpw") && shown.len() < 300, "{shown}");
    }
    let listing = http
        .get(format!("{base}/sandbox/notifications"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listing.contains("s3cretpw"), "{listing}");
    assert!(listing.contains("http://***@127.0.0.1:9/ipn"), "{listing}");
    assert!(!listing.contains(&long_path), "a 3 KB URL is listed whole");
    sandbox.shutdown().await;
}

/// `POST /etpay/session/initialize` with the built-in credentials and `extra` fields.
async fn initialize(http: &reqwest::Client, base: &str, extra: Value) -> (u16, Value) {
    let mut body = json!({
        "merchant_code": defaults::ETPAY_MERCHANT_CODE,
        "merchant_api_token": defaults::ETPAY_API_TOKEN,
        "merchant_order_id": "url-1",
        "order_amount": 1000,
    });
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let response = http
        .post(format!("{base}/etpay/session/initialize"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn etpay_urls_are_checked_when_the_session_is_created() {
    let sandbox = start(SandboxConfig::default()).await;
    let base = sandbox.base_url().to_owned();
    let http = reqwest::Client::new();
    for field in [
        "payment_completed_url",
        "payment_cancellation_url",
        "payment_webhook_url",
    ] {
        for url in BAD_URLS {
            let (status, answer) = initialize(&http, &base, json!({ field: url })).await;
            assert_eq!(status, 400, "{field} = {url:?} was accepted: {answer}");
            let message = answer["message"].as_str().unwrap();
            assert!(message.contains(field), "{message}");
        }
    }
    let (status, _) = initialize(&http, &base, json!({"concat": "&\r\nX: 1"})).await;
    assert_eq!(status, 400, "a concat with CR/LF is refused");

    // A good session completes once, with the redirect and no server error.
    let (status, session) = initialize(
        &http,
        &base,
        json!({"payment_completed_url": "https://shop.example/done?x=1", "concat": "&"}),
    )
    .await;
    assert_eq!(status, 200);
    let token = session["token"].as_str().unwrap();
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let done = no_redirect
        .post(format!("{base}/sandbox/etpay/session/{token}"))
        .form(&[("outcome", "paid")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 303, "redirected to the shop");
    let location = done.headers()["location"].to_str().unwrap();
    assert!(location.starts_with("https://shop.example/done?x=1&jwt="));
    sandbox.shutdown().await;
}
