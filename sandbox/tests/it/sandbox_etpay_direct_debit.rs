//! ETpay beyond the payment session: Direct Debit's `POST /dd/start-session` (spec shape, the
//! documented credential checks, the typed client), and the request bytes ETpay's official
//! Python SDK sends (no `Content-Type`, `order_amount` an integer).

use pasarela::etpay::{EtpayClient, EtpayConfig, EtpayErrorKind};
use pasarela::spec::SpecValidator;
use pasarela::Secret;
use pasarela_sandbox::{defaults, Sandbox, SandboxConfig};
use serde_json::{json, Value};

async fn start() -> Sandbox {
    crate::common::start(SandboxConfig::default()).await
}

/// Posts `body` as raw bytes, with no `Content-Type` (as ETpay's Python SDK does).
async fn post_raw(url: &str, body: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn dd_body() -> Value {
    json!({
        "validation_type": "merchant_credentials",
        "merchant_code": defaults::ETPAY_MERCHANT_CODE,
        "merchant_api_token": defaults::ETPAY_API_TOKEN,
    })
}

#[tokio::test]
async fn dd_start_session_answers_the_spec_shape_and_checks_the_body() {
    let sandbox = start().await;
    let url = format!("{}/dd/start-session", sandbox.etpay_api_url());

    let (status, first) = post_raw(&url, &dd_body().to_string()).await;
    assert_eq!(status, 200, "{first}");
    SpecValidator::etpay()
        .validate("DirectDebitStartSessionResponse", &first)
        .expect("the answer validates");
    assert_eq!(first["token"].as_str().unwrap().len(), 64);
    assert_ne!(first["token"], first["signature_token"]);
    let (_, second) = post_raw(&url, &dd_body().to_string()).await;
    assert_ne!(
        first["token"], second["token"],
        "each call opens a new session"
    );

    let mut wrong = dd_body();
    wrong["merchant_api_token"] = json!("not-the-token");
    let (status, answer) = post_raw(&url, &wrong.to_string()).await;
    assert_eq!(status, 401);
    assert!(answer["message"].is_string());

    let mut other_code = dd_body();
    other_code["merchant_code"] = json!("cl_someone_else");
    assert_eq!(post_raw(&url, &other_code.to_string()).await.0, 401);

    // Only the documented static value is accepted, and all three fields are required.
    let mut bad_type = dd_body();
    bad_type["validation_type"] = json!("password");
    let (status, answer) = post_raw(&url, &bad_type.to_string()).await;
    assert_eq!(status, 400);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("validation_type"),
        "{answer}"
    );
    for field in ["validation_type", "merchant_code", "merchant_api_token"] {
        let mut missing = dd_body();
        missing.as_object_mut().unwrap().remove(field);
        assert_eq!(post_raw(&url, &missing.to_string()).await.0, 400, "{field}");
    }
    assert_eq!(post_raw(&url, "{not json").await.0, 400);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn dd_start_session_through_the_typed_client() {
    let sandbox = start().await;
    let config = |token: &str| {
        EtpayConfig::new(
            &sandbox.etpay_api_url(),
            &sandbox.etpay_pmt_url(),
            defaults::ETPAY_MERCHANT_CODE,
            Secret::new(token),
        )
        .unwrap()
    };
    let client = EtpayClient::new(config(defaults::ETPAY_API_TOKEN)).unwrap();
    let session = client.start_direct_debit_session().await.unwrap();
    assert_eq!(session.token().len(), 64);
    assert!(session.terms_url().is_some());
    assert!(!format!("{session:?}").contains(session.signature_token().expose()));

    let client = EtpayClient::new(config("wrong-token")).unwrap();
    let err = client.start_direct_debit_session().await.unwrap_err();
    assert_eq!(err.kind(), EtpayErrorKind::Status);
    assert_eq!(err.status(), Some(401));
    sandbox.shutdown().await;
}

/// The body `etpay-sdk` 1.0.1 sends (`json.dumps` of its dict: `", "`/`": "` separators, no
/// `Content-Type`): its `order_amount` is an integer, which the spec and the sandbox take; the
/// string its README's table announces is refused (not seen accepted anywhere).
#[tokio::test]
async fn the_official_sdk_request_bytes_are_accepted() {
    let sandbox = start().await;
    let url = format!("{}/session/initialize", sandbox.etpay_api_url());
    let sdk_body = |amount: &str| {
        format!(
            "{{\"merchant_code\": \"{}\", \"merchant_api_token\": \"{}\", \"merchant_order_id\": \
             \"merchant_order_id\", \"order_amount\": {amount}, \"customer_email\": \
             \"example@example.com\", \"payment_completed_url\": \"https://www.google.com\", \
             \"payment_cancellation_url\": \"https://www.google.com\", \"metadata\": [{{\"name\": \
             \"NAME\", \"value\": \"VALUE\", \"show\": true}}]}}",
            defaults::ETPAY_MERCHANT_CODE,
            defaults::ETPAY_API_TOKEN
        )
    };
    let (status, answer) = post_raw(&url, &sdk_body("500")).await;
    assert_eq!(status, 200, "{answer}");
    SpecValidator::etpay()
        .validate("SessionInitializeResponse", &answer)
        .expect("the answer validates");

    let (status, answer) = post_raw(&url, &sdk_body("\"500\"")).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("order_amount"));
    sandbox.shutdown().await;
}
