//! HTTP contract tests of the ETpay client against an in-process server (raw tokio TCP, one
//! canned answer per connection). Request bodies are compared as data with the spec's examples.

use std::time::Duration;

use pasarela::etpay::{
    types, EtpayClient, EtpayConfig, EtpayErrorKind, PaymentQuery, SessionRequest,
};
use pasarela::Secret;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const SPEC: &str = include_str!("../../openapi/etpay.yaml");

/// What the server saw.
#[derive(Debug)]
struct Seen {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("the request body is JSON")
    }
}

/// Serves one connection with `status` and `body`, reports the request.
async fn serve_once(status: u16, body: &str) -> (String, oneshot::Receiver<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel();
    let body = body.to_owned();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            let n = socket.read(&mut chunk).await.unwrap();
            assert!(n > 0, "connection closed before the headers ended");
            buf.extend_from_slice(&chunk[..n]);
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
        };
        let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap().split(' ');
        let method = request_line.next().unwrap().to_owned();
        let path = request_line.next().unwrap().to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.parse().unwrap());
        while buf.len() < head_end + length {
            let n = socket.read(&mut chunk).await.unwrap();
            buf.extend_from_slice(&chunk[..n]);
        }
        let answer = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        socket.write_all(answer.as_bytes()).await.unwrap();
        let _ = tx.send(Seen {
            method,
            path,
            headers,
            body: buf[head_end..head_end + length].to_vec(),
        });
    });
    (base, rx)
}

fn spec() -> Value {
    serde_yaml::from_str(SPEC).unwrap()
}

fn request_example(path: &str, name: Option<&str>) -> Value {
    let media = &spec()["paths"][path]["post"]["requestBody"]["content"]["application/json"];
    match name {
        Some(name) => media["examples"][name]["value"].clone(),
        None => media["example"].clone(),
    }
}

