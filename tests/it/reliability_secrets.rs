//! No password, HMAC key, API token or signature token ever appears in what the crate prints:
//! `Debug`/`Display` of configurations, clients, requests, sessions, verification results and
//! errors (success and failure paths). The CLI and the sandbox have their own
//! `secrets` tests with the same helpers (`leak.rs`). Each secret is also searched in its Base64 Basic-auth form.

use crate::leak::*;
use pasarela::etpay::{
    self, notification as etpay_notification, EtpayClient, EtpayConfig, PaymentQuery,
    SessionRequest, Verifier,
};
use pasarela::lyra::notification::{self, Keys, SignedWith};
use pasarela::lyra::{LyraClient, LyraConfig, LyraError};
use pasarela::Secret;

#[test]
fn secrets_and_keys_print_redacted() {
    for secret in SECRETS {
        assert_debug_and_display_clean("Secret", &Secret::new(secret));
    }
    assert_clean("Keys", &format!("{:?}", Keys::new(PASSWORD, HMAC_KEY)));
}

#[tokio::test]
async fn lyra_configuration_client_and_errors_never_print_the_password() {
    let config = LyraConfig::new(SHOP, PASSWORD, "http://127.0.0.1:9");
    assert_clean("LyraConfig", &format!("{config:?} {config:#?}"));
    let client = LyraClient::new(&config).unwrap();
    assert_clean("LyraClient", &format!("{client:?} {client:#?}"));

    // Failure paths: bad configuration, connection refused (the request carried the header).
    for bad in [
        LyraConfig::new("6987:6357", PASSWORD, "http://127.0.0.1:9"),
        LyraConfig::new("", PASSWORD, "http://127.0.0.1:9"),
        LyraConfig::new(SHOP, PASSWORD, "ftp://example.com"),
    ] {
        let error = LyraClient::new(&bad).unwrap_err();
        assert!(matches!(error, LyraError::Config(_)), "{error:?}");
        assert_debug_and_display_clean("LyraError::Config", &error);
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = LyraClient::new(&LyraConfig::new(SHOP, PASSWORD, url)).unwrap();
    let request = serde_json::from_value(serde_json::json!({"value": "ping"})).unwrap();
    let error = client.sdk_test(request).await.unwrap_err();
    assert_debug_and_display_clean("LyraError::Connect", &error);
}

#[test]
fn lyra_verification_never_prints_a_key() {
    let keys = Keys::new(PASSWORD, HMAC_KEY);
    let answer = r#"{"orderStatus":"PAID","orderCycle":"CLOSED","_type":"V4/Payment"}"#;
    for kind in [SignedWith::Password, SignedWith::HmacKey] {
        let body = notification::sign(answer, kind, &keys);
        let verified = notification::verify(&body, &keys).unwrap();
        assert_clean("VerifiedAnswer", &format!("{verified:?}"));
        // Every failure: wrong key, missing key, tampered body, undecodable authentic answer.
        let other = Keys::new("another-password", "another-hmac-key");
        assert_debug_and_display_clean(
            "NotificationError (mismatch)",
            &notification::verify(&body, &other).unwrap_err(),
        );
        assert_debug_and_display_clean(
            "NotificationError (no key)",
            &notification::verify(&body, &Keys::new("", "")).unwrap_err(),
        );
        let tampered = String::from_utf8(body).unwrap().replace("PAID", "PAYD");
        assert_debug_and_display_clean(
            "NotificationError (tampered)",
            &notification::verify(tampered.as_bytes(), &keys).unwrap_err(),
        );
        let undecodable = notification::sign(r#"{"orderStatus":42}"#, kind, &keys);
        assert_debug_and_display_clean(
            "NotificationError (undecodable)",
            &notification::verify(&undecodable, &keys).unwrap_err(),
        );
    }
}

#[tokio::test]
async fn etpay_configuration_client_requests_sessions_and_errors_never_print_a_token() {
    let config = EtpayConfig::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        "cl_leak",
        Secret::new(API_TOKEN),
    )
    .unwrap();
    assert_clean("EtpayConfig", &format!("{config:?} {config:#?}"));
    let client = EtpayClient::new(config.clone()).unwrap();
    assert_clean("EtpayClient", &format!("{client:?}"));
    let body = SessionRequest::new("oc-leak", 1000)
        .to_body(&config)
        .unwrap();
    assert_clean("SessionInitializeRequest", &format!("{body:?} {body:#?}"));
    let query = PaymentQuery::SessionToken("tok".into())
        .to_body(&config)
        .unwrap();
    assert_clean("CheckPaymentStatusRequest", &format!("{query:?}"));
    // The wire form does carry the token (it is the credential), and only there.
    assert!(serde_json::to_string(&query).unwrap().contains(API_TOKEN));

    let response: etpay::types::SessionInitializeResponse = serde_json::from_value(
        serde_json::json!({"token": "session-tok", "signature_token": SIGNATURE_TOKEN}),
    )
    .unwrap();
    let session = etpay::Session::from_response(response, &config);
    assert_clean("Session", &format!("{session:?} {session:#?}"));

    // Failure paths: empty token, connection refused.
    let error = EtpayConfig::new(
        "http://127.0.0.1:9",
        "http://127.0.0.1:9",
        "cl_leak",
        Secret::new(""),
    )
    .unwrap_err();
    assert_debug_and_display_clean("EtpayError::Config", &error);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = EtpayConfig::new(&url, &url, "cl_leak", Secret::new(API_TOKEN)).unwrap();
    let error = EtpayClient::new(config)
        .unwrap()
        .initialize(&SessionRequest::new("oc-leak", 1000))
        .await
        .unwrap_err();
    assert_debug_and_display_clean("EtpayError::Transport", &error);
}

#[test]
fn etpay_verification_never_prints_the_signature_token() {
    let key = Secret::new(SIGNATURE_TOKEN);
    let claims = serde_json::json!({"session_token": "s", "merchant_order_id": "oc1", "merchant_amount": 1, "payment_status": true, "iat": 1643663332});
    let jwt = etpay::sign_for_tests(&claims, &key).unwrap();
    let verified = Verifier::new()
        .verify_notification(&jwt, &key, "s")
        .unwrap();
    assert_clean("Notification", &format!("{verified:?}"));
    let other = Secret::new("another-signature-token");
    for error in [
        Verifier::new().verify_payment(&jwt, &other).unwrap_err(),
        Verifier::new()
            .verify_payment(&jwt[..jwt.len() - 3], &key)
            .unwrap_err(),
        Verifier::new()
            .verify_system_error(&jwt, SIGNATURE_TOKEN)
            .unwrap_err(),
        Verifier::new()
            .verify_payment("not a jwt", &key)
            .unwrap_err(),
        etpay_notification::jwt_from_body(SIGNATURE_TOKEN.as_bytes()).unwrap_err(),
    ] {
        assert_debug_and_display_clean("EtpayError (verification)", &error);
    }
}
