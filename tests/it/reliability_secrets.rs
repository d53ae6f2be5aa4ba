//! No password, HMAC key, API token, signature token or base-URL path ever appears in what the
//! crate prints: `Debug` (plain and `{:#?}`) and `Display` of configurations, clients,
//! requests, sessions and verification results, and of every error kind of `LyraError`,
//! `ApiError`, `EtpayError`, `VerifyError` and `NotificationError`, source chains included.
//! The CLI and the sandbox have their own `secrets` tests with the same helpers (`leak.rs`).

use std::collections::BTreeSet;
use std::error::Error as _;
use std::time::Duration;

use serde_json::json;

use crate::leak::*;
use crate::support::{Reply, TestServer};
use pasarela::etpay::{
    self, notification as etpay_notification, EtpayClient, EtpayConfig, EtpayError, EtpayErrorKind,
    FixedClock, PaymentQuery, SessionRequest, Verifier, VerifyError,
};
use pasarela::lyra::notification::{self, Keys, NotificationError, SignedWith};
use pasarela::lyra::{types, LyraClient, LyraConfig, LyraError, LyraErrorKind};
use pasarela::Secret;

const SHORT: Duration = Duration::from_millis(300);

/// A base URL whose path holds a secret segment, on a port nobody listens on.
async fn refused_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/{URL_SECRET}", listener.local_addr().unwrap());
    drop(listener);
    url
}

async fn server(reply: Reply) -> TestServer {
    TestServer::start(move |_| reply.clone()).await
}

#[test]
fn secrets_keys_and_configurations_print_redacted() {
    for secret in SECRETS {
        assert_debug_and_display_clean("Secret", &Secret::new(secret));
    }
    let keys = Keys::new(PASSWORD, HMAC_KEY);
    assert_clean("Keys", &format!("{keys:?} {keys:#?}"));
    let url = format!("http://127.0.0.1:9/{URL_SECRET}");
    let config = LyraConfig::new(SHOP, PASSWORD, url.as_str());
    assert_clean(
        "LyraConfig",
        &format!("{config:?} {config:#?}").replace(&url, "URL"),
    );
    let client = LyraClient::new(&config).unwrap();
    assert_clean(
        "LyraClient",
        &format!("{client:?} {client:#?}").replace(&url, "URL"),
    );
    let config = EtpayConfig::new(&url, &url, "cl_leak", Secret::new(API_TOKEN))
        .unwrap()
        .with_connect_timeout(SHORT);
    let shown = format!("{config:?} {config:#?}");
    assert!(shown.contains("connect_timeout"), "{shown}");
    // The configured URL is shown by the config (the caller's own value), never by errors.
    assert_clean("EtpayConfig", &shown.replace(URL_SECRET, "PATH"));
    assert_clean("Verifier", &format!("{:?}", Verifier::new()));
}

async fn lyra_error(base_url: &str, timeout: Duration) -> LyraError {
    let config = LyraConfig::new(SHOP, PASSWORD, base_url).with_timeout(timeout);
    LyraClient::new(&config)
        .unwrap()
        .sdk_test(types::SdkTestRequest {
            value: "ping".into(),
        })
        .await
        .unwrap_err()
}

fn lyra_envelope(status: &str, answer: serde_json::Value) -> Reply {
    Reply::json(
        &json!({"webService": "Charge/SDKTest", "status": status, "answer": answer,
        "ticket": "ticket-4711", "_type": "V4/WebService/Response"}),
    )
}