fn response_example(path: &str) -> Value {
    spec()["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["example"]
        .clone()
}

/// A config whose credentials are the ones printed in the spec examples.
fn config(base: &str, merchant_code: &str) -> EtpayConfig {
    EtpayConfig::new(
        base,
        "https://pmt-sandbox.etpay.com",
        merchant_code,
        Secret::new("your_merchant_api_token"),
    )
    .unwrap()
    .with_user_agent("pasarela-test/1")
}

fn opt(example: &Value, key: &str) -> Option<String> {
    example[key].as_str().map(str::to_owned)
}

#[tokio::test]
async fn initialize_minimal_request_matches_the_seed_example() {
    let answer = response_example("/session/initialize");
    let (base, seen) = serve_once(200, &answer.to_string()).await;
    let client = EtpayClient::new(config(&base, "your_merchant_code")).unwrap();
    let session = client
        .initialize(&SessionRequest::new("your_order_id", 2000))
        .await
        .unwrap();

    let seen = seen.await.unwrap();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/session/initialize");
    assert!(seen
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(seen.header("user-agent"), Some("pasarela-test/1"));
    assert_eq!(
        seen.json(),
        request_example("/session/initialize", Some("minimal"))
    );

    assert_eq!(session.token(), answer["token"].as_str().unwrap());
    assert_eq!(
        session.signature_token().expose(),
        answer["signature_token"].as_str().unwrap()
    );
    assert_eq!(session.terms_url(), answer["terms_url"].as_str());
    assert_eq!(
        session.funnel_url(),
        format!(
            "https://pmt-sandbox.etpay.com/session/{}",
            answer["token"].as_str().unwrap()
        )
    );
    assert!(!format!("{session:?}").contains(answer["signature_token"].as_str().unwrap()));
}

#[tokio::test]
async fn initialize_with_every_optional_field_matches_the_spec_examples() {
    for name in ["redirectAndWebhook", "withMetadata"] {
        let example = request_example("/session/initialize", Some(name));
        let (base, seen) =
            serve_once(200, &response_example("/session/initialize").to_string()).await;
        let client =
            EtpayClient::new(config(&base, example["merchant_code"].as_str().unwrap())).unwrap();
        let mut request = SessionRequest::new(
            example["merchant_order_id"].as_str().unwrap(),
            example["order_amount"].as_i64().unwrap(),
        );
        request.payment_completed_url = opt(&example, "payment_completed_url");
        request.payment_cancellation_url = opt(&example, "payment_cancellation_url");
        request.payment_webhook_url = opt(&example, "payment_webhook_url");
        request.concat = opt(&example, "concat");
        request.customer_email = opt(&example, "customer_email");
        request.user_bank_code = opt(&example, "user_bank_code");
        request.user_rut = opt(&example, "user_rut");
        request.is_rut_block = opt(&example, "is_rut_block").map(types::RutBlock::String);
        if let Some(lines) = example.get("metadata") {
            request.metadata = serde_json::from_value(lines.clone()).unwrap();
        }
        client.initialize(&request).await.unwrap();
        let seen = seen.await.unwrap();
        assert_eq!(seen.json(), example, "{name}");
    }
}

#[tokio::test]
async fn check_payment_status_matches_the_spec_examples() {
    let answer = response_example("/merchant/check_payment_status");
    let (base, seen) = serve_once(200, &answer.to_string()).await;
    let client = EtpayClient::new(config(&base, "cl_sandbox_demo")).unwrap();
    let payments = client
        .check_payment_status(&PaymentQuery::MerchantOrderId("oc1234566".into()))
        .await
        .unwrap();

    let seen = seen.await.unwrap();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/merchant/check_payment_status");
    assert!(seen
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(
        seen.json(),
        request_example("/merchant/check_payment_status", None)
    );

    assert_eq!(payments.len(), 1);
    assert!(payments[0].is_paid());
    assert_eq!(
        payments[0].payment_token.as_deref(),
        Some("prNZK[...]yuPfd")
    );
    assert_eq!(serde_json::to_value(&payments).unwrap(), answer);
}

#[tokio::test]
async fn check_payment_status_by_each_key() {
    let cases = [
        (
            PaymentQuery::PaymentToken("pt".into()),
            "payment_token",
            "pt",
        ),
        (
            PaymentQuery::SessionToken("st".into()),
            "session_token",
            "st",
        ),
    ];
    for (query, key, value) in cases {
        let (base, seen) = serve_once(200, "[]").await;
        let client = EtpayClient::new(config(&base, "cl_sandbox_demo")).unwrap();
        assert_eq!(client.check_payment_status(&query).await.unwrap(), vec![]);
        let body = seen.await.unwrap().json();
        assert_eq!(
            body,
            serde_json::json!({"merchant_api_token": "your_merchant_api_token", key: value})
        );
    }
}

#[tokio::test]
async fn start_direct_debit_session_matches_the_spec_examples() {
    let answer = response_example("/dd/start-session");
    let example = request_example("/dd/start-session", None);
    let (base, seen) = serve_once(200, &answer.to_string()).await;
    let client =
        EtpayClient::new(config(&base, example["merchant_code"].as_str().unwrap())).unwrap();
    let session = client.start_direct_debit_session().await.unwrap();

    let seen = seen.await.unwrap();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.path, "/dd/start-session");
    assert!(seen
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(seen.json(), example);

    assert_eq!(session.token(), answer["token"].as_str().unwrap());
    assert_eq!(
        session.signature_token().expose(),
        answer["signature_token"].as_str().unwrap()
    );
    assert_eq!(session.terms_url(), answer["terms_url"].as_str());
    assert!(!format!("{session:?}").contains(answer["signature_token"].as_str().unwrap()));
}

#[tokio::test]
async fn start_direct_debit_session_errors_are_typed() {
    let (base, _seen) = serve_once(401, r#"{"message":"invalid merchant credentials"}"#).await;
    let client = EtpayClient::new(config(&base, "cl_demo_cl")).unwrap();
    let err = client.start_direct_debit_session().await.unwrap_err();
    assert_eq!(err.kind(), EtpayErrorKind::Status, "{err:?}");
    assert_eq!(err.status(), Some(401));
    assert!(!format!("{err:?}").contains("your_merchant_api_token"));

    // A 200 without usable tokens is not a session; the key stays out of the error's text.
    for body in [
        r#"{"terms_url":null}"#,
        r#"{"token":"","signature_token":"k3y"}"#,
    ] {
        let (base, _seen) = serve_once(200, body).await;
        let client = EtpayClient::new(config(&base, "cl_demo_cl")).unwrap();
        let err = client.start_direct_debit_session().await.unwrap_err();
        assert_eq!(err.kind(), EtpayErrorKind::Decode, "{body}: {err:?}");
        assert!(!format!("{err:?} {err}").contains("k3y"), "{body}");
    }
}

#[tokio::test]
async fn non_2xx_keeps_the_status_and_body_text() {
    let (base, _seen) = serve_once(401, r#"{"message":"Unauthorized"}"#).await;
    let client = EtpayClient::new(config(&base, "cl_sandbox_demo")).unwrap();
    let err = client
        .initialize(&SessionRequest::new("oc1", 1000))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), EtpayErrorKind::Status, "{err:?}");
    assert_eq!(err.raw_body(), Some(&br#"{"message":"Unauthorized"}"#[..]));
    assert_eq!(err.code(), None, "no code or error field");
    assert_eq!(err.status(), Some(401));
    assert!(err.may_have_reached_etpay());

    let (base, _seen) = serve_once(500, "upstream exploded").await;
    let client = EtpayClient::new(config(&base, "cl_sandbox_demo")).unwrap();
    let err = client
        .check_payment_status(&PaymentQuery::PaymentToken("p".into()))
        .await
        .unwrap_err();
    assert_eq!(err.raw_body(), Some(&b"upstream exploded"[..]));
    assert!(!err.to_string().contains("your_merchant_api_token"));
}

#[tokio::test]
async fn garbage_body_is_a_decode_error_with_the_raw_text() {
    let (base, _seen) = serve_once(200, "<html>oops</html>").await;
    let client = EtpayClient::new(config(&base, "cl_sandbox_demo")).unwrap();
    let err = client
        .initialize(&SessionRequest::new("oc1", 1000))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), EtpayErrorKind::Decode, "{err:?}");
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.raw_body(), Some(&b"<html>oops</html>"[..]));
    // Valid JSON of the wrong shape (no token) is undecodable too.
    let (base, _seen) = serve_once(200, r#"{"terms_url":null}"#).await;
    let client = EtpayClient::new(config(&base, "cl_sandbox_demo")).unwrap();
    let err = client
        .initialize(&SessionRequest::new("oc1", 1000))
        .await
        .unwrap_err();
    assert!(err.kind() == EtpayErrorKind::Decode, "{err:?}");
    // A 200 whose token cannot be a path segment is not a usable session.
    let (base, _seen) = serve_once(200, r#"{"token":"..","signature_token":"k"}"#).await;
    let client = EtpayClient::new(config(&base, "cl_sandbox_demo")).unwrap();
    let err = client
        .initialize(&SessionRequest::new("oc1", 1000))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), EtpayErrorKind::Decode, "{err:?}");
    assert_eq!(err.status(), Some(200));
    // A status answer that is not an array.
    let (base, _seen) = serve_once(200, r#"{"payment_status":true}"#).await;
    let client = EtpayClient::new(config(&base, "cl_sandbox_demo")).unwrap();
    let err = client
        .check_payment_status(&PaymentQuery::PaymentToken("p".into()))
        .await
        .unwrap_err();
    assert_eq!(err.raw_body(), Some(&br#"{"payment_status":true}"#[..]));
}

#[tokio::test]
async fn connection_refused_did_not_reach_etpay() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = EtpayClient::new(config(&base, "cl_sandbox_demo")).unwrap();
    let err = client
        .initialize(&SessionRequest::new("oc1", 1000))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), EtpayErrorKind::Connect, "{err:?}");
    assert!(!err.may_have_reached_etpay());
}

#[tokio::test]
async fn silent_server_is_a_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        tokio::time::sleep(Duration::from_secs(30)).await;
        drop(socket);
    });
    let client =
        EtpayClient::new(config(&base, "cl_sandbox_demo").with_timeout(Duration::from_millis(300)))
            .unwrap();
    let err = client
        .initialize(&SessionRequest::new("oc1", 1000))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), EtpayErrorKind::Timeout, "{err:?}");
    assert!(err.may_have_reached_etpay());
    hold.abort();
}

