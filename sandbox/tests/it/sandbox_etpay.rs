//! The ETpay half of the sandbox: the session API validates requests and answers what the spec
//! says, the funnel signs the webhook and the redirect with the session's signature token, and
//! the typed client works against it unchanged.

use std::time::Duration;

use crate::support::{Reply, TestServer};
use pasarela::etpay::notification::{jwt_from_body, jwt_from_redirect, Notification, Verifier};
use pasarela::etpay::{EtpayClient, EtpayConfig, EtpayErrorKind, PaymentQuery, SessionRequest};
use pasarela::spec::SpecValidator;
use pasarela::Secret;
use pasarela_sandbox::{defaults, Sandbox, SandboxConfig};
use serde_json::{json, Value};

async fn start(config: SandboxConfig) -> Sandbox {
    pasarela::install_default_tls_provider();
    Sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

fn client(sandbox: &Sandbox, token: &str) -> EtpayClient {
    let config = EtpayConfig::new(
        &sandbox.etpay_api_url(),
        &sandbox.etpay_pmt_url(),
        defaults::ETPAY_MERCHANT_CODE,
        Secret::new(token),
    )
    .unwrap();
    EtpayClient::new(config).unwrap()
}

async fn post(url: String, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn initialize_validates_and_answers_the_spec_shape() {
    let sandbox = start(SandboxConfig::default()).await;
    let url = format!("{}/session/initialize", sandbox.etpay_api_url());
    let good = json!({"merchant_code": defaults::ETPAY_MERCHANT_CODE, "merchant_api_token": defaults::ETPAY_API_TOKEN, "merchant_order_id": "oc1", "order_amount": 2000});
    let (status, answer) = post(url.clone(), good.clone()).await;
    assert_eq!(status, 200);
    SpecValidator::etpay()
        .validate("SessionInitializeResponse", &answer)
        .expect("the answer validates");
    assert_eq!(answer["token"].as_str().unwrap().len(), 64);
    assert_ne!(answer["token"], answer["signature_token"]);

    let mut wrong = good.clone();
    wrong["merchant_api_token"] = json!("not-the-token");
    let (status, answer) = post(url.clone(), wrong).await;
    assert_eq!(status, 401);
    assert!(answer["message"].is_string());

    let mut invalid = good.clone();
    invalid["order_amount"] = json!("2000 pesos");
    let (status, answer) = post(url.clone(), invalid).await;
    assert_eq!(status, 400);
    assert!(
        answer["message"].as_str().unwrap().contains("order_amount"),
        "{answer}"
    );

    let mut long = good;
    long["merchant_order_id"] = json!("x".repeat(65));
    assert_eq!(
        post(url, long).await.0,
        400,
        "merchant_order_id is at most 64 characters"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_full_flow_with_the_typed_client() {
    let merchant = TestServer::start(|_| Reply::status(200, "text/plain", "ok")).await;
    let sandbox = start(SandboxConfig {
        etpay_webhook_url: Some(format!("{}/webhook", merchant.base_url)),
        ..SandboxConfig::default()
    })
    .await;
    let client = client(&sandbox, defaults::ETPAY_API_TOKEN);
    let mut request = SessionRequest::new("oc-typed", 12_990);
    request.payment_completed_url = Some("https://shop.example/ok?lang=es".into());
    request.concat = Some("&".into());
    let session = client.initialize(&request).await.unwrap();
    assert_eq!(
        session.funnel_url(),
        format!("{}/session/{}", sandbox.etpay_pmt_url(), session.token())
    );

    // The funnel page is served at the funnel URL.
    let page = reqwest::get(session.funnel_url())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("oc-typed") && page.contains("12990"));

    let (status, paid) = post(
        format!("{}/sandbox/etpay/pay", sandbox.base_url()),
        json!({"token": session.token(), "outcome": "paid"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(paid["webhook"]["status"], 200);

    // The webhook: {"payment": jwt}, JSON, signed with the session's signature token.
    let webhook = &merchant.requests()[0];
    assert_eq!(webhook.header("content-type"), Some("application/json"));
    let jwt = jwt_from_body(&webhook.body).unwrap();
    match Verifier::new()
        .with_max_age(Duration::from_secs(60))
        .verify_notification(&jwt, session.signature_token(), session.token())
        .unwrap()
    {
        Notification::Payment(payment) => {
            let claims = payment.claims();
            assert!(claims.is_paid());
            assert_eq!(claims.cross_check("oc-typed", 12_990), Ok(()));
            let raw: Value = serde_json::from_str(payment.claims_json()).unwrap();
            SpecValidator::etpay()
                .validate("PaymentClaims", &raw)
                .expect("the claims validate");
        }
        other => panic!("{other:?}"),
    }
    // A different session's key does not verify it.
    assert!(Verifier::new()
        .verify_payment(&jwt, &Secret::new("another-signature-token"))
        .is_err());

    // The redirect appends the JWT with `concat` because the URL already has a query.
    let redirect = paid["redirect"].as_str().unwrap();
    assert!(
        redirect.starts_with("https://shop.example/ok?lang=es&jwt="),
        "{redirect}"
    );
    assert_eq!(
        jwt_from_redirect(redirect).unwrap(),
        paid["jwt"].as_str().unwrap()
    );

    let found = client
        .check_payment_status(&PaymentQuery::MerchantOrderId("oc-typed".into()))
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert!(found[0].is_paid());
    let by_token = client
        .check_payment_status(&PaymentQuery::SessionToken(session.token().into()))
        .await
        .unwrap();
    assert_eq!(by_token, found);
    let none = client
        .check_payment_status(&PaymentQuery::MerchantOrderId("unknown".into()))
        .await
        .unwrap();
    assert!(none.is_empty());

    // A finished session cannot be paid again.
    let (status, _) = post(
        format!("{}/sandbox/etpay/pay", sandbox.base_url()),
        json!({"token": session.token(), "outcome": "paid"}),
    )
    .await;
    assert_eq!(status, 409);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn rejection_and_system_error() {
    let sandbox = start(SandboxConfig::default()).await;
    let client = client(&sandbox, defaults::ETPAY_API_TOKEN);
    let mut request = SessionRequest::new("oc-rejected", 1000);
    request.payment_cancellation_url = Some("https://shop.example/error".into());
    let session = client.initialize(&request).await.unwrap();
    let (_, rejected) = post(
        format!("{}/sandbox/etpay/pay", sandbox.base_url()),
        json!({"token": session.token(), "outcome": "rejected"}),
    )
    .await;
    assert!(rejected["redirect"]
        .as_str()
        .unwrap()
        .starts_with("https://shop.example/error?jwt="));
    assert!(
        rejected["webhook"]["error"].is_string(),
        "no webhook URL configured: said so"
    );
    let jwt = rejected["jwt"].as_str().unwrap();
    assert!(!Verifier::new()
        .verify_payment(jwt, session.signature_token())
        .unwrap()
        .claims()
        .is_paid());

    let session = client
        .initialize(&SessionRequest::new("oc-system", 1000))
        .await
        .unwrap();
    let (_, failed) = post(
        format!("{}/sandbox/etpay/pay", sandbox.base_url()),
        json!({"token": session.token(), "outcome": "system_error"}),
    )
    .await;
    let jwt = failed["jwt"].as_str().unwrap();
    match Verifier::new()
        .verify_notification(jwt, session.signature_token(), session.token())
        .unwrap()
    {
        Notification::SystemError(_) => {}
        other => panic!("{other:?}"),
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_are_a_status_error_with_the_body_kept() {
    let sandbox = start(SandboxConfig::default()).await;
    let error = client(&sandbox, "wrong-token")
        .initialize(&SessionRequest::new("oc", 1))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), EtpayErrorKind::Status, "{error:?}");
    assert_eq!(error.status(), Some(401));
    let body = String::from_utf8_lossy(error.raw_body().unwrap());
    assert!(body.contains("invalid merchant credentials"), "{body}");
    assert!(!error.to_string().contains("wrong-token"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn the_funnel_form_redirects_with_the_jwt() {
    let sandbox = start(SandboxConfig::default()).await;
    let client = client(&sandbox, defaults::ETPAY_API_TOKEN);
    let mut request = SessionRequest::new("oc-page", 5000);
    request.payment_completed_url = Some("https://shop.example/ok".into());
    let session = client.initialize(&request).await.unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http
        .post(session.funnel_url())
        .form(&[("bank", "cl_estado"), ("outcome", "paid")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let jwt = jwt_from_redirect(&location).unwrap();
    let payment = Verifier::new()
        .verify_payment(&jwt, session.signature_token())
        .unwrap();
    assert_eq!(payment.claims().user_bank.as_deref(), Some("BancoEstado"));
    sandbox.shutdown().await;
}

#[test]
fn a_non_positive_amount_is_refused_before_sending() {
    let config = EtpayConfig::new(
        "http://127.0.0.1:1",
        "http://127.0.0.1:1",
        "cl_x",
        Secret::new("t"),
    )
    .unwrap();
    for amount in [0, -1, i64::MIN] {
        let error = SessionRequest::new("oc", amount)
            .to_body(&config)
            .unwrap_err();
        assert!(
            error.kind() == EtpayErrorKind::InvalidRequest,
            "{amount}: {error:?}"
        );
    }
    assert!(SessionRequest::new("oc", 1).to_body(&config).is_ok());
}