#[tokio::test]
async fn every_lyra_error_kind_is_clean() {
    let mut seen = BTreeSet::new();
    let mut check = |error: LyraError, kind: LyraErrorKind| {
        assert_eq!(error.kind(), kind, "{error:?}");
        assert_error_clean(&format!("LyraError::{kind:?}"), &error);
        seen.insert(format!("{kind:?}"));
        error
    };
    for bad in [
        LyraConfig::new("6987:6357", PASSWORD, "http://127.0.0.1:9"),
        LyraConfig::new("", PASSWORD, "http://127.0.0.1:9"),
        LyraConfig::new(SHOP, PASSWORD, format!("ftp://x/{URL_SECRET}")),
        LyraConfig::new(SHOP, PASSWORD, format!("http://x/{URL_SECRET}?{PASSWORD}")),
    ] {
        check(LyraClient::new(&bad).unwrap_err(), LyraErrorKind::Config);
    }

    let error = check(
        lyra_error(&refused_url().await, SHORT).await,
        LyraErrorKind::Connect,
    );
    assert!(
        error.source().is_some(),
        "transport errors keep their cause"
    );

    let slow = server(Reply::Delay(Duration::from_secs(3), Box::new(Reply::Drop))).await;
    let url = format!("{}/{URL_SECRET}", slow.base_url);
    let error = check(lyra_error(&url, SHORT).await, LyraErrorKind::Timeout);
    assert!(error.source().is_some());

    let dropping = server(Reply::Drop).await;
    let url = format!("{}/{URL_SECRET}", dropping.base_url);
    let error = check(lyra_error(&url, SHORT).await, LyraErrorKind::Transport);
    assert!(error.source().is_some());

    let proxy = server(Reply::status(502, "text/html", "<html>Bad Gateway</html>")).await;
    check(
        lyra_error(&proxy.base_url, SHORT).await,
        LyraErrorKind::HttpStatus,
    );

    let garbage = server(Reply::status(200, "application/json", "{not json")).await;
    let error = check(
        lyra_error(&garbage.base_url, SHORT).await,
        LyraErrorKind::UndecodableResponse,
    );
    assert!(error.source().is_some(), "the decoding error");

    let wrong = server(lyra_envelope("SUCCESS", json!({"_type": "V4/Payment"}))).await;
    check(
        lyra_error(&wrong.base_url, SHORT).await,
        LyraErrorKind::UnexpectedAnswer,
    );

    let answer = json!({"errorCode": "INT_905", "errorMessage": "invalid login",
        "ticket": "null", "shopId": SHOP, "_type": "V4/WebService/WebServiceError"});
    let rejected = server(lyra_envelope("ERROR", answer)).await;
    let error = check(
        lyra_error(&rejected.base_url, SHORT).await,
        LyraErrorKind::Api,
    );
    let api = error.api_error().unwrap();
    assert_error_clean("ApiError", api);
    assert_eq!(api.ticket(), Some("ticket-4711"), "the envelope's ticket");
    assert_eq!(api.shop_id(), Some(SHOP));
    assert_eq!((api.status(), error.code()), (200, Some("INT_905")));
    assert!(api.to_string().contains("ticket-4711"), "{api}");

    // InvalidRequest cannot be provoked through typed requests (a unit test covers its text).
    assert_eq!(seen.len(), 8, "{seen:?}");
}

fn etpay_config(base_url: &str) -> EtpayConfig {
    EtpayConfig::new(base_url, base_url, "cl_leak", Secret::new(API_TOKEN))
        .unwrap()
        .with_timeout(SHORT)
}

async fn initialize(base_url: &str) -> EtpayError {
    EtpayClient::new(etpay_config(base_url))
        .unwrap()
        .initialize(&SessionRequest::new("oc-leak", 1000))
        .await
        .unwrap_err()
}

#[tokio::test]
async fn every_etpay_error_kind_is_clean() {
    let mut seen = BTreeSet::new();
    let mut check = |error: EtpayError, kind: EtpayErrorKind| {
        assert_eq!(error.kind(), kind, "{error:?}");
        assert_error_clean(&format!("EtpayError::{kind:?}"), &error);
        seen.insert(format!("{kind:?}"));
        error
    };
    let url = format!("http://127.0.0.1:9/{URL_SECRET}");
    for (api_url, token) in [
        (url.clone(), ""),
        (format!("ftp://x/{URL_SECRET}"), API_TOKEN),
        (format!("{url}?{API_TOKEN}"), API_TOKEN),
    ] {
        let error = EtpayConfig::new(&api_url, &url, "cl", Secret::new(token)).unwrap_err();
        check(error, EtpayErrorKind::Config);
    }
    let error = SessionRequest::new("x".repeat(65), 1)
        .to_body(&etpay_config(&url))
        .unwrap_err();
    check(error, EtpayErrorKind::InvalidRequest);

    let error = check(
        initialize(&refused_url().await).await,
        EtpayErrorKind::Connect,
    );
    assert!(
        error.source().is_some(),
        "transport errors keep their cause"
    );
    let slow = server(Reply::Delay(Duration::from_secs(3), Box::new(Reply::Drop))).await;
    let error = initialize(&format!("{}/{URL_SECRET}", slow.base_url)).await;
    assert!(check(error, EtpayErrorKind::Timeout).source().is_some());
    let dropping = server(Reply::Drop).await;
    let error = initialize(&format!("{}/{URL_SECRET}", dropping.base_url)).await;
    assert!(check(error, EtpayErrorKind::Transport).source().is_some());

    let proxy = server(Reply::status(502, "text/html", "<html>Bad Gateway</html>")).await;
    check(initialize(&proxy.base_url).await, EtpayErrorKind::Status);
    let garbage = server(Reply::status(200, "text/html", "<html>oops</html>")).await;
    check(initialize(&garbage.base_url).await, EtpayErrorKind::Decode);
    assert_eq!(seen.len(), 7, "{seen:?}");
}