#[tokio::test]
async fn invalid_request_is_refused_before_sending() {
    let (base, seen) = serve_once(200, "{}").await;
    let client = EtpayClient::new(config(&base, "cl_sandbox_demo")).unwrap();
    let err = client
        .initialize(&SessionRequest::new("x".repeat(65), 1000))
        .await
        .unwrap_err();
    assert!(err.kind() == EtpayErrorKind::InvalidRequest, "{err:?}");
    assert!(!err.may_have_reached_etpay());
    let mut phone = SessionRequest::new("oc1", 1000);
    phone.customer_phone = Some("12-34".into());
    assert!(matches!(
        client.initialize(&phone).await,
        Err(e) if e.kind() == EtpayErrorKind::InvalidRequest
    ));
    let mut seen = seen;
    assert!(seen.try_recv().is_err(), "nothing reached the server");
}

#[test]
fn funnel_url_is_built_from_path_segments() {
    let config = EtpayConfig::new(
        "https://api-sandbox.etpay.com",
        "https://sandbox-alb.etpayment.com/sandbox/?x=1#f",
        "cl_demo",
        Secret::new("t"),
    )
    .unwrap();
    assert_eq!(
        config.funnel_url("abc123").unwrap(),
        "https://sandbox-alb.etpayment.com/sandbox/session/abc123"
    );
    assert_eq!(
        config.funnel_url("a/b?c#d e").unwrap(),
        "https://sandbox-alb.etpayment.com/sandbox/session/a%2Fb%3Fc%23d%20e"
    );
    assert_eq!(
        config.funnel_url("%2e%2e").unwrap(),
        "https://sandbox-alb.etpayment.com/sandbox/session/%252e%252e"
    );
    for bad in ["", ".", ".."] {
        assert!(
            matches!(
                config.funnel_url(bad),
                Err(e) if e.kind() == EtpayErrorKind::InvalidRequest
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn config_rejects_bad_values_and_redacts_the_token() {
    let token = Secret::new("super-secret-api-token");
    assert!(matches!(
        EtpayConfig::new("not a url", "https://p", "c", token.clone()),
        Err(e) if e.kind() == EtpayErrorKind::Config
    ));
    assert!(matches!(
        EtpayConfig::new("ftp://a", "https://p", "c", token.clone()),
        Err(e) if e.kind() == EtpayErrorKind::Config
    ));
    assert!(matches!(
        EtpayConfig::new("https://a", "https://p", "", token.clone()),
        Err(e) if e.kind() == EtpayErrorKind::Config
    ));
    assert!(matches!(
        EtpayConfig::new("https://a", "https://p", "c", Secret::new("")),
        Err(e) if e.kind() == EtpayErrorKind::Config
    ));
    let config = EtpayConfig::new("https://a/", "https://p", "c", token).unwrap();
    assert_eq!(config.api_url(), "https://a");
    let body = SessionRequest::new("oc1", 5).to_body(&config).unwrap();
    for shown in [format!("{config:?}"), format!("{body:?}")] {
        assert!(!shown.contains("super-secret-api-token"), "{shown}");
    }
    // The wire form does carry it.
    assert_eq!(
        serde_json::to_value(&body).unwrap()["merchant_api_token"],
        "super-secret-api-token"
    );
}