#[tokio::test]
async fn an_undecodable_session_answer_keeps_the_signature_token_out_of_sight() {
    for body in [
        // Decodes, but the token cannot be a URL path segment.
        json!({"token": "..", "signature_token": SIGNATURE_TOKEN}),
        // Does not decode (no token), with the secret in the body.
        json!({"signature_token": SIGNATURE_TOKEN, "terms_url": 5}),
        json!({"token": 42, "signature_token": SIGNATURE_TOKEN}),
    ] {
        let answer = server(Reply::json(&body)).await;
        let error = initialize(&answer.base_url).await;
        assert_eq!(error.kind(), EtpayErrorKind::Decode, "{error:?}");
        assert_eq!(error.status(), Some(200));
        assert_error_clean("EtpayError::Decode with a signature token", &error);
        // The accessor documented as possibly secret is the only way to it.
        let raw = String::from_utf8_lossy(error.raw_body().unwrap()).into_owned();
        assert!(raw.contains(SIGNATURE_TOKEN), "{raw}");
    }
}

#[tokio::test]
async fn etpay_requests_and_sessions_never_print_a_token() {
    let config = etpay_config("http://127.0.0.1:9");
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

    let response: etpay::types::SessionInitializeResponse =
        serde_json::from_value(json!({"token": "session-tok", "signature_token": SIGNATURE_TOKEN}))
            .unwrap();
    assert_clean(
        "SessionInitializeResponse",
        &format!("{response:?} {response:#?}"),
    );
    assert!(serde_json::to_string(&response)
        .unwrap()
        .contains(SIGNATURE_TOKEN));
    let session = etpay::Session::from_response(response, &config).unwrap();
    assert_clean("Session", &format!("{session:?} {session:#?}"));
    assert_eq!(session.signature_token().expose(), SIGNATURE_TOKEN);
}

fn signed(claims: serde_json::Value, key: &str) -> String {
    etpay::sign_for_tests(&claims, &Secret::new(key)).unwrap()
}

#[test]
fn every_etpay_verify_error_is_clean() {
    let key = Secret::new(SIGNATURE_TOKEN);
    let claims = json!({"session_token": "s", "merchant_order_id": "oc1", "merchant_amount": 1,
        "payment_status": true, "iat": 1_643_663_332u64});
    let jwt = signed(claims.clone(), SIGNATURE_TOKEN);
    let verified = Verifier::new()
        .verify_notification(&jwt, &key, "s")
        .unwrap();
    assert_clean("Notification", &format!("{verified:?} {verified:#?}"));

    let at = |now: u64| {
        Verifier::new()
            .with_max_age(Duration::from_secs(60))
            .with_clock(FixedClock(now))
    };
    let none = format!("eyJhbGciOiJub25lIn0.{}.", jwt.split('.').nth(1).unwrap());
    let no_iat = signed(
        json!({"session_token": "s", "payment_status": true}),
        SIGNATURE_TOKEN,
    );
    let errors: Vec<VerifyError> = vec![
        Verifier::new()
            .verify_payment(&jwt, &Secret::new(""))
            .unwrap_err(),
        Verifier::new()
            .verify_payment("not a jwt", &key)
            .unwrap_err(),
        etpay_notification::jwt_from_body(SIGNATURE_TOKEN.as_bytes()).unwrap_err(),
        Verifier::new()
            .verify_payment(&jwt, &Secret::new("another"))
            .unwrap_err(),
        Verifier::new()
            .verify_payment(&jwt[..jwt.len() - 3], &key)
            .unwrap_err(),
        Verifier::new().verify_payment(&none, &key).unwrap_err(),
        Verifier::new().verify_payment(&no_iat, &key).unwrap_err(),
        Verifier::new()
            .verify_system_error(&jwt, SIGNATURE_TOKEN)
            .unwrap_err(),
        at(1_643_663_332 + 3600)
            .verify_payment(&jwt, &key)
            .unwrap_err(),
        at(1_643_663_332 - 3600)
            .verify_payment(&jwt, &key)
            .unwrap_err(),
    ];
    let mut seen = BTreeSet::new();
    for error in &errors {
        assert_error_clean("VerifyError", error);
        seen.insert(
            format!("{error:?}")
                .split([' ', '{', '('])
                .next()
                .unwrap()
                .to_owned(),
        );
    }
    let all = [
        "BadSignature",
        "InvalidClaims",
        "IssuedInFuture",
        "KeyNotConfigured",
        "Malformed",
        "TooOld",
        "WrongAlgorithm",
    ];
    assert_eq!(
        seen,
        all.iter().map(|s| s.to_string()).collect(),
        "{errors:?}"
    );
}

/// A Lyra result form from (name, value) pairs.
fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        serializer.append_pair(name, value);
    }
    serializer.finish().into_bytes()
}

/// Every way `notification::verify` can refuse a body, keyed by `NotificationError::code`.
fn notification_errors(keys: &Keys) -> Vec<NotificationError> {
    let answer = r#"{"orderStatus":"PAID","_type":"V4/Payment"}"#;
    let hash = notification::compute_hash(answer, keys.get(SignedWith::Password));
    let fields = |algorithm: &'static str, key: &'static str, hash: String| {
        move |extra: &[(&str, &str)]| {
            let mut all = vec![
                ("kr-hash", hash.as_str()),
                ("kr-hash-algorithm", algorithm),
                ("kr-hash-key", key),
                ("kr-answer-type", "V4/Payment"),
                ("kr-answer", answer),
            ];
            all.extend_from_slice(extra);
            form(&all)
        }
    };
    let good = fields("sha256_hmac", "password", hash.clone());
    let undecodable = r#"{"orderStatus":42,"_type":"V4/Payment"}"#;
    let undecodable_hash = notification::compute_hash(undecodable, keys.get(SignedWith::Password));
    let bodies = vec![
        (vec![b'a'; notification::MAX_BODY_BYTES + 1], keys.clone()),
        (Vec::new(), keys.clone()),
        (
            [&good(&[])[..], b"&kr-answer-type=%FF"].concat(),
            keys.clone(),
        ),
        (form(&[("kr-hash", &hash)]), keys.clone()),
        (good(&[("kr-hash", &hash)]), keys.clone()),
        (fields("md5", "password", hash.clone())(&[]), keys.clone()),
        (
            fields("sha256_hmac", "other", hash.clone())(&[]),
            keys.clone(),
        ),
        (good(&[]), Keys::new("", HMAC_KEY)),
        (
            fields("sha256_hmac", "password", "zz".into())(&[]),
            keys.clone(),
        ),
        (good(&[]), Keys::new("another-password", HMAC_KEY)),
        (
            form(&[
                ("kr-hash", &undecodable_hash),
                ("kr-hash-algorithm", "sha256_hmac"),
                ("kr-hash-key", "password"),
                ("kr-answer-type", "V4/Payment"),
                ("kr-answer", undecodable),
            ]),
            keys.clone(),
        ),
    ];
    bodies
        .into_iter()
        .map(|(body, keys)| notification::verify(&body, &keys).unwrap_err())
        .collect()
}

#[test]
fn every_lyra_notification_error_is_clean() {
    let keys = Keys::new(PASSWORD, HMAC_KEY);
    let errors = notification_errors(&keys);
    let codes: BTreeSet<&str> = errors.iter().map(NotificationError::code).collect();
    assert_eq!(codes.len(), 11, "every variant once: {errors:?}");
    for error in &errors {
        assert_error_clean("NotificationError", error);
    }
    for kind in [SignedWith::Password, SignedWith::HmacKey] {
        let body = notification::sign(
            r#"{"orderStatus":"PAID","_type":"V4/Payment"}"#,
            kind,
            &keys,
        );
        let verified = notification::verify(&body, &keys).unwrap();
        assert_clean("VerifiedAnswer", &format!("{verified:?} {verified:#?}"));
    }
}
